"""Reminder emails: who gets what when, an outbox that never doubles or drops, the settings page."""

from __future__ import annotations

import datetime
import smtplib
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import (
    CheckIn,
    ComplianceRequirement,
    Engagement,
    Kpi,
    OutboundEmail,
    PerformanceReview,
    ReminderPreference,
    ServiceCredit,
    Weekday,
)
from engagements.services.reminders import queue_reminders, send_outbox
from engagements.services.reminders.digest import digest_drafts
from engagements.services.reminders.queue import add_to_outbox
from engagements.tests import factories as ef
from engagements.tests.admin_helpers import admin_url, post_action
from outsourcing.tests.factories import UserFactory
from vendors.tests import factories as vf

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.dates]

UTC = datetime.UTC
SITE = "https://outsourcing.example.com"
# A Monday.
MONDAY = datetime.date(2026, 12, 7)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: str = "UTC"
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(tz))


@pytest.fixture(autouse=True)
def _site(settings: LazySettings) -> None:
    settings.SITE_URL = SITE
    settings.TIME_ZONE = "UTC"


def prefer(user: Any, **fields: Any) -> ReminderPreference:
    values = {"time_zone": "UTC", "digest_weekday": Weekday.MONDAY, "digest_hour": 8, **fields}
    preference, _ = ReminderPreference.objects.update_or_create(user=user, defaults=values)
    user.refresh_from_db()
    return preference


def a_manager(username: str, **preferences: Any) -> Any:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name="Manager")[0])
    if preferences:
        prefer(user, **preferences)
    return user


def with_overdue_checkin(owner: Any, when: datetime.datetime) -> Engagement:
    """A live engagement of `owner` with an unrecorded check-in a day before `when`."""
    engagement = ef.EngagementFactory(owner=owner)
    ef.CheckInFactory(engagement=engagement, scheduled_for=when - datetime.timedelta(days=1))
    return engagement


def emails(kind: str | None = None) -> list[OutboundEmail]:
    rows = OutboundEmail.objects.order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def keys(kind: str) -> list[tuple[str, str]]:
    return [(e.recipient.username, e.key) for e in emails(kind)]


# --- The weekly digest: when ---------------------------------------------------


@pytest.mark.parametrize(
    ("utc_hour", "queued"),
    [(22, False), (23, True)],  # Monday 07:00 and 08:00 in Tokyo (Sunday evening in UTC)
)
def test_the_digest_goes_out_at_8_on_monday_in_tokyo(utc_hour: int, queued: bool) -> None:
    tokyo = a_manager("tanaka", time_zone="Asia/Tokyo")
    now = at(2026, 12, 6, utc_hour)
    with_overdue_checkin(tokyo, now)

    queue_reminders(now=now)

    assert keys("digest") == ([("tanaka", "2026-W50")] if queued else [])


@pytest.mark.parametrize(
    ("moment", "queued"),
    [
        # Autumn: clocks went back on Sunday 1 November 2026; 08:00 EST is 13:00 UTC.
        (at(2026, 11, 2, 12), None),  # 07:00 local
        (at(2026, 11, 2, 13), "2026-W45"),
        # The Monday before, still on summer time: 08:00 EDT is 12:00 UTC.
        (at(2026, 10, 26, 11), None),
        (at(2026, 10, 26, 12), "2026-W44"),
        # Spring: clocks went forward on Sunday 8 March 2026; 08:00 EDT is 12:00 UTC.
        (at(2026, 3, 9, 11), None),
        (at(2026, 3, 9, 12), "2026-W11"),
    ],
    ids=[
        "after-fall-back-7am",
        "after-fall-back-8am",
        "summer-7am",
        "summer-8am",
        "after-spring-forward-7am",
        "after-spring-forward-8am",
    ],
)
def test_the_digest_in_new_york_follows_the_wall_clock_across_daylight_saving(
    moment: datetime.datetime, queued: str | None
) -> None:
    new_york = a_manager("nyc", time_zone="America/New_York")
    with_overdue_checkin(new_york, moment)

    queue_reminders(now=moment)

    assert keys("digest") == ([("nyc", queued)] if queued else [])


