"""A KPI's period rollups computed and written by the database in one statement.

The run (rollup.py) decides which (KPI, period) pairs are due – on PostgreSQL the
statement below finds them itself (_due_statement); this computes each pair's
count, value by the KPI's aggregation (average, sum or the latest day's value, to four
places, half away from zero), status against the KPI's thresholds and trend against
the period before, and upserts the row only where something changed.

Why raw SQL: the statement is `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE`, which
the ORM cannot write, and computing in the database spares fetching every period's
figures into Python and sending every row back (issue 15, P3: most of a full run).
Each target carries its own first and last day, so the measurements are found by range
on the (KPI, day) unique index: no date truncation, the same SQL on PostgreSQL and
SQLite but for how the JSON parameter is unpacked and "differs" is said (upserts.py).
Only the KPI's rules (thresholds, direction, aggregation) are read at the moment of
computing: a period that is not due keeps what it was computed with.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from engagements.models import (
    Aggregation,
    Direction,
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    Period,
)
from engagements.models.monitoring import period_bounds

from .periods import previous_period_start
from .upserts import distinct, ids_in_json, ids_param, json_param, json_rows, stamp, without_jit

Pair = tuple[int, datetime.date]  # (KPI id, period start)

TARGET_COLUMNS = [
    ("kpi_id", "bigint"),
    ("period_start", "date"),
    ("period_end", "date"),
    ("previous_start", "date"),
]
WRITTEN = ["period_end", "value", "status", "trend", "measurement_count", "computed_at"]


@dataclass
class RollupWrite:
    """The periods to compute at one moment, and what writing them did."""

    by_id: Mapping[int, Kpi]
    targets: list[Pair]
    computed_at: datetime.datetime
    written: int = 0  # rows new or changed
    written_without_data: int = 0


def _statement() -> str:
    """The statement for targets sent as one JSON parameter."""
    return f"""
WITH target AS ({json_rows(TARGET_COLUMNS, "%(targets)s")}),
{_computing_ctes(rollups_stored=True)}
{_upsert()}
"""  # nosec B608


def _computing_ctes(*, rollups_stored: bool) -> str:
    """CTEs from `target` (kpi_id, period_start, period_end, previous_start) to
    `compared`: each target's figures, value and the value of the period before.

    The period before is the target before it when that is the same KPI's previous
    period, else the stored one. `rollups_stored` (a scheduled run after the first, or a
    recompute after a save, for a few periods): a target whose period before is not a
    target looks the stored one up by key, as joining them let the planner, which
    cannot count a JSON list's KPIs or each KPI's periods, hash every stored rollup
    (316,000 at large) to find a few thousand. Else (the first run) they are joined: a
    look-up planned with the statistics of an empty table scans, each time, every row
    the run's earlier batches have added.
    """
    quote = connection.ops.quote_name
    measurement = quote(Measurement._meta.db_table)
    kpi = quote(Kpi._meta.db_table)
    rollup = quote(KpiRollup._meta.db_table)
    if rollups_stored:
        stored = f"""(SELECT s.value FROM {rollup} s
        WHERE s.kpi_id = c.kpi_id AND s.period_start = c.previous_start)"""  # nosec B608
        join = ""
    else:
        stored = "r.value"
        join = f"LEFT JOIN {rollup} r ON r.kpi_id = c.kpi_id AND r.period_start = c.previous_start"
    # Names from model metadata and constant SQL; every value is a parameter.
    return f"""
figures AS (
    SELECT t.kpi_id, t.period_start, t.period_end, t.previous_start, COUNT(m.id) AS n,
           AVG(m.value) AS average, SUM(m.value) AS total, MAX(m.measured_on) AS last_on
    FROM target t
    LEFT JOIN {measurement} m
      ON m.kpi_id = t.kpi_id AND m.measured_on BETWEEN t.period_start AND t.period_end
    GROUP BY t.kpi_id, t.period_start, t.period_end, t.previous_start
),
computed AS (
    SELECT f.kpi_id, f.period_start, f.period_end, f.previous_start, f.n,
           k.direction, k.amber_threshold, k.red_threshold,
           CASE WHEN f.n = 0 THEN NULL
                WHEN k.aggregation = %(sum)s THEN ROUND(f.total, 4)
                WHEN k.aggregation = %(latest)s THEN ROUND((
                    SELECT l.value FROM {measurement} l
                    WHERE l.kpi_id = f.kpi_id AND l.measured_on = f.last_on), 4)
                ELSE ROUND(f.average, 4) END AS value
    FROM figures f
    JOIN {kpi} k ON k.id = f.kpi_id
),
compared AS (
    SELECT c.*,
           CASE WHEN LAG(c.period_start) OVER by_kpi = c.previous_start
                THEN LAG(c.value) OVER by_kpi ELSE {stored} END AS previous
    FROM computed c
    {join}
    WINDOW by_kpi AS (PARTITION BY c.kpi_id ORDER BY c.period_start)
)
"""  # nosec B608


def _upsert() -> str:
    """The upsert of `compared`, returning the value of each row written."""
    quote = connection.ops.quote_name
    rollup = quote(KpiRollup._meta.db_table)
    differs = distinct()
    changed = " OR ".join(
        f"{rollup}.{quote(name)} {differs} excluded.{quote(name)}"
        for name in WRITTEN
        if name != "computed_at"
    )
    # Names from model metadata and constant SQL; every value is a parameter.
    return f"""
