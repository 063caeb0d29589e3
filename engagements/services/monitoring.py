"""Step 4 workflows: the scheduled rollup of KPI measurements.

One run turns measurements into period rollups (KpiRollup), the rollups into monthly
engagement scorecards, the scorecards into vendor standings, and both into performance
review flags. Runs on the beat schedule and by `manage.py rollup_kpis`.

What a run recomputes (everything else is kept as it was computed, so template or
threshold edits never rewrite a closed period):

- the (KPI, period) pairs whose measurements changed since the last successful run
  (`JobRun.watermark`): a late measurement reopens only its own period, and a deleted
  one, or one moved to another date, reopens the period it left (read from the
  measurements' history, since the measurements table no longer shows it);
- every period of every active KPI that was open at the last run or is open now
  (the "window"), so the current period always has a row – "no data" without
  measurements, never zero – and a period gets one last computation after it closes;
- with `since`, every period from that day on (a backfill).

A recomputed period is computed from the measurements there are now, so one whose
measurements were deleted becomes "no data". Scorecards follow the same rule, month by
month.

The aggregation runs in the database – one grouped query per batch of KPIs, plus one
look-up of the latest values – and the results go back in one upsert on the natural
key: running twice, late or after a crash writes the same rows again and never appends.
The watermark moves only after a whole run succeeded.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Cast, TruncMonth, TruncQuarter, TruncWeek
from django.utils import timezone

from engagements.models import (
    Aggregation,
    Direction,
    Engagement,
    JobRun,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    PerformanceReview,
    Period,
    Scorecard,
    StandingBand,
)
from engagements.models.monitoring import period_bounds, scorecard, standing_for
from vendors.models import Vendor

JOB_NAME = "rollup_kpis"
KPI_BATCH = 500
ENGAGEMENT_BATCH = 100
# A measurement saved in a transaction that commits after a run has read the table
# carries an updated_at before that run's start. Reading a little before the watermark
# picks it up on the next run; rolling a period up twice is harmless.
WATERMARK_OVERLAP = datetime.timedelta(minutes=15)

FOUR_PLACES = Decimal("0.0001")
ONE_DAY = datetime.timedelta(days=1)

Pair = tuple[int, datetime.date]  # (KPI id, period start)


@dataclass
class RollupReport:
    """What one run wrote."""

    kpis: int = 0
    rollups: int = 0
    rollups_without_data: int = 0
    scorecards: int = 0
    standings: int = 0
    reviews_opened: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"Rolled up {self.kpis} KPI(s): {self.rollups} period rollup(s) written, "
            f"{self.rollups_without_data} of them without data; {self.scorecards} "
            f"scorecard(s); {self.standings} vendor standing(s); {self.reviews_opened} "
            "performance review(s) opened."
        )


@dataclass(frozen=True)
class RunScope:
    """Which periods a run recomputes besides those whose measurements changed."""

    today: datetime.date
    window_start: datetime.date  # every period from the one holding this day is redone
    changed_since: datetime.datetime | None  # None: no successful run yet, all changed
    computed_at: datetime.datetime


def rollup_kpis(
    *,
    since: datetime.date | None = None,
    engagement_id: int | None = None,
    now: datetime.datetime | None = None,
) -> RollupReport:
    """Roll up the KPIs of live engagements, then scorecards, standings and review flags.

    `since` adds a backfill of every period from that day on. `engagement_id` limits
    the run to one engagement; such a run leaves the job's watermark alone, because
    it has not looked at the other engagements' changes. `now` is the moment the run
    stands at (tests and the demo seed pass one).
    """
    started = now or timezone.now()
    full_run = engagement_id is None
    watermark = _start_job(started) if full_run else _watermark()
    today = timezone.localdate(started)
    changed_since = watermark - WATERMARK_OVERLAP if watermark else None
    window_start = min(since or today, today)
    if changed_since is not None:
        window_start = min(window_start, timezone.localdate(changed_since))
    scope = RunScope(
        today=today, window_start=window_start, changed_since=changed_since, computed_at=started
    )
    report = RollupReport()
    months: dict[int, set[datetime.date]] = defaultdict(set)
    for kpis in _kpi_batches(engagement_id):
        report.kpis += len(kpis)
        touched = roll_up_batch(kpis, scope=scope, report=report)
        for engagement, month in touched:
            months[engagement].add(month)
    report.scorecards = write_scorecards(months, computed_at=started)
    report.standings = update_standings(engagement_id=engagement_id, today=today, at=started)
    report.reviews_opened = open_red_streak_reviews(
        engagement_id=engagement_id, today=today
    ) + open_low_scorecard_reviews(engagement_id=engagement_id, today=today)
    if full_run:
        _finish_job(started, report, previous=watermark)
    return report


# --- the job's bookkeeping ------------------------------------------------------------


def _start_job(started: datetime.datetime) -> datetime.datetime | None:
    """Record the start; return the watermark of the last successful run."""
    job, _ = JobRun.objects.update_or_create(name=JOB_NAME, defaults={"last_started_at": started})
    return job.watermark


def _watermark() -> datetime.datetime | None:
    return JobRun.objects.filter(name=JOB_NAME).values_list("watermark", flat=True).first()


def _finish_job(
    started: datetime.datetime, report: RollupReport, *, previous: datetime.datetime | None
) -> None:
    """Move the watermark to this run's start: later changes are the next run's work.

    Never ahead of the clock, so a run told to stand at a future moment cannot make the
    next run skip changes; never back either, as a run told to stand at an earlier moment
    (the demo seed) undoes nothing a later run did.
    """
    watermark = min(started, timezone.now())
    JobRun.objects.filter(name=JOB_NAME).update(
        watermark=max(watermark, previous) if previous else watermark,
        last_succeeded_at=timezone.now(),
        last_result=str(report)[:250],
    )


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


# --- KPI rollups ----------------------------------------------------------------------


def _kpi_batches(engagement_id: int | None) -> Iterator[list[Kpi]]:
    """The active KPIs of live engagements, KPI_BATCH at a time (keyset pages by id)."""
    kpis = Kpi.objects.filter(is_active=True, engagement__status__in=Engagement.LIVE_STATUSES)
    if engagement_id is not None:
        kpis = kpis.filter(engagement_id=engagement_id)
    kpis = kpis.select_related("engagement").order_by("pk")
    after = 0
    while batch := list(kpis.filter(pk__gt=after)[:KPI_BATCH]):
        yield batch
        after = batch[-1].pk


def trend(direction: str, previous: Decimal | None, value: Decimal | None) -> str:
    """Better, worse or the same as the previous period, honouring which way is better."""
    if previous is None or value is None:
        return KpiRollup.Trend.UNKNOWN
    if value == previous:
        return KpiRollup.Trend.SAME
    better = value > previous if direction == Direction.HIGHER else value < previous
    return KpiRollup.Trend.BETTER if better else KpiRollup.Trend.WORSE


@dataclass(frozen=True)
class PeriodFigures:
    """A period's measurements as the database aggregated them."""

    count: int
    average: Decimal | None
    total: Decimal | None
    latest: Decimal | None

    def value(self, aggregation: str) -> Decimal | None:
        """The period's value by the KPI's aggregation; None ("no data") without
        measurements."""
        if not self.count:
            return None
        if aggregation == Aggregation.SUM:
            chosen = self.total
        elif aggregation == Aggregation.LATEST:
            chosen = self.latest
        else:
            chosen = self.average
        if chosen is None:
            return None
        # SQLite hands back floats for AVG and SUM.
        return Decimal(chosen).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def roll_up_batch(
    kpis: list[Kpi], *, scope: RunScope, report: RollupReport
) -> set[tuple[int, datetime.date]]:
    """Recompute this batch's due periods and upsert them.

    Returns (engagement id, month) for every scorecard these rollups make due.
    """
    by_id = {kpi.pk: kpi for kpi in kpis}
    window = _window_pairs(kpis, scope)
    changed = _changed_pairs(by_id, scope)
    targets = sorted(window | set(changed))
    if not targets:
        return set()
    figures = _aggregate(by_id, targets)
    previous = _previous_values(by_id, targets)
    rows = []
    values: dict[Pair, Decimal | None] = {}
    for kpi_id, start in targets:  # sorted, so a period's predecessor comes first
        kpi = by_id[kpi_id]
        found = figures.get((kpi_id, start))
        value = found.value(kpi.aggregation) if found else None
        values[(kpi_id, start)] = value
        before = previous_period_start(kpi.period, start)
        earlier = (
            values[(kpi_id, before)]
            if (kpi_id, before) in values
            else previous.get((kpi_id, before))
        )
        rows.append(
            KpiRollup(
                kpi_id=kpi_id,
                period_start=start,
                period_end=period_bounds(kpi.period, start)[1],
                value=value,
                status=kpi.status_for(value),
                trend=trend(kpi.direction, earlier, value),
                measurement_count=found.count if found else 0,
                computed_at=scope.computed_at,
            )
        )
    upsert_rollups(rows)
    report.rollups += len(rows)
    report.rollups_without_data += sum(row.value is None for row in rows)
    return _months_made_due(by_id, window, changed, scope)


