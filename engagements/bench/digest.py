"""P4 (issue 15): queueing the weekly digests for everyone, against the SQL floor.

`python -m engagements.bench.digest` measures the large benchmark database (made by
`make bench`) in a child process with DEBUG off, as `measure.py` does for P1, and
prints the table; `p4(server)` does the same for `make bench`.

At a Monday 16:00 UTC every zone the generated people live in (Chicago to Sydney) is
on Monday from 10:00 or already on Tuesday, so a Monday digest is due for everyone
who gets one. Each measurement first makes every preference ask for a Monday digest,
then queues, all inside a transaction that is rolled back: the database (read by other
benchmarks at the same time) and its outbox are left as they were, which the child
checks by counting outbox rows before and after.

Three figures:
- time: queueing every digest (drafting, rendering, inserting) ÷ the raw SQL that
  selects the same due items for the same people (goal ≤ 3), each the best of 3 runs;
- memory: tracemalloc's peak while queueing, at two batch sizes: bounded by the batch
  (the larger batch costs more), not by the number of people;
- queries: how many queueing took, at each batch size.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import django

RATIO_GOAL = 3.0
# A small batch, and one holding everyone (there are fewer managers than this).
BATCH_SIZES = (100, 10_000)
SIZE = "large"

# The items every section of the digest lists, for every person who gets one, found
# with the widest bounds the run uses (its latest week end, its latest UTC date): the
# least any implementation must read. Parameters: now, week end, last day, today,
# evidence horizon, notice horizon, and each period's last closed bounds.
FLOOR_SQL = """
WITH people AS (
    SELECT DISTINCT u.id FROM auth_user u
    LEFT JOIN auth_user_groups ug ON ug.user_id = u.id
    LEFT JOIN auth_group g ON g.id = ug.group_id
    WHERE u.is_active AND u.email <> ''
      AND (g.name IN ('Manager', 'Admin') OR u.is_superuser)
),
live AS (
    SELECT id, owner_id, start_date FROM engagements_engagement
    WHERE status IN ('active', 'on_hold')
),
owns AS (
    SELECT live.id AS engagement_id, live.owner_id AS user_id FROM live
    JOIN people ON people.id = live.owner_id
    UNION
    SELECT c.engagement_id, c.user_id FROM engagements_engagement_co_owners c
    JOIN live ON live.id = c.engagement_id JOIN people ON people.id = c.user_id
)
SELECT 'checkin', owns.user_id, c.id FROM engagements_checkin c
JOIN owns ON owns.engagement_id = c.engagement_id
WHERE c.held_on IS NULL AND NOT c.cancelled AND c.scheduled_for < %(week_end)s
UNION ALL
SELECT 'action', a.owner_id, a.id FROM engagements_actionitem a
JOIN people ON people.id = a.owner_id
JOIN engagements_checkin c ON c.id = a.checkin_id JOIN live ON live.id = c.engagement_id
WHERE a.done_on IS NULL AND a.due_date <= %(last_day)s
UNION ALL
SELECT 'kpi', owns.user_id, k.id FROM engagements_kpi k
JOIN owns ON owns.engagement_id = k.engagement_id
JOIN live ON live.id = k.engagement_id
LEFT JOIN LATERAL (
    SELECT r.status FROM engagements_kpirollup r
    WHERE r.kpi_id = k.id AND (r.period_end < %(today)s OR r.status <> 'no_data')
    ORDER BY r.period_start DESC LIMIT 1
) latest ON true
WHERE k.is_active AND (latest.status = 'red' OR (
    live.start_date <= CASE k.period WHEN 'week' THEN %(week_end_day)s
        WHEN 'month' THEN %(month_end_day)s ELSE %(quarter_end_day)s END
    AND NOT EXISTS (
        SELECT 1 FROM engagements_measurement m WHERE m.kpi_id = k.id AND m.measured_on
        BETWEEN CASE k.period WHEN 'week' THEN %(week_start_day)s
            WHEN 'month' THEN %(month_start_day)s ELSE %(quarter_start_day)s END
        AND CASE k.period WHEN 'week' THEN %(week_end_day)s
            WHEN 'month' THEN %(month_end_day)s ELSE %(quarter_end_day)s END)))
