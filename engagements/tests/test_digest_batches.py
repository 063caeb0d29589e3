"""The weekly digest at scale: first lines and counts from SQL, people in batches."""

from __future__ import annotations

import datetime
import gc
import zoneinfo
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from engagements.models import (
    CheckIn,
    Kpi,
    OutboundEmail,
    Period,
    ReminderPreference,
    Risk,
    Weekday,
)
from engagements.services.reminders import digest, queue_reminders
from engagements.services.reminders.digest import digest_drafts
from engagements.services.reminders.links import SECTION_OF, item_url
from engagements.services.reminders.queue import add_to_outbox
from engagements.services.reminders.sections import LINES_PER_SECTION
from engagements.tests import factories as ef
from outsourcing.formatting import format_moment
from outsourcing.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

SITE = "https://outsourcing.example.com"
# Monday 7 December 2026, 08:00 UTC: everyone's digest below is due.
NOW = datetime.datetime(2026, 12, 7, 8, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _site(settings: LazySettings) -> None:
    settings.SITE_URL = SITE
    settings.TIME_ZONE = "UTC"


def a_manager(username: str) -> Any:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name="Manager")[0])
    ReminderPreference.objects.create(
        user=user, time_zone="UTC", digest_weekday=Weekday.MONDAY, digest_hour=8
    )
    return user


def overdue_checkins(owner: Any, count: int, *, days_ago: int = 1) -> Any:
    engagement = ef.EngagementFactory(owner=owner)
    for n in range(count):
        ef.CheckInFactory(
            engagement=engagement,
            scheduled_for=NOW - datetime.timedelta(days=days_ago + n, hours=n % 3),
        )
    return engagement


def digests() -> dict[str, OutboundEmail]:
    return {e.recipient.username: e for e in OutboundEmail.objects.filter(kind="digest")}


def test_a_long_section_shows_its_first_lines_and_counts_the_rest() -> None:
    owner = a_manager("owner")
    overdue_checkins(owner, 8, days_ago=1)
    overdue_checkins(owner, 7, days_ago=2)  # interleaved in time with the first engagement's

    queue_reminders(now=NOW)

    digest_email = digests()["owner"]
    text, html = digest_email.bodies()
    assert digest_email.subject == "15 things to act on this week"
    assert "Overdue check-ins (15)" in text
    assert text.count("not recorded yet") == LINES_PER_SECTION
    assert "and 5 more: https://outsourcing.example.com/work/checkins/?when=overdue" in text
    assert "and 5 more" in html
    # The earliest first, across both engagements.
    moments = sorted(CheckIn.objects.values_list("scheduled_for", flat=True))
    expected = [f"was due {format_moment(m, 'UTC')}, not recorded yet" for m in moments]
    shown = [line.strip() for line in text.splitlines() if "was due" in line]
    assert shown == expected[:LINES_PER_SECTION]


def test_a_short_section_has_no_more_line() -> None:
    owner = a_manager("owner")
    overdue_checkins(owner, 3)

    queue_reminders(now=NOW)

    text = digests()["owner"].bodies()[0]
    assert "Overdue check-ins (3)" in text
    assert "more:" not in text


def test_queueing_costs_the_same_queries_for_few_items_as_for_many() -> None:
    def queries_for(people: int, items: int) -> int:
        OutboundEmail.objects.all().delete()
        for n in range(people):
            owner = a_manager(f"owner-{people}-{n}")
            engagement = overdue_checkins(owner, items)
            checkin = engagement.checkins.first()
            for _ in range(items):
                ef.ActionItemFactory(checkin=checkin, owner=owner, due_date=NOW.date())
                ef.RiskFactory(engagement=engagement, owner=owner, next_review_on=NOW.date())
                ef.ComplianceItemFactory(engagement=engagement, expires_on=NOW.date())
        with CaptureQueriesContext(connection) as queries:
            add_to_outbox(digest_drafts(NOW), due_at=NOW)
        return len(queries)

    few = queries_for(2, 1)
    many = queries_for(6, 14)

    assert OutboundEmail.objects.filter(kind="digest").count() == 2 + 6
    assert many == few


@pytest.mark.parametrize("count", [4, 5])  # batches of 2: two full, or two and a short one
def test_a_person_in_a_later_batch_still_gets_their_digest(
    monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    monkeypatch.setattr(digest, "PEOPLE_PER_BATCH", 2)
    people = [a_manager(f"person-{n}") for n in range(count)]
    for person in people:
        overdue_checkins(person, 1)

    queue_reminders(now=NOW)

    assert sorted(digests()) == sorted(p.username for p in people)


def test_runs_twice_queues_once_across_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "PEOPLE_PER_BATCH", 2)
    for n in range(5):
        overdue_checkins(a_manager(f"person-{n}"), 1)

    first = queue_reminders(now=NOW)
    second = queue_reminders(now=NOW + datetime.timedelta(hours=1))

    assert (first.count("digest"), second.count("digest")) == (5, 0)
    assert OutboundEmail.objects.filter(kind="digest").count() == 5