def upsert_rollups(rows: list[KpiRollup]) -> None:
    KpiRollup.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["kpi", "period_start"],
        update_fields=[
            "period_end",
            "value",
            "status",
            "trend",
            "measurement_count",
            "computed_at",
        ],
    )


def _window_pairs(kpis: Iterable[Kpi], scope: RunScope) -> set[Pair]:
    """Every period of each KPI from the window's start (not before its engagement began)
    up to the current one."""
    return {
        (kpi.pk, start)
        for kpi in kpis
        for start, _ in periods_between(
            kpi.period, max(scope.window_start, kpi.engagement.start_date), scope.today
        )
    }


def _changed_pairs(by_id: Mapping[int, Kpi], scope: RunScope) -> dict[Pair, set[datetime.date]]:
    """(KPI, period) pairs with a measurement saved since the last run, each with the
    months the changed measurements fall in. Periods after the current one wait until
    they come."""
    changed = Measurement.objects.filter(kpi_id__in=list(by_id))
    if scope.changed_since is not None:
        changed = changed.filter(updated_at__gte=scope.changed_since)
    rows = (
        changed.annotate(
            period_start=period_start_of("measured_on", "kpi__period"),
            month=Cast(TruncMonth("measured_on"), output_field=DateField()),
        )
        .filter(measured_on__lte=period_bounds(Period.QUARTER, scope.today)[1])
        .values_list("kpi_id", "period_start", "month")
        .order_by()
        .distinct()
    )
    pairs: dict[Pair, set[datetime.date]] = defaultdict(set)
    for kpi_id, start, month in rows:
        if start <= scope.today:
            pairs[(kpi_id, start)].add(month)
    if scope.changed_since is not None:
        for kpi_id, day in _days_left_behind(by_id, scope.changed_since):
            start = period_bounds(by_id[kpi_id].period, day)[0]
            if start <= scope.today:
                pairs[(kpi_id, start)].add(day.replace(day=1))
    return pairs