UNION ALL
SELECT 'review', owns.user_id, r.id FROM engagements_performancereview r
JOIN owns ON owns.engagement_id = r.engagement_id
WHERE r.decided_at IS NULL
UNION ALL
SELECT 'risk', mine.user_id, mine.id FROM (
    SELECT r.id, r.owner_id AS user_id FROM engagements_risk r
    JOIN people ON people.id = r.owner_id JOIN live ON live.id = r.engagement_id
    WHERE r.status <> 'closed' AND r.next_review_on <= %(last_day)s
    UNION
    SELECT r.id, owns.user_id FROM engagements_risk r
    JOIN owns ON owns.engagement_id = r.engagement_id
    WHERE r.status <> 'closed' AND r.next_review_on <= %(last_day)s
) mine
UNION ALL
SELECT 'evidence', owns.user_id, i.id FROM engagements_complianceitem i
JOIN owns ON owns.engagement_id = i.engagement_id
WHERE i.expires_on <= %(evidence_horizon)s
UNION ALL
SELECT 'notice', owns.user_id, c.id FROM engagements_contract c
JOIN owns ON owns.engagement_id = c.engagement_id
WHERE c.notice_deadline BETWEEN %(today)s AND %(notice_horizon)s AND c.notice_given_on IS NULL
UNION ALL
SELECT 'spend', owns.user_id, e.id FROM engagements_engagement e
JOIN owns ON owns.engagement_id = e.id
WHERE e.budget > 0 AND (
    SELECT sum(s.amount) FROM engagements_spendentry s WHERE s.engagement_id = e.id
) >= 0.8 * e.budget
UNION ALL
SELECT 'credit', owns.user_id, c.id FROM engagements_servicecredit c
JOIN engagements_kpi k ON k.id = c.kpi_id
JOIN owns ON owns.engagement_id = k.engagement_id
WHERE c.state = 'due'
"""


def digest_moment(today: datetime.date) -> datetime.datetime:
    """The next Monday 16:00 UTC from `today` on (today itself if it is a Monday)."""
    monday = today + datetime.timedelta(days=(7 - today.weekday()) % 7)
    return datetime.datetime.combine(monday, datetime.time(16), tzinfo=datetime.UTC)


# --- The measuring child (inside Django) ------------------------------------------------


@contextmanager
def rolled_back() -> Iterator[None]:
    """Everyone's Monday digest due, for the block only: the transaction is rolled back.
    Outside any transaction (VACUUM cannot run in one)."""
    from django.db import transaction

    from engagements.models import ReminderPreference

    vacuum_written_tables()  # each run starts from the same tidy tables
    with transaction.atomic():
        ReminderPreference.objects.update(digest_enabled=True, digest_weekday=0)
        try:
            yield
        finally:
            transaction.set_rollback(True)


def vacuum_written_tables() -> None:
    """Vacuum what `rolled_back` runs write: every run leaves 10,000 dead preference
    versions and a thousand dead outbox rows (with their unique-key entries) behind,
    which autovacuum would clear in production but which pile up here, run after run
    (this server runs without autovacuum), and slow each run more than the one before:
    the outbox's inserts took 50 ms a batch with 16 MB of them, 35 ms after a VACUUM."""
    from django.db import connection

    from engagements.models import OutboundEmail, ReminderPreference

    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (OutboundEmail, ReminderPreference)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    """How many queries the block sends, without keeping their text (DEBUG is off)."""
    from django.db import connection

    counter = [0]

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        counter[0] += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        yield counter


class TimedDrafts:
    """The drafts, passed through as they come, with the time spent drafting them."""

    def __init__(self, drafts: Iterator[Any]) -> None:
        self.drafts = drafts
        self.seconds = 0.0

    def __iter__(self) -> TimedDrafts:
        return self

    def __next__(self) -> Any:
        started = time.perf_counter()
        try:
            return next(self.drafts)
        finally:
            self.seconds += time.perf_counter() - started