def test_a_risk_is_counted_once_whether_owned_here_or_elsewhere() -> None:
    owner = a_manager("owner")
    other = a_manager("other")
    mine = ef.EngagementFactory(owner=owner, title="Mine")
    theirs = ef.EngagementFactory(owner=other, title="Theirs")
    shared = ef.EngagementFactory(owner=other, title="Shared")
    shared.co_owners.add(owner)
    due = NOW.date()
    ef.RiskFactory(engagement=mine, owner=owner, title="Own risk here", next_review_on=due)
    ef.RiskFactory(engagement=theirs, owner=owner, title="Own risk there", next_review_on=due)
    ef.RiskFactory(engagement=shared, owner=owner, title="Own risk shared", next_review_on=due)
    ef.RiskFactory(engagement=theirs, owner=other, title="Not mine", next_review_on=due)
    ef.RiskFactory(
        engagement=mine, owner=owner, title="Closed", next_review_on=due, status=Risk.Status.CLOSED
    )

    queue_reminders(now=NOW)

    text = digests()["owner"].bodies()[0]
    assert "Risks due for review (3)" in text
    for title in ("Own risk here", "Own risk there", "Own risk shared"):
        assert text.count(title) == 1
    assert "Not mine" not in text
    assert "Risks due for review (3)" in digests()["other"].bodies()[0]  # theirs ×2, shared


def test_people_in_different_time_zones_get_their_own_week() -> None:
    tokyo = a_manager("tokyo")
    ReminderPreference.objects.filter(user=tokyo).update(time_zone="Asia/Tokyo")
    london = a_manager("london")
    for person in (tokyo, london):
        engagement = overdue_checkins(person, 1)
        # Monday 14 December 00:30 in Tokyo is still in London's week, not Tokyo's.
        ef.CheckInFactory(
            engagement=engagement,
            scheduled_for=datetime.datetime(
                2026, 12, 14, 0, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")
            ),
        )

    queue_reminders(now=NOW)

    assert "Check-ins this week" not in digests()["tokyo"].bodies()[0]
    assert "Check-ins this week (1)" in digests()["london"].bodies()[0]


def test_a_kpi_is_unmeasured_without_a_measurement_in_its_own_last_closed_period() -> None:
    """On Monday 7 Dec: the week from 30 Nov, November, and July to September are closed."""
    owner = a_manager("owner")
    old = ef.EngagementFactory(owner=owner, start_date=datetime.date(2026, 1, 5))
    new = ef.EngagementFactory(owner=owner, start_date=datetime.date(2026, 12, 1))
    measured_on = {
        ("week in its week", Period.WEEK): datetime.date(2026, 12, 2),
        ("week before its week", Period.WEEK): datetime.date(2026, 11, 29),
        ("month in the open month", Period.MONTH): datetime.date(2026, 12, 2),
        ("month in November", Period.MONTH): datetime.date(2026, 11, 15),
        ("quarter in Q3", Period.QUARTER): datetime.date(2026, 8, 15),
        ("quarter in Q4", Period.QUARTER): datetime.date(2026, 10, 15),
    }
    for (name, period), day in measured_on.items():
        kpi = ef.KpiFactory(engagement=old, name=name, period=period)
        ef.MeasurementFactory(kpi=kpi, measured_on=day)
    ef.KpiFactory(engagement=new, name="month of a new engagement", period=Period.MONTH)
    ef.KpiFactory(engagement=new, name="week of a new engagement", period=Period.WEEK)
    Kpi.objects.update(created_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC))
    today = ef.KpiFactory(engagement=old, name="week created today", period=Period.WEEK)
    Kpi.objects.filter(pk=today.pk).update(created_at=NOW)

    queue_reminders(now=NOW)

    text = digests()["owner"].bodies()[0]
    assert "KPIs without measurements for the last period (4)" in text
    for name in (
        "week before its week",
        "month in the open month",
        "quarter in Q4",
        "week of a new engagement",
    ):
        assert f"- {name} (" in text
    assert "no measurements from Mon 30 Nov 2026 to Sun 6 Dec 2026" in text
    assert "no measurements from Sun 1 Nov 2026 to Mon 30 Nov 2026" in text
    assert "no measurements from Wed 1 Jul 2026 to Wed 30 Sep 2026" in text


def test_links_built_from_the_placeholder_are_the_reversed_urls() -> None:
    for model_name, (url_name, section) in SECTION_OF.items():
        try:
            path = reverse(url_name, args=[42])
        except NoReverseMatch:
            path = reverse("engagements:engagement_detail", args=[42])
        expected = f"{SITE}{path}#{section}" if section else f"{SITE}{path}"

        assert item_url(model_name, 42) == expected


def test_a_batch_is_drafted_with_the_cycle_collector_paused_and_inserted_with_it_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(digest, "PEOPLE_PER_BATCH", 2)
    for n in range(3):
        overdue_checkins(a_manager(f"person-{n}"), 1)
    drafting: list[bool] = []
    sections = digest.digest_sections

    def recorded(*args: Any) -> Any:
        drafting.append(gc.isenabled())
        return sections(*args)

    monkeypatch.setattr(digest, "digest_sections", recorded)
    inserting = [gc.isenabled() for _ in digest_drafts(NOW)]

    assert drafting == [False, False]  # two batches
    assert inserting == [True, True, True]


def test_the_paused_collector_is_left_as_it_was_found_even_after_an_error() -> None:
    states: list[bool] = []
    with digest.collector_paused():
        states.append(gc.isenabled())
    states.append(gc.isenabled())
    gc.disable()
    try:
        with digest.collector_paused():
            pass
        states.append(gc.isenabled())
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), digest.collector_paused():
        raise RuntimeError("a batch failed")
    states.append(gc.isenabled())

    assert states == [False, True, False, True]