def _days_left_behind(
    by_id: Mapping[int, Kpi], since: datetime.datetime
) -> set[tuple[int, datetime.date]]:
    """(KPI, day) of values deleted since `since`, and the old day of values moved to
    another date: their periods lost a value the measurements table no longer shows."""
    history = Measurement.history.model._default_manager
    day_before = Subquery(
        history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("measured_on")[:1]
    )
    rows = (
        history.filter(kpi_id__in=list(by_id), history_date__gte=since, history_type__in=["-", "~"])
        .annotate(day_before=day_before)
        .values_list("kpi_id", "measured_on", "history_type", "day_before")
    )
    days: set[tuple[int, datetime.date]] = set()
    for kpi_id, day, kind, before in rows:
        if kind == "-":
            days.add((kpi_id, day))
        if before is not None and before != day:
            days.add((kpi_id, before))
    return days


def _aggregate(by_id: Mapping[int, Kpi], targets: list[Pair]) -> dict[Pair, PeriodFigures]:
    """Count, average, sum and latest value of each target period.

    One grouped query gives count, average, sum and the last measured day of each
    period; a second one, only for KPIs rolled up by their latest value, fetches the
    values of those days (unique per KPI and day). A correlated subquery for the
    latest value cannot do it in one portable query: PostgreSQL refuses a subquery
    that refers to the grouped period expression, SQLite one that refers to MAX().

    The filter is a superset of the targets (every KPI of the batch over every target
    period start); rows the run does not recompute are dropped afterwards.
    """
    starts = sorted({start for _, start in targets})
    last_day = max(period_bounds(by_id[kpi_id].period, start)[1] for kpi_id, start in targets)
    rows = (
        Measurement.objects.filter(kpi_id__in=list(by_id), measured_on__range=(starts[0], last_day))
        .annotate(period_start=period_start_of("measured_on", "kpi__period"))
        .filter(period_start__in=starts)
        .values("kpi_id", "period_start")
        .annotate(
            count=Count("pk"),
            average=Avg("value"),
            total=Sum("value"),
            last_on=Max("measured_on"),
        )
        .order_by()
    )
    wanted = set(targets)
    found = [row for row in rows if (row["kpi_id"], row["period_start"]) in wanted]
    latest = _values_on(
        [
            (row["kpi_id"], row["last_on"])
            for row in found
            if by_id[row["kpi_id"]].aggregation == Aggregation.LATEST
        ]
    )
    return {
        (row["kpi_id"], row["period_start"]): PeriodFigures(
            count=row["count"],
            average=row["average"],
            total=row["total"],
            latest=latest.get((row["kpi_id"], row["last_on"])),
        )
        for row in found
    }


