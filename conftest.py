"""Fixtures shared by every app's tests."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Hostile-input tests (outsourcing/tests/hostile.py). "ci" runs 200 examples per form,
# derandomized, so CI repeats exactly what passed here (`make test-hostile`; CI cuts it
# into parts with --shard, beside the rest of the suite). "dev", the default for
# `make test`, runs 25 from fresh random seeds. Each example is a real request in a
# rolled-back savepoint, hence no deadline and function-scoped fixtures (client, db)
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
hypothesis_settings.register_profile("ci", _HYPOTHESIS, max_examples=200, derandomize=True)
hypothesis_settings.register_profile("dev", _HYPOTHESIS, max_examples=25)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD[THH:MM]",
        default=os.environ.get("TEST_TODAY") or None,
        help="run with the clock moved to that day (10:00 unless a time is given, in "
        "TIME_ZONE), ticking on from there; also TEST_TODAY (outsourcing/tests/clock.py)",
    )
    parser.addoption(
        "--shard",
        metavar="I/N",
        help="run only the I-th of N shares of the selected tests, dealt out in turn "
        "(CI cuts the hostile-input suite into nine, taken in turn by two runners)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """--today moves the clock before collection, so the whole run lives on that day."""
    today = config.getoption("--today")
    if not today:
        return
    from django.conf import settings

    from outsourcing.tests import clock

    try:
        moment = clock.parse_moment(today, settings.TIME_ZONE)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    clock.move_to(moment)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    from outsourcing.tests import clock

    clock.rewind()


def pytest_unconfigure(config: pytest.Config) -> None:
    from outsourcing.tests import clock

    clock.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    from outsourcing.tests import clock

    if not clock.is_moved():
        return None
    from django.utils import timezone

    return f"clock moved to {timezone.localtime():%A %Y-%m-%d %H:%M %Z} (--today)"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--shard I/N, after -m and -k have chosen the tests."""
    shard = config.getoption("--shard")
    if not shard:
        return
    try:
        index, count = (int(part) for part in shard.split("/"))
    except ValueError:
        raise pytest.UsageError(f"--shard takes I/N, as in 1/2; not {shard!r}") from None
    if not 1 <= index <= count:
        raise pytest.UsageError(f"--shard {shard}: I must lie between 1 and N")
    # Hypothesis tests are dealt out apart from the rest: they cost a hundred times more.
    costly = [item for item in items if getattr(_function(item), "is_hypothesis_test", False)]
    cheap = [item for item in items if not getattr(_function(item), "is_hypothesis_test", False)]
    kept = {id(item) for item in costly[index - 1 :: count] + cheap[index - 1 :: count]}
    config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
    items[:] = [item for item in items if id(item) in kept]


def _function(item: pytest.Item) -> Any:
    return getattr(item, "obj", None)


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


@pytest.fixture(autouse=True)
def _no_page_cache(settings: LazySettings) -> None:
    """Pages render afresh in tests, which change data behind the views' back; the
    page cache's own tests turn it on (engagements/tests/test_dashboard_cache.py)."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Headless Chromium through Playwright (outsourcing/tests/browser.py)."""
    from django.db import connections

    from outsourcing.tests.browser import CHROMIUM, CHROMIUM_ARGS

    require_service(f"Chromium ({CHROMIUM})", CHROMIUM.exists())
    # Playwright's sync API runs an event loop in this thread; the test still talks to
    # the database directly to set up and check, which Django otherwise refuses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Queries made while Playwright's loop runs open their own connection; close it, or
        # PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()


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

    from outsourcing.tests.factories import UserFactory

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
def no_role_user(db: None) -> Any:
    """Signed in, but in no role group: may read nothing."""
    return user_with_role(None, "no-role")


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
