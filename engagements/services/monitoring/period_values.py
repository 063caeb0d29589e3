"""A KPI's period rollups computed and written by the database in one statement.

The run (rollup.py) decides which (KPI, period) pairs are due; this computes each pair's
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
from dataclasses import dataclass

from django.db import connection

from engagements.models import (
    Aggregation,
    Direction,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
)
from engagements.models.monitoring import period_bounds

from .periods import previous_period_start
from .upserts import distinct, json_param, json_rows, stamp

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
    quote = connection.ops.quote_name
    measurement = quote(Measurement._meta.db_table)
    kpi = quote(Kpi._meta.db_table)
    rollup = quote(KpiRollup._meta.db_table)
    differs = distinct()
    changed = " OR ".join(
        f"{rollup}.{quote(name)} {differs} excluded.{quote(name)}"
        for name in WRITTEN
        if name != "computed_at"
    )
    # Names from model metadata and constant SQL; every value is a parameter.
    return f"""
WITH target AS ({json_rows(TARGET_COLUMNS, "%(targets)s")}),
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
    -- The period before: computed just now when it is a target too, else as stored.
    SELECT c.*,
           CASE WHEN LAG(c.period_start) OVER by_kpi = c.previous_start
                THEN LAG(c.value) OVER by_kpi ELSE r.value END AS previous
    FROM computed c
    LEFT JOIN {rollup} r ON r.kpi_id = c.kpi_id AND r.period_start = c.previous_start
    WINDOW by_kpi AS (PARTITION BY c.kpi_id ORDER BY c.period_start)
)
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
    params = {
        "targets": json_param(TARGET_COLUMNS, targets),
        "computed_at": stamp(write.computed_at),
        "sum": Aggregation.SUM,
        "latest": Aggregation.LATEST,
        "higher": Direction.HIGHER,
        **{status.name.lower(): status.value for status in KpiStatus},
        **{trend.name.lower(): trend.value for trend in KpiRollup.Trend},
    }
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        values = [value for (value,) in cursor.fetchall()]
    write.written = len(values)
    write.written_without_data = sum(value is None for value in values)