def _values_on(days: list[tuple[int, datetime.date]]) -> dict[tuple[int, datetime.date], Decimal]:
    """The measured values of these (KPI, day) pairs."""
    if not days:
        return {}
    rows = (
        Measurement.objects.filter(
            kpi_id__in={kpi_id for kpi_id, _ in days},
            measured_on__in={day for _, day in days},
        )
        .order_by()
        .values_list("kpi_id", "measured_on", "value")
    )
    wanted = set(days)
    return {(kpi_id, day): value for kpi_id, day, value in rows if (kpi_id, day) in wanted}


def _previous_values(
    by_id: Mapping[int, Kpi], targets: Iterable[Pair]
) -> dict[Pair, Decimal | None]:
    """Stored values of the periods just before the targets, for the trend."""
    starts = {previous_period_start(by_id[kpi_id].period, start) for kpi_id, start in targets}
    rows = (
        KpiRollup.objects.filter(kpi_id__in=list(by_id), period_start__in=sorted(starts))
        .order_by()
        .values_list("kpi_id", "period_start", "value")
    )
    return {(kpi_id, start): value for kpi_id, start, value in rows}


def _months_made_due(
    by_id: Mapping[int, Kpi],
    window: set[Pair],
    changed: Mapping[Pair, set[datetime.date]],
    scope: RunScope,
) -> set[tuple[int, datetime.date]]:
    """The scorecards to recompute after these rollups, as (engagement id, month).

    The current month is always due. Periods redone because they are (or were at the
    last run) open, or backfilled, make only the months of the window due: a closed
    month keeps its scorecard. A changed measurement reopens the scorecards that use its
    period – for a quarter, only the month the measurement falls in.
    """
    window_months = {
        start for start, _ in periods_between(Period.MONTH, scope.window_start, scope.today)
    }
    current_month = period_bounds(Period.MONTH, scope.today)[0]
    due = {(kpi.engagement_id, current_month) for kpi in by_id.values()}
    for kpi_id, start in window:
        kpi = by_id[kpi_id]
        for month in scorecard_months(kpi.period, start, scope.today):
            if month in window_months:
                due.add((kpi.engagement_id, month))
    for (kpi_id, start), measured_months in changed.items():
        kpi = by_id[kpi_id]
        months = (
            measured_months
            if kpi.period == Period.QUARTER
            else scorecard_months(kpi.period, start, scope.today)
        )
        due.update((kpi.engagement_id, month) for month in months)
    began = {kpi.engagement_id: kpi.engagement.start_date for kpi in by_id.values()}
    return {
        (engagement_id, month)
        for engagement_id, month in due
        if month <= scope.today and _month_end(month) >= began[engagement_id]
    }


