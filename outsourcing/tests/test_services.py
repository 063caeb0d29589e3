"""The real services CI runs against: PostgreSQL, Redis as cache and Celery broker.

On a laptop without them these skip; with REQUIRE_SERVICES=1 (CI) they fail instead.
"""

import uuid

import pytest
from django.conf import LazySettings
from django.core.cache import cache
from django.db import connection

from outsourcing.celery import app


@pytest.mark.django_db
def test_the_database_is_postgresql(postgres: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()

    assert version.startswith("PostgreSQL")


def test_the_cache_stores_and_reads_back_through_redis(redis_url: str) -> None:
    key = f"ci-{uuid.uuid4()}"

    cache.set(key, {"answer": 42}, timeout=30)

    assert cache.get(key) == {"answer": 42}
    cache.delete(key)


def test_celery_reaches_its_redis_broker(redis_url: str, settings: LazySettings) -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("CELERY_BROKER_URL should point at Redis when REDIS_URL is set")

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=3)
        assert conn.connected
