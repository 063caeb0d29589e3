"""Monthly engagement scorecards from the KPI rollups, and their history.

PostgreSQL computes them in one statement a batch and upserts them (_scorecard_source);
elsewhere Python does (kpi_part, models.monitoring.scorecard). Both come to the same
score and breakdown: attainment is rounded to ATTAINMENT_PLACES before it is averaged
or weighted, the weekly mean and the attainment shown are rounded half to even as
Decimal.quantize does, the score half up (test_rollup_in_database.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q

from engagements.models import (
    Direction,
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    Period,
    Scorecard,
)
from engagements.models.monitoring import period_bounds, scorecard
from outsourcing.formatting import number_text

from . import upserts
from .periods import (
    ATTAINMENT_PLACES,
    ENGAGEMENT_BATCH,
    FOUR_PLACES,
    first_scorecard_month,
    first_scored_day,
    month_end,
    weeks_starting_in,
)
from .upserts import (
    Column,
    ids_in_json,
    ids_param,
    json_column,
    json_param,
    stamp,
    upsert_changed,
    upsert_changed_from,
    without_jit,
)

# --- scorecards -----------------------------------------------------------------------


def write_scorecards(
    months: Mapping[int, set[datetime.date]], *, computed_at: datetime.datetime
) -> int:
    """Compute the monthly scorecard of each (engagement, month) given and write those
    new or changed, each with a history row; returns how many were written."""
    count = 0
    engagement_ids = sorted(months)
    # PostgreSQL computes them: Python holds only the ids of what it wrote.
    in_database = upserts.computed_in_database()
    size = ENGAGEMENT_BATCH * (10 if in_database else 1)
    for offset in range(0, len(engagement_ids), size):
        chunk = {pk: months[pk] for pk in engagement_ids[offset : offset + size]}
        # A change and its history row land together: a rerun writes only what changed,
        # so a crash between the two would lose the history row for good.
        with transaction.atomic():
            stored = _stored_scorecards(chunk)
            if in_database:
                written = _upsert_scorecards_in_sql(chunk, computed_at=computed_at)
            else:
                written = _upsert_scorecards(chunk, computed_at=computed_at)
            created = {
                pk
                for pk, engagement_id, start in written
                if (engagement_id, _as_date(start)) not in stored
            }
            _record_scorecard_history(created, kind="+", computed_at=computed_at)
            _record_scorecard_history(
                {pk for pk, _, _ in written} - created, kind="~", computed_at=computed_at
            )
        count += len(written)
    return count


ScorecardKey = tuple[int, datetime.date]
SHARE_PLACES = Decimal(1).scaleb(-ATTAINMENT_PLACES)
# Divisions the database does to at least this many places, so that it rounds to
# ATTAINMENT_PLACES and to the score's places as Python's 28 digits do.
EXACT = "1." + "0" * 30
SCORECARD_KEYS: list[Column] = [
    ("engagement_id", "bigint"),
    ("period", "text"),
    ("period_start", "date"),
]
SCORECARD_VALUES: list[Column] = [
    ("period_end", "date"),
    ("score", "numeric"),
    ("kpis_counted", "integer"),
    ("kpis_without_data", "integer"),
    ("breakdown", "jsonb"),
]
WRITTEN_RETURNING = "id, engagement_id, period_start"


def _upsert_scorecards(
    months: Mapping[int, set[datetime.date]], *, computed_at: datetime.datetime
) -> list[tuple[Any, ...]]:
    """Compute the scorecards in Python (kpi_part) and upsert them; the rows written."""
    return upsert_changed(
        Scorecard,
        keys=SCORECARD_KEYS,
        values=SCORECARD_VALUES,
        rows=[
            (
                card.engagement_id,
                card.period,
                card.period_start.isoformat(),
                card.period_end.isoformat(),
                None if card.score is None else str(card.score),
                card.kpis_counted,
                card.kpis_without_data,
                json_column(card.breakdown),
            )
            for card in _scorecards_for(months, computed_at=computed_at)
        ],
        computed_at=computed_at,
        returning=WRITTEN_RETURNING,
    )


def _half_even(number: str, places: int) -> str:
    """SQL rounding `number` to `places` as Decimal.quantize does (half to even), where
    ROUND goes half away from zero. A tie leaves exactly half a unit of the last place
    when truncated; only then is the last digit's parity asked (MOD divides: slow on
    numbers of 30 places, and it ran for every rollup)."""
    half_unit = f"0.{'0' * places}5"
    return (
        f"CASE WHEN ABS(({number}) - TRUNC({number}, {places})) = {half_unit} "
        f"AND MOD(TRUNC(({number}) * {10**places}), 2) = 0 "
        f"THEN TRUNC({number}, {places}) ELSE ROUND({number}, {places}) END"
    )


def _scorecard_source() -> str:
    """PostgreSQL: the due (engagement, month) scorecards computed from the stored
    rollups, as kpi_part and `scorecard` compute them – the same figures, statuses and
    breakdown (keyed and rounded the same, numbers as number_text writes them)."""
    quote = connection.ops.quote_name
    kpi = quote(Kpi._meta.db_table)
    rollup = quote(KpiRollup._meta.db_table)

    def attainment(value: str) -> str:
        # models.monitoring.attainment: 1 at or beyond target, 0 at or beyond red.
        gap = (
            "CASE WHEN direction = %(higher)s THEN target - red_threshold "
            "ELSE red_threshold - target END"
        )
        achieved = (
            f"CASE WHEN direction = %(higher)s THEN {value} - red_threshold "
            f"ELSE red_threshold - {value} END"
        )
        meets = (
            f"(direction = %(higher)s AND {value} >= target) "
            f"OR (direction <> %(higher)s AND {value} <= target)"
        )
        return (
            f"CASE WHEN {value} IS NULL THEN NULL WHEN {gap} <= 0 THEN "
            f"CASE WHEN {meets} THEN 1 ELSE 0 END "
            f"ELSE LEAST(GREATEST(({achieved}) * {EXACT} / ({gap}), 0), 1) END"
        )

    def status(value: str) -> str:
        # models.monitoring.kpi_status
        return (
            f"CASE WHEN {value} IS NULL THEN %(no_data)s WHEN direction = %(higher)s THEN "
            f"CASE WHEN {value} >= amber_threshold THEN %(green)s "
            f"WHEN {value} >= red_threshold THEN %(amber)s ELSE %(red)s END "
            f"ELSE CASE WHEN {value} <= amber_threshold THEN %(green)s "
            f"WHEN {value} <= red_threshold THEN %(amber)s ELSE %(red)s END END"
        )

    weekly_mean = _half_even("mean", 4)
    # Names from model metadata and constant SQL; every value is a parameter.
    return f"""