def test_a_person_without_settings_gets_it_monday_8_in_the_server_time_zone(
    settings: LazySettings,
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = a_manager("berlin")  # no ReminderPreference row
    with_overdue_checkin(berlin, at(2026, 12, 7, 7))

    queue_reminders(now=at(2026, 12, 7, 6))  # 07:00 in Berlin
    assert emails("digest") == []
    queue_reminders(now=at(2026, 12, 7, 7))  # 08:00 in Berlin

    assert keys("digest") == [("berlin", "2026-W50")]


def test_a_digest_with_nothing_to_act_on_is_not_sent() -> None:
    idle = a_manager("idle", time_zone="UTC")
    ef.EngagementFactory(owner=idle)  # live, but nothing due
    ef.EngagementFactory(owner=idle, status=Engagement.Status.COMPLETED)

    queue_reminders(now=at(2026, 12, 7, 8))

    assert emails() == []


def test_viewers_get_no_digest() -> None:
    viewer = UserFactory(username="reader")
    viewer.groups.add(Group.objects.get_or_create(name="Viewer")[0])
    with_overdue_checkin(viewer, at(2026, 12, 7, 8))

    queue_reminders(now=at(2026, 12, 7, 8))

    assert emails("digest") == []


# --- The weekly digest: what -----------------------------------------------------


def a_full_week(owner: Any, co_owner: Any, vendor_name: str | None = None) -> dict[str, Any]:
    """One item of every kind the digest lists, in one live engagement; Monday 7 Dec 2026."""
    vendor = vf.VendorFactory(**({"legal_name": vendor_name} if vendor_name else {}))
    engagement = ef.EngagementFactory(
        owner=owner, vendor=vendor, title="Helpdesk", start_date=datetime.date(2026, 1, 5)
    )
    engagement.co_owners.add(co_owner)
    ef.CommunicationPlanFactory(engagement=engagement, time_zone="Europe/London")
    items: dict[str, Any] = {
        "overdue": ef.CheckInFactory(engagement=engagement, scheduled_for=at(2026, 12, 1, 10)),
        "upcoming": ef.CheckInFactory(engagement=engagement, scheduled_for=at(2026, 12, 8, 10)),
        # Next week's check-in is not this week's business.
        "next_week": ef.CheckInFactory(engagement=engagement, scheduled_for=at(2026, 12, 15, 10)),
    }
    items["action"] = ef.ActionItemFactory(
        checkin=items["overdue"],
        owner=owner,
        description="Send the call scripts",
        due_date=datetime.date(2026, 12, 9),
    )
    red = ef.KpiFactory(engagement=engagement, name="First-contact resolution")
    ef.KpiRollupFactory(
        kpi=red,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        value=Decimal("97"),
    )
    ef.KpiRollupFactory(
        kpi=red,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
        value=Decimal("80"),
    )
    ef.MeasurementFactory(kpi=red, measured_on=datetime.date(2026, 11, 20), value=Decimal("80"))
    # The open month has no data yet: that does not hide November's red.
    ef.KpiRollupFactory(
        kpi=red,
        period_start=datetime.date(2026, 12, 1),
        period_end=datetime.date(2026, 12, 31),
        value=None,
    )
    unmeasured = ef.KpiFactory(engagement=engagement, name="Customer satisfaction")
    ef.MeasurementFactory(kpi=unmeasured, measured_on=datetime.date(2026, 10, 20))
    items["review"] = ef.PerformanceReviewFactory(
        engagement=engagement, trigger=PerformanceReview.Trigger.LOW_SCORECARD
    )
    items["risk"] = ef.RiskFactory(
        engagement=engagement,
        owner=owner,
        title="Agents reuse passwords",
        next_review_on=datetime.date(2026, 12, 10),
    )
    ef.RiskFactory(  # due next month: not listed
        engagement=engagement,
        owner=owner,
        title="Later risk",
        next_review_on=datetime.date(2027, 1, 10),
    )
    nda = ComplianceRequirement.objects.filter(name="NDA").first() or (
        ef.ComplianceRequirementFactory(name="NDA")
    )
    items["evidence"] = ef.ComplianceItemFactory(
        engagement=engagement, requirement=nda, expires_on=datetime.date(2026, 12, 20)
    )
    items["contract"] = ef.ContractFactory(
        engagement=engagement,
        start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2027, 3, 31),
        notice_period_days=90,
    )  # notice deadline 31 Dec 2026
    # 80,000 of the 85,000 budget and contract value: 94%.
    ef.SpendEntryFactory(engagement=engagement, amount=Decimal("80000.00"))
    # November missed the promised level: a credit to claim. October's is claimed already.
    items["credit"] = ef.ServiceCreditFactory(
        kpi=red, period_start=datetime.date(2026, 11, 1), amount=Decimal("1250.00")
    )
    ef.ServiceCreditFactory(
        kpi=red,
        period_start=datetime.date(2026, 10, 1),
        state=ServiceCredit.State.CLAIMED,
        claimed_on=datetime.date(2026, 11, 5),
    )
    # KPIs created "now" look new; these have been around all along.
    Kpi.objects.filter(engagement=engagement).update(created_at=at(2026, 1, 5))
    return items


