"""Step 4 rules: KPI status, rollups, periods, attainment, scorecards and standing."""

import datetime
from decimal import Decimal

import pytest

from engagements.models import Aggregation, Direction, Kpi, KpiStatus, Period
from engagements.models.monitoring import (
    attainment,
    kpi_status,
    period_bounds,
    roll_up,
    scorecard,
    standing_for,
)
from engagements.tests.factories import EngagementFactory, KpiFactory, KpiTemplateFactory
from vendors.models import Vendor

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = pytest.mark.dates

D = Decimal


# --- kpi_status() -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100", KpiStatus.GREEN),
        ("95", KpiStatus.GREEN),  # the amber threshold is the worst value still green
        ("94.9999", KpiStatus.AMBER),
        ("90", KpiStatus.AMBER),  # the red threshold is the worst value still amber
        ("89.9999", KpiStatus.RED),
        ("0", KpiStatus.RED),
    ],
)
def test_status_when_higher_is_better(value, expected):
    status = kpi_status(
        D(value), direction=Direction.HIGHER, amber_threshold=D("95"), red_threshold=D("90")
    )

    assert status == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", KpiStatus.GREEN),
        ("4", KpiStatus.GREEN),  # the amber threshold is the worst value still green
        ("4.0001", KpiStatus.AMBER),
        ("8", KpiStatus.AMBER),  # the red threshold is the worst value still amber
        ("8.0001", KpiStatus.RED),
        ("48", KpiStatus.RED),
    ],
)
def test_status_when_lower_is_better(value, expected):
    status = kpi_status(
        D(value), direction=Direction.LOWER, amber_threshold=D("4"), red_threshold=D("8")
    )

    assert status == expected


@pytest.mark.parametrize("direction", [Direction.HIGHER, Direction.LOWER])
def test_status_without_a_value_is_no_data(direction):
    status = kpi_status(None, direction=direction, amber_threshold=D("4"), red_threshold=D("8"))

    assert status == KpiStatus.NO_DATA


def test_status_with_equal_amber_and_red_thresholds_has_no_amber_band():
    def status(value: str) -> str:
        return kpi_status(
            D(value), direction=Direction.HIGHER, amber_threshold=D("90"), red_threshold=D("90")
        )

    assert [status("90"), status("89.9")] == [KpiStatus.GREEN, KpiStatus.RED]


def test_kpi_status_for_uses_its_own_thresholds():
    kpi = KpiFactory.build(lower_is_better=True)  # green to 4 hours, amber to 8

    assert [kpi.status_for(D(v)) for v in ("4", "6", "9")] == [
        KpiStatus.GREEN,
        KpiStatus.AMBER,
        KpiStatus.RED,
    ]
    assert kpi.status_for(None) == KpiStatus.NO_DATA


# --- roll_up() ----------------------------------------------------------------

JAN_3, JAN_10, JAN_17 = (datetime.date(2025, 1, d) for d in (3, 10, 17))


def test_average_rolls_up_to_the_mean():
    assert roll_up(Aggregation.AVERAGE, [(JAN_3, D("90")), (JAN_10, D("100"))]) == D("95")


def test_sum_rolls_up_to_the_total():
    measurements = [(JAN_3, D("120")), (JAN_10, D("80")), (JAN_17, D("0"))]

    assert roll_up(Aggregation.SUM, measurements) == D("200")


def test_latest_rolls_up_to_the_value_with_the_latest_date_not_the_last_in_the_list():
    measurements = [(JAN_10, D("97")), (JAN_17, D("99")), (JAN_3, D("91"))]

    assert roll_up(Aggregation.LATEST, measurements) == D("99")


def test_a_single_measurement_is_its_own_rollup():
    for aggregation in Aggregation:
        assert roll_up(aggregation, [(JAN_3, D("42.5"))]) == D("42.5")


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_a_period_without_measurements_rolls_up_to_no_data_not_zero(aggregation):
    assert roll_up(aggregation, []) is None


