"""`make load` (issue 15): 50 people at work on the large data, on gunicorn, PostgreSQL,
Redis and a Celery worker, all on this machine; goal: no errors, 95% of answers ≤ 1 s.

What it does, in order:
1. makes sure `outsourcing_bench_large` exists (as `make bench` does) and copies it to
   `outsourcing_load` (a fresh copy each run: the run records check-ins and values);
2. picks the people (a child with Django): managers who own live engagements, with
   their due check-ins and days their KPIs have no value yet, and viewers; each gets
   a session, as signing in makes one (sign-in itself is not what is measured);
3. starts gunicorn (3 workers) and one Celery worker against that copy, with Redis as
   cache and broker (databases 14 and 15, emptied afterwards);
4. runs locust headless against 127.0.0.1 (engagements/bench/locustfile.py), bounded
   by time and by a number of requests, and prints each kind of request's figures;
5. stops everything and drops the copy.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import psycopg
import redis
from psycopg import sql

from engagements.bench.__main__ import (
    BASE_DIR,
    DEFAULT_SERVER,
    child_env,
    prepare,
    run,
    server_problem,
)
from engagements.bench.throughput import HOST, free_port, gunicorn, server_env

LOAD_DATABASE = "outsourcing_load"
TEMPLATE = "outsourcing_bench_large"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
CACHE_DB, BROKER_DB = 14, 15
P95_GOAL_MS = 1000
MANAGER_SHARE = 0.7


# --- the people (runs in a child, inside Django) -----------------------------------------


def people(count: int) -> dict[str, Any]:
    """Managers and viewers with what each may work on, and a session each."""
    import datetime
    import zoneinfo

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from engagements.models import CheckIn, Engagement, Kpi, Measurement
    from engagements.selectors.notifications import time_zone_of
    from outsourcing.roles import VIEWER
    from vendors.models import Vendor

    now = timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(15)  # noqa: S311 - a repeatable pick, not a secret
    users = get_user_model().objects
    owners = list(
        Engagement.objects.active()
        .order_by("owner_id")
        .values_list("owner_id", flat=True)
        .distinct()[: round(count * MANAGER_SHARE)]
    )
    viewers = list(
        users.filter(groups__name=VIEWER)
        .order_by("pk")
        .values_list("pk", flat=True)[: count - len(owners)]
    )

    def session(user_id: int) -> str:
        client = Client()
        client.force_login(users.get(pk=user_id))
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    managers = []
    for owner in owners:
        engagements = list(
            Engagement.objects.active().filter(owner_id=owner).values_list("pk", flat=True)
        )
        checkins = list(
            CheckIn.objects.filter(
                engagement_id__in=engagements,
                held_on__isnull=True,
                cancelled=False,
                scheduled_for__lt=now,
            )
            .order_by("-scheduled_for")
            .values_list("engagement_id", "pk")[:20]
        )
        kpis = dict(
            Kpi.objects.filter(engagement_id__in=engagements, is_active=True).values_list(
                "pk", "engagement_id"
            )
        )
        recent = [today - datetime.timedelta(days=days) for days in range(1, 61)]
        taken = set(
            Measurement.objects.filter(kpi_id__in=kpis, measured_on__gte=recent[-1]).values_list(
                "kpi_id", "measured_on"
            )
        )
        free = [
            (kpis[kpi], kpi, day.isoformat())
            for kpi in kpis
            for day in recent
            if (kpi, day) not in taken
        ]
        # "Held on" is a day in the manager's own zone, which their forms read it in: a
        # UTC date is tomorrow for Chicago in the hours after midnight UTC (the form
        # then refuses it as a day still to come).
        owner_today = timezone.localdate(now, zoneinfo.ZoneInfo(time_zone_of(users.get(pk=owner))))
        managers.append(
            {
                "session": session(owner),
                "engagements": engagements,
                "checkins": checkins,
                "free_days": rng.sample(free, min(20, len(free))),
                "today": owner_today.isoformat(),
            }
        )
    vendors = list(Vendor.objects.order_by("pk").values_list("pk", flat=True)[:200])
    return {
        "managers": managers,
        "viewers": [{"session": session(viewer), "vendors": vendors} for viewer in viewers],
        "session_cookie": settings.SESSION_COOKIE_NAME,
    }


# --- the run (the parent, without Django) ------------------------------------------------


def copy_database(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(LOAD_DATABASE))
        )
        try:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(LOAD_DATABASE), sql.Identifier(TEMPLATE)
                )
            )
        except psycopg.errors.ObjectInUse as error:
            raise SystemExit(
                f"make load copies {TEMPLATE}, which something else is using right now "
                f"(a `make bench` run?). Try again when it is done.\n{error}"
            ) from error


def drop_database(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(LOAD_DATABASE))
        )


def load_env(server: str, redis_url: str) -> dict[str, str]:
    env = server_env()
    env.update(
        {
            "DATABASE_URL": f"{server}/{LOAD_DATABASE}",
            "REDIS_URL": f"{redis_url}/{CACHE_DB}",
            "CELERY_BROKER_URL": f"{redis_url}/{BROKER_DB}",
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )
    return env


@contextlib.contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[None]:
    command = [sys.executable, "-m", "celery", "-A", "outsourcing", "worker"]
    worker = subprocess.Popen(  # a fixed command line, no shell
        [*command, "--concurrency", "1", "--loglevel", "warning"], env=env, cwd=BASE_DIR
    )
    try:
        yield
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def empty_redis(redis_url: str) -> None:
    for number in (CACHE_DB, BROKER_DB):
        redis.Redis.from_url(f"{redis_url}/{number}").flushdb()


def figures(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open(newline="") as rows:
        return list(csv.DictReader(rows))


def report(rows: list[dict[str, str]], failures_csv: Path) -> tuple[str, bool]:
    lines = [
        "| request | count | failed | median (ms) | p95 (ms) | p99 (ms) | max (ms) | per second |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    total: dict[str, str] = {}
    for row in rows:
        name = row["Name"] if row["Type"] != "" else "all"
        if row["Name"] == "Aggregated":
            total, name = row, "**all**"
        else:
            name = f"{row['Type']} {row['Name']}"
        lines.append(
            f"| {name} | {int(row['Request Count']):,} | {row['Failure Count']} "
            f"| {row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} "
            f"| {float(row['Requests/s']):.1f} |"
        )
    failed = int(total.get("Failure Count", "1"))
    p95 = float(total.get("95%", "inf"))
    met = failed == 0 and p95 <= P95_GOAL_MS
    mark = "✓" if met else "✗"
    lines.append("")
    lines.append(
        f"{int(total.get('Request Count', '0')):,} requests, {failed} failed, "
        f"p95 {p95:.0f} ms {mark} (goal: no failures, p95 ≤ {P95_GOAL_MS} ms)"
    )
    if failed and failures_csv.exists():
        lines.append("Failures:")
        with failures_csv.open(newline="") as rows_file:
            for failure in csv.DictReader(rows_file):
                lines.append(
                    f"  {failure['Method']} {failure['Name']}: {failure['Error']} "
                    f"× {failure['Occurrences']}"
                )
    return "\n".join(lines), met


def main() -> None:
    parser = argparse.ArgumentParser(prog="make load", description=__doc__)
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", DEFAULT_SERVER))
    parser.add_argument("--redis", default=os.environ.get("LOAD_REDIS", DEFAULT_REDIS))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=3)
    options = parser.parse_args()
    server, redis_url = options.server.rstrip("/"), options.redis.rstrip("/")
    if problem := server_problem(server):
        raise SystemExit(
            f"make load needs PostgreSQL at {server} (the embedded SQLite is not for load "
            f"tests; --server or BENCH_SERVER names another).\n{problem}"
        )
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise SystemExit(
            f"make load needs Redis at {redis_url} (--redis or LOAD_REDIS names another).\n{error}"
        ) from error
    started = time.perf_counter()
    prepare(server, "large")
    run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        child_env(server, "large"),
        quiet=True,
    )
    copy_database(server)
    env = load_env(server, redis_url)
    try:
        chosen = run(
            [sys.executable, "-m", "engagements.bench.load", "people", str(options.users)],
            env,
            quiet=True,
        )
        port = free_port()
        with (
            tempfile.TemporaryDirectory() as scratch,
            celery_worker(env),
            gunicorn(port, workers=options.workers, env=env),
        ):
            stats = Path(scratch) / "load"
            command = [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(BASE_DIR / "engagements" / "bench" / "locustfile.py"),
                "--headless",
                "--only-summary",
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.spawn_rate),
                "--run-time",
                f"{options.seconds}s",
                "--stop-timeout",
                "10",
                "--host",
                f"http://{HOST}:{port}",
                "--csv",
                str(stats),
            ]
            people_env = {
                **env,
                "LOAD_PEOPLE": chosen,
                "LOAD_MAX_REQUESTS": str(options.max_requests),
                "LOAD_SESSION_COOKIE": json.loads(chosen)["session_cookie"],
            }
            print(
                f"== {options.users} people for {options.seconds} s (at most "
                f"{options.max_requests:,} requests) on gunicorn with {options.workers} workers",
                flush=True,
            )
            subprocess.run(
                command, env=people_env, cwd=BASE_DIR, check=False, capture_output=True
            )  # fixed command, no shell
            table, met = report(figures(Path(f"{stats}_stats.csv")), Path(f"{stats}_failures.csv"))
    finally:
        drop_database(server)
        empty_redis(redis_url)
    print()
    print(table)
    print(f"\nmake load took {time.perf_counter() - started:.0f} s.")
    if not met:
        raise SystemExit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["people"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outsourcing.settings")
        django.setup()
        json.dump(people(int(sys.argv[2])), sys.stdout)
    else:
        main()
