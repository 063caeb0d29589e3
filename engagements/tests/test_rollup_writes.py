"""The rollup writes only what changed: reruns write nothing, review flags go in at once."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import Kpi, KpiRollup, Measurement, PerformanceReview, Period, Scorecard
from engagements.services.monitoring import reviews, rollup_kpis
from engagements.services.monitoring.rollup import RollupReport
from engagements.tests.factories import EngagementFactory, KpiFactory, PerformanceReviewFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

UTC = datetime.UTC
JAN, FEB, MAR, APR, MAY = (datetime.date(2025, month, 1) for month in range(1, 6))


def at(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


def run_at(day: datetime.date, hour: int = 3, **options: object) -> RollupReport:
    with time_machine.travel(at(day, hour), tick=False):
        return rollup_kpis(**options)  # type: ignore[arg-type]


def measure(kpi: Kpi, day: datetime.date, value: str) -> None:
    with time_machine.travel(at(day, 1), tick=False):
        Measurement.objects.create(kpi=kpi, measured_on=day, value=Decimal(value))


def stored() -> tuple[list[Any], list[Any], int]:
    """Every rollup and scorecard as stored, with when it was computed, and the number
    of scorecard history rows."""
    rollups = list(KpiRollup.objects.order_by("kpi", "period_start").values_list())
    cards = list(Scorecard.objects.order_by("engagement", "period_start").values_list())
    return rollups, cards, Scorecard.history.count()


def test_a_rerun_that_finds_nothing_new_writes_nothing_and_keeps_computed_at():
    """computed_at says when a row last got the figures it holds: a recomputation that
    comes to the same figures leaves the row, its computed_at and its history alone."""
    kpi = KpiFactory()
    weekly = KpiFactory(engagement=kpi.engagement, period=Period.WEEK)
    quarterly = KpiFactory(engagement=kpi.engagement, period=Period.QUARTER)
    for day, value in ((datetime.date(2025, 1, 10), "96"), (datetime.date(2025, 3, 4), "91")):
        for each in (kpi, weekly, quarterly):
            measure(each, day, value)
    first = run_at(datetime.date(2025, 3, 5), since=JAN)
    before = stored()

    again = run_at(datetime.date(2025, 3, 5), hour=4)
    backfill = run_at(datetime.date(2025, 3, 5), hour=5, since=JAN)

    assert first.rollups > 0 and first.scorecards == 3
    assert (again.rollups, again.scorecards) == (0, 0)
    assert (backfill.rollups, backfill.scorecards) == (0, 0)
    assert stored() == before


def test_a_changed_value_rewrites_its_rollup_and_scorecard_with_one_history_row():
    kpi = KpiFactory()
    measure(kpi, datetime.date(2025, 3, 4), "96")
    run_at(datetime.date(2025, 3, 5))
    history = Scorecard.history.count()

    Measurement.objects.filter(kpi=kpi).update(value=Decimal("80"))
    report = run_at(datetime.date(2025, 3, 6))

    march = KpiRollup.objects.get(kpi=kpi, period_start=MAR)
    assert (report.rollups, report.scorecards) == (1, 1)
    assert (march.value, march.computed_at) == (Decimal("80"), at(datetime.date(2025, 3, 6)))
    assert Scorecard.history.count() == history + 1
    latest = Scorecard.history.order_by("-history_id").first()
    assert latest is not None
    assert (latest.history_type, latest.history_change_reason) == ("~", "KPI rollup")
    assert latest.score == Scorecard.objects.get(period_start=MAR).score


def red_streaks(count: int) -> list[Kpi]:
    kpis = [KpiFactory(engagement=EngagementFactory()) for _ in range(count)]
    for kpi in kpis:
        for month in (JAN, FEB, MAR):
            measure(kpi, month + datetime.timedelta(days=9), "85")
    return kpis


def review_inserts(queries: CaptureQueriesContext) -> int:
    return sum(
        q["sql"].startswith("INSERT") and 'INTO "engagements_performancereview"' in q["sql"]
        for q in queries
    )


def test_review_flags_are_inserted_in_one_statement_and_never_twice(settings):
    settings.REVIEW_AFTER_RED_PERIODS = 3
    settings.REVIEW_BELOW_SCORECARD = 60  # the red months score 0: a low-scorecard flag too
    kpis = red_streaks(3)

    with CaptureQueriesContext(connection) as queries:
        report = run_at(APR)
    run_at(APR, hour=4)  # twice
    run_at(datetime.date(2025, 4, 9))  # late

    assert report.reviews_opened == 6
    assert review_inserts(queries) == 2  # one for the red streaks, one for the scorecards
    flags = PerformanceReview.objects.filter(decided_at__isnull=True)
    assert flags.filter(trigger="kpi_red_streak").count() == len(kpis)
    assert flags.filter(trigger="low_scorecard").count() == len(kpis)


def test_flags_opened_meanwhile_by_a_racing_run_are_skipped_and_not_counted():
    first, second = KpiFactory(), KpiFactory()
    PerformanceReviewFactory(engagement=first.engagement, kpi=first, trigger="kpi_red_streak")

    opened = reviews.open_reviews(
        [
            PerformanceReview(engagement=kpi.engagement, kpi=kpi, trigger="kpi_red_streak")
            for kpi in (first, second)
        ]
    )

    assert opened == 1
    assert PerformanceReview.objects.filter(kpi=first).count() == 1
    assert PerformanceReview.objects.filter(kpi=second).count() == 1