# --- period_bounds() ----------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [datetime.date(2025, 1, 6), datetime.date(2025, 1, 8), datetime.date(2025, 1, 12)],
    ids=["monday", "wednesday", "sunday"],
)
def test_a_week_runs_from_monday_to_sunday(day):
    assert period_bounds(Period.WEEK, day) == (
        datetime.date(2025, 1, 6),
        datetime.date(2025, 1, 12),
    )


def test_a_week_may_span_the_turn_of_the_year():
    assert period_bounds(Period.WEEK, datetime.date(2025, 12, 31)) == (
        datetime.date(2025, 12, 29),
        datetime.date(2026, 1, 4),
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 1, 1), (datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))),
        (datetime.date(2024, 2, 10), (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))),
        (datetime.date(2025, 2, 28), (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))),
        (datetime.date(2100, 2, 1), (datetime.date(2100, 2, 1), datetime.date(2100, 2, 28))),
        (datetime.date(2025, 4, 30), (datetime.date(2025, 4, 1), datetime.date(2025, 4, 30))),
        (datetime.date(2025, 12, 31), (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))),
    ],
    ids=["january", "leap-february", "february", "century-february", "april", "december"],
)
def test_a_month_runs_from_its_first_to_its_last_day(day, expected):
    assert period_bounds(Period.MONTH, day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 2, 15), (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))),
        (datetime.date(2025, 4, 1), (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))),
        (datetime.date(2025, 9, 30), (datetime.date(2025, 7, 1), datetime.date(2025, 9, 30))),
        (datetime.date(2025, 11, 30), (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))),
    ],
    ids=["q1", "q2", "q3", "q4"],
)
def test_a_quarter_runs_over_its_three_months(day, expected):
    assert period_bounds(Period.QUARTER, day) == expected


# --- attainment() -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100", "1"), ("98", "1"), ("94", "0.5"), ("90", "0"), ("50", "0")],
    ids=["beyond-target", "at-target", "halfway", "at-red", "beyond-red"],
)
def test_attainment_when_higher_is_better(value, expected):
    share = attainment(D(value), direction=Direction.HIGHER, target=D("98"), red_threshold=D("90"))

    assert share == D(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", "1"), ("2", "1"), ("5", "0.5"), ("6.5", "0.25"), ("8", "0"), ("12", "0")],
    ids=["beyond-target", "at-target", "halfway", "quarter", "at-red", "beyond-red"],
)
def test_attainment_when_lower_is_better(value, expected):
    share = attainment(D(value), direction=Direction.LOWER, target=D("2"), red_threshold=D("8"))

    assert share == D(expected)


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [
        (Direction.HIGHER, "99.9", "1"),
        (Direction.HIGHER, "99.8", "0"),
        (Direction.LOWER, "99.9", "1"),
        (Direction.LOWER, "100", "0"),
    ],
)
def test_attainment_is_all_or_nothing_when_target_and_red_are_equal(direction, value, expected):
    share = attainment(D(value), direction=direction, target=D("99.9"), red_threshold=D("99.9"))

    assert share == D(expected)


def test_attainment_without_a_value_is_unknown():
    assert (
        attainment(None, direction=Direction.HIGHER, target=D("98"), red_threshold=D("90")) is None
    )


# --- scorecard() --------------------------------------------------------------


def test_scorecard_weights_the_attainment_of_each_kpi():
    result = scorecard([(D("2"), D("1")), (D("1"), D("0"))])

    assert result.score == D("66.7")
    assert (result.counted, result.without_data) == (2, 0)


def test_scorecard_of_full_attainment_is_100_and_of_none_is_0():
    assert scorecard([(D("1"), D("1")), (D("3"), D("1"))]).score == D("100.0")
    assert scorecard([(D("1"), D("0")), (D("3"), D("0"))]).score == D("0.0")