WITH due AS (
    SELECT * FROM jsonb_to_recordset(%(due)s::jsonb) AS r(engagement_id bigint, month date)
),
kpi AS (
    -- The engagements' active KPIs; a KPI's rollups count in a month by their bucket: a
    -- week in the month it starts in, a month in itself, a quarter in each of its months.
    SELECT k.id, k.engagement_id, k.name, k.period, k.weight, k.direction, k.target,
           k.amber_threshold, k.red_threshold
    FROM {kpi} k
    WHERE k.is_active AND k.engagement_id IN (SELECT engagement_id FROM due)
),
bucketed AS MATERIALIZED (
    -- Each rollup with its attainment, in the bucket it counts in. Materialized: the
    -- attainment (a division to 30 places) is then computed once a rollup, where
    -- rounding it, inlined, computed it three times.
    SELECT r.kpi_id, k.period, r.value, r.status,
           CASE k.period WHEN %(week)s THEN date_trunc('month', r.period_start)::date
                ELSE r.period_start END AS bucket,
           {attainment("r.value")} AS attainment
    FROM {rollup} r
    JOIN kpi k ON k.id = r.kpi_id
    WHERE r.period_start BETWEEN %(first)s AND %(last)s
      -- Weeks and months from the first due month on; quarters from its quarter on.
      AND (k.period = %(quarter)s OR r.period_start >= %(first_month)s)
      -- weeks_starting_in: a week's rollup starts on a Monday
      AND (k.period <> %(week)s OR EXTRACT(ISODOW FROM r.period_start) = 1)
),
figures AS (
    -- A KPI's figures for a bucket: the one rollup of a month or a quarter; the weeks'
    -- mean value and mean attainment. Rounded outside the grouping, which computes
    -- each mean once.
    SELECT kpi_id, bucket, period, with_data,
           CASE WHEN with_data = 0 THEN NULL WHEN period = %(week)s THEN {weekly_mean}
                ELSE one_value END AS value,
           stored_status,
           {_half_even("mean_share", ATTAINMENT_PLACES)} AS share
    FROM (
        SELECT kpi_id, bucket, period, COUNT(value) AS with_data, AVG(value) AS mean,
               MAX(value) AS one_value,
               MAX(status) FILTER (WHERE value IS NOT NULL) AS stored_status,
               SUM(share) * {EXACT} / NULLIF(COUNT(attainment), 0) AS mean_share
        FROM (
            SELECT *, {_half_even("attainment", ATTAINMENT_PLACES)} AS share FROM bucketed
        ) shares
        GROUP BY kpi_id, bucket, period
    ) grouped
),
part AS (
    -- Each active KPI of a due month with the figures of the bucket it brings.
    SELECT d.engagement_id, d.month, k.id AS kpi_id, k.name, k.period, k.weight,
           COALESCE(f.with_data, 0) AS with_data, f.value, f.share,
           CASE WHEN k.period = %(week)s THEN {status("f.value")}
                ELSE COALESCE(f.stored_status, %(no_data)s) END AS shown_status
    FROM due d
    JOIN kpi k ON k.engagement_id = d.engagement_id
    LEFT JOIN figures f ON f.kpi_id = k.id AND f.bucket = CASE k.period
        WHEN %(quarter)s THEN date_trunc('quarter', d.month)::date ELSE d.month END
)
SELECT d.engagement_id, %(month)s AS period, d.month AS period_start,
       (d.month + interval '1 month' - interval '1 day')::date AS period_end,
       CASE WHEN COUNT(p.share) = 0 OR SUM(p.weight) FILTER (WHERE p.share IS NOT NULL) = 0
            THEN NULL
            ELSE ROUND(SUM(p.weight * p.share) * {EXACT}
                       / SUM(p.weight) FILTER (WHERE p.share IS NOT NULL) * 100, 1) END
           AS score,
       COUNT(p.share) AS kpis_counted,
       COUNT(p.kpi_id) - COUNT(p.share) AS kpis_without_data,
       COALESCE(jsonb_agg(jsonb_build_object(
           'kpi', p.name,
           'period', p.period,
           'periods_with_data', p.with_data,
           'weight', trim_scale(p.weight)::text,
           'value', trim_scale(p.value)::text,
           'status', p.shown_status,
           'attainment', ({_half_even("p.share", 3)})::text
       ) ORDER BY p.name) FILTER (WHERE p.kpi_id IS NOT NULL), '[]'::jsonb) AS breakdown
