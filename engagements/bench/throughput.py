"""P2 of `make bench`: the dashboard's requests per second under gunicorn ÷ a minimal page's.

Run as a child by `python -m engagements.bench` with DATABASE_URL on the large database
and BENCH_REDIS_URL on a Redis database of its own (emptied before and after). It signs
the chosen manager in (a session in the database, as a sign-in makes one), starts
gunicorn with the benchmark's settings (engagements/bench/settings.py, which mount the
minimal page) and Redis as production has it, and lets CLIENTS threads ask for one page
as fast as the server answers, in turns: minimal, dashboard, minimal, dashboard. Then
once more for the dashboard on a server with the page cache off (PAGE_CACHE_SECONDS=0),
for the record: what a dashboard costs when its panels must be made afresh (the first
look after a change). Prints JSON.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django

from engagements.bench import UNCACHED

BASE_DIR = Path(__file__).resolve().parent.parent.parent
WORKERS = 2
CLIENTS = 4  # more than the workers, so none waits for work
ROUNDS = 2
HOST = "127.0.0.1"
PAGES = {"minimal": "/bench/minimal/", "dashboard": "/dashboard/"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(**extra: str) -> dict[str, str]:
    """Production settings over plain HTTP on the loopback (no TLS to terminate here)."""
    return {
        **os.environ,
        # The cache as production has it: Redis, the dashboard's panels kept a minute.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
        "PAGE_CACHE_SECONDS": "60",
        **extra,
        "DJANGO_SETTINGS_MODULE": "engagements.bench.settings",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
    }


def get(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(
    port: int, *, workers: int = WORKERS, env: dict[str, str] | None = None
) -> Iterator[None]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "outsourcing.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(
        command, env=env or server_env(), cwd=BASE_DIR
    )  # fixed command, no shell
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if get(port, "/health/", "") == 200:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("make bench: gunicorn did not start (see its output above).")
            time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def hammer(port: int, path: str, cookie: str, seconds: float) -> dict[str, Any]:
    """Requests answered per second by the server for one page, CLIENTS at a time."""
    answered = [0] * CLIENTS
    failed = [0] * CLIENTS
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        while time.perf_counter() < deadline:
            if get(port, path, cookie) == 200:
                answered[index] += 1
            else:
                failed[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"requests": sum(answered), "failed": sum(failed), "seconds": elapsed}


def warm(port: int, path: str, cookie: str) -> None:
    """Every worker warmed: imports, connections, templates (and the page cache)."""
    for _ in range(WORKERS * 3):
        if (status := get(port, path, cookie)) != 200:
            raise SystemExit(f"make bench: {path} answered {status}, not 200.")


def measure(seconds: float) -> dict[str, Any]:
    import redis
    from django.conf import settings
    from django.test import Client

    from engagements.bench.measure import chosen_objects

    user = chosen_objects()["user"]
    signer = Client()
    signer.force_login(user)  # a session row in the database, as signing in makes
    cookie = f"{settings.SESSION_COOKIE_NAME}={signer.cookies[settings.SESSION_COOKIE_NAME].value}"
    cache = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])
    cache.flushdb()
    totals = {name: {"requests": 0, "failed": 0, "seconds": 0.0} for name in [*PAGES, UNCACHED]}
    try:
        with gunicorn(port := free_port()):
            for path in PAGES.values():
                warm(port, path, cookie)
            for _ in range(ROUNDS):
                for name, path in PAGES.items():
                    for key, value in hammer(port, path, cookie, seconds).items():
                        totals[name][key] += value
        with gunicorn(port := free_port(), env=server_env(PAGE_CACHE_SECONDS="0")):
            warm(port, PAGES["dashboard"], cookie)
            for _ in range(ROUNDS):
                for key, value in hammer(port, PAGES["dashboard"], cookie, seconds).items():
                    totals[UNCACHED][key] += value
    finally:
        cache.flushdb()
    return {
        "user": user.username,
        "workers": WORKERS,
        "clients": CLIENTS,
        "pages": {
            name: {**figures, "per_second": figures["requests"] / figures["seconds"]}
            for name, figures in totals.items()
        },
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outsourcing.settings")
    django.setup()
    json.dump(measure(float(sys.argv[1]) if len(sys.argv) > 1 else 6.0), sys.stdout)


if __name__ == "__main__":
    main()
