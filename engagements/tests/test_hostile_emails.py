"""Hostile names in the reminder emails: escaped in HTML, plain in text, never a header."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from django.utils.html import escape
from hypothesis import event, given
from hypothesis import strategies as st

from engagements.models import OutboundEmail, ReminderPreference, Risk, Weekday
from engagements.services.reminders import queue_reminders, send_outbox
from engagements.tests import factories as ef
from outsourcing.formatting import one_line
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.hostile import XSS_PROBES, assert_escaped, hostile_text
from vendors.tests import factories as vf

pytestmark = pytest.mark.hostile

# A Monday, 09:00 UTC: the digest (Mondays 08:00) is due, the check-in is tomorrow, the
# evidence expires and the notice deadline falls within the seven-day reminder.
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
INJECTION = "Acme\r\nBcc: x@evil.example"
ENTITIES = re.compile(r"&(?:lt|gt|amp|quot|#x27|#39|#34);")


@pytest.fixture(autouse=True)
def _mail(settings: LazySettings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://outsourcing.example.com"
    settings.TIME_ZONE = "UTC"


def name(max_size: int) -> st.SearchStrategy[str]:
    """Hostile text a row can hold: no NUL (the database refuses it), within the column."""
    return st.one_of(
        st.sampled_from([INJECTION, "a\nb", "x\u2028y", "Tom & Jerry <b>", '"quoted"']),
        hostile_text(),
    ).map(lambda text: text.replace("\x00", "")[:max_size])


def unique(text: str, suffix: str) -> str:
    """A unique column (vendor, requirement) with the hostile text in front."""
    return f"{text[:140]} {suffix}"


def a_world(names: dict[str, str]) -> Any:
    """An engagement whose every name shown in an email is hostile, due for every email."""
    owner = UserFactory(
        username="owner",
        email="owner@example.com",
        first_name=names["first_name"],
        last_name=names["last_name"],
    )
    owner.groups.add(Group.objects.get_or_create(name="Manager")[0])
    ReminderPreference.objects.create(
        user=owner, time_zone="UTC", digest_weekday=Weekday.MONDAY, digest_hour=8
    )
    engagement = ef.EngagementFactory(
        owner=owner,
        title=names["engagement"],
        vendor=vf.VendorFactory(legal_name=unique(names["vendor"], "Ltd")),
        start_date=TODAY - datetime.timedelta(days=100),
        end_date=TODAY + datetime.timedelta(days=400),
    )
    ef.CommunicationPlanFactory(engagement=engagement, time_zone="UTC")
    checkin = ef.CheckInFactory(
        engagement=engagement, scheduled_for=NOW + datetime.timedelta(days=1)
    )
    ef.ActionItemFactory(
        checkin=checkin, description=names["action"], due_date=TODAY + datetime.timedelta(days=2)
    )
    ef.ComplianceItemFactory(
        engagement=engagement,
        requirement=ef.ComplianceRequirementFactory(name=unique(names["requirement"], "cert")),
        expires_on=TODAY + datetime.timedelta(days=5),
    )
    ef.ContractFactory(
        engagement=engagement,
        end_date=TODAY + datetime.timedelta(days=6 + 90),
        notice_period_days=90,
    )
    risk = ef.RiskFactory(engagement=engagement, title=names["risk"])
    Risk.objects.filter(pk=risk.pk).update(next_review_on=TODAY + datetime.timedelta(days=1))
    ef.PerformanceReviewFactory(engagement=engagement)
    return owner


def check_email(email: OutboundEmail, shown: list[str]) -> None:
    """The rules every queued email keeps, for the names it shows."""
    assert "\n" not in email.subject and "\r" not in email.subject, email.subject
    text, html = email.bodies()
    assert_escaped(html, f"the {email.kind} email")
    for value in shown:
        if value.strip():
            assert escape(value) in html, f"{value!r} not shown in the {email.kind}"
            assert value in text, f"{value!r} not plain in the {email.kind} text"
    for value in shown:
        text = text.replace(value, "")
    assert not ENTITIES.search(text), f"an HTML entity leaked into the {email.kind} text"


@given(
    names=st.fixed_dictionaries(
        {
            "first_name": name(150),
            "last_name": name(150),
            "engagement": name(200),
            "vendor": name(140),
            "requirement": name(140),
            "action": name(300),
            "risk": name(200),
        }
    )
)
def test_reminder_emails_keep_hostile_names_harmless(names: dict[str, str], db: None) -> None:
    with transaction.atomic(), time_machine.travel(NOW, tick=False):
        owner = a_world(names)
        mail.outbox.clear()
        report = queue_reminders(now=NOW)
        assert report.as_dict() == {"digest": 1, "checkin": 1, "compliance": 1, "notice": 1}
        full_name = owner.get_full_name() or owner.get_username()
        engagement = owner.engagements.get()
        vendor, title = engagement.vendor.legal_name, engagement.title
        requirement = engagement.compliance_items.get().requirement.name
        shown = {
            "checkin": [full_name, vendor, title],
            "compliance": [full_name, vendor, title, requirement],
            "notice": [full_name, vendor, title],
            "digest": [full_name, vendor, title, requirement, names["action"], names["risk"]],
        }
        for email in OutboundEmail.objects.all():
            # Longer names first, so a short one inside a long one is not cut out of it.
            check_email(email, sorted(shown[email.kind], key=len, reverse=True))

        sent = send_outbox(now=NOW)
        event(f"sent {sent.sent}, failed {sent.failed + sent.retrying}")
        assert sent.as_dict() == {"sent": 4, "retrying": 0, "failed": 0, "stopped_early": False}
        for message in mail.outbox:
            headers = message.message()
            assert message.recipients() == ["owner@example.com"]
            assert headers.get_all("Bcc") is None
            assert not any(key.lower() == "bcc" for key in headers.keys())
            assert "\n" not in str(message.subject) and "\r" not in str(message.subject)
        transaction.set_rollback(True)


# --- plain regressions ------------------------------------------------------------------------


def test_subject_with_a_header_injection_stays_one_line(db: None) -> None:
    names = dict.fromkeys(
        ("first_name", "last_name", "engagement", "vendor", "requirement", "action", "risk"),
        INJECTION,
    )
    with time_machine.travel(NOW, tick=False):
        a_world(names)
        queue_reminders(now=NOW)
        assert send_outbox(now=NOW).sent == 4
    subjects = sorted(message.subject for message in mail.outbox)
    assert all("\n" not in s and "\r" not in s for s in subjects)
    assert "Check-in with Acme Bcc: x@evil.example Ltd tomorrow at 09:00 (UTC)" in subjects
    assert all(message.bcc == [] for message in mail.outbox)


def test_names_with_markup_are_plain_in_text_and_escaped_in_html(db: None) -> None:
    probe = XSS_PROBES[0]
    names = dict.fromkeys(
        ("first_name", "last_name", "engagement", "vendor", "requirement", "action", "risk"),
        f"Tom & Jerry {probe}",
    )
    with time_machine.travel(NOW, tick=False):
        a_world(names)
        queue_reminders(now=NOW)
    for email in OutboundEmail.objects.all():
        text, html = email.bodies()
        assert probe in text and "&lt;" not in text
        assert probe not in html and escape(probe) in html


def test_one_line_removes_every_line_break() -> None:
    assert one_line("a\r\nb\u2028c\x0bd\x85e") == "a b c d e"
