"""Queueing: the digests and reminders due now, added to the outbox once each."""

from __future__ import annotations

import datetime
import itertools
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from engagements.models import (
    CheckIn,
    ComplianceItem,
    Contract,
    Engagement,
    OutboundEmail,
)
from engagements.services.monitoring.upserts import insert_missing, json_column, json_moment
from outsourcing.formatting import format_day, format_moment, in_days, one_line, plural

from .digest import digest_drafts
from .links import (
    CHECKIN,
    COMPLIANCE,
    DIGEST,
    NOTICE,
    Draft,
    checkin_time_zone,
    deadline_threshold,
    page_url,
    preference_of,
    preferences_url,
)

# Drafts inserted at a time (see add_to_outbox).
DRAFTS_PER_INSERT = 500
# An outbox row as queueing writes it (claimed_at and sent_at stay empty).
OUTBOX_COLUMNS = (
    "recipient",
    "kind",
    "key",
    "to_address",
    "subject",
    "template",
    "context",
    "text_body",
    "html_body",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "updated_at",
)

# --- Reports ------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedEmail:
    to_address: str
    kind: str
    key: str
    subject: str


@dataclass
class QueueReport:
    queued: list[QueuedEmail] = field(default_factory=list)

    def count(self, *kinds: str) -> int:
        return sum(1 for email in self.queued if not kinds or email.kind in kinds)

    def as_dict(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in (DIGEST, CHECKIN, COMPLIANCE, NOTICE)}

    def __str__(self) -> str:
        return self.summary("Queued")

    def summary(self, verb: str) -> str:
        return (
            f"{verb} {plural(self.count(), 'email')}: {plural(self.count(DIGEST), 'digest')}, "
            f"{plural(self.count(CHECKIN), 'check-in reminder')}, "
            f"{plural(self.count(COMPLIANCE, NOTICE), 'deadline reminder')}."
        )


# --- Queueing -----------------------------------------------------------------


def queue_reminders(*, now: datetime.datetime | None = None) -> QueueReport:
    """Add the digests and reminders due at `now` to the outbox; never sends.

    Runs hourly on the beat schedule and from `manage.py send_reminders`.
    """
    now = now or timezone.now()
    report = QueueReport()
    for drafts in (digest_drafts(now), checkin_drafts(now), deadline_drafts(now)):
        report.queued.extend(add_to_outbox(drafts, due_at=now))
    return report


def add_to_outbox(drafts: Iterable[Draft], *, due_at: datetime.datetime) -> list[QueuedEmail]:
    """Insert the drafts not queued before; the unique key settles races.

    Returns what this run inserted, as far as it knows: a run racing it may have
    inserted some of the same keys a moment earlier, and those count for both.
    Drafts are taken DRAFTS_PER_INSERT at a time, so the rows in memory are one
    round's, however many people there are.
    """
    queued: list[QueuedEmail] = []
    pending = iter(drafts)
    while chunk := list(itertools.islice(pending, DRAFTS_PER_INSERT)):
        queued.extend(insert_new(chunk, due_at=due_at))
    return queued


def insert_new(drafts: list[Draft], *, due_at: datetime.datetime) -> list[QueuedEmail]:
    existing: set[tuple[int, str, str]] = set()
    for kind in {d.kind for d in drafts}:
        keys = {d.key for d in drafts if d.kind == kind}
        existing.update(
            (recipient_id, kind, key)
            for recipient_id, key in OutboundEmail.objects.filter(
                kind=kind, key__in=keys
            ).values_list("recipient_id", "key")
        )
    shared = {"preferences_url": preferences_url(), "site_url": settings.SITE_URL}
    fresh = [d for d in drafts if (d.recipient.pk, d.kind, d.key) not in existing]
    at, due = json_moment(timezone.now()), json_moment(due_at)
    rows = [
        (
            draft.recipient.pk,
            draft.kind,
            draft.key,
            draft.recipient.email,
            one_line(draft.subject),
            # Rendered when sent (OutboundEmail.bodies), from these plain values.
            draft.template,
            json_column(
                {
                    **draft.context,
                    "name": draft.recipient.get_full_name() or draft.recipient.get_username(),
                    **shared,
                }
            ),
            "",  # the bodies: rendered when sent
            "",
            OutboundEmail.Status.PENDING.value,
            0,
            "",
            # Due from the run's own moment, so a run that queues and then sends
            # (manage.py send_reminders) sends what it has just queued.
            due,
            at,
            at,
        )
        for draft in fresh
    ]
    # A run racing this one may insert the same key first: that row wins, ours is dropped.
    insert_missing(OutboundEmail, columns=OUTBOX_COLUMNS, rows=rows)
    return [QueuedEmail(d.recipient.email, d.kind, d.key, one_line(d.subject)) for d in fresh]


