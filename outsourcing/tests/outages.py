"""Services made unreachable for a test, at the edge: a closed port, a killed connection."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection

from outsourcing.logs import OncePerOutage
from outsourcing.tests.ports import free_port


def unreachable_redis_cache(url: str) -> dict[str, Any]:
    """CACHES as production has them (settings.py), on Redis at `url`."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"{url}/0",
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }


def forget_outages() -> None:
    """The once-per-outage filter remembers the last failure for its process; a test that
    counts warnings starts outside any outage."""
    for found in logging.getLogger("outsourcing.cache").filters:
        if isinstance(found, OncePerOutage):
            found.last_failure = None


def kill_database_connection() -> None:
    """Terminate the server side of Django's connection from a second connection, as a
    database restart or failover would; waits until it is gone."""
    pid = connection.connection.info.backend_pid
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=int(params["PORT"] or 5432),
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    ) as killer:
        killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


@contextmanager
def database_unreachable() -> Iterator[None]:
    """PostgreSQL at a port nothing listens on, for Django's connection, until the end."""
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()
    try:
        yield
    finally:
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None
        connection.settings_dict["PORT"] = saved