def test_kpis_without_data_are_left_out_of_the_weights_and_counted_apart():
    result = scorecard([(D("1"), D("0.8")), (D("5"), None), (D("2"), None)])

    assert result.score == D("80.0")
    assert (result.counted, result.without_data) == (1, 2)


def test_a_scorecard_where_no_kpi_has_data_has_no_score():
    result = scorecard([(D("1"), None), (D("2"), None)])

    assert result.score is None
    assert (result.counted, result.without_data) == (0, 2)


def test_a_scorecard_without_kpis_has_no_score():
    result = scorecard([])

    assert result.score is None
    assert (result.counted, result.without_data) == (0, 0)


def test_a_scorecard_whose_kpis_with_data_all_weigh_zero_has_no_score():
    result = scorecard([(D("0"), D("1")), (D("3"), None)])

    assert result.score is None
    assert (result.counted, result.without_data) == (1, 1)


# --- standing_for() -----------------------------------------------------------

BANDS = [
    (Vendor.Standing.GOOD, D("70")),
    (Vendor.Standing.POOR, D("0")),
    (Vendor.Standing.EXCELLENT, D("85")),
    (Vendor.Standing.WATCH, D("50")),
]


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("100", Vendor.Standing.EXCELLENT),
        ("85", Vendor.Standing.EXCELLENT),
        ("84.9", Vendor.Standing.GOOD),
        ("70", Vendor.Standing.GOOD),
        ("69.9", Vendor.Standing.WATCH),
        ("50", Vendor.Standing.WATCH),
        ("49.9", Vendor.Standing.POOR),
        ("0", Vendor.Standing.POOR),
    ],
)
def test_standing_is_the_best_band_whose_minimum_the_score_reaches(score, expected):
    assert standing_for(D(score), BANDS) == expected


def test_standing_without_a_score_is_no_data():
    assert standing_for(None, BANDS) == Vendor.Standing.NO_DATA


def test_a_score_below_every_band_is_poor():
    bands = [(Vendor.Standing.EXCELLENT, D("85")), (Vendor.Standing.GOOD, D("70"))]

    assert standing_for(D("40"), bands) == Vendor.Standing.POOR


# --- Kpi.from_template() ------------------------------------------------------

COPIED_FIELDS = [
    "name",
    "description",
    "unit",
    "direction",
    "target",
    "amber_threshold",
    "red_threshold",
    "aggregation",
    "period",
    "weight",
    "allows_negative",
]


@pytest.mark.django_db
def test_a_kpi_from_a_template_copies_its_definition():
    template = KpiTemplateFactory(
        name="First-contact resolution (test)",
        description="Share of tickets solved in the first contact.",
        direction=Direction.HIGHER,
        target=D("80"),
        amber_threshold=D("75"),
        red_threshold=D("65"),
        aggregation=Aggregation.LATEST,
        period=Period.QUARTER,
        weight=D("2.5"),
        allows_negative=True,
    )
    engagement = EngagementFactory()

    kpi = Kpi.from_template(template, engagement=engagement)
    kpi.save()

    kpi.refresh_from_db()
    assert kpi.engagement == engagement
    assert kpi.template == template
    for field in COPIED_FIELDS:
        assert getattr(kpi, field) == getattr(template, field), field


@pytest.mark.django_db
def test_later_template_edits_leave_the_kpi_as_copied():
    template = KpiTemplateFactory(target=D("98"), amber_threshold=D("95"), red_threshold=D("90"))
    kpi = Kpi.from_template(template, engagement=EngagementFactory())
    kpi.save()

    template.name = "Renamed template"
    template.target = D("99")
    template.amber_threshold = D("98")
    template.red_threshold = D("97")
    template.weight = D("5")
    template.save()

    kpi.refresh_from_db()
    assert (kpi.target, kpi.amber_threshold, kpi.red_threshold, kpi.weight) == (
        D("98"),
        D("95"),
        D("90"),
        D("1"),
    )
    assert kpi.name != "Renamed template"
    assert kpi.status_for(D("96")) == KpiStatus.GREEN
