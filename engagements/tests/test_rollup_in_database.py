"""On PostgreSQL the database finds the due periods and computes the scorecards itself;
Python does it elsewhere. Both come to the same rows, runs and reports."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction

from engagements.models import Direction, KpiRollup, Measurement, Period, Scorecard
from engagements.services.monitoring import rollup_kpis, scorecards, upserts
from engagements.tests.factories import EngagementFactory, KpiFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.dates,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the database computes only on PostgreSQL"
    ),
]

UTC = datetime.UTC
D = Decimal


def at(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


def measure(kpi: Any, day: datetime.date, value: str) -> Measurement:
    with time_machine.travel(at(day, 1), tick=False):
        return Measurement.objects.create(kpi=kpi, measured_on=day, value=D(value))


def play() -> list[Any]:
    """A season of values, late values, corrections, moves and deletions, with a run after
    each; every rollup, scorecard and report as it stands after each run."""
    engagement = EngagementFactory(start_date=datetime.date(2024, 10, 9), end_date=None)
    # Attainment in thirds and in halves of a thousandth, a KPI whose target is its red
    # threshold, one that weighs nothing, every period and aggregation.
    weekly = KpiFactory(
        engagement=engagement,
        name="Backlog",
        period=Period.WEEK,
        target=D("98"),
        red_threshold=D("95"),
    )
    monthly = KpiFactory(
        engagement=engagement, name="Response", lower_is_better=True, aggregation="sum"
    )
    quarterly = KpiFactory(
        engagement=engagement, name="Audit", period=Period.QUARTER, aggregation="latest"
    )
    strict = KpiFactory(
        engagement=engagement,
        name="Uptime",
        target=D("90"),
        amber_threshold=D("90"),
        red_threshold=D("90"),
        weight=D("2.5"),
    )
    weightless = KpiFactory(
        engagement=engagement, name="Tickets", weight=D("0"), direction=Direction.HIGHER
    )
    kpis = [weekly, monthly, quarterly, strict, weightless]
    day = datetime.date(2024, 10, 7)
    values = ["96", "97.5", "95.0005", "99", "94", "96.25", "97.3333"]
    for n in range(40):
        for offset, kpi in enumerate(kpis):
            if (n + offset) % 3:
                measure(kpi, day, values[(n + offset) % len(values)])
        day += datetime.timedelta(days=3)
    # Ties in the last place shown, rounded half to even: attainment 0.0015 / 3 = 0.0005
    # in November, a mean value of 96.00025 in December.
    ties = KpiFactory(
        engagement=engagement, name="Queue", period=Period.WEEK, red_threshold=D("95")
    )
    for tie_day, value in (
        (datetime.date(2024, 11, 4), "95.0015"),
        (datetime.date(2024, 12, 2), "96.0002"),
        (datetime.date(2024, 12, 9), "96.0003"),
    ):
        measure(ties, tie_day, value)
    states = []

    def run(when: datetime.date, **options: Any) -> None:
        with time_machine.travel(at(when), tick=False):
            report = rollup_kpis(**options)
        rollups = KpiRollup.objects.order_by("kpi_id", "period_start").values_list(
            "kpi_id", "period_start", "period_end", "value", "status", "trend",
            "measurement_count", "computed_at",
        )  # fmt: skip
        cards = Scorecard.objects.order_by("period_start").values_list(
            "period_start", "score", "kpis_counted", "kpis_without_data", "breakdown",
            "computed_at",
        )  # fmt: skip
        first = kpis[0].pk
        states.append(
            (
                report.as_dict(),
                [(kpi_id - first, *row) for kpi_id, *row in rollups],
                list(cards),
                Scorecard.history.count(),
            )
        )

    run(datetime.date(2025, 1, 20))
    run(datetime.date(2025, 1, 21))  # nothing new
    late = measure(quarterly, datetime.date(2024, 11, 5), "91")  # a late value
    measure(weekly, datetime.date(2024, 12, 27), "90")  # a late weekly value
    with time_machine.travel(at(datetime.date(2025, 1, 22), 2), tick=False):
        moved = Measurement.objects.filter(kpi=monthly).earliest("measured_on")
        moved.measured_on = datetime.date(2025, 1, 2)  # moved into another month
        moved.save()
        Measurement.objects.filter(kpi=strict).latest("measured_on").delete()
        late.value = D("97")
        late.save()
    run(datetime.date(2025, 1, 22))
    run(datetime.date(2025, 2, 3))  # a new month: January closes
    run(datetime.date(2025, 2, 4), since=datetime.date(2024, 9, 1))  # a backfill
    return states


def played(*, in_database: bool, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patched:
        patched.setattr(upserts, "computed_in_database", lambda: in_database)
        with transaction.atomic():
            states = play()
            transaction.set_rollback(True)
    return states


def test_the_database_and_python_come_to_the_same_rollups_scorecards_and_reports(monkeypatch):
    by_database = played(in_database=True, monkeypatch=monkeypatch)
    by_python = played(in_database=False, monkeypatch=monkeypatch)

    assert len(by_database) == 5
    assert by_database[0][0]["scorecards"] == 4  # October to January
    assert by_database[1][0]["rollups"] == by_database[1][0]["scorecards"] == 0
    for database, python in zip(by_database, by_python, strict=True):
        assert database == python


# Ties at the last place and just either side of them, odd and even, both signs, and
# numbers with more places than a division to 30 places leaves.
ROUNDED = [
    ("0.125", 2),
    ("0.135", 2),
    ("-0.125", 2),
    ("-0.135", 2),
    ("0.12500000000000000000000000001", 2),
    ("0.12499999999999999999999999999", 2),
    ("-0.12500000000000000000000000001", 2),
    ("2.5", 0),
    ("3.5", 0),
    ("0.00000000000000000000500000000", 20),
    ("0.00000000000000000001500000000", 20),
    ("0.33333333333333333333333333333", 20),
    ("0.66666666666666666666666666666666", 20),
    ("96.00025", 4),
    ("96.00035", 4),
    ("1", 3),
    ("0", 20),
]


@pytest.mark.parametrize(("number", "places"), ROUNDED)
def test_the_databases_rounding_is_decimals_half_to_even(number, places):
    expected = D(number).quantize(D(1).scaleb(-places), rounding="ROUND_HALF_EVEN")
    with connection.cursor() as cursor:
        rounding = scorecards._half_even("n", places)
        cursor.execute(f"SELECT {rounding} FROM (SELECT %s::numeric AS n) given", [number])
        (rounded,) = cursor.fetchone()
    assert str(rounded) == str(expected)  # the places too: the breakdown shows the text