def test_the_digest_lists_every_kind_of_item_for_owner_and_co_owner() -> None:
    owner = a_manager("owner", time_zone="UTC")
    co_owner = a_manager("co-owner", time_zone="UTC")
    a_manager("bystander", time_zone="UTC")
    items = a_full_week(owner, co_owner, vendor_name="Acme & Sons <Support>")

    queue_reminders(now=at(2026, 12, 7, 8))

    by_user = {e.recipient.username: e for e in emails("digest")}
    assert set(by_user) == {"owner", "co-owner"}
    digest = by_user["owner"]
    assert digest.subject == "11 things to act on this week"
    text, html = digest.bodies()  # rendered as they will be sent
    for expected in [
        "Overdue check-ins (1)",
        "was due Tue 1 Dec 2026, 10:00 (Europe/London), not recorded yet",
        "Check-ins this week (1)",
        "Tue 8 Dec 2026, 10:00 (Europe/London)",
        "Your action items (1)",
        "Send the call scripts",
        "KPIs in red (1)",
        "First-contact resolution (Helpdesk)",
        "red for the month from Sun 1 Nov 2026: 80 %, target 98",
        "KPIs without measurements for the last period (1)",
        "Customer satisfaction (Helpdesk)",
        "no measurements from Sun 1 Nov 2026 to Mon 30 Nov 2026",
        "Open performance reviews (1)",
        "Scorecard under threshold",
        "Risks due for review (1)",
        "Agents reuse passwords (Helpdesk)",
        "Evidence expiring or expired (1)",
        "NDA for Helpdesk",
        "expires Sun 20 Dec 2026",
        "Notice deadlines (1)",
        "Thu 31 Dec 2026 (in 24 days)",
        "Spend nearing or over its budget or contract value (1)",
        "94% spent: nearing its budget or contract value",
        "Service credits to claim or check (1)",
        "Nov 2026: 1,250.00 EUR to claim",
    ]:
        assert expected in text, expected
    assert "Later risk" not in text
    assert "15 Dec" not in text
    # Plain text is not HTML-escaped; the HTML part is.
    assert "Acme & Sons <Support>" in text
    assert "Acme &amp; Sons &lt;Support&gt;" in html
    assert "<Support>" not in html
    # Absolute links into the engagement page's sections, and to the settings page.
    checkin_link = f"{SITE}/engagements/{items['upcoming'].engagement_id}/communication/#scheduled"
    assert checkin_link in text
    assert f'href="{checkin_link}"' in html
    assert f"{SITE}/engagements/{items['risk'].engagement_id}/risks/#risk-register" in text
    assert f"{SITE}/engagements/{items['risk'].engagement_id}/spend/" in text
    assert f"{SITE}/engagements/{items['risk'].engagement_id}/credits/" in text
    assert "Oct 2026" not in text  # claimed: nothing left to do
    assert f"{SITE}/account/reminders/" in text
    assert f'href="{SITE}/account/reminders/"' in html
    # The co-owner sees the engagement's items, but not the owner's action item.
    co_digest = by_user["co-owner"]
    assert co_digest.subject == "10 things to act on this week"
    co_text, _ = co_digest.bodies()
    assert "Send the call scripts" not in co_text
    assert "First-contact resolution" in co_text


def test_a_completed_engagement_gives_nothing_to_act_on() -> None:
    owner = a_manager("owner", time_zone="UTC")
    engagement = with_overdue_checkin(owner, at(2026, 12, 7, 8))
    engagement.status = Engagement.Status.COMPLETED
    engagement.save()

    queue_reminders(now=at(2026, 12, 7, 8))

    assert emails("digest") == []


def test_the_digest_costs_the_same_queries_for_2_people_as_for_8() -> None:
    def queries_for(count: int) -> int:
        OutboundEmail.objects.all().delete()
        for n in range(count):
            owner = a_manager(f"owner-{count}-{n}", time_zone="UTC")
            a_full_week(owner, a_manager(f"co-{count}-{n}", time_zone="UTC"))
        with CaptureQueriesContext(connection) as queries:
            add_to_outbox(digest_drafts(at(2026, 12, 7, 8)), due_at=at(2026, 12, 7, 8))
        return len(queries)

    few = queries_for(2)
    many = queries_for(8)

    assert OutboundEmail.objects.filter(kind="digest").count() == 2 * (2 + 8)
    assert many == few


# --- Catch-up: late runs ---------------------------------------------------------


def test_a_digest_missed_by_a_night_still_goes_out_the_next_day() -> None:
    owner = a_manager("owner", time_zone="America/New_York")
    with_overdue_checkin(owner, at(2026, 12, 7, 8))

    queue_reminders(now=at(2026, 12, 8, 22, tz="America/New_York"))  # Tuesday, late evening

    assert keys("digest") == [("owner", "2026-W50")]


