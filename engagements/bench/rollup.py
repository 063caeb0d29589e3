"""P3 of issue 15: the KPI rollup's cost against the floor SQL sets for it.

`python -m engagements.bench.rollup` (or `p3(server)` from `make bench`) measures, in one
run on the large organisation:

- the full rollup (no rollups yet, as on a fresh database: every period of every KPI,
  scorecards, standings, review flags) ÷ one SQL statement that groups every measurement
  of the same KPIs by its KPI's period and writes the same rows (value by the KPI's
  aggregation, count) into a table – goal ≤ 3;
- the incremental rollup after 1% new measurements (recent days, fresh `updated_at`)
  ÷ the full rollup – goal ≤ 0.05.

The shared bench databases are never changed (another process reads them meanwhile).
P3 generates a private one, `outsourcing_bench_rollup`, once (no rollups), and measures
a copy of it (`CREATE DATABASE … TEMPLATE`) made for each run and dropped after it.
"""

import argparse
import cProfile
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from engagements.bench.__main__ import (
    DATABASE_PREFIX,
    DEFAULT_SERVER,
    child_env,
    prepare,
    run,
    server_problem,
)

# Goals from issue 15.
FULL_GOAL = 3.0  # full rollup ÷ one grouped SQL statement
INCREMENTAL_GOAL = 0.05  # incremental rollup after 1% new values ÷ full rollup
NEW_SHARE = 0.01  # of the measurements, added before the incremental run
RECENT_DAYS = 28  # the new values fall in the last four weeks
BASE = "rollup"  # outsourcing_bench_rollup: generated once, never measured itself
COPY = "rollup_run"  # outsourcing_bench_rollup_run: the copy each run measures
FLOOR_RUNS = 3  # the floor is the best of these (the rollups run once: they write)

# One statement: every measurement of the rolled-up KPIs grouped by its KPI's period,
# value by the KPI's aggregation and count, written into a table.
FLOOR_SQL = """
CREATE TABLE bench_p3_floor AS
SELECT k.id AS kpi_id,
       CASE k.period WHEN 'week' THEN date_trunc('week', m.measured_on)::date
                     WHEN 'month' THEN date_trunc('month', m.measured_on)::date
                     ELSE date_trunc('quarter', m.measured_on)::date END AS period_start,
       CASE k.aggregation
            WHEN 'sum' THEN sum(m.value)
            WHEN 'latest' THEN (array_agg(m.value ORDER BY m.measured_on DESC))[1]
            ELSE round(avg(m.value), 4) END AS value,
       count(*) AS measurement_count
FROM engagements_measurement m
JOIN engagements_kpi k ON k.id = m.kpi_id
JOIN engagements_engagement e ON e.id = k.engagement_id
WHERE k.is_active AND e.status IN ('active', 'on_hold')
GROUP BY k.id, 2
"""

# 1% new values: KPI days of the last RECENT_DAYS without a value, picked at random
# (seeded), each at the KPI's target, saved now.
NEW_VALUES_SQL = """
INSERT INTO engagements_measurement
    (kpi_id, measured_on, value, source, note, created_at, updated_at)
SELECT k.id, day::date, k.target, 'api', '', now(), now()
FROM engagements_kpi k
JOIN engagements_engagement e ON e.id = k.engagement_id
CROSS JOIN generate_series(CURRENT_DATE - %(days)s, CURRENT_DATE, interval '1 day') AS day
WHERE k.is_active AND e.status IN ('active', 'on_hold') AND day::date >= e.start_date
  AND NOT EXISTS (
      SELECT 1 FROM engagements_measurement m WHERE m.kpi_id = k.id AND m.measured_on = day
  )
ORDER BY random()
LIMIT %(count)s
"""


# --- the child: one copy of the database, inside Django -------------------------------


@contextmanager
def counted_queries() -> Iterator[list[int]]:
    """Count the statements sent (an executemany counts once), without DEBUG's log."""
    from django.db import connection

    count = [0]

    def counter(execute: Callable[..., Any], *args: Any) -> Any:
        count[0] += 1
        return execute(*args)

    with connection.execute_wrapper(counter):
        yield count


def timed_rollup(label: str) -> dict[str, Any]:
    """One scheduled run, timed and counted; profiled into $P3_PROFILE/<label>.prof when
    that folder is given (the numbers are then slower than without)."""
    from engagements.services.monitoring import rollup_kpis

    profile_dir = os.environ.get("P3_PROFILE")
    profiler = cProfile.Profile() if profile_dir else None
    with counted_queries() as count:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = rollup_kpis()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    if profiler and profile_dir:
        profiler.dump_stats(os.path.join(profile_dir, f"{label}.prof"))
    return {"seconds": seconds, "queries": count[0], "report": report.as_dict()}


