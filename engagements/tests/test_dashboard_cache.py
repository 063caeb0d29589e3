"""The dashboard's panels kept a short while (outsourcing/pagecache.py): fresh after any
change, per person and per URL, and rendered afresh when the cache is away."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements import tasks
from engagements.models import Engagement
from engagements.tests.factories import CheckInFactory, EngagementFactory, RiskFactory
from outsourcing import pagecache, timezones
from outsourcing.tests.outages import unreachable_redis_cache
from outsourcing.tests.ports import free_port

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC)
DASHBOARD = reverse("engagements:dashboard")


@pytest.fixture(autouse=True)
def _page_cache_on(settings: LazySettings) -> Iterator[None]:
    """A cache of this test's own, on for the test (conftest turns it off for the rest)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "dashboard-cache-tests",
        }
    }
    settings.PAGE_CACHE_SECONDS = 60
    settings.RISK_APPETITE_SCORE = 12
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def big_risk(owner: Any, title: str) -> None:
    engagement = EngagementFactory(owner=owner)
    RiskFactory(engagement=engagement, title=title, residual_likelihood=4, residual_impact=4)


def queries_for(client: Any, url: str = DASHBOARD) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_a_second_look_at_the_dashboard_asks_the_database_only_who_is_signed_in(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    big_risk(manager, "Vendor keeps customer data on laptops")
    client = client_for(manager)
    first, page = queries_for(client)
    again, cached = queries_for(client)
    assert "Vendor keeps customer data on laptops" in cached
    assert '<h1 class="h3 mb-0">Dashboard</h1>' in cached  # still HTML, not escaped
    # Only the session, the user and their role: no panel asks again.
    assert again <= 3 < first


def test_a_save_anywhere_shows_on_the_next_look(
    manager: Any, client_for: Callable[[Any], Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(manager)
    _, page = queries_for(client)
    assert "Vendor keeps customer data on laptops" not in page
    big_risk(manager, "Vendor keeps customer data on laptops")
    # Any write through the site starts a new generation: here, saving a preference.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("engagements:reminder_preferences"), {})
    assert response.status_code < 500
    _, page = queries_for(client)
    assert "Vendor keeps customer data on laptops" in page


def test_a_scheduled_job_that_changes_data_drops_the_kept_panels(
    manager: Any, client_for: Callable[[Any], Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(manager)
    queries_for(client)
    big_risk(manager, "Vendor keeps customer data on laptops")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rollup_kpis()
    _, page = queries_for(client)
    assert "Vendor keeps customer data on laptops" in page


def test_a_job_run_by_hand_drops_the_kept_panels_too(
    manager: Any, client_for: Callable[[Any], Any], django_capture_on_commit_callbacks: Any
) -> None:
    EngagementFactory(
        owner=manager,
        status=Engagement.Status.PLANNED,
        start_date=NOW.date(),
        end_date=NOW.date() + datetime.timedelta(days=365),
    )
    client = client_for(manager)
    _, page = queries_for(client)
    assert "Planned" in page
    with django_capture_on_commit_callbacks(execute=True):
        call_command("activate_planned", stdout=StringIO())
    _, page = queries_for(client)
    assert "Planned" not in page


def test_my_own_save_shows_at_once_even_if_redis_missed_the_news(
    monkeypatch: pytest.MonkeyPatch,
    manager: Any,
    client_for: Callable[[Any], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(manager)
    queries_for(client)
    big_risk(manager, "Vendor keeps customer data on laptops")
    # The new generation is lost on its way to Redis (a network split, a timeout).
    monkeypatch.setattr(pagecache, "_new_generation", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("engagements:reminder_preferences"), {})
    _, page = queries_for(client)
    assert "Vendor keeps customer data on laptops" in page


def test_signing_in_or_a_refused_post_keeps_the_panels(
    manager: Any, client_for: Callable[[Any], Any], django_capture_on_commit_callbacks: Any
) -> None:
    big_risk(manager, "Vendor keeps customer data on laptops")
    client = client_for(manager)
    queries_for(client)
    stranger = Client()
    with django_capture_on_commit_callbacks(execute=True):
        stranger.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    again, _ = queries_for(client)
    assert again <= 3


def test_each_session_sees_times_in_its_own_zone(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)
    CheckInFactory(engagement=engagement, scheduled_for=NOW + datetime.timedelta(hours=3))
    in_utc = client_for(manager)
    assert "15:00" in queries_for(in_utc)[1]
    in_auckland = Client()
    in_auckland.force_login(manager)
    session = in_auckland.session
    session[timezones.SESSION_KEY] = "Pacific/Auckland"
    session.save()
    page = queries_for(in_auckland)[1]
    assert "04:00" in page and "15:00" not in page


def test_what_people_typed_stays_escaped_in_the_kept_panels(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    big_risk(manager, "<script>alert('kept')</script>")
    client = client_for(manager)
    for _ in range(2):
        _, page = queries_for(client)
        assert "<script>alert('kept')</script>" not in page
        assert "&lt;script&gt;alert(&#x27;kept&#x27;)&lt;/script&gt;" in page


def test_panels_are_kept_a_minute_at_most(manager: Any, client_for: Callable[[Any], Any]) -> None:
    client = client_for(manager)
    queries_for(client)
    big_risk(manager, "Vendor keeps customer data on laptops")  # behind the site's back
    with time_machine.travel(NOW + datetime.timedelta(seconds=61), tick=False):
        _, page = queries_for(client)
    assert "Vendor keeps customer data on laptops" in page


def test_each_person_and_each_scope_has_panels_of_their_own(
    manager: Any, other_manager: Any, client_for: Callable[[Any], Any]
) -> None:
    big_risk(manager, "Vendor keeps customer data on laptops")
    mine = queries_for(client_for(manager))[1]
    theirs = queries_for(client_for(other_manager))[1]
    everyone = queries_for(client_for(other_manager), f"{DASHBOARD}?scope=all")[1]
    assert "Vendor keeps customer data on laptops" in mine
    assert "Vendor keeps customer data on laptops" not in theirs
    assert "Vendor keeps customer data on laptops" in everyone


def test_without_the_cache_every_look_renders_afresh(
    settings: LazySettings, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    # A Redis that is not there: django-redis ignores the errors, as in production.
    settings.CACHES = unreachable_redis_cache(f"redis://127.0.0.1:{free_port()}")
    big_risk(manager, "Vendor keeps customer data on laptops")
    client = client_for(manager)
    first, _ = queries_for(client)
    big_risk(manager, "Vendor lost the backup tapes")
    again, page = queries_for(client)
    assert again == first
    assert "Vendor lost the backup tapes" in page


def test_it_is_off_unless_a_time_is_set(
    settings: LazySettings, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    assert not pagecache.enabled()
    big_risk(manager, "Vendor keeps customer data on laptops")
    client = client_for(manager)
    first, _ = queries_for(client)
    again, _ = queries_for(client)
    assert again == first