def test_after_two_missed_days_what_is_still_useful_is_queued_and_the_rest_skipped() -> None:
    """The worker was down from Monday 07:00 to Wednesday 09:00 (New York)."""
    owner = a_manager("owner", time_zone="America/New_York")
    engagement = ef.EngagementFactory(owner=owner, title="Payroll")
    ef.CommunicationPlanFactory(engagement=engagement, time_zone="America/New_York")
    missed = ef.CheckInFactory(  # Tuesday: its reminder was due Monday, it has begun
        engagement=engagement, scheduled_for=at(2026, 12, 8, 10, tz="America/New_York")
    )
    tomorrow = ef.CheckInFactory(  # Thursday: reminder due today
        engagement=engagement, scheduled_for=at(2026, 12, 10, 10, tz="America/New_York")
    )
    # Crossed its 7-day mark on Monday; the 30-day mark long before.
    nda = ef.ComplianceItemFactory(
        engagement=engagement,
        requirement=ef.ComplianceRequirementFactory(name="NDA"),
        expires_on=datetime.date(2026, 12, 14),
    )

    queue_reminders(now=at(2026, 12, 9, 9, tz="America/New_York"))

    assert emails("digest") == []  # Monday's digest is two days late: stale
    assert keys("checkin") == [("owner", str(tomorrow.pk))]
    assert str(missed.pk) not in [e.key for e in emails()]
    assert keys("compliance") == [("owner", f"{nda.pk}:2026-12-14:7")]
    assert emails("compliance")[0].subject == "NDA for Payroll expires in 5 days"


# --- Check-in reminders ----------------------------------------------------------


@pytest.mark.parametrize(
    ("local_now", "subject"),
    [
        ((2026, 12, 7, 23, 59), None),  # two days before
        ((2026, 12, 8, 0, 0), "tomorrow at 10:00 (Europe/London)"),  # the day before
        ((2026, 12, 9, 9, 30), "today at 10:00 (Europe/London)"),  # late run, still before
        ((2026, 12, 9, 10, 0), None),  # it has begun
    ],
    ids=["two-days-before", "day-before", "late-same-day", "started"],
)
def test_a_check_in_reminder_goes_out_the_day_before_in_the_plans_time_zone(
    local_now: tuple[int, int, int, int, int], subject: str | None
) -> None:
    owner = a_manager("owner", time_zone="Asia/Tokyo")  # the plan's zone decides, not theirs
    engagement = ef.EngagementFactory(owner=owner, vendor=vf.VendorFactory(legal_name="Globex"))
    ef.CommunicationPlanFactory(engagement=engagement, time_zone="Europe/London")
    checkin = ef.CheckInFactory(
        engagement=engagement, scheduled_for=at(2026, 12, 9, 10, tz="Europe/London")
    )

    queue_reminders(now=at(*local_now, tz="Europe/London"))

    rows = emails("checkin")
    if subject is None:
        assert rows == []
    else:
        assert [(r.key, r.subject) for r in rows] == [
            (str(checkin.pk), f"Check-in with Globex {subject}")
        ]
        text, html = rows[0].bodies()
        assert "Wed 9 Dec 2026, 10:00 (Europe/London)" in text
        assert f"{SITE}/engagements/{checkin.engagement_id}/communication/#scheduled" in html


def test_recorded_and_cancelled_check_ins_get_no_reminder() -> None:
    owner = a_manager("owner", time_zone="UTC")
    engagement = ef.EngagementFactory(owner=owner)
    tomorrow = at(2026, 12, 8, 10)
    ef.CheckInFactory(engagement=engagement, scheduled_for=tomorrow, cancelled=True)
    ef.CheckInFactory(
        engagement=engagement, scheduled_for=tomorrow + datetime.timedelta(hours=1), recorded=True
    )

    queue_reminders(now=at(2026, 12, 7, 12))

    assert emails("checkin") == []


# --- Deadline reminders ----------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "threshold", "when"),
    [
        (31, None, None),
        (30, 30, "in 30 days"),
        (12, 30, "in 12 days"),  # the 30-day one missed: still the latest passed
        (8, 30, "in 8 days"),
        (7, 7, "in 7 days"),
        (6, 7, "in 6 days"),  # the 7-day one missed by a day
        (1, 7, "tomorrow"),
        (0, 7, "today"),
        (-1, None, None),  # expired: too late to remind
    ],
)
def test_evidence_expiry_reminders_at_30_and_7_days(
    days_left: int, threshold: int | None, when: str | None
) -> None:
    owner = a_manager("owner", time_zone="Pacific/Auckland")
    engagement = ef.EngagementFactory(owner=owner, title="Helpdesk")
    today = datetime.date(2026, 12, 7)  # in Auckland
    item = ef.ComplianceItemFactory(
        engagement=engagement,
        requirement=ef.ComplianceRequirementFactory(name="NDA"),
        expires_on=today + datetime.timedelta(days=days_left),
    )

    queue_reminders(now=at(2026, 12, 7, 9, tz="Pacific/Auckland"))

    rows = emails("compliance")
    if threshold is None:
        assert rows == []
    else:
        assert [(r.key, r.subject) for r in rows] == [
            (f"{item.pk}:{item.expires_on}:{threshold}", f"NDA for Helpdesk expires {when}")
        ]
        assert f"{SITE}/engagements/{item.engagement_id}/compliance/" in rows[0].bodies()[0]


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(31, None), (30, 30), (20, 30), (7, 7), (3, 7), (-1, None)],
)
def test_notice_deadline_reminders_at_30_and_7_days(days_left: int, threshold: int | None) -> None:
    owner = a_manager("owner", time_zone="UTC")
    engagement = ef.EngagementFactory(owner=owner, title="Payroll")
    deadline = datetime.date(2026, 12, 7) + datetime.timedelta(days=days_left)
    contract = ef.ContractFactory(
        engagement=engagement,
        start_date=datetime.date(2026, 1, 1),
        end_date=deadline + datetime.timedelta(days=90),
        notice_period_days=90,
    )
    assert contract.notice_deadline == deadline

    queue_reminders(now=at(2026, 12, 7, 9))

    rows = emails("notice")
    if threshold is None:
        assert rows == []
    else:
        assert [(r.key, r.subject) for r in rows] == [
            (
                f"{contract.pk}:{deadline}:{threshold}",
                f"Notice deadline for Payroll in {days_left} days",
            )
        ]
        assert "renew, renegotiate or leave" in rows[0].bodies()[0]


