"""Fixtures shared by every app's tests."""

import os
from pathlib import Path

import pytest
from django.conf import LazySettings


def require_service(name: str, available: bool) -> None:
    """Skip a test whose service is absent on a laptop; fail it in CI (REQUIRE_SERVICES=1)."""
    if available:
        return
    message = f"{name} is not configured for this test run"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}, but REQUIRE_SERVICES=1 says it must be")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _private_media(settings: LazySettings, tmp_path: Path) -> None:
    """Uploaded files of a test land in its own temporary folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def postgres(settings: LazySettings) -> None:
    from django.db import connection

    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")


@pytest.fixture
def redis_url(settings: LazySettings) -> str:
    require_service("Redis (REDIS_URL)", bool(settings.REDIS_URL))
    return str(settings.REDIS_URL)