FROM due d
LEFT JOIN part p ON p.engagement_id = d.engagement_id AND p.month = d.month
GROUP BY d.engagement_id, d.month
"""  # nosec B608


def _upsert_scorecards_in_sql(
    months: Mapping[int, set[datetime.date]], *, computed_at: datetime.datetime
) -> list[tuple[Any, ...]]:
    """PostgreSQL: compute the scorecards in the database and upsert them in one
    statement (issue 15, P3: computing 30,000 in Python was a third of a full run)."""
    due = [(pk, month.isoformat()) for pk, due in months.items() for month in sorted(due)]
    first_month = min(min(d) for d in months.values())
    with without_jit():
        return upsert_changed_from(
            Scorecard,
            keys=[name for name, _ in SCORECARD_KEYS],
            values=[name for name, _ in SCORECARD_VALUES],
            source=_scorecard_source(),
            params={
                "due": json_param([("engagement_id", "bigint"), ("month", "date")], due),
                # The rollups' span: from the first month's quarter to the last month's end.
                "first": period_bounds(Period.QUARTER, first_month)[0],
                "first_month": first_month,
                "last": month_end(max(max(d) for d in months.values())),
                "higher": Direction.HIGHER,
                **{period.name.lower(): period.value for period in Period},
                **{status.name.lower(): status.value for status in KpiStatus},
            },
            computed_at=computed_at,
            returning=WRITTEN_RETURNING,
        )


def _as_date(value: datetime.date | str) -> datetime.date:
    """A date column from RETURNING: SQLite hands back its text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _stored_scorecards(months: Mapping[int, set[datetime.date]]) -> set[ScorecardKey]:
    """The batch's scorecards already stored (one query): a written one not among them
    is new."""
    return set(
        Scorecard.objects.filter(
            engagement_id__in=list(months),
            period=Period.MONTH,
            period_start__range=(
                min(min(due) for due in months.values()),
                max(max(due) for due in months.values()),
            ),
        ).values_list("engagement_id", "period_start")
    )