def test_both_deadline_reminders_go_out_once_each_as_the_date_comes_closer() -> None:
    owner = a_manager("owner", time_zone="UTC")
    item = ef.ComplianceItemFactory(
        engagement=ef.EngagementFactory(owner=owner), expires_on=datetime.date(2027, 1, 6)
    )

    for day in range(7, 31):  # every hour of every day from 7 to 30 December
        for hour in (0, 12, 23):
            queue_reminders(now=at(2026, 12, day, hour))

    assert [e.key for e in emails("compliance")] == [
        f"{item.pk}:2027-01-06:30",
        f"{item.pk}:2027-01-06:7",
    ]


def test_renewed_evidence_is_reminded_again_before_its_new_expiry() -> None:
    owner = a_manager("owner", time_zone="UTC")
    item = ef.ComplianceItemFactory(
        engagement=ef.EngagementFactory(owner=owner), expires_on=datetime.date(2026, 12, 10)
    )
    queue_reminders(now=at(2026, 12, 7, 9))
    item.expires_on = datetime.date(2027, 12, 10)
    item.save()

    queue_reminders(now=at(2027, 12, 7, 9))

    assert len(emails("compliance")) == 2


# --- Preferences, addresses ------------------------------------------------------


def test_nothing_is_queued_for_someone_who_turned_everything_off() -> None:
    owner = a_manager(
        "owner",
        time_zone="UTC",
        digest_enabled=False,
        checkin_reminders=False,
        deadline_reminders=False,
    )
    engagement = with_overdue_checkin(owner, at(2026, 12, 7, 8))
    ef.CheckInFactory(engagement=engagement, scheduled_for=at(2026, 12, 8, 10))
    ef.ComplianceItemFactory(engagement=engagement, expires_on=datetime.date(2026, 12, 10))
    ef.ContractFactory(
        engagement=engagement,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2027, 3, 10),
    )

    queue_reminders(now=at(2026, 12, 7, 8))

    assert emails() == []


def test_each_kind_of_reminder_can_be_turned_off_on_its_own() -> None:
    owner = a_manager("owner", time_zone="UTC", checkin_reminders=False)
    engagement = with_overdue_checkin(owner, at(2026, 12, 7, 8))
    ef.CheckInFactory(engagement=engagement, scheduled_for=at(2026, 12, 8, 10))
    ef.ComplianceItemFactory(engagement=engagement, expires_on=datetime.date(2026, 12, 10))

    queue_reminders(now=at(2026, 12, 7, 8))

    assert sorted({e.kind for e in emails()}) == ["compliance", "digest"]


def test_people_without_an_email_address_are_skipped() -> None:
    owner = a_manager("owner", time_zone="UTC")
    owner.email = ""
    owner.save()
    engagement = with_overdue_checkin(owner, at(2026, 12, 7, 8))
    ef.CheckInFactory(engagement=engagement, scheduled_for=at(2026, 12, 8, 10))
    ef.ComplianceItemFactory(engagement=engagement, expires_on=datetime.date(2026, 12, 10))

    queue_reminders(now=at(2026, 12, 7, 8))

    assert emails() == []


# --- Sending: runs twice, sends once ----------------------------------------------


def queue_one_of_each() -> None:
    owner = a_manager("owner", time_zone="UTC")
    engagement = with_overdue_checkin(owner, at(2026, 12, 7, 8))
    ef.CheckInFactory(engagement=engagement, scheduled_for=at(2026, 12, 8, 10))
    ef.ComplianceItemFactory(engagement=engagement, expires_on=datetime.date(2026, 12, 10))


