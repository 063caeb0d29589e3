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

On PostgreSQL the database decides which periods are due as well: one statement per
batch of KPIs (period_values.py, _due_statement) finds the due (KPI, period) pairs by
these rules, aggregates, judges, compares with the period before, upserts on the natural
key only the rows that changed and returns the scorecard months they make due, so no
pair travels to Python and back. Elsewhere (SQLite) Python decides which periods are due
by the functions below and the database computes and writes them the same way. Running
twice, late or after a crash never appends, and a rerun that finds nothing new writes
nothing (`computed_at` says when a row last got the figures it holds). Scorecards are
written the same way – computed by PostgreSQL, by Python elsewhere, to the same figures –
with a history row for each one new or changed (scorecards.py). The watermark moves only
after a whole run succeeded."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass

from django.db.models import (
    DateField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from engagements.models import (
    Engagement,
    JobRun,
    Kpi,
    KpiRollup,
    Measurement,
    Period,
)
from engagements.models.monitoring import period_bounds
from outsourcing import pagecache

from . import upserts
from .credits import kpis_with_credit_rules, refresh_credits
from .period_values import DueWrite, RollupWrite, write_due_rollups, write_period_rollups
from .periods import (
    INCREMENTAL_KPI_BATCH,
    KPI_BATCH,
    first_scorecard_month,
    period_start_of,
    periods_between,
    scorecard_months,
)
from .reviews import open_low_scorecard_reviews, open_red_streak_reviews
from .scorecards import write_scorecards
from .standings import update_standings

JOB_NAME = "rollup_kpis"
# A measurement saved in a transaction that commits after a run has read the table
# carries an updated_at before that run's start. Reading a little before the watermark
# picks it up on the next run; rolling a period up twice is harmless.
WATERMARK_OVERLAP = datetime.timedelta(minutes=15)


Pair = tuple[int, datetime.date]  # (KPI id, period start)


@dataclass
class RollupReport:
    """What one run wrote: rollups and scorecards new or changed (a rerun that finds
    nothing new writes none)."""

    kpis: int = 0
    rollups: int = 0
    rollups_without_data: int = 0
    scorecards: int = 0
    standings: int = 0
    reviews_opened: int = 0
    credits: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"Rolled up {self.kpis} KPI(s): {self.rollups} period rollup(s) written, "
            f"{self.rollups_without_data} of them without data; {self.scorecards} "
            f"scorecard(s); {self.standings} vendor standing(s); {self.reviews_opened} "
            f"performance review(s) opened; {self.credits} service credit(s) written."
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
    batch = KPI_BATCH
    if upserts.computed_in_database() and changed_since is not None and since is None:
        batch = INCREMENTAL_KPI_BATCH
    for kpi_ids in _kpi_batches(engagement_id, batch):
        report.kpis += len(kpi_ids)
        touched = roll_up_batch(kpi_ids, scope=scope, report=report)
        for engagement, month in touched:
            months[engagement].add(month)
    report.scorecards = write_scorecards(months, computed_at=started)
    report.standings = update_standings(engagement_id=engagement_id, today=today, at=started)
    report.reviews_opened = open_red_streak_reviews(
        engagement_id=engagement_id, today=today
    ) + open_low_scorecard_reviews(engagement_id=engagement_id, today=today)
    report.credits = _refresh_credits(engagement_id, scope)
    if full_run:
        _finish_job(started, report, previous=watermark)
    pagecache.data_changed()  # the dashboard shows statuses, scorecards and standings
    return report


def _refresh_credits(engagement_id: int | None, scope: RunScope) -> int:
    """Credits for the periods whose rollups were written since the last successful run
    (this run's, and those of a run that failed before it got here) and those closed
    since then (from the day before the window: a period ending that day closed after
    the last run read it)."""
    kpi_ids = list(kpis_with_credit_rules(engagement_id).values_list("pk", flat=True))
    if not kpi_ids:
        return 0
    rollups = KpiRollup.objects.filter(kpi_id__in=kpi_ids)
    if scope.changed_since is not None:
        closed_since = scope.window_start - datetime.timedelta(days=1)
        rollups = rollups.filter(
            Q(computed_at__gte=scope.changed_since) | Q(period_end__gte=closed_since)
        )
    return refresh_credits(rollups, today=scope.today, computed_at=scope.computed_at)


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


# --- KPI rollups ----------------------------------------------------------------------


def _kpi_batches(engagement_id: int | None, size: int) -> Iterator[list[int]]:
    """The ids of the active KPIs of live engagements, `size` at a time (keyset pages
    by id)."""
    kpis = Kpi.objects.filter(is_active=True, engagement__status__in=Engagement.LIVE_STATUSES)
    if engagement_id is not None:
        kpis = kpis.filter(engagement_id=engagement_id)
    ids = kpis.order_by("pk").values_list("pk", flat=True)
    after = 0
    while batch := list(ids.filter(pk__gt=after)[:size]):
        yield batch
        after = batch[-1]


def roll_up_batch(
    kpi_ids: list[int], *, scope: RunScope, report: RollupReport
) -> set[tuple[int, datetime.date]]:
    """Recompute the due periods of this batch of KPIs and upsert them.

    Returns (engagement id, month) for every scorecard these rollups make due.
    """
    if upserts.computed_in_database():
        # The same rules in one statement: the due periods never leave the database.
        due = DueWrite(
            kpi_ids=kpi_ids,
            today=scope.today,
            window_start=scope.window_start,
            changed_since=scope.changed_since,
            computed_at=scope.computed_at,
        )
        upsert_rollups(due)
        report.rollups += due.written
        report.rollups_without_data += due.written_without_data
        return due.months
    # Only what deciding the due periods reads: the database reads each KPI's rules
    # itself when it computes (period_values.py).
    kpis = list(
        Kpi.objects.filter(pk__in=kpi_ids)
        .select_related("engagement")
        .only("pk", "period", "engagement_id", "engagement__start_date")
    )
    by_id = {kpi.pk: kpi for kpi in kpis}
    window = _window_pairs(kpis, scope)
    changed = _changed_pairs(by_id, scope)
    targets = sorted(window | set(changed))
    if not targets:
        return set()
    write = roll_up_periods(by_id, targets, computed_at=scope.computed_at)
    report.rollups += write.written
    report.rollups_without_data += write.written_without_data
    return _months_made_due(by_id, window, changed, scope)


def roll_up_periods(
    by_id: Mapping[int, Kpi], targets: list[Pair], *, computed_at: datetime.datetime
) -> RollupWrite:
    """Compute the (KPI, period start) rollups from the measurements there are now and
    write those new or changed (period_values.py); `targets` sorted. The scheduled run
    and the recompute after a save (recompute.py) both write through here."""
    write = RollupWrite(by_id=by_id, targets=targets, computed_at=computed_at)
    upsert_rollups(write)
    return write


def upsert_rollups(write: RollupWrite | DueWrite) -> None:
    if isinstance(write, DueWrite):
        write_due_rollups(write)
    else:
        write_period_rollups(write)


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
        months = reopened_months(kpi, start, measured_months, today=scope.today)
        due.update((kpi.engagement_id, month) for month in months)
    began = {kpi.engagement_id: kpi.engagement.start_date for kpi in by_id.values()}
    return {
        (engagement_id, month)
        for engagement_id, month in due
        if scored_month(month, began=began[engagement_id], today=scope.today)
    }


def reopened_months(
    kpi: Kpi, start: datetime.date, measured_months: set[datetime.date], *, today: datetime.date
) -> set[datetime.date]:
    """The scorecard months a changed measurement in this KPI period reopens: those that
    use the period, but for a quarter only the months the changed measurements fall in."""
    if kpi.period == Period.QUARTER:
        return set(measured_months)
    return set(scorecard_months(kpi.period, start, today))


def scored_month(month: datetime.date, *, began: datetime.date, today: datetime.date) -> bool:
    """Whether an engagement that began on `began` has a scorecard for this month: from
    the month it began in up to the current one."""
    return first_scorecard_month(began) <= month <= today