INSERT INTO {rollup} ({quote("kpi_id")}, {quote("period_start")},
                      {", ".join(quote(name) for name in WRITTEN)})
SELECT kpi_id, period_start, period_end, value,
       CASE WHEN value IS NULL THEN %(no_data)s
            WHEN direction = %(higher)s THEN
                CASE WHEN value >= amber_threshold THEN %(green)s
                     WHEN value >= red_threshold THEN %(amber)s ELSE %(red)s END
            ELSE CASE WHEN value <= amber_threshold THEN %(green)s
                      WHEN value <= red_threshold THEN %(amber)s ELSE %(red)s END END,
       CASE WHEN previous IS NULL OR value IS NULL THEN %(unknown)s
            WHEN value = previous THEN %(same)s
            WHEN (direction = %(higher)s AND value > previous)
              OR (direction <> %(higher)s AND value < previous) THEN %(better)s
            ELSE %(worse)s END,
       n, %(computed_at)s
FROM compared WHERE true
ON CONFLICT ({quote("kpi_id")}, {quote("period_start")}) DO UPDATE SET
    {", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in WRITTEN)}
WHERE {changed}
RETURNING {quote("value")}
"""  # nosec B608


def write_period_rollups(write: RollupWrite) -> None:
    """Compute and upsert `write.targets` (sorted); count what was written."""
    if not write.targets:
        return
    targets = []
    for kpi_id, start in write.targets:
        period = write.by_id[kpi_id].period
        targets.append(
            (
                kpi_id,
                start.isoformat(),
                period_bounds(period, start)[1].isoformat(),
                previous_period_start(period, start).isoformat(),
            )
        )
    params = {"targets": json_param(TARGET_COLUMNS, targets), **_rule_params(write.computed_at)}
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        values = [value for (value,) in cursor.fetchall()]
    write.written = len(values)
    write.written_without_data = sum(value is None for value in values)


def _rule_params(computed_at: datetime.datetime) -> dict[str, Any]:
    """The parameters of _computing_ctes and _upsert."""
    return {
        "computed_at": stamp(computed_at),
        "sum": Aggregation.SUM,
        "latest": Aggregation.LATEST,
        "higher": Direction.HIGHER,
        **{status.name.lower(): status.value for status in KpiStatus},
        **{trend.name.lower(): trend.value for trend in KpiRollup.Trend},
    }


# --- every due period found by the database (PostgreSQL) ------------------------------


@dataclass
class DueWrite:
    """A batch of KPIs whose due periods the database finds, and what rolling them up
    wrote, with the scorecards it made due."""

    kpi_ids: list[int]
    today: datetime.date
    window_start: datetime.date
    changed_since: datetime.datetime | None
    computed_at: datetime.datetime
    written: int = 0
    written_without_data: int = 0
    months: set[tuple[int, datetime.date]] = field(default_factory=set)


def _due_statement(*, changed_since_given: bool) -> str:
    """PostgreSQL: the due (KPI, period) pairs of a batch of KPIs, their rollups
    upserted, and the scorecard months they make due – the rules of rollup.py
    (_window_pairs, _changed_pairs, _days_left_behind, _months_made_due) in one statement,
    so that no pair travels to Python and back (issue 15, P3). A KPI's period is also
    the name of PostgreSQL's date_trunc field for it."""
    quote = connection.ops.quote_name
    measurement = quote(Measurement._meta.db_table)
    history = quote(Measurement.history.model._meta.db_table)
    kpi = quote(Kpi._meta.db_table)
    engagement = quote(Engagement._meta.db_table)
    # Names from model metadata and constant SQL; every value is a parameter.
    changed_days = f"""
    SELECT m.kpi_id, m.measured_on AS day FROM {measurement} m
    WHERE m.kpi_id IN (SELECT id FROM kpi) AND m.measured_on <= %(quarter_end)s
    """  # nosec B608
    if changed_since_given:
        # Saved since the last run, and the days values were deleted from or moved
        # away from (the measurements table no longer shows them).
        changed_days = f"""
    SELECT m.kpi_id, m.measured_on AS day FROM saved_since m
    WHERE m.kpi_id IN (SELECT id FROM kpi)
    UNION
    SELECT h.kpi_id, h.measured_on FROM {history} h
    WHERE h.kpi_id IN (SELECT id FROM kpi) AND h.history_date >= %(changed_since)s
      AND h.history_type = '-'
    UNION
    SELECT h.kpi_id, before.measured_on FROM {history} h
    CROSS JOIN LATERAL (
        SELECT b.measured_on FROM {history} b
        WHERE b.id = h.id AND b.history_id < h.history_id
        ORDER BY b.history_id DESC LIMIT 1
    ) before
    WHERE h.kpi_id IN (SELECT id FROM kpi) AND h.history_date >= %(changed_since)s
      AND h.history_type IN ('-', '~') AND before.measured_on <> h.measured_on
    """  # nosec B608
    saved_since = ""
    if changed_since_given:
        # Read by the updated_at index once, not KPI by KPI (the planner's choice for
        # a KPI list it cannot count).
        saved_since = f"""saved_since AS MATERIALIZED (
    SELECT m.kpi_id, m.measured_on FROM {measurement} m
    WHERE m.updated_at >= %(changed_since)s AND m.measured_on <= %(quarter_end)s
),
"""  # nosec B608
    # Names from model metadata and constant SQL; every value is a parameter.
    return f"""
WITH {saved_since}kpi AS (
    SELECT k.id, k.period, k.engagement_id, e.start_date AS began,
           CASE k.period WHEN %(week)s THEN interval '1 week'
                WHEN %(month)s THEN interval '1 month' ELSE interval '3 months' END AS step
    FROM {kpi} k
    JOIN {engagement} e ON e.id = k.engagement_id
    WHERE k.id IN ({ids_in_json("%(kpis)s")})
),
window_pair AS (
    -- Every period from the window's start (not before the engagement began) to now.
    SELECT k.id AS kpi_id, p::date AS period_start
    FROM kpi k
    CROSS JOIN LATERAL generate_series(
        date_trunc(k.period, GREATEST(%(window_start)s::date, k.began)::timestamp),
        date_trunc(k.period, %(today)s::date::timestamp), k.step) AS p
),
changed_day AS ({changed_days}),
changed_pair AS (
    -- Periods after the current one wait until they come.
    SELECT DISTINCT c.kpi_id, date_trunc(k.period, c.day::timestamp)::date AS period_start,
           date_trunc('month', c.day::timestamp)::date AS month
    FROM changed_day c
    JOIN kpi k ON k.id = c.kpi_id
    WHERE date_trunc(k.period, c.day::timestamp)::date <= %(today)s
),
target AS MATERIALIZED (
    -- Materialized: the measurements are then found by range on the (KPI, day) index,
    -- both ends in the index condition.
    SELECT p.kpi_id, p.period_start, (p.period_start + k.step - interval '1 day')::date
               AS period_end, (p.period_start - k.step)::date AS previous_start
    FROM (SELECT kpi_id, period_start FROM window_pair
          UNION SELECT kpi_id, period_start FROM changed_pair) p
    JOIN kpi k ON k.id = p.kpi_id
),
{_computing_ctes(rollups_stored=changed_since_given)},
written AS ({_upsert()}),
due_month AS (
    -- The current month; the months of the window that periods redone for it count
    -- in; the months a changed value reopens (for a quarter, only the value's month).
    SELECT engagement_id, %(current_month)s::date AS month FROM kpi
    UNION
    SELECT k.engagement_id, m::date
    FROM window_pair w
    JOIN kpi k ON k.id = w.kpi_id
    CROSS JOIN LATERAL generate_series(
        date_trunc('month', w.period_start::timestamp),
        CASE WHEN k.period = %(quarter)s
             THEN LEAST(w.period_start + interval '2 months', %(today)s::date::timestamp)
             ELSE date_trunc('month', w.period_start::timestamp) END,
        interval '1 month') AS m
    WHERE m >= date_trunc('month', %(window_start)s::date::timestamp)
    UNION
    SELECT k.engagement_id, CASE WHEN k.period = %(quarter)s THEN c.month
                                 ELSE date_trunc('month', c.period_start::timestamp)::date END
    FROM changed_pair c
    JOIN kpi k ON k.id = c.kpi_id
)
SELECT d.engagement_id, d.month, NULL, NULL
FROM due_month d
JOIN (SELECT DISTINCT engagement_id, began FROM kpi) e ON e.engagement_id = d.engagement_id
-- An engagement's scorecards run from the month it began in to the current one.
WHERE d.month <= %(today)s AND d.month >= date_trunc('month', e.began::timestamp)::date
UNION ALL
SELECT NULL, NULL, (SELECT COUNT(*) FROM written),
       (SELECT COUNT(*) FROM written WHERE {quote("value")} IS NULL)
"""  # nosec B608


def write_due_rollups(write: DueWrite) -> None:
    """PostgreSQL: roll up the due periods of `write.kpi_ids` (see _due_statement);
    count what was written and collect the scorecard months made due."""
    params = {
        "kpis": ids_param(write.kpi_ids),
        "today": write.today,
        "window_start": write.window_start,
        "changed_since": write.changed_since,
        "quarter_end": period_bounds(Period.QUARTER, write.today)[1],
        "current_month": period_bounds(Period.MONTH, write.today)[0],
        **{period.name.lower(): period.value for period in Period},
        **_rule_params(write.computed_at),
    }
    statement = _due_statement(changed_since_given=write.changed_since is not None)
    with without_jit(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        for engagement_id, month, written, without_data in cursor.fetchall():
            if engagement_id is None:
                write.written, write.written_without_data = written, without_data
            else:
                write.months.add((engagement_id, month))