@time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False)
def test_runs_twice_sends_once() -> None:
    queue_one_of_each()

    queue_reminders()
    queue_reminders()
    first = send_outbox()
    second = send_outbox()

    assert (first.sent, second.sent) == (3, 0)
    assert len(mail.outbox) == 3
    assert sorted(m.extra_headers["X-Outsourcing-Key"].split(":")[0] for m in mail.outbox) == [
        "checkin",
        "compliance",
        "digest",
    ]
    assert {e.status for e in emails()} == {OutboundEmail.Status.SENT}
    assert all(e.sent_at == datetime.datetime(2026, 12, 7, 8, tzinfo=UTC) for e in emails())


@time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False)
def test_a_sent_email_has_a_plain_text_and_an_html_part() -> None:
    queue_one_of_each()
    queue_reminders()

    send_outbox()

    message = next(m for m in mail.outbox if m.subject.endswith("to act on this week"))
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["owner@example.com"]
    assert "Overdue check-ins (1)" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert isinstance(html, str) and "<h2" in html
    assert message.extra_headers["Message-ID"].startswith("<outbox-")


@time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False)
def test_a_queued_reminder_keeps_what_it_shows_and_is_rendered_when_sent() -> None:
    queue_one_of_each()
    queue_reminders()
    digest = emails("digest")[0]

    send_outbox()

    assert (digest.template, digest.text_body, digest.html_body) == ("digest", "", "")
    assert digest.context["sections"][0]["heading"] == "Overdue check-ins"
    message = next(m for m in mail.outbox if m.subject == digest.subject)
    assert isinstance(message, EmailMultiAlternatives)
    assert (message.body, message.alternatives[0][0]) == digest.bodies()


def test_an_email_queued_with_its_bodies_is_sent_as_stored() -> None:
    """Rows queued before reminders kept their templates still go out as they were."""
    ef.OutboundEmailFactory(text_body="Two check-ins are due.", html_body="<p>Two check-ins</p>")

    send_outbox()

    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.body == "Two check-ins are due."
    assert message.alternatives[0][0] == "<p>Two check-ins</p>"


def test_an_email_whose_template_is_gone_fails_alone() -> None:
    broken = ef.OutboundEmailFactory(template="no_such_template", context={"name": "Ann"})
    fine = ef.OutboundEmailFactory(text_body="Still goes out.")

    report = send_outbox()

    broken.refresh_from_db()
    assert (report.sent, report.retrying, report.stopped_early) == (1, 1, False)
    assert broken.last_error.startswith("TemplateDoesNotExist")
    assert [m.body for m in mail.outbox] == [fine.text_body]


def test_the_admin_shows_a_queued_email_as_it_will_be_sent(
    admin_client: Client, admin_user: Any
) -> None:
    with time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False):
        owner = a_manager("owner", time_zone="UTC")
        a_full_week(owner, a_manager("co-owner"), vendor_name="Acme <b>Sons</b>")
        queue_reminders()
        digest = emails("digest")[0]
        admin_client.force_login(admin_user)  # the session of the day travelled to

        page = admin_client.get(admin_url(OutboundEmail, "change", digest.pk)).content.decode()

    assert "Text as sent" in page and "Overdue check-ins (1)" in page
    assert "HTML as sent" in page and "&lt;h2" in page  # its source, escaped
    assert "<ul style=" not in page
    assert "Acme &lt;b&gt;Sons&lt;/b&gt;" in page  # the plain text part, escaped too
    assert "<b>Sons" not in page


def test_the_admin_says_why_an_email_cannot_be_rendered_instead_of_failing(
    admin_client: Client,
) -> None:
    broken = ef.OutboundEmailFactory(template="no_such_template", context={"name": "Ann"})

    response = admin_client.get(admin_url(OutboundEmail, "change", broken.pk))

    assert response.status_code == 200
    assert "Cannot be rendered: TemplateDoesNotExist" in response.content.decode()


# --- Sending: failures, backoff, giving up -----------------------------------------


class FlakyBackend(EmailBackend):
    """The locmem backend, but the mail server can be "down"."""

    down = False
    error: type[Exception] = ConnectionRefusedError

    def send_messages(self, messages: Any) -> int:
        if FlakyBackend.down:
            raise FlakyBackend.error("Connection refused")
        return super().send_messages(messages)


class RecipientRefused(smtplib.SMTPRecipientsRefused):
    def __init__(self, message: str) -> None:
        super().__init__({"someone@example.com": (550, b"No such user")})


@pytest.fixture
def flaky(settings: LazySettings) -> Iterator[type[FlakyBackend]]:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.down = True
    FlakyBackend.error = ConnectionRefusedError
    yield FlakyBackend
    FlakyBackend.down = False