def queue_digests(now: datetime.datetime, batch_size: int | None = None) -> dict[str, Any]:
    """Queue every digest due at `now` (as `queue_reminders` does), with its figures."""
    from unittest import mock

    from engagements.services.reminders import digest, queue

    # People drafted and drafts inserted a batch at a time (what exists of it before #15).
    patches = [
        mock.patch.object(module, name, batch_size)
        for module, name in ((digest, "PEOPLE_PER_BATCH"), (queue, "DRAFTS_PER_INSERT"))
        if batch_size is not None and hasattr(module, name)
    ]
    for patch in patches:
        patch.start()
    try:
        with counting_queries() as queries:
            drafts = TimedDrafts(digest.digest_drafts(now))
            started = time.perf_counter()
            queued = queue.add_to_outbox(drafts, due_at=now)
            seconds = time.perf_counter() - started
    finally:
        for patch in patches:
            patch.stop()
    return {
        "seconds": seconds,
        "drafting": drafts.seconds,  # finding the items and building the lines
        "emails": len(queued),
        "queries": queries[0],
    }


def digest_figures(now: datetime.datetime) -> dict[str, int]:
    """People who may get a digest, and the items their queued digests count."""
    from engagements.models import OutboundEmail
    from engagements.services.reminders.digest import managers

    subjects = OutboundEmail.objects.filter(kind="digest").values_list("subject", flat=True)
    return {
        "people": managers().count(),
        "items": sum(int(subject.split()[0]) for subject in subjects),
    }


def floor_parameters(now: datetime.datetime) -> dict[str, Any]:
    from django.conf import settings

    from engagements.models.monitoring import period_bounds

    # The widest bounds of the run: the latest local date on Earth is a day after UTC's.
    today = now.date() + datetime.timedelta(days=1)
    parameters: dict[str, Any] = {
        "now": now,
        "week_end": now + datetime.timedelta(days=8),
        "last_day": today + datetime.timedelta(days=6),
        "today": now.date(),
        "evidence_horizon": today + datetime.timedelta(days=settings.EVIDENCE_EXPIRY_WINDOW_DAYS),
        "notice_horizon": today + datetime.timedelta(days=settings.NOTICE_DEADLINE_WINDOW_DAYS),
    }
    for period in ("week", "month", "quarter"):
        current_start, _ = period_bounds(period, now.date())
        start, end = period_bounds(period, current_start - datetime.timedelta(days=1))
        parameters[f"{period}_start_day"], parameters[f"{period}_end_day"] = start, end
    return parameters


def sql_floor(now: datetime.datetime, *, jit: bool) -> dict[str, Any]:
    """The floor's time, best of three, with PostgreSQL's JIT compilation on or off.

    With it on (the server's default) compiling the plan took most of the floor's
    time on this data, so the ratio is taken against the floor without it: the least
    the SQL needs.
    """
    from django.db import connection

    parameters = floor_parameters(now)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL jit = {'on' if jit else 'off'}")
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, parameters)
            rows = cursor.fetchall()
            timings.append(time.perf_counter() - started)
    return {
        "seconds": min(timings),
        "rows": len(rows),
        "people": len({row[1] for row in rows}),
    }


def measure(now: datetime.datetime) -> dict[str, Any]:
    from django.db import connection

    from engagements.models import OutboundEmail

    outbox_before = OutboundEmail.objects.count()
    with rolled_back():
        floor = sql_floor(now, jit=False)
    with rolled_back():
        floor_jit = sql_floor(now, jit=True)
    with rolled_back():
        queue_digests(now)  # warm-up: the first run pays for imports and templates
    runs = []
    for _ in range(3):  # best of 3, as the floor is taken
        with rolled_back():
            run = queue_digests(now)
            run.update(digest_figures(now))
            runs.append(run)
    timed = min(runs, key=lambda run: run["seconds"])
    memory: dict[str, Any] = {}
    for batch_size in BATCH_SIZES:
        with rolled_back():
            tracemalloc.start()
            run = queue_digests(now, batch_size)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            memory[str(batch_size)] = {**run, "peak_mb": peak / 2**20}
    outbox_after = OutboundEmail.objects.count()
    return {
        "database": connection.settings_dict["NAME"],
        "now": now.isoformat(),
        "outbox": [outbox_before, outbox_after],
        "queue": timed,
        "floor": floor,
        "floor_jit": floor_jit,
        "load": os.getloadavg(),
        "memory": memory,
    }


