"""What `/health/` reports: each service the app depends on, "ok" or "down".

An embedded stand-in that lives in the web process itself is named instead of "ok":
"local memory" for the cache without REDIS_URL, "filesystem" for Kombu's filesystem
broker. Each check gives up within about a second (the timeouts in settings).
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.db import connection

from outsourcing.celery import app
from outsourcing.middleware import drop_connection

logger = logging.getLogger(__name__)

OK, DOWN = "ok", "down"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure to answer means "down"
        logger.warning("Health check: the database is down (%s).", error)
        drop_connection()
        return DOWN
    return OK


def check_cache() -> str:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return "local memory"
    # django-redis hides a missing Redis from cache.get (IGNORE_EXCEPTIONS); ask it directly.
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
    except Exception as error:  # any failure to answer means "down"
        logger.warning("Health check: the cache is down (%s).", error)
        return DOWN
    return OK


def check_broker() -> str:
    if app.conf.broker_url.startswith("filesystem://"):
        folder = app.conf.broker_transport_options.get("data_folder_in", "")
        return "filesystem" if os.access(folder, os.W_OK) else DOWN
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0)
    except Exception as error:  # any failure to connect means "down"
        logger.warning("Health check: the Celery broker is down (%s).", error)
        return DOWN
    return OK


def report(*, strict: bool = False) -> tuple[dict[str, object], int]:
    """The answer and its HTTP status: 503 when the database is down (nothing works
    without it), else 200, "degraded" and what is down when the cache or broker is
    (people can still sign in, read and save); `strict` makes any of them a 503."""
    checks = {"database": check_database(), "cache": check_cache(), "broker": check_broker()}
    down = [name for name, state in checks.items() if state == DOWN]
    if checks["database"] == DOWN:
        status, code = "unavailable", 503
    elif down:
        status, code = "degraded", 503 if strict else 200
    else:
        status, code = "ok", 200
    return {"status": status, **checks, "down": down}, code