def reachable(user: Any) -> bool:
    return bool(user.is_active and user.email)


# --- Check-in and deadline reminders -------------------------------------------


def checkin_drafts(now: datetime.datetime) -> Iterator[Draft]:
    """Reminders from the day before each check-in (plan's time zone) until it starts."""
    checkins = (
        CheckIn.objects.unrecorded()
        # The day before starts at most two days ahead, in any time zone.
        .filter(
            scheduled_for__gt=now,
            scheduled_for__lte=now + datetime.timedelta(days=3),
            engagement__status__in=Engagement.LIVE_STATUSES,
        )
        .select_related(
            "engagement__vendor",
            "engagement__communication_plan",
            "engagement__owner__reminder_preference",
        )
        .order_by("scheduled_for")
    )
    for checkin in checkins:
        owner = checkin.engagement.owner
        if not reachable(owner) or not preference_of(owner).checkin_reminders:
            continue
        time_zone = checkin_time_zone(checkin)
        zone = zoneinfo.ZoneInfo(time_zone)
        starts = checkin.scheduled_for.astimezone(zone)
        days_ahead = (starts.date() - now.astimezone(zone).date()).days
        if days_ahead > 1:
            continue
        vendor = checkin.engagement.vendor
        yield Draft(
            recipient=owner,
            kind=CHECKIN,
            key=str(checkin.pk),
            subject=f"Check-in with {vendor} {in_days(days_ahead)} at {starts:%H:%M} ({time_zone})",
            template="checkin_reminder",
            context={
                "engagement": str(checkin.engagement),
                "vendor": str(vendor),
                "when": format_moment(checkin.scheduled_for, time_zone),
                "when_relative": in_days(days_ahead),
                "checkin_url": page_url(checkin),
                "engagement_url": page_url(checkin.engagement),
            },
        )


def deadline_drafts(now: datetime.datetime) -> Iterator[Draft]:
    """Reminders 30 and 7 days before evidence expires and before notice deadlines.

    Days are counted in the owner's own time zone.
    """
    utc_today = now.astimezone(datetime.UTC).date()
    # Wide by a day on each side: local dates differ from UTC's by up to one.
    window = (utc_today - datetime.timedelta(days=1), utc_today + datetime.timedelta(days=31))
    # Planned work too: an NDA or notice deadline may fall before the start date.
    live = Engagement.WATCHED_STATUSES
    owner_and_names = (
        "engagement__vendor",
        "engagement__owner__reminder_preference",
    )
    items = (
        ComplianceItem.objects.filter(expires_on__range=window, engagement__status__in=live)
        .select_related("requirement", *owner_and_names)
        .order_by("expires_on", "pk")
    )
    for item in items:
        assert item.expires_on is not None
        draft = deadline_draft(
            item,
            item.expires_on,
            now,
            kind=COMPLIANCE,
            subject="{what} for {engagement} expires {when}",
            what=str(item.requirement),
        )
        if draft is not None:
            yield draft
    contracts = (
        # Notice given: the decision is made, nothing to remind of.
        Contract.objects.awaiting_notice()
        .filter(notice_deadline__range=window, engagement__status__in=live)
        .select_related(*owner_and_names)
        .order_by("notice_deadline", "pk")
    )
    for contract in contracts:
        draft = deadline_draft(
            contract,
            contract.notice_deadline,
            now,
            kind=NOTICE,
            subject="Notice deadline for {engagement} {when}",
            what="Notice deadline",
        )
        if draft is not None:
            yield draft


def deadline_draft(
    obj: ComplianceItem | Contract,
    deadline: datetime.date,
    now: datetime.datetime,
    *,
    kind: str,
    subject: str,
    what: str,
) -> Draft | None:
    engagement = obj.engagement
    owner = engagement.owner
    if not reachable(owner):
        return None
    preference = preference_of(owner)
    if not preference.deadline_reminders:
        return None
    days_left = (deadline - preference.local_now(now).date()).days
    threshold = deadline_threshold(days_left)
    if threshold is None:
        return None
    when = in_days(days_left)
    return Draft(
        recipient=owner,
        kind=kind,
        key=f"{obj.pk}:{deadline.isoformat()}:{threshold}",
        subject=subject.format(what=what, engagement=engagement, when=when),
        template="deadline_reminder",
        context={
            "kind": kind,
            "what": what,
            "engagement": str(engagement),
            "vendor": str(engagement.vendor),
            "deadline": format_day(deadline),
            "days_left": days_left,
            "when": when,
            "object_url": page_url(obj),
            "engagement_url": page_url(engagement),
        },
    )


# --- The weekly digest ----------------------------------------------------------
