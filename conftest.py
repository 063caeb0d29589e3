"""Fixtures shared by every app's tests."""

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Hostile-input tests (outsourcing/tests/hostile.py). "thorough" runs 200 examples per
# form (`make test-hostile`, about 25 minutes of CPU); CI runs 40 per form, what fits its
# 15 minutes on two cores beside the rest of the suite; both are derandomized, so CI
# repeats exactly what passed here. "dev", the
# default for `make test`, runs 25 from fresh random seeds. Each example is a real request
# in a rolled-back savepoint, hence no deadline and function-scoped fixtures (client, db)
# shared by the examples of one test.
_HYPOTHESIS = hypothesis_settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
hypothesis_settings.register_profile("thorough", _HYPOTHESIS, max_examples=200, derandomize=True)
hypothesis_settings.register_profile("ci", _HYPOTHESIS, max_examples=40, derandomize=True)
hypothesis_settings.register_profile("dev", _HYPOTHESIS, max_examples=25)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


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


def user_with_role(role: str | None, username: str) -> Any:
    from django.contrib.auth.models import Group

    from vendors.tests.factories import UserFactory

    user = UserFactory(username=username)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def manager(db: None) -> Any:
    """A manager: owns the objects a test gives them."""
    return user_with_role("Manager", "manager")


@pytest.fixture
def other_manager(db: None) -> Any:
    """A manager who owns nothing in the test: may read, not change."""
    return user_with_role("Manager", "other-manager")


@pytest.fixture
def viewer(db: None) -> Any:
    return user_with_role("Viewer", "viewer")


@pytest.fixture
def evaluator_user(db: None) -> Any:
    """A viewer a test invites to a selection as an evaluator."""
    return user_with_role("Viewer", "evaluator")


@pytest.fixture
def role_admin(db: None) -> Any:
    """An admin by role (group), not a superuser."""
    return user_with_role("Admin", "role-admin")


@pytest.fixture
def client_for(client: Any) -> Any:
    """client_for(user) signs the test client in as that user (None: anonymous)."""

    def sign_in(user: Any) -> Any:
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