def measure() -> dict[str, Any]:
    from django.db import connection

    from engagements.models import KpiRollup, Measurement, Scorecard

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # a fresh copy: plans as on a database in service
        # The best of FLOOR_RUNS: the first reads a copy nothing has read yet, and one
        # run swung the floor between 1.4 and 1.9 s from one `make bench` to the next.
        timings = []
        for _ in range(FLOOR_RUNS):
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL)
            timings.append(time.perf_counter() - started)
            cursor.execute("SELECT count(*) FROM bench_p3_floor")
            floor_rows = cursor.fetchone()[0]
            cursor.execute("DROP TABLE bench_p3_floor")
        floor_seconds = min(timings)
    measurements = Measurement.objects.count()
    full = timed_rollup("full")
    full["rollup_rows"] = KpiRollup.objects.count()
    full["scorecard_rows"] = Scorecard.objects.count()
    full["history_rows"] = Scorecard.history.count()
    with connection.cursor() as cursor:
        # The same draw every run, so that runs compare (random() follows setseed()).
        cursor.execute("SELECT setseed(0.15)")
        cursor.execute(
            NEW_VALUES_SQL, {"days": RECENT_DAYS, "count": round(measurements * NEW_SHARE)}
        )
        added = cursor.rowcount
    incremental = timed_rollup("incremental")
    incremental["history_rows_added"] = Scorecard.history.count() - full["history_rows"]
    return {
        "measurements": measurements,
        "added": added,
        "floor": {"seconds": floor_seconds, "rows": floor_rows, "queries": 1},
        "full": full,
        "incremental": incremental,
    }


# --- the parent: databases and the table ----------------------------------------------


def prepare_base(server: str) -> None:
    """Generate the private large organisation once, without rollups."""
    prepare(server, "large", database=BASE, rollup=False)


def drop_copy(server: str) -> None:
    name = sql.Identifier(f"{DATABASE_PREFIX}{COPY}")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def copy_base(server: str) -> None:
    drop_copy(server)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(f"{DATABASE_PREFIX}{COPY}"),
                sql.Identifier(f"{DATABASE_PREFIX}{BASE}"),
            )
        )


def ratio(part: float, whole: float) -> float:
    return part / whole if whole else float("inf")


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def p3_table(result: dict[str, Any]) -> tuple[str, bool]:
    """The P3 table as Markdown and whether both goals are met."""
    floor, full, incremental = result["floor"], result["full"], result["incremental"]
    full_ratio = ratio(full["seconds"], floor["seconds"])
    incremental_ratio = ratio(incremental["seconds"], full["seconds"])
    full_ok, incremental_ok = full_ratio <= FULL_GOAL, incremental_ratio <= INCREMENTAL_GOAL
    lines = [
        "| figure | measured | against | ratio | goal |",
        "|---|--:|--:|--:|--:|",
        f"| full rollup ÷ one grouped SQL statement | {full['seconds']:.1f} s "
        f"| {floor['seconds']:.1f} s | {full_ratio:.2f} {mark(full_ok)} | ≤ {FULL_GOAL:g} |",
        f"| incremental after 1% new values ÷ full | {incremental['seconds']:.2f} s "
        f"| {full['seconds']:.1f} s | {incremental_ratio:.3f} {mark(incremental_ok)} "
        f"| ≤ {INCREMENTAL_GOAL:g} |",
        "",
        f"{result['measurements']:,} measurements; {result['added']:,} added before the "
        f"incremental run (last {RECENT_DAYS} days, fresh updated_at).",
        f"SQL floor: {floor['rows']:,} (KPI, period) rows in {floor['seconds']:.2f} s, "
        f"1 statement, the best of {FLOOR_RUNS} runs.",
    ]
    for label, figures in (("full", full), ("incremental", incremental)):
        report = figures["report"]
        lines.append(
            f"{label} rollup: {figures['seconds']:.2f} s, {figures['queries']:,} queries; "
            f"{report['rollups']:,} period rollups ({report['rollups_without_data']:,} "
            f"without data), {report['scorecards']:,} scorecards, {report['standings']:,} "
            f"standings, {report['reviews_opened']:,} reviews opened"
        )
    lines.append(
        f"after the full run: {full['rollup_rows']:,} rollup rows, {full['scorecard_rows']:,} "
        f"scorecards, {full['history_rows']:,} scorecard history rows; the incremental run "
        f"added {incremental['history_rows_added']:,} history rows."
    )
    return "\n".join(lines), full_ok and incremental_ok


def p3(server: str) -> tuple[str, bool]:
    """Prepare, measure a fresh copy, drop it; the printed table and whether both goals
    are met."""
    prepare_base(server)
    copy_base(server)
    try:
        command = [sys.executable, "-m", "engagements.bench.rollup", "--child"]
        result = json.loads(run(command, child_env(server, COPY), quiet=True))
    finally:
        drop_copy(server)
    return p3_table(result)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m engagements.bench.rollup", description=__doc__)
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", DEFAULT_SERVER))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outsourcing.settings")
        django.setup()
        json.dump(measure(), sys.stdout)
        return
    server = options.server.rstrip("/")
    if problem := server_problem(server):
        raise SystemExit(f"P3 needs PostgreSQL at {server}.\n{problem}")
    started = time.perf_counter()
    text, _ = p3(server)
    print()
    print("P3: the KPI rollup on the large organisation")
    print()
    print(text)
    print(f"\nP3 took {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