# --- The parent: run the child, print the table ---------------------------------------


def p4_table(result: dict[str, Any]) -> tuple[str, bool]:
    """The P4 table as Markdown, and whether its goals are met."""
    from engagements.bench import mark

    queue, floor, memory = result["queue"], result["floor"], result["memory"]
    ratio = queue["seconds"] / floor["seconds"] if floor["seconds"] else float("inf")
    fast = ratio <= RATIO_GOAL
    small, everyone = (memory[str(size)] for size in BATCH_SIZES)
    # Bounded by the batch: small batches must hold well under what everyone at once
    # does (the same peak at both would mean the whole run is held in memory).
    bounded = small["peak_mb"] * 2 <= everyone["peak_mb"]
    before, after = result["outbox"]
    lines = [
        "| figure | measured | goal |",
        "|---|--:|---|",
        f"| queue ÷ SQL floor | {queue['seconds']:.2f} s ÷ {floor['seconds']:.2f} s = "
        f"{ratio:.1f} {mark(fast)} | ≤ {RATIO_GOAL:g} |",
        *(
            f"| peak memory, {size} people a batch | {memory[str(size)]['peak_mb']:.1f} MB "
            f"| small batch ≤ ½ everyone at once {mark(bounded)} |"
            for size in BATCH_SIZES
        ),
        "",
        f"{result['database']} at {result['now']}: {queue['people']:,} people may get a "
        f"digest; {queue['emails']:,} digests queued listing {queue['items']:,} items, "
        f"in {queue['seconds']:.2f} s, the best of 3 ({queue['drafting']:.2f} s drafting: "
        "finding the items "
        f"and building the lines; the rest rendering and inserting) and "
        f"{queue['queries']:,} queries.",
        f"SQL floor: {floor['rows']:,} (person, item) rows for {floor['people']:,} people "
        f"in {floor['seconds']:.2f} s without JIT, {result['floor_jit']['seconds']:.2f} s "
        "with it (best of 3 each).",
        *(
            f"Batches of {size}: {memory[str(size)]['queries']:,} queries, "
            f"{memory[str(size)]['emails']:,} digests, peak {memory[str(size)]['peak_mb']:.1f} "
            f"MB, {memory[str(size)]['seconds']:.2f} s under tracemalloc."
            for size in BATCH_SIZES
        ),
        f"Outbox rows before and after: {before:,} and {after:,} "
        f"{mark(before == after)} (every run rolled back).",
    ]
    lines.append(
        "Load average (1, 5, 15 min) at the end: {:.1f}, {:.1f}, {:.1f}.".format(*result["load"])
    )
    return "\n".join(lines), fast and bounded and before == after


def p4(server: str) -> tuple[str, bool]:
    """Measure P4 on the large benchmark database; the table and whether it meets its goals."""
    from engagements.bench.__main__ import child_env, run

    command = [sys.executable, "-m", "engagements.bench.digest", "--child"]
    result = json.loads(run(command, child_env(server, SIZE), quiet=True))
    return p4_table(result)


def main() -> None:
    if sys.argv[1:] == ["--child"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outsourcing.settings")
        django.setup()
        from django.utils import timezone

        json.dump(measure(digest_moment(timezone.now().date())), sys.stdout)
        return
    from engagements.bench.__main__ import DEFAULT_SERVER, server_problem

    server = os.environ.get("BENCH_SERVER", DEFAULT_SERVER).rstrip("/")
    if problem := server_problem(server):
        raise SystemExit(
            f"P4 needs PostgreSQL at {server} with `make bench`'s databases.\n{problem}"
        )
    text, met = p4(server)
    print("P4: queueing every weekly digest, against the SQL that finds the same items")
    print()
    print(text)
    print(f"\nP4 {'meets' if met else 'misses'} its goals.")


if __name__ == "__main__":
    main()
