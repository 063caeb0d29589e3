"""Periods: which weeks, months and quarters a run covers, where a day falls, and the
batch sizes and precision every part of a run shares."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.db.models import (
    Case,
    DateField,
    When,
)
from django.db.models.functions import Cast, TruncMonth, TruncQuarter, TruncWeek

from engagements.models import (
    Period,
)
from engagements.models.monitoring import period_bounds

ONE_DAY = datetime.timedelta(days=1)
# KPI values and attainment are kept to four decimal places.
FOUR_PLACES = Decimal("0.0001")
# A KPI's attainment in a scorecard, and the mean of a weekly KPI's, are rounded to
# twenty places (half even) before they are shown or weighted: Python and PostgreSQL
# divide to different precisions, and rounding both far beyond what is shown makes them
# come to the same score and breakdown (scorecards.py computes it either way).
ATTAINMENT_PLACES = 20
# KPIs and engagements a run reads per query: memory grows with these, not with the data.
KPI_BATCH = 2000
ENGAGEMENT_BATCH = 100
# A run after the first, where the database finds and computes a batch's due periods
# (rollup.py): Python holds only the batch's ids and the months it returns, and each
# statement read every value saved since the last run, so 2,000 KPIs a statement read
# them five times at large (issue 15, P3: the incremental run 0.68 → 0.62 s). The first
# run, and a backfill, keep KPI_BATCH: their statements are long, and a crash or a
# recompute waiting on their rows then loses or waits for a fifth as much.
INCREMENTAL_KPI_BATCH = 10_000

# --- periods --------------------------------------------------------------------------


def periods_between(
    period: str, first_day: datetime.date, last_day: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """(start, end) of every period of the kind from the one holding `first_day` to the
    one holding `last_day`."""
    periods = []
    start, end = period_bounds(period, first_day)
    while start <= last_day:
        periods.append((start, end))
        start, end = period_bounds(period, end + ONE_DAY)
    return periods


def previous_period_start(period: str, start: datetime.date) -> datetime.date:
    return period_bounds(period, start - ONE_DAY)[0]


def latest_closed_periods(
    period: str, today: datetime.date, count: int
) -> list[tuple[datetime.date, datetime.date]]:
    """The `count` periods that ended last before today, oldest first."""
    periods = []
    day = period_bounds(period, today)[0] - ONE_DAY
    for _ in range(count):
        start, end = period_bounds(period, day)
        periods.append((start, end))
        day = start - ONE_DAY
    return periods[::-1]


def scorecard_months(
    period: str, period_start: datetime.date, today: datetime.date
) -> list[datetime.date]:
    """First days of the months whose scorecard uses this KPI period.

    A week counts in the month it starts in; a quarter in each of its months (up to
    the current one).
    """
    if period == Period.QUARTER:
        last = min(period_bounds(Period.QUARTER, period_start)[1], today)
        return [start for start, _ in periods_between(Period.MONTH, period_start, last)]
    return [period_bounds(Period.MONTH, period_start)[0]]


@functools.lru_cache(maxsize=256)
def weeks_starting_in(month: datetime.date) -> tuple[datetime.date, ...]:
    """First days (Mondays) of the weeks starting in the month: a weekly KPI counts in
    its scorecard. Cached: a full run asks it for every weekly KPI of every month."""
    weeks = periods_between(Period.WEEK, month, month_end(month))
    return tuple(start for start, _ in weeks if start >= month)


def period_start_of(day_field: str, period_field: str) -> Cast:
    """SQL: the first day of the KPI's period (week from Monday, month, quarter) holding
    the date in `day_field`. Cast, as PostgreSQL's date_trunc gives a timestamp."""
    return Cast(
        Case(
            When(**{period_field: Period.WEEK}, then=TruncWeek(day_field)),
            When(**{period_field: Period.MONTH}, then=TruncMonth(day_field)),
            default=TruncQuarter(day_field),
        ),
        output_field=DateField(),
    )


def month_end(month: datetime.date) -> datetime.date:
    return period_bounds(Period.MONTH, month)[1]


def first_scorecard_month(began: datetime.date) -> datetime.date:
    """An engagement's scorecards begin with the month it began in."""
    return period_bounds(Period.MONTH, began)[0]


def first_scored_day(period: str, began: datetime.date) -> datetime.date:
    """The first day whose values a KPI of this period brings into the scorecards of an
    engagement that began on `began`: a week counts in the month it starts in, a quarter
    in each of its months."""
    first = first_scorecard_month(began)
    if period == Period.WEEK:
        return first + datetime.timedelta(days=-first.weekday() % 7)  # the first Monday
    if period == Period.QUARTER:
        return period_bounds(Period.QUARTER, first)[0]
    return first