def test_a_mail_server_that_is_down_leaves_the_email_pending_with_backoff(
    flaky: type[FlakyBackend],
) -> None:
    start = datetime.datetime(2026, 12, 7, 8, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        first, second = ef.OutboundEmailFactory.create_batch(2)

        report = send_outbox()

        assert (report.sent, report.retrying, report.stopped_early) == (0, 1, True)
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == OutboundEmail.Status.PENDING
        assert first.attempts == 1
        assert first.last_error == "ConnectionRefusedError: Connection refused"
        assert first.next_attempt_at == start + datetime.timedelta(minutes=2)
        # The server is down: the batch stopped instead of burning every row's attempts.
        assert (second.status, second.attempts) == (OutboundEmail.Status.PENDING, 0)

        flaky.down = False
        clock.shift(datetime.timedelta(minutes=1))
        send_outbox()  # the second goes; the first waits out its backoff
        assert [m.to for m in mail.outbox] == [[second.to_address]]

        clock.shift(datetime.timedelta(minutes=1))
        send_outbox()
        send_outbox()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.to_address, second.to_address])
    first.refresh_from_db()
    assert (first.status, first.attempts) == (OutboundEmail.Status.SENT, 2)


def test_a_message_the_server_refuses_does_not_hold_up_the_others(
    flaky: type[FlakyBackend],
) -> None:
    with time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False):
        flaky.error = RecipientRefused
        ef.OutboundEmailFactory.create_batch(3)

        report = send_outbox()

    assert (report.retrying, report.stopped_early) == (3, False)
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


