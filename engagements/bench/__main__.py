"""`python -m engagements.bench` (`make bench`): prepare the databases, measure, print P1.

Needs a PostgreSQL server (by default postgres@127.0.0.1:5432, trust authentication);
the embedded SQLite is not for benchmarks. For each size it creates the database
`outsourcing_bench_<size>` if missing, migrates it and fills it with `generate_scale`
(a second run finds it generated and reuses it), then measures it in a child process
of its own (measure.py) with DEBUG off, as in production.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from engagements.bench import PAGES, PARTS, SIZES, median_ms, p1_table, p2_table, spread

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
# P2's page cache: a Redis database of its own, emptied before and after.
P2_REDIS_DB = 13
DATABASE_PREFIX = "outsourcing_bench_"


def child_env(server: str, size: str) -> dict[str, str]:
    """The environment of a production process on this size's database."""
    return {
        **os.environ,
        "DATABASE_URL": f"{server}/{DATABASE_PREFIX}{size}",
        "DJANGO_SETTINGS_MODULE": "outsourcing.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-key-for-a-throwaway-database",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        # Connections kept as production keeps them: the pages' cost, not connecting's.
        "DJANGO_CONN_MAX_AGE": "60",
        # Pages made afresh each time (P2 measures the page cache on a server of its own),
        # whatever Redis a developer's shell names.
        "REDIS_URL": "",
        "PAGE_CACHE_SECONDS": "0",
    }


def server_problem(server: str) -> str:
    """Why the PostgreSQL server cannot be used; "" when it can."""
    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=5):
            return ""
    except psycopg.Error as error:
        return str(error).strip()


