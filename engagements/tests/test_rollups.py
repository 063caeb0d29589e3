"""The scheduled rollup: KPI periods, scorecards, vendor standings and review flags."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements import tasks
from engagements.models import (
    Aggregation,
    Engagement,
    JobRun,
    KpiRollup,
    Measurement,
    PerformanceReview,
    Period,
    Scorecard,
)
from engagements.services.monitoring import reviews, rollup_kpis
from engagements.services.monitoring import rollup as rollup_job
from engagements.tests.factories import (
    EngagementFactory,
    KpiFactory,
    PerformanceReviewFactory,
    ScorecardFactory,
)
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.dates]

D = Decimal
UTC = datetime.UTC
# The engagements of the factories start on Monday 6 January 2025.
JAN, FEB, MAR, APR, MAY = (datetime.date(2025, month, 1) for month in range(1, 6))


def at(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


def run_at(day: datetime.date, hour: int = 3, **options):
    """Run the job as the scheduler would at that moment."""
    with time_machine.travel(at(day, hour), tick=False):
        return rollup_kpis(**options)


def measure(kpi, day: datetime.date, value: str, *, saved: datetime.date | None = None):
    """A measurement, saved on `saved` (default: its own day, as if typed in on time)."""
    with time_machine.travel(at(saved or day, 1), tick=False):
        return Measurement.objects.create(kpi=kpi, measured_on=day, value=D(value))


def rollup(kpi, start: datetime.date) -> KpiRollup:
    return KpiRollup.objects.get(kpi=kpi, period_start=start)


def card(engagement, month: datetime.date) -> Scorecard:
    return Scorecard.objects.get(engagement=engagement, period=Period.MONTH, period_start=month)


def rollup_rows():
    return list(
        KpiRollup.objects.order_by("kpi", "period_start").values_list(
            "kpi", "period_start", "period_end", "value", "status", "trend", "measurement_count"
        )
    )


# --- values per period --------------------------------------------------------------


def test_it_averages_a_monthly_kpi_per_month():
    kpi = KpiFactory(aggregation=Aggregation.AVERAGE, period=Period.MONTH)
    measure(kpi, datetime.date(2025, 1, 10), "90")
    measure(kpi, datetime.date(2025, 1, 20), "97")
    measure(kpi, datetime.date(2025, 2, 3), "99")

    run_at(MAR)

    january = rollup(kpi, JAN)
    assert january.value == D("93.5")
    assert january.period_end == datetime.date(2025, 1, 31)
    assert january.status == "amber"  # 93.5: under green (95), not under amber (90)
    assert january.measurement_count == 2
    assert rollup(kpi, FEB).value == D("99")


def test_it_sums_a_weekly_kpi_per_week_from_monday_to_sunday():
    kpi = KpiFactory(aggregation=Aggregation.SUM, period=Period.WEEK, lower_is_better=True)
    measure(kpi, datetime.date(2025, 1, 6), "1")  # Monday
    measure(kpi, datetime.date(2025, 1, 12), "2.5")  # Sunday, same week
    measure(kpi, datetime.date(2025, 1, 13), "4")  # next Monday

    run_at(datetime.date(2025, 1, 20))

    first = rollup(kpi, datetime.date(2025, 1, 6))
    assert (first.value, first.period_end, first.measurement_count) == (
        D("3.5"),
        datetime.date(2025, 1, 12),
        2,
    )
    assert rollup(kpi, datetime.date(2025, 1, 13)).value == D("4")


def test_it_takes_the_latest_value_by_date_for_a_quarterly_kpi():
    kpi = KpiFactory(aggregation=Aggregation.LATEST, period=Period.QUARTER)
    measure(kpi, datetime.date(2025, 3, 20), "96")
    measure(kpi, datetime.date(2025, 1, 15), "91", saved=datetime.date(2025, 3, 25))  # typed late

    run_at(APR)

    first_quarter = rollup(kpi, JAN)
    assert first_quarter.value == D("96")
    assert first_quarter.period_end == datetime.date(2025, 3, 31)
    assert first_quarter.measurement_count == 2


def test_a_period_without_measurements_is_no_data_never_zero():
    kpi = KpiFactory(aggregation=Aggregation.SUM)
    measure(kpi, datetime.date(2025, 1, 10), "96")
    measure(kpi, datetime.date(2025, 3, 10), "97")

    run_at(datetime.date(2025, 4, 15), since=JAN)

    for empty in (rollup(kpi, FEB), rollup(kpi, APR)):  # a gap, and the current month
        assert (empty.value, empty.status, empty.measurement_count) == (None, "no_data", 0)
    assert rollup(kpi, JAN).value == D("96")


def test_the_current_period_is_written_as_no_data_before_anything_is_measured():
    kpi = KpiFactory(period=Period.WEEK)

    run_at(datetime.date(2025, 1, 8))

    current = rollup(kpi, datetime.date(2025, 1, 6))
    assert (current.value, current.status) == (None, "no_data")


def test_the_trend_says_better_or_worse_honouring_the_direction():
    higher = KpiFactory()
    lower = KpiFactory(lower_is_better=True)
    for kpi, values in ((higher, ("91", "96", "96", "92")), (lower, ("5", "3", "3", "7"))):
        for month, value in zip((JAN, FEB, MAR, APR), values, strict=True):
            measure(kpi, month + datetime.timedelta(days=9), value)

    run_at(MAY)

    for kpi in (higher, lower):
        trends = [rollup(kpi, month).trend for month in (JAN, FEB, MAR, APR)]
        assert trends == ["unknown", "better", "same", "worse"]


def test_the_trend_is_unknown_next_to_a_period_without_data():
    kpi = KpiFactory()
    measure(kpi, datetime.date(2025, 1, 10), "91")
    measure(kpi, datetime.date(2025, 3, 10), "96")

    run_at(APR, since=JAN)

    assert [rollup(kpi, month).trend for month in (JAN, FEB, MAR)] == [
        "unknown",
        "unknown",
        "unknown",
    ]


def test_only_active_kpis_of_live_engagements_are_rolled_up():
    measured = KpiFactory()
    inactive = KpiFactory(is_active=False, engagement=measured.engagement)
    finished = KpiFactory(engagement=EngagementFactory(status=Engagement.Status.COMPLETED))
    for kpi in (measured, inactive, finished):
        measure(kpi, datetime.date(2025, 1, 10), "96")

    run_at(FEB)

    assert set(KpiRollup.objects.values_list("kpi", flat=True)) == {measured.pk}


# --- safe to run twice, late, incrementally, after a crash ----------------------------


def test_it_runs_twice_and_rolls_up_once():
    kpi = KpiFactory()
    weekly = KpiFactory(engagement=kpi.engagement, period=Period.WEEK)
    for day in (datetime.date(2025, 1, 10), datetime.date(2025, 2, 12)):
        measure(kpi, day, "93")
        measure(weekly, day, "97")
    run_at(datetime.date(2025, 2, 14), since=JAN)
    first = rollup_rows()
    cards = list(Scorecard.objects.values_list("period_start", "score", "breakdown"))

    run_at(datetime.date(2025, 2, 14), hour=4)
    run_at(datetime.date(2025, 2, 14), hour=5, since=JAN)

    assert rollup_rows() == first
    assert KpiRollup.objects.count() == len(first)
    assert list(Scorecard.objects.values_list("period_start", "score", "breakdown")) == cards


def test_a_late_measurement_reopens_only_its_own_period():
    kpi = KpiFactory()
    for month in (JAN, FEB, MAR):
        measure(kpi, month + datetime.timedelta(days=9), "96")
    run_at(APR)
    computed = dict(KpiRollup.objects.values_list("period_start", "computed_at"))

    measure(kpi, datetime.date(2025, 1, 20), "80", saved=datetime.date(2025, 4, 10))
    run_at(datetime.date(2025, 4, 10))

    january = rollup(kpi, JAN)
    assert (january.value, january.measurement_count) == (D("88"), 2)
    assert january.computed_at == at(datetime.date(2025, 4, 10))
    assert card(kpi.engagement, JAN).computed_at == at(datetime.date(2025, 4, 10))
    for closed in (FEB, MAR):
        assert rollup(kpi, closed).computed_at == computed[closed]
        assert card(kpi.engagement, closed).computed_at == at(APR)


def test_a_deleted_measurement_leaves_no_data_when_its_period_is_recomputed():
    kpi = KpiFactory()
    typo = measure(kpi, datetime.date(2025, 1, 10), "9.6")
    run_at(datetime.date(2025, 1, 20))

    typo.delete()
    run_at(datetime.date(2025, 1, 21))

    january = rollup(kpi, JAN)
    assert (january.value, january.status, january.measurement_count) == (None, "no_data", 0)


def test_editing_thresholds_later_does_not_rewrite_closed_periods():
    kpi = KpiFactory()
    measure(kpi, datetime.date(2025, 2, 10), "93")  # amber with red below 90
    measure(kpi, datetime.date(2025, 4, 2), "93")
    run_at(datetime.date(2025, 4, 3))
    february_card = card(kpi.engagement, FEB)

    kpi.amber_threshold, kpi.red_threshold, kpi.target = D("97"), D("95"), D("99")
    kpi.save()
    run_at(datetime.date(2025, 4, 10))

    assert rollup(kpi, FEB).status == "amber"
    assert card(kpi.engagement, FEB).breakdown == february_card.breakdown
    assert rollup(kpi, APR).status == "red"  # the open period follows the new thresholds


def test_a_backfill_recomputes_every_period_from_its_first_day():
    kpi = KpiFactory()
    for month in (JAN, FEB, MAR):
        measure(kpi, month + datetime.timedelta(days=9), "93")
    run_at(APR)
    kpi.amber_threshold, kpi.red_threshold, kpi.target = D("97"), D("95"), D("99")
    kpi.save()

    run_at(datetime.date(2025, 4, 10), since=datetime.date(2025, 2, 14))

    assert [rollup(kpi, month).status for month in (JAN, FEB, MAR)] == ["amber", "red", "red"]
    assert card(kpi.engagement, JAN).computed_at == at(APR)
    assert card(kpi.engagement, FEB).computed_at == at(datetime.date(2025, 4, 10))


def test_a_run_for_one_engagement_leaves_the_others_and_the_watermark_alone():
    mine, other = KpiFactory(), KpiFactory()
    for kpi in (mine, other):
        measure(kpi, datetime.date(2025, 1, 10), "96")

    report = run_at(FEB, engagement_id=mine.engagement_id)

    assert set(KpiRollup.objects.values_list("kpi", flat=True)) == {mine.pk}
    assert set(Scorecard.objects.values_list("engagement", flat=True)) == {mine.engagement_id}
    assert report.kpis == 1
    assert not JobRun.objects.filter(name="rollup_kpis").exists()


def test_a_successful_run_moves_the_watermark_to_its_start():
    KpiFactory()

    run_at(FEB)

    job = JobRun.objects.get(name="rollup_kpis")
    assert job.watermark == job.last_started_at == at(FEB)
    assert "Rolled up 1 KPI(s)" in job.last_result


def test_a_run_standing_at_an_earlier_moment_never_moves_the_watermark_back():
    KpiFactory()
    run_at(MAR)

    with time_machine.travel(at(MAR, 4), tick=False):
        rollup_kpis(now=at(FEB))  # as the demo seed does on a later day

    assert JobRun.objects.get().watermark == at(MAR)


def test_a_crash_halfway_keeps_the_watermark_and_the_next_run_finishes(monkeypatch):
    first, second = KpiFactory(), KpiFactory()
    run_at(datetime.date(2025, 1, 6))
    for kpi in (first, second):
        measure(kpi, datetime.date(2025, 1, 10), "98")
    monkeypatch.setattr(rollup_job, "KPI_BATCH", 1)
    monkeypatch.setattr(rollup_job, "INCREMENTAL_KPI_BATCH", 1)
    upsert = rollup_job.upsert_rollups
    batches: list[list[KpiRollup]] = []

    def crash_after_first_batch(rows):
        if batches:
            raise ConnectionError("worker lost")
        upsert(rows)
        batches.append(rows)

    monkeypatch.setattr(rollup_job, "upsert_rollups", crash_after_first_batch)

    with pytest.raises(ConnectionError):
        run_at(datetime.date(2025, 1, 11))

    assert JobRun.objects.get().watermark == at(datetime.date(2025, 1, 6))
    assert rollup(first, JAN).value == D("98")
    assert rollup(second, JAN).value is None  # the first run's "no data" is still there

    monkeypatch.setattr(rollup_job, "upsert_rollups", upsert)
    run_at(datetime.date(2025, 1, 12))

    assert rollup(second, JAN).value == D("98")
    assert card(second.engagement, JAN).score == D("100.0")
    assert JobRun.objects.get().watermark == at(datetime.date(2025, 1, 12))


def test_the_rollup_of_one_kpi_runs_a_fixed_number_of_queries_however_many_measurements():
    today = datetime.date(2025, 6, 2)
    first_day = today - datetime.timedelta(days=10_000)
    kpi = KpiFactory(engagement=EngagementFactory(start_date=first_day, end_date=None))
    days = [first_day + datetime.timedelta(days=n) for n in range(10_000)]
    sparse = set(days[::100])

    def add(chosen, hour: int):
        with time_machine.travel(at(today, hour), tick=False):
            Measurement.objects.bulk_create(
                Measurement(kpi=kpi, measured_on=day, value=D("99")) for day in chosen
            )

    def count_queries(hour: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            run_at(today, hour=hour, since=first_day)
        # Left out: the scorecards' history insert, one per batch when a score changed.
        return len([q for q in queries if 'INSERT INTO "engagements_historical' not in q["sql"]])

    add(sorted(sparse), hour=1)
    run_at(today, hour=2, since=first_day)  # the job has run before
    at_100 = count_queries(hour=3)
    add([day for day in days if day not in sparse], hour=4)  # changed since that run
    at_10_000 = count_queries(hour=5)

    assert Measurement.objects.filter(kpi=kpi).count() == 10_000
    assert at_10_000 == at_100
    assert rollup(kpi, datetime.date(2025, 5, 1)).measurement_count == 31
    print(f"\nrollup_kpis queries: {at_100} at 100 measurements, {at_10_000} at 10,000")


# --- scorecards -----------------------------------------------------------------------


def test_a_scorecard_leaves_kpis_without_data_out_of_the_weights_and_says_so():
    engagement = EngagementFactory()
    measured = KpiFactory(engagement=engagement, name="On-time", weight=D("2"))
    KpiFactory(engagement=engagement, name="Rework", weight=D("3"))
    measure(measured, datetime.date(2025, 2, 10), "94")  # attainment (94-90)/(98-90) = 0.5

    run_at(MAR)

    february = card(engagement, FEB)
    assert february.score == D("50.0")
    assert (february.kpis_counted, february.kpis_without_data) == (1, 1)
    assert february.breakdown == [
        {
            "kpi": "On-time",
            "period": "month",
            "periods_with_data": 1,
            "weight": "2",
            "value": "94",
            "status": "amber",
            "attainment": "0.500",
        },
        {
            "kpi": "Rework",
            "period": "month",
            "periods_with_data": 0,
            "weight": "3",
            "value": None,
            "status": "no_data",
            "attainment": None,
        },
    ]


def test_a_scorecard_without_any_data_has_no_score():
    kpi = KpiFactory()

    run_at(datetime.date(2025, 1, 20))

    january = card(kpi.engagement, JAN)
    assert (january.score, january.kpis_counted, january.kpis_without_data) == (None, 0, 1)


def test_the_current_months_scorecard_is_written_while_the_week_began_last_month():
    september = datetime.date(2025, 9, 1)
    kpi = KpiFactory(period=Period.WEEK, engagement=EngagementFactory(start_date=september))

    run_at(datetime.date(2025, 10, 1))  # a Wednesday; the week began on 29 September

    assert rollup(kpi, datetime.date(2025, 9, 29)).status == "no_data"
    assert card(kpi.engagement, datetime.date(2025, 10, 1)).score is None


def test_weekly_kpis_count_with_the_weeks_starting_in_the_month_and_quarterly_with_the_quarter():
    engagement = EngagementFactory(start_date=datetime.date(2024, 12, 30))
    weekly = KpiFactory(engagement=engagement, name="Weekly", period=Period.WEEK)
    quarterly = KpiFactory(engagement=engagement, name="Quarterly", period=Period.QUARTER)
    measure(weekly, datetime.date(2025, 1, 1), "80")  # week of 30 December: not January's
    measure(weekly, datetime.date(2025, 1, 6), "98")  # attainment 1
    measure(weekly, datetime.date(2025, 1, 13), "94")  # attainment 0.5
    measure(quarterly, datetime.date(2025, 2, 20), "94")

    run_at(APR, since=datetime.date(2024, 12, 30))

    quarter, weeks = card(engagement, JAN).breakdown  # by KPI name
    assert (weeks["periods_with_data"], weeks["value"], weeks["attainment"]) == (2, "96", "0.750")
    assert (quarter["value"], quarter["attainment"]) == ("94", "0.500")
    assert card(engagement, JAN).score == D("62.5")
    assert card(engagement, MAR).breakdown[0]["value"] == "94"


# --- vendor standings -----------------------------------------------------------------


def test_a_vendors_standing_is_the_mean_of_its_live_engagements_latest_closed_months():
    vendor = VendorFactory(status=Vendor.Status.ACTIVE)
    strong = KpiFactory(engagement=EngagementFactory(vendor=vendor))
    weaker = KpiFactory(engagement=EngagementFactory(vendor=vendor))
    measure(strong, datetime.date(2025, 1, 10), "70")  # an older month does not count
    measure(strong, datetime.date(2025, 2, 10), "98")  # 100
    measure(weaker, datetime.date(2025, 2, 10), "94")  # 50
    measure(strong, datetime.date(2025, 3, 3), "70")  # the open month does not count either

    run_at(datetime.date(2025, 3, 4), since=JAN)

    vendor.refresh_from_db()
    assert (vendor.standing, vendor.standing_score) == (Vendor.Standing.GOOD, D("75.00"))
    assert vendor.standing_updated_at == at(datetime.date(2025, 3, 4))


@pytest.mark.parametrize(
    ("value", "standing"),
    [("98", "excellent"), ("95.6", "good"), ("94.4", "watch"), ("94.3", "poor")],
)
def test_standings_follow_the_admins_bands(value, standing):
    kpi = KpiFactory()  # bands: excellent 85, good 70, watch 55, else poor
    measure(kpi, datetime.date(2025, 1, 10), value)

    run_at(FEB)

    assert Vendor.objects.get(pk=kpi.engagement.vendor_id).standing == standing


def test_a_vendor_without_scored_months_has_no_data_and_an_ended_one_keeps_its_standing():
    unscored = KpiFactory().engagement.vendor
    ended = VendorFactory(standing=Vendor.Standing.POOR, standing_score=D("12"))
    EngagementFactory(vendor=ended, status=Engagement.Status.IN_HOUSE)
    ScorecardFactory(engagement__vendor=ended, engagement__status="completed", score=D("99"))

    run_at(FEB)

    unscored.refresh_from_db()
    ended.refresh_from_db()
    assert (unscored.standing, unscored.standing_score) == (Vendor.Standing.NO_DATA, None)
    assert (ended.standing, ended.standing_score) == (Vendor.Standing.POOR, D("12"))


# --- performance review flags ---------------------------------------------------------


def red_for(kpi, months, value: str = "85") -> None:
    for month in months:
        measure(kpi, month + datetime.timedelta(days=9), value)


@pytest.fixture
def streaks_only(settings):
    """Red months score 0; keep the low-scorecard flag out of the red-streak tests."""
    settings.REVIEW_AFTER_RED_PERIODS = 3
    settings.REVIEW_BELOW_SCORECARD = 0
    return settings


def test_a_kpi_red_three_periods_in_a_row_opens_one_review(streaks_only):
    kpi = KpiFactory(name="Customer satisfaction")
    red_for(kpi, (JAN, FEB, MAR))

    run_at(APR)

    review = PerformanceReview.objects.get()
    assert (review.trigger, review.kpi, review.engagement) == (
        "kpi_red_streak",
        kpi,
        kpi.engagement,
    )
    assert review.is_open
    assert "Customer satisfaction was red for 3 months in a row" in review.summary
    assert "01 Jan 2025 to 31 Mar 2025" in review.summary


def test_the_red_streak_review_is_not_opened_again_while_open_or_for_the_same_periods(
    streaks_only,
):
    kpi = KpiFactory()
    red_for(kpi, (JAN, FEB, MAR))
    run_at(APR)

    run_at(APR, hour=4)
    run_at(datetime.date(2025, 4, 2))
    assert PerformanceReview.objects.count() == 1

    PerformanceReview.objects.update(
        decision="improvement_plan", decided_at=at(datetime.date(2025, 4, 3))
    )
    run_at(datetime.date(2025, 4, 4))
    assert PerformanceReview.objects.count() == 1  # decided; the streak is the same

    red_for(kpi, (APR,))
    run_at(MAY)
    again = PerformanceReview.objects.get(decided_at__isnull=True)
    assert "01 Feb 2025 to 30 Apr 2025" in again.summary


def test_a_period_without_data_breaks_the_red_streak(streaks_only):
    kpi = KpiFactory()
    red_for(kpi, (JAN, MAR, APR))

    run_at(MAY, since=JAN)

    assert rollup(kpi, FEB).status == "no_data"
    assert not PerformanceReview.objects.exists()


def test_an_open_review_of_the_kpi_stops_a_second_one(streaks_only):
    streaks_only.REVIEW_AFTER_RED_PERIODS = 2
    kpi = KpiFactory()
    PerformanceReviewFactory(engagement=kpi.engagement, kpi=kpi, trigger="manual")
    red_for(kpi, (JAN, FEB))

    run_at(MAR)

    assert PerformanceReview.objects.count() == 1


def test_a_racing_run_opens_no_second_review():
    kpi = KpiFactory()
    PerformanceReviewFactory(engagement=kpi.engagement, kpi=kpi, trigger="kpi_red_streak")

    opened = reviews.open_review(
        PerformanceReview(engagement=kpi.engagement, kpi=kpi, trigger="kpi_red_streak")
    )

    assert opened is False
    assert PerformanceReview.objects.count() == 1  # and the transaction still works


def test_a_low_scorecard_opens_one_review_until_a_later_month_is_low_again(settings):
    settings.REVIEW_BELOW_SCORECARD = 60
    kpi = KpiFactory()
    measure(kpi, datetime.date(2025, 1, 10), "93")  # score 37.5
    run_at(FEB)

    review = PerformanceReview.objects.get()
    assert (review.trigger, review.scorecard, review.kpi) == (
        "low_scorecard",
        card(kpi.engagement, JAN),
        None,
    )
    assert "Scorecard 37.5 for January 2025 is under the review threshold of 60" in (review.summary)

    run_at(datetime.date(2025, 2, 2))
    PerformanceReview.objects.update(decision="continue", decided_at=at(datetime.date(2025, 2, 3)))
    run_at(datetime.date(2025, 2, 4))
    assert PerformanceReview.objects.count() == 1

    measure(kpi, datetime.date(2025, 2, 10), "92")
    run_at(MAR)
    later = PerformanceReview.objects.get(decided_at__isnull=True)
    assert later.scorecard == card(kpi.engagement, FEB)


def test_a_good_or_empty_latest_month_opens_no_review():
    good, empty = KpiFactory(), KpiFactory()
    measure(good, datetime.date(2025, 1, 10), "98")

    run_at(FEB, since=JAN)

    assert card(empty.engagement, JAN).score is None
    assert not PerformanceReview.objects.exists()


# --- the command and the task ---------------------------------------------------------


def call(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(at(MAR), tick=False):
        call_command("rollup_kpis", *args, stdout=out)
    return out.getvalue()


def test_the_command_rolls_up_and_reports_what_it_wrote():
    kpi = KpiFactory()
    measure(kpi, datetime.date(2025, 1, 10), "96")

    output = call()

    assert output.startswith("Rolled up 1 KPI(s): 2 period rollup(s) written, 1 of them")
    assert "2 scorecard(s); 1 vendor standing(s); 0 performance review(s) opened;" in output
    assert rollup(kpi, JAN).value == D("96")


def test_the_command_backfills_one_engagement_since_a_day():
    kpi, other = KpiFactory(), KpiFactory()

    output = call("--since", "2025-01-06", "--engagement", str(kpi.engagement_id))

    assert "3 period rollup(s) written, 3 of them without data" in output
    assert not KpiRollup.objects.filter(kpi=other).exists()


def test_the_command_refuses_an_unknown_or_finished_engagement_and_a_bad_date():
    finished = EngagementFactory(status=Engagement.Status.COMPLETED)

    with pytest.raises(CommandError, match="no engagement 999"):
        call("--engagement", "999")
    with pytest.raises(CommandError, match="only live engagements"):
        call("--engagement", str(finished.pk))
    with pytest.raises(CommandError, match="not a date"):
        call("--since", "31/01/2025")


def test_the_celery_task_runs_the_rollup_without_arguments():
    kpi = KpiFactory()
    measure(kpi, datetime.date(2025, 1, 10), "96")

    with time_machine.travel(at(FEB), tick=False):
        result = tasks.rollup_kpis.apply().get()

    assert result["kpis"] == 1 and result["rollups"] == 2
    assert rollup(kpi, JAN).value == D("96")
