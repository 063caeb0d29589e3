"""A manager's day in a real browser: a check-in typed in one time zone and read in another,
and an engagement closed tidily (outsourcing.tests.browser; deselect with -m "not browser")."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from engagements.models import CheckIn, Engagement, OffboardingItem
from engagements.services.offboarding import complete_item, start_offboarding
from engagements.tests.factories import (
    ActionItemFactory,
    CheckInFactory,
    CommunicationPlanFactory,
    EngagementFactory,
    ReminderPreferenceFactory,
)
from outsourcing.tests.browser import sign_in
from outsourcing.tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def manager(username: str, first_name: str, zone: str) -> Any:
    user = UserFactory(username=username, first_name=first_name, last_name="Tester")
    user.groups.add(Group.objects.get_or_create(name="Manager")[0])
    ReminderPreferenceFactory(user=user, time_zone=zone)
    return user


def test_a_check_in_typed_in_amsterdam_reads_right_in_new_york(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    maria = manager("maria", "Maria", "Europe/Amsterdam")
    tom = manager("tom", "Tom", "America/New_York")
    engagement = EngagementFactory(owner=maria, title="Payroll run")
    engagement.co_owners.add(tom)
    CommunicationPlanFactory(engagement=engagement, time_zone="Europe/Amsterdam")
    day = timezone.localdate() + datetime.timedelta(days=20)
    base = live_server.url

    page = sign_in(browser, base, "maria")
    page.goto(f"{base}/engagements/{engagement.pk}/communication/")
    page.get_by_role("link", name="Add an extra check-in").click()
    expect(page.get_by_text("in your time zone (Europe/Amsterdam)")).to_be_visible()
    page.get_by_label("When").fill(f"{day:%Y-%m-%d}T09:00")
    page.get_by_role("button", name="Add the check-in").click()
    expect(page.get_by_text(f"{day:%a} {day.day} {day:%b %Y}, 09:00").first).to_be_visible()

    typed = datetime.datetime.combine(day, datetime.time(9), tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert CheckIn.objects.filter(engagement=engagement, scheduled_for=typed).exists()

    in_new_york = typed.astimezone(ZoneInfo("America/New_York"))
    other = sign_in(browser, base, "tom")
    other.goto(f"{base}/engagements/{engagement.pk}/communication/")
    expect(other.get_by_text("Times in your zone, America/New_York")).to_be_visible()
    expect(other.get_by_text("(09:00 Europe/Amsterdam)").first).to_be_visible()
    expect(other.get_by_text(f"{in_new_york.day} {in_new_york:%b %Y, %H:%M}").first).to_be_visible()


def test_closing_settles_what_is_open_and_then_asks_for_nothing_more(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    maria = manager("maria", "Maria", "Europe/Amsterdam")
    engagement = EngagementFactory(owner=maria, title="Customer support")
    ahead = CheckInFactory(
        engagement=engagement, scheduled_for=timezone.now() + datetime.timedelta(days=5)
    )
    ActionItemFactory(checkin__engagement=engagement, description="Return the headsets")
    start_offboarding(
        engagement=engagement, outcome=Engagement.Status.IN_HOUSE, by=maria, reason="Back home."
    )
    for item in OffboardingItem.objects.filter(engagement=engagement):
        complete_item(item=item, by=maria)
    base = live_server.url

    page = sign_in(browser, base, "maria")
    page.goto(f"{base}/engagements/{engagement.pk}/offboarding/")
    expect(page.get_by_role("button", name="Close as brought in-house")).to_be_disabled()
    open_work = page.get_by_role("region", name="Still open")
    open_work.get_by_label("Why").fill("The in-house team collects them.")
    open_work.get_by_role("button", name="Settle").click()
    expect(page.get_by_text("Closed by Maria Tester")).to_be_visible()
    page.get_by_role("button", name="Close as brought in-house").click()
    expect(page.get_by_text("is closed: brought in-house")).to_be_visible()
    expect(page.get_by_text("A closed engagement is kept as it was")).to_be_visible()

    page.goto(f"{base}/engagements/{engagement.pk}/communication/")
    expect(page.get_by_role("link", name="Record")).to_have_count(0)
    expect(page.get_by_role("link", name="Add an extra check-in")).to_have_count(0)
    ahead.refresh_from_db()
    assert ahead.cancelled
