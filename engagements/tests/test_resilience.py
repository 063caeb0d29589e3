"""Redis out of reach, as cache, session store and Celery broker: people sign in, read and
save as usual. The cache misses quietly, sessions come from the database, a save whose
recompute cannot be queued still saves (the hourly rollup catches up), and the log says
so once per outage rather than once a request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from engagements.models import Measurement
from engagements.tests.factories import KpiFactory
from engagements.tests.worlds import EngagementWorld
from outsourcing.tests.outages import forget_outages, unreachable_redis_cache
from outsourcing.tests.ports import free_port

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-demo-password-1"


@pytest.fixture
def redis_unreachable(settings: LazySettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production's Redis settings, with Redis at a port nothing listens on."""
    closed = f"redis://127.0.0.1:{free_port()}"
    settings.CACHES = unreachable_redis_cache(closed)
    # Celery reads CELERY_BROKER_URL from the environment for every new connection.
    monkeypatch.setenv("CELERY_BROKER_URL", f"{closed}/1")
    settings.ROLLUP_INLINE = False  # a save queues its recompute for a worker
    forget_outages()


def test_with_redis_unreachable_people_sign_in_read_and_save(
    manager: Any,
    redis_unreachable: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager.set_password(PASSWORD)
    manager.save()
    world = EngagementWorld(manager, title="Customer support")
    kpi = KpiFactory(engagement=world.engagement, name="Uptime", unit="%")
    client = Client()
    pages = [
        reverse("engagements:dashboard"),
        reverse("engagements:engagement_detail", args=[world.engagement.pk]),
        reverse("engagements:engagement_kpis", args=[world.engagement.pk]),
        reverse("vendors:vendor_list"),
    ]

    with caplog.at_level(logging.INFO):
        answers = [client.get("/accounts/login/").status_code]
        signed_in = client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
        answers.append(signed_in.status_code)
        answers += [client.get(page).status_code for page in pages]
        with django_capture_on_commit_callbacks(execute=True):
            saved = client.post(
                reverse("engagements:measurement_create", args=[world.engagement.pk]),
                {"kpi": kpi.pk, "measured_on": "2025-03-10", "value": "96", "note": ""},
            )
        answers.append(saved.status_code)
        answers += [client.get(page).status_code for page in pages]

    assert answers == [200, 302, 200, 200, 200, 200, 302, 200, 200, 200, 200]
    assert signed_in.wsgi_request.user.is_authenticated
    assert kpi.measurements.get().value == 96
    assert Measurement.objects.count() == 1
    # At most one line about the cache for the whole outage (outsourcing/logs.py).
    assert len([r for r in caplog.records if r.name == "outsourcing.cache"]) <= 1
    assert "Could not queue the recompute of KPI" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