def create_database(server: str, name: str) -> bool:
    """Create the database if it is missing; True when it was created."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def run(command: list[str], env: dict[str, str], *, quiet: bool = False) -> str:
    """Run a child; stop the benchmark with its output when it fails."""
    done = subprocess.run(  # a fixed command line, no shell
        command, env=env, cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"make bench: {' '.join(command[1:3])} failed ({done.returncode}).")
    if not quiet:
        sys.stdout.write(done.stdout)
    return done.stdout


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# What generate_scale says of a database it filled with another shape or seed.
OTHER_SHAPE = "already holds an organisation generated with"


def prepare(server: str, size: str, *, database: str = "", rollup: bool = True) -> None:
    """Fill `outsourcing_bench_<database>` (by default the size's name) with the
    organisation of that size, unless it holds it already; one made by an earlier
    generator or for an earlier shape is made afresh."""
    database = database or size
    name = f"{DATABASE_PREFIX}{database}"
    started = time.perf_counter()
    print(f"== {name}: {'created' if create_database(server, name) else 'exists'}", flush=True)
    env = child_env(server, database)
    manage = [sys.executable, "manage.py"]
    # P1 asks for the KPI rollup at both sizes, so the pages show scorecards at both.
    generate = [
        *manage,
        "generate_scale",
        "--size",
        size,
        "--rollup" if rollup else "--no-rollup",
    ]
    run([*manage, "migrate", "--noinput"], env, quiet=True)
    done = subprocess.run(  # a fixed command line, no shell
        generate, env=env, cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 and OTHER_SHAPE in done.stdout + done.stderr:
        # The benchmark's own database, made by an earlier generator or shape: anew.
        print("   it holds an earlier organisation; made afresh", flush=True)
        drop_database(server, name)
        create_database(server, name)
        run([*manage, "migrate", "--noinput"], env, quiet=True)
        run(generate, env)
    elif done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"make bench: generate_scale failed ({done.returncode}).")
    else:
        sys.stdout.write(done.stdout)
    print(f"   ready in {time.perf_counter() - started:.1f} s", flush=True)


def measure(server: str, size: str, *, warmup: int, requests: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "engagements.bench.measure", str(warmup), str(requests)]
    started = time.perf_counter()
    result: dict[str, Any] = json.loads(run(command, child_env(server, size), quiet=True))
    print(f"== measured {size} in {time.perf_counter() - started:.1f} s", flush=True)
    return result


def numbers_behind(results: dict[str, dict[str, Any]]) -> str:
    lines = []
    for size in SIZES:
        result = results[size]
        counts = ", ".join(f"{count:,} {name}" for name, count in result["counts"].items())
        lines.append(
            f"{size}: {result['database']} ({counts}); signed in as {result['user']}, "
            f"engagement {result['engagement']}, vendor {result['vendor']}"
        )
    for page in PAGES:
        lines.append(f"{page.label}:")
        for size in SIZES:
            figures = results[size]["pages"][page.label]
            lines.append(
                f"  {size:<5} {figures['url']:<32} {figures['queries']:>4} queries, "
                f"{figures['bytes']:>9,} bytes, {spread(figures['seconds'])}"
            )
    return "\n".join(lines)


def p1(server: str, *, warmup: int, requests: int, rounds: int) -> None:
    """Sizes measured in turns (small, large, small, large…), each round a share of the
    requests, so a burst of other work on the machine falls on both sizes alike rather
    than on whichever was being measured at the time."""
    per_round = max(1, requests // rounds)
    results: dict[str, dict[str, Any]] = {}
    for _ in range(rounds):
        for size in SIZES:
            found = measure(server, size, warmup=warmup, requests=per_round)
            if size not in results:
                results[size] = found
                continue
            for label, figures in found["pages"].items():
                results[size]["pages"][label]["seconds"] += figures["seconds"]
    for result in results.values():
        for figures in result["pages"].values():
            figures["median_ms"] = median_ms(figures["seconds"])
    print()
    print(
        f"P1: median of {per_round * rounds} requests ({rounds} rounds, sizes in turns) after "
        f"{warmup} warm-up a round, large ÷ small (goal ≤ 1.2), and queries at both (goal: equal)"
    )
    print()
    print(p1_table({size: results[size]["pages"] for size in SIZES}))
    print()
    print(numbers_behind(results))


def redis_problem(redis_url: str) -> str:
    """Why Redis cannot be used; "" when it can."""
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return str(error).strip()
    return ""


def p2(server: str, redis_url: str, *, seconds: float) -> None:
    if problem := redis_problem(redis_url):
        raise SystemExit(
            f"make bench: P2 needs Redis at {redis_url}, as production has it for its cache "
            f"(--redis or BENCH_REDIS names another).\n{problem}"
        )
    command = [sys.executable, "-m", "engagements.bench.throughput", str(seconds)]
    started = time.perf_counter()
    env = {**child_env(server, "large"), "BENCH_REDIS_URL": f"{redis_url}/{P2_REDIS_DB}"}
    result = json.loads(run(command, env, quiet=True))
    print(f"== P2 measured in {time.perf_counter() - started:.1f} s", flush=True)
    print()
    print(p2_table(result))


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", DEFAULT_SERVER))
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS", DEFAULT_REDIS),
        help=f"P2: Redis for the page cache (its database {P2_REDIS_DB}, emptied)",
    )
    parser.add_argument(
        "--parts", nargs="+", choices=PARTS, default=list(PARTS), help="which figures (all)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="P1: untimed requests a page")
    parser.add_argument("--requests", type=int, default=45, help="P1: timed requests a page")
    parser.add_argument("--rounds", type=int, default=9, help="P1: turns between the sizes")
    parser.add_argument("--seconds", type=float, default=6.0, help="P2: seconds a page a round")
    options = parser.parse_args()
    server = options.server.rstrip("/")
    if problem := server_problem(server):
        raise SystemExit(
            f"make bench needs PostgreSQL at {server} (the embedded SQLite is not for "
            f"benchmarks; --server or BENCH_SERVER names another).\n{problem}"
        )
    started = time.perf_counter()
    for size in SIZES:
        prepare(server, size)
    run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        child_env(server, "small"),
        quiet=True,
    )
    if "p1" in options.parts:
        p1(server, warmup=options.warmup, requests=options.requests, rounds=options.rounds)
    if "p2" in options.parts:
        p2(server, options.redis.rstrip("/"), seconds=options.seconds)
    if "p3" in options.parts:
        from engagements.bench.rollup import p3

        started_p3 = time.perf_counter()
        table, _ = p3(server)
        print(f"== P3 measured in {time.perf_counter() - started_p3:.1f} s", flush=True)
        print()
        print("P3: the KPI rollup, full and incremental, against one grouped SQL statement")
        print()
        print(table)
    if "p4" in options.parts:
        from engagements.bench.digest import p4

        started_p4 = time.perf_counter()
        table, _ = p4(server)
        print(f"== P4 measured in {time.perf_counter() - started_p4:.1f} s", flush=True)
        print()
        print("P4: queueing every weekly digest ÷ the raw SQL that selects the same items")
        print()
        print(table)
    print(f"\nmake bench took {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