def _month_end(month: datetime.date) -> datetime.date:
    return period_bounds(Period.MONTH, month)[1]


# --- scorecards -----------------------------------------------------------------------


def write_scorecards(
    months: Mapping[int, set[datetime.date]], *, computed_at: datetime.datetime
) -> int:
    """Compute and upsert the monthly scorecard of each (engagement, month) given."""
    written = 0
    engagement_ids = sorted(months)
    for offset in range(0, len(engagement_ids), ENGAGEMENT_BATCH):
        chunk = {pk: months[pk] for pk in engagement_ids[offset : offset + ENGAGEMENT_BATCH]}
        rows = _scorecards_for(chunk, computed_at=computed_at)
        stored = _stored_scorecards(chunk)
        Scorecard.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["engagement", "period", "period_start"],
            update_fields=[
                "period_end",
                "score",
                "kpis_counted",
                "kpis_without_data",
                "breakdown",
                "computed_at",
            ],
        )
        _record_scorecard_history(rows, stored, computed_at=computed_at)
        written += len(rows)
    return written


ScorecardKey = tuple[int, datetime.date]


def _scorecard_content(card: Scorecard) -> tuple[object, ...]:
    return (card.score, card.kpis_counted, card.kpis_without_data, card.breakdown)


def _stored_scorecards(
    months: Mapping[int, set[datetime.date]],
) -> dict[ScorecardKey, tuple[object, ...]]:
    """What the batch's scorecards hold before the upsert (one query)."""
    return {
        (card.engagement_id, card.period_start): _scorecard_content(card)
        for card in Scorecard.objects.filter(
            engagement_id__in=list(months),
            period=Period.MONTH,
            period_start__range=(
                min(min(due) for due in months.values()),
                max(max(due) for due in months.values()),
            ),
        ).only(
            "engagement_id",
            "period_start",
            "score",
            "kpis_counted",
            "kpis_without_data",
            "breakdown",
        )
    }


def _record_scorecard_history(
    rows: list[Scorecard],
    stored: Mapping[ScorecardKey, tuple[object, ...]],
    *,
    computed_at: datetime.datetime,
) -> None:
    """History rows for the scorecards that are new or whose score changed, one insert
    each: the upsert bypasses save(), and the hourly recompute of an open month that
    changed nothing must not add a history row every hour."""
    created, changed = [], []
    for card in rows:
        before = stored.get((card.engagement_id, card.period_start))
        if before is None:
            created.append(card)
        elif before != _scorecard_content(card):
            changed.append(card)
    for cards, update in ((created, False), (changed, True)):
        if cards:
            Scorecard.history.bulk_history_create(
                cards, update=update, default_date=computed_at, default_change_reason="KPI rollup"
            )


@dataclass(frozen=True)
class StoredRollup:
    value: Decimal | None
    status: str