def _record_scorecard_history(ids: set[int], *, kind: str, computed_at: datetime.datetime) -> None:
    """History rows for the scorecards just written (new: "+", changed: "~"), copied from
    the table in one statement: the upsert bypasses save(), and a recompute that
    changed nothing writes no scorecard and so no history row. Raw SQL for the same
    reason as the upsert (upserts.py): simple-history's bulk_history_create sends the
    breakdowns as array parameters."""
    if not ids:
        return
    history = Scorecard.history.model
    quote = connection.ops.quote_name
    live = {field.column for field in Scorecard._meta.concrete_fields}
    given = {
        "history_date": stamp(computed_at),
        "history_change_reason": "KPI rollup",
        "history_type": kind,
        "history_user_id": None,
    }
    columns, picked, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.primary_key:  # history_id: the database numbers the rows
            continue
        columns.append(quote(field.column))
        if field.column in live:
            picked.append(quote(field.column))
        else:
            picked.append("%s")
            params.append(given[field.column])  # a new history field fails loudly here
    # Table and column names from model metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "  # nosec B608
        f"SELECT {', '.join(picked)} FROM {quote(Scorecard._meta.db_table)} "
        f"WHERE {quote('id')} IN ({ids_in_json()})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, ids_param(ids)])


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
    last = month_end(max(max(due) for due in months.values()))
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
                    period_end=month_end(month),
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
        used = [rollups[start] for start in weeks_starting_in(month) if start in rollups]
    else:
        found = rollups.get(period_bounds(kpi.period, month)[0])
        used = [found] if found else []
    values = [rollup.value for rollup in used if rollup.value is not None]
    value: Decimal | None = None
    share: Decimal | None = None
    status: str = KpiStatus.NO_DATA
    if values and kpi.period != Period.WEEK:
        value, status = values[0], used[0].status
        share = _rounded_share(kpi.attainment_for(value))
    elif values:
        value = (sum(values, Decimal("0")) / len(values)).quantize(FOUR_PLACES)
        status = kpi.status_for(value)
        shares = [_rounded_share(kpi.attainment_for(v)) or Decimal("0") for v in values]
        share = _rounded_share(sum(shares, Decimal("0")) / len(shares))
    return KpiPart(
        weight=kpi.weight,
        attainment=share,
        breakdown={
            "kpi": kpi.name,
            "period": kpi.period,
            "periods_with_data": len(values),
            "weight": number_text(kpi.weight),
            "value": None if value is None else number_text(value),
            "status": status,
            "attainment": None if share is None else str(share.quantize(Decimal("0.001"))),
        },
    )


def _rounded_share(share: Decimal | None) -> Decimal | None:
    return None if share is None else share.quantize(SHARE_PLACES)


# --- values left out for their dates --------------------------------------------------


@dataclass(frozen=True)
class UnscoredValues:
    """Values of active KPIs that count in months before the engagement's first scorecard."""

    count: int
    dated_before_start: int  # of them, those dated before the engagement began
    began: datetime.date
    first_month: datetime.date

    @property
    def all_dated_before_start(self) -> bool:
        return self.count == self.dated_before_start


def unscored_values(engagement: Engagement) -> UnscoredValues | None:
    """The engagement's values no scorecard counts because of their dates (one query), or
    None when every value is in a scored month."""
    began = engagement.start_date
    unscored = Q()
    for period in Period.values:
        unscored |= Q(kpi__period=period, measured_on__lt=first_scored_day(period, began))
    counts = Measurement.objects.filter(
        unscored, kpi__engagement=engagement, kpi__is_active=True
    ).aggregate(count=Count("pk"), before=Count("pk", filter=Q(measured_on__lt=began)))
    if not counts["count"]:
        return None
    return UnscoredValues(
        count=counts["count"],
        dated_before_start=counts["before"],
        began=began,
        first_month=first_scorecard_month(began),
    )