def test_the_backoff_doubles_and_the_email_fails_after_the_last_attempt(
    flaky: type[FlakyBackend], settings: LazySettings
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 4
    start = datetime.datetime(2026, 12, 7, 8, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        email = ef.OutboundEmailFactory()
        waits = []
        for _ in range(4):
            send_outbox()
            email.refresh_from_db()
            waits.append(email.next_attempt_at - datetime.datetime.now(tz=UTC))
            clock.shift(datetime.timedelta(hours=1))

    assert waits[:3] == [datetime.timedelta(minutes=m) for m in (2, 4, 8)]
    assert (email.status, email.attempts) == (OutboundEmail.Status.FAILED, 4)
    assert email.last_error.startswith("ConnectionRefusedError")


def test_send_again_in_the_admin_puts_failed_emails_back_in_the_queue(
    admin_client: Client, admin_user: Any
) -> None:
    failed = ef.OutboundEmailFactory(
        status=OutboundEmail.Status.FAILED, attempts=8, last_error="SMTPServerDisconnected"
    )
    sent = ef.OutboundEmailFactory(status=OutboundEmail.Status.SENT, attempts=1)

    # All on one day: a session lasts 8 hours (SESSION_COOKIE_AGE), so a page read at the
    # real time after that day would meet the sign-in page instead.
    with time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False):
        admin_client.force_login(admin_user)
        response = post_action(admin_client, OutboundEmail, "send_again", [failed, sent])
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == (OutboundEmail.Status.PENDING, 0)
        assert failed.next_attempt_at == datetime.datetime(2026, 12, 7, 8, tzinfo=UTC)
        send_outbox()
        page = admin_client.get(admin_url(OutboundEmail, "changelist") + "?status__exact=sent")

    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == OutboundEmail.Status.SENT
    failed.refresh_from_db()
    assert failed.status == OutboundEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [[failed.to_address]]
    assert "1 email(s) queued to be sent again." in page.content.decode()


def test_the_outbox_list_filters_by_status_and_kind(admin_client: Client) -> None:
    ef.OutboundEmailFactory(subject="Digest subject", kind="digest")
    ef.OutboundEmailFactory(
        subject="Reminder subject", kind="checkin", key="1", status=OutboundEmail.Status.FAILED
    )

    by_kind = admin_client.get(admin_url(OutboundEmail, "changelist") + "?kind=checkin")
    by_status = admin_client.get(admin_url(OutboundEmail, "changelist") + "?status__exact=pending")

    assert "Reminder subject" in by_kind.content.decode()
    assert "Digest subject" not in by_kind.content.decode()
    assert "Digest subject" in by_status.content.decode()
    assert "Reminder subject" not in by_status.content.decode()


def test_an_email_left_sending_by_a_crashed_worker_is_sent_after_the_claim_timeout(
    settings: LazySettings,
) -> None:
    settings.OUTBOX_CLAIM_TIMEOUT = 600
    now = datetime.datetime(2026, 12, 7, 8, tzinfo=UTC)
    abandoned = ef.OutboundEmailFactory(
        status=OutboundEmail.Status.SENDING,
        attempts=1,
        claimed_at=now - datetime.timedelta(minutes=11),
    )
    in_flight = ef.OutboundEmailFactory(
        status=OutboundEmail.Status.SENDING,
        attempts=1,
        claimed_at=now - datetime.timedelta(minutes=2),
    )

    with time_machine.travel(now, tick=False):
        report = send_outbox()

    assert report.sent == 1
    assert [m.to for m in mail.outbox] == [[abandoned.to_address]]
    in_flight.refresh_from_db()
    assert in_flight.status == OutboundEmail.Status.SENDING


def test_an_email_whose_last_attempt_crashed_is_given_up_not_resent(
    settings: LazySettings,
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    now = datetime.datetime(2026, 12, 7, 8, tzinfo=UTC)
    email = ef.OutboundEmailFactory(
        status=OutboundEmail.Status.SENDING,
        attempts=3,
        claimed_at=now - datetime.timedelta(hours=1),
    )

    with time_machine.travel(now, tick=False):
        report = send_outbox()

    email.refresh_from_db()
    assert (report.failed, email.status) == (1, OutboundEmail.Status.FAILED)
    assert mail.outbox == []


# --- The settings page ------------------------------------------------------------


def preferences_data(**overrides: Any) -> dict[str, Any]:
    return {
        "time_zone": "Asia/Tokyo",
        "digest_enabled": "on",
        "digest_weekday": "4",
        "digest_hour": "7",
        "checkin_reminders": "on",
        **overrides,
    }


def test_the_settings_page_needs_a_sign_in(client: Client) -> None:
    url = reverse("engagements:reminder_preferences")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(url, preferences_data()).status_code == 302
    assert not ReminderPreference.objects.exists()


def test_the_settings_page_shows_the_defaults_without_writing(
    client_for: Any, manager: Any, settings: LazySettings
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"

    response = client_for(manager).get(reverse("engagements:reminder_preferences"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Reminder settings" in page
    assert 'value="Europe/Berlin"' in page
    assert not ReminderPreference.objects.exists()


def test_a_person_saves_their_own_settings_and_only_theirs(
    client_for: Any, manager: Any, other_manager: Any
) -> None:
    theirs = prefer(other_manager, time_zone="Europe/Paris")

    response = client_for(manager).post(
        reverse("engagements:reminder_preferences"), preferences_data(), follow=True
    )

    assert response.status_code == 200
    assert "Your reminder settings are saved." in response.content.decode()
    mine = ReminderPreference.objects.get(user=manager)
    assert (mine.time_zone, mine.digest_weekday, mine.digest_hour) == ("Asia/Tokyo", 4, 7)
    assert (mine.digest_enabled, mine.checkin_reminders, mine.deadline_reminders) == (
        True,
        True,
        False,
    )
    theirs.refresh_from_db()
    assert theirs.time_zone == "Europe/Paris"
    assert ReminderPreference.objects.count() == 2


def test_a_viewer_may_set_their_reminders_too(client_for: Any, viewer: Any) -> None:
    response = client_for(viewer).post(
        reverse("engagements:reminder_preferences"), preferences_data(digest_enabled="")
    )

    assert response.status_code == 302
    assert ReminderPreference.objects.get(user=viewer).digest_enabled is False


def test_an_unknown_time_zone_is_refused_at_the_field_and_nothing_is_saved(
    client_for: Any, manager: Any
) -> None:
    prefer(manager, time_zone="Europe/London")

    response = client_for(manager).post(
        reverse("engagements:reminder_preferences"), preferences_data(time_zone="Mars/Olympus")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "time_zone": ["Mars/Olympus is not a known time zone. Use a name like Europe/Berlin."]
    }
    assert ReminderPreference.objects.get(user=manager).time_zone == "Europe/London"


def test_the_user_menu_links_to_the_reminder_settings(client_for: Any, manager: Any) -> None:
    page = client_for(manager).get(reverse("engagements:reminder_preferences"))

    assert 'href="/account/reminders/">Reminder settings</a>' in page.content.decode()


# --- The command -----------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False)
def test_send_reminders_queues_and_sends() -> None:
    queue_one_of_each()
    out = StringIO()

    call_command("send_reminders", stdout=out)

    assert "Queued 3 emails: 1 digest, 1 check-in reminder, 1 deadline reminder." in out.getvalue()
    assert "Sent 3 emails, 0 to retry, 0 failed." in out.getvalue()
    assert len(mail.outbox) == 3


@time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=True)
def test_send_reminders_sends_what_it_has_just_queued_while_the_clock_runs() -> None:
    # With a running clock, each row is inserted a moment after the run's own "now":
    # it must still be due for the send that follows in the same run.
    queue_one_of_each()

    call_command("send_reminders", stdout=StringIO())

    assert len(mail.outbox) == 3


@time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False)
def test_send_reminders_dry_run_shows_what_would_happen_and_writes_nothing() -> None:
    queue_one_of_each()
    waiting = ef.OutboundEmailFactory(subject="Left from before")
    out = StringIO()

    call_command("send_reminders", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "Dry run: nothing is written or sent." in text
    assert "Would queue 3 emails" in text
    assert "3 things to act on this week" in text
    assert "Would send 4 email(s):" in text
    assert "Left from before" in text
    assert list(OutboundEmail.objects.all()) == [waiting]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (OutboundEmail.Status.PENDING, 0)
    assert mail.outbox == []
    assert CheckIn.objects.count() == 2