@dataclass(frozen=True)
class KpiPart:
    """One KPI's part in a month's scorecard."""

    weight: Decimal
    attainment: Decimal | None  # 0–1; None: no data, left out of the weights
    breakdown: dict[str, str | int | None]  # as shown and kept with the scorecard


def _scorecards_for(
    months: Mapping[int, set[datetime.date]], *, computed_at: datetime.datetime
) -> list[Scorecard]:
    """The scorecards of these engagements' due months, from the stored rollups (one
    query for the KPIs, one for their rollups over the months' span)."""
    kpis_of: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in Kpi.objects.filter(engagement_id__in=list(months), is_active=True).order_by("name"):
        kpis_of[kpi.engagement_id].append(kpi)
    first = period_bounds(Period.QUARTER, min(min(due) for due in months.values()))[0]
    last = _month_end(max(max(due) for due in months.values()))
    rollups: dict[int, dict[datetime.date, StoredRollup]] = defaultdict(dict)
    for kpi_id, start, value, status in (
        KpiRollup.objects.filter(
            kpi__engagement_id__in=list(months),
            kpi__is_active=True,
            period_start__range=(first, last),
        )
        .order_by()
        .values_list("kpi_id", "period_start", "value", "status")
    ):
        rollups[kpi_id][start] = StoredRollup(value, status)
    cards = []
    for engagement_id, due in months.items():
        for month in sorted(due):
            parts = [kpi_part(kpi, month, rollups[kpi.pk]) for kpi in kpis_of[engagement_id]]
            result = scorecard((part.weight, part.attainment) for part in parts)
            cards.append(
                Scorecard(
                    engagement_id=engagement_id,
                    period=Period.MONTH,
                    period_start=month,
                    period_end=_month_end(month),
                    score=result.score,
                    kpis_counted=result.counted,
                    kpis_without_data=result.without_data,
                    breakdown=[part.breakdown for part in parts],
                    computed_at=computed_at,
                )
            )
    return cards


def kpi_part(
    kpi: Kpi, month: datetime.date, rollups: Mapping[datetime.date, StoredRollup]
) -> KpiPart:
    """A KPI's value, status and attainment in a month's scorecard.

    Monthly KPIs use the month's rollup and quarterly ones the quarter's, as stored.
    Weekly KPIs use the mean of the weeks starting in the month that have data: the
    mean value (and its status) is shown, the mean attainment is scored.
    """
    if kpi.period == Period.WEEK:
        used = [
            rollups[start]
            for start, _ in periods_between(Period.WEEK, month, _month_end(month))
            if start >= month and start in rollups
        ]
    else:
        found = rollups.get(period_bounds(kpi.period, month)[0])
        used = [found] if found else []
    values = [rollup.value for rollup in used if rollup.value is not None]
    value: Decimal | None = None
    share: Decimal | None = None
    status: str = KpiStatus.NO_DATA
    if values and kpi.period != Period.WEEK:
        value, status = values[0], used[0].status
        share = kpi.attainment_for(value)
    elif values:
        value = (sum(values, Decimal("0")) / len(values)).quantize(FOUR_PLACES)
        status = kpi.status_for(value)
        shares = [kpi.attainment_for(v) or Decimal("0") for v in values]
        share = sum(shares, Decimal("0")) / len(shares)
    return KpiPart(
        weight=kpi.weight,
        attainment=share,
        breakdown={
            "kpi": kpi.name,
            "period": kpi.period,
            "periods_with_data": len(values),
            "weight": _text(kpi.weight),
            "value": None if value is None else _text(value),
            "status": status,
            "attainment": None if share is None else str(share.quantize(Decimal("0.001"))),
        },
    )


