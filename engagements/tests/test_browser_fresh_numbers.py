"""Fresh numbers in a real browser: a value entered shows its period's status on the next
page load, with no rollup run in between.

Headless Chromium through Playwright against the live server (the `browser` fixture,
conftest.py; outsourcing.tests.browser); deselect with `-m "not browser"`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from engagements.models import KpiRollup
from engagements.models.monitoring import period_bounds
from engagements.tests.factories import EngagementFactory, KpiFactory
from outsourcing.tests.browser import log_in, new_page
from outsourcing.tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_value_entered_shows_its_status_on_the_next_page_load(
    browser: Any, live_server: Any, settings: Any
) -> None:
    from playwright.sync_api import expect

    settings.ROLLUP_INLINE = True  # the embedded default; CI's Redis would need a worker
    owner = UserFactory(username="maria", first_name="Maria")
    owner.groups.add(Group.objects.get_or_create(name="Manager")[0])
    engagement = EngagementFactory(owner=owner, title="Customer support")
    kpi = KpiFactory(engagement=engagement, name="Uptime", unit="%")
    today = timezone.localdate()
    start, end = period_bounds(kpi.period, today)
    period = f"{start:%-d %b %Y} – {end:%-d %b %Y}"
    base = live_server.url

    page = new_page(browser)
    log_in(page, base, "maria")
    page.goto(base + reverse("engagements:kpi_detail", args=[engagement.pk, kpi.pk]))
    expect(page.get_by_text("No periods computed yet")).to_be_visible()

    page.get_by_role("link", name="Enter a value").click()
    page.fill("input[name=measured_on]", today.isoformat())
    page.fill("input[name=value]", "96")
    page.get_by_role("button", name="Save the value").click()

    expect(page.get_by_text(f"Recorded Uptime: 96 % on {today:%-d %b %Y}.")).to_be_visible()
    periods = page.get_by_role("region", name="By month")
    expect(periods.get_by_role("row").filter(has_text=period)).to_contain_text("96 %")
    expect(periods.get_by_role("row").filter(has_text=period)).to_contain_text("Green")
    page.get_by_role("link", name="KPIs", exact=True).first.click()
    uptime = page.get_by_role("row").filter(has_text="Uptime")
    expect(uptime).to_contain_text("96 %")
    expect(uptime).to_contain_text("Green")
    assert KpiRollup.objects.get(kpi=kpi, period_start=start).value == Decimal("96")