def _text(number: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 95.5000 -> "95.5", 1E+2 -> "100"."""
    return format(number.normalize(), "f")


# --- vendor standings -----------------------------------------------------------------


def update_standings(
    *, engagement_id: int | None, today: datetime.date, at: datetime.datetime
) -> int:
    """Each vendor's standing from its live engagements' latest closed, scored months.

    The mean over the engagements (one latest closed-month score each) is placed in the
    admin's bands. A vendor with live engagements but no score has "no data"; a vendor
    without live engagements keeps the standing it ended with.
    """
    live = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    if engagement_id is not None:
        vendor_ids = live.filter(pk=engagement_id).values("vendor_id")
        live = live.filter(vendor_id__in=vendor_ids)
    latest_score = (
        Scorecard.objects.filter(
            engagement=OuterRef("pk"),
            period=Period.MONTH,
            period_end__lt=today,
            score__isnull=False,
        )
        .order_by("-period_start")
        .values("score")[:1]
    )
    scores: dict[int, list[Decimal]] = {}
    for vendor_id, score in (
        live.annotate(latest_score=Subquery(latest_score))
        .values_list("vendor_id", "latest_score")
        .order_by()
    ):
        found = scores.setdefault(vendor_id, [])  # without scores: "no data"
        if score is not None:
            found.append(score)
    bands = list(StandingBand.objects.values_list("standing", "min_score"))
    vendors = []
    for vendor_id, found in sorted(scores.items()):  # one lock order for racing runs
        mean = (sum(found, Decimal("0")) / len(found)).quantize(Decimal("0.01")) if found else None
        vendors.append(
            Vendor(
                pk=vendor_id,
                standing=standing_for(mean, bands),
                standing_score=mean,
                standing_updated_at=at,
            )
        )
    Vendor.objects.bulk_update(
        vendors, ["standing", "standing_score", "standing_updated_at"], batch_size=500
    )
    return len(vendors)


# --- performance review flags ---------------------------------------------------------


def _open_review(review: PerformanceReview) -> bool:
    """Save a new review flag unless the database already holds an open one for the
    same KPI or trigger (the partial unique constraints): a run racing another one
    opens nothing twice."""
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class RedStreak:
    kpi_id: int
    first_day: datetime.date
    last_day: datetime.date
    latest_value: Decimal | None


def red_streaks(*, engagement_id: int | None, today: datetime.date) -> Iterator[RedStreak]:
    """KPIs whose latest REVIEW_AFTER_RED_PERIODS closed periods are all red.

    A period without a red rollup – green, amber, no data or never rolled up – breaks
    the streak. Streams the red rollups KPI by KPI, so memory stays bounded.
    """
    count = settings.REVIEW_AFTER_RED_PERIODS
    if count < 1:
        return
    lookback = latest_closed_periods(Period.QUARTER, today, count)[0][0]
    red = KpiRollup.objects.filter(
        kpi__is_active=True,
        kpi__engagement__status__in=Engagement.LIVE_STATUSES,
        status=KpiStatus.RED,
        period_start__gte=lookback,
        period_end__lt=today,
    )
    if engagement_id is not None:
        red = red.filter(kpi__engagement_id=engagement_id)
    rows = red.order_by("kpi_id", "period_start").values_list(
        "kpi_id", "kpi__period", "period_start", "value"
    )
    for kpi_id, group in itertools.groupby(rows.iterator(chunk_size=2000), key=lambda r: r[0]):
        found = list(group)
        red_values = {start: value for _, _, start, value in found}
        needed = latest_closed_periods(found[0][1], today, count)
        if all(start in red_values for start, _ in needed):
            yield RedStreak(
                kpi_id=kpi_id,
                first_day=needed[0][0],
                last_day=needed[-1][1],
                latest_value=red_values[needed[-1][0]],
            )


def open_red_streak_reviews(*, engagement_id: int | None, today: datetime.date) -> int:
    """Open a review for each KPI red N closed periods in a row, once.

    Skipped while any review of that KPI is open, and when the last red-streak review
    was opened after the streak's latest period had ended (the same streak, already
    decided): a new one opens only once a later period is red as well.
    """
    streaks = list(red_streaks(engagement_id=engagement_id, today=today))
    opened = 0
    for offset in range(0, len(streaks), KPI_BATCH):
        chunk = {streak.kpi_id: streak for streak in streaks[offset : offset + KPI_BATCH]}
        reviews = PerformanceReview.objects.filter(kpi_id__in=list(chunk))
        open_kpis = set(reviews.filter(decided_at__isnull=True).values_list("kpi_id", flat=True))
        last_flagged = dict(
            reviews.filter(trigger=PerformanceReview.Trigger.KPI_RED_STREAK)
            .values_list("kpi_id")
            .annotate(last=Max("created_at"))
            .order_by()
        )
        for kpi in Kpi.objects.filter(pk__in=list(chunk)).order_by("pk"):
            streak = chunk[kpi.pk]
            flagged = last_flagged.get(kpi.pk)
            if kpi.pk in open_kpis or (flagged and timezone.localdate(flagged) > streak.last_day):
                continue
            opened += _open_review(
                PerformanceReview(
                    engagement_id=kpi.engagement_id,
                    trigger=PerformanceReview.Trigger.KPI_RED_STREAK,
                    kpi=kpi,
                    summary=_red_streak_summary(kpi, streak),
                )
            )
    return opened


def _red_streak_summary(kpi: Kpi, streak: RedStreak) -> str:
    count = settings.REVIEW_AFTER_RED_PERIODS
    latest = "no value" if streak.latest_value is None else _text(streak.latest_value)
    return (
        f"{kpi.name} was red for {count} {kpi.get_period_display().lower()}s in a row, "
        f"{streak.first_day:%d %b %Y} to {streak.last_day:%d %b %Y}: latest {latest} "
        f"{kpi.unit} against a target of {_text(kpi.target)} {kpi.unit}."
    )


def open_low_scorecard_reviews(*, engagement_id: int | None, today: datetime.date) -> int:
    """Open a review for each live engagement whose latest closed monthly scorecard is
    under REVIEW_BELOW_SCORECARD, once.

    Skipped while the engagement has an open low-scorecard review, and when a review
    already names that scorecard: after a decision a new one opens only for a later
    month that is low again.
    """
    live = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    if engagement_id is not None:
        live = live.filter(pk=engagement_id)
    latest_closed = (
        Scorecard.objects.filter(
            engagement=OuterRef("pk"), period=Period.MONTH, period_end__lt=today
        )
        .order_by("-period_start")
        .values("pk")[:1]
    )
    low = list(
        Scorecard.objects.filter(
            pk__in=live.annotate(card=Subquery(latest_closed)).values("card"),
            score__lt=settings.REVIEW_BELOW_SCORECARD,
        ).order_by("engagement_id")
    )
    opened = 0
    for offset in range(0, len(low), ENGAGEMENT_BATCH):
        chunk = low[offset : offset + ENGAGEMENT_BATCH]
        already = set(
            PerformanceReview.objects.filter(
                Q(decided_at__isnull=True) | Q(scorecard__in=chunk),
                engagement_id__in=[card.engagement_id for card in chunk],
                trigger=PerformanceReview.Trigger.LOW_SCORECARD,
            ).values_list("engagement_id", flat=True)
        )
        for card in chunk:
            if card.engagement_id not in already:
                opened += _open_review(
                    PerformanceReview(
                        engagement_id=card.engagement_id,
                        trigger=PerformanceReview.Trigger.LOW_SCORECARD,
                        scorecard=card,
                        summary=_low_scorecard_summary(card),
                    )
                )
    return opened


def _low_scorecard_summary(card: Scorecard) -> str:
    without = (
        f" {card.kpis_without_data} KPI(s) had no data and were left out."
        if card.kpis_without_data
        else ""
    )
    return (
        f"Scorecard {card.score} for {card.period_start:%B %Y} is under the review "
        f"threshold of {settings.REVIEW_BELOW_SCORECARD}.{without}"
    )
