"""Reminder emails: what is due for whom, queued in the outbox, and the sender that empties it.

Two jobs, each safe to run twice, late, concurrently or after a crash:

`queue_reminders` only adds `OutboundEmail` rows. Every row is keyed by
(recipient, kind, key) under a unique constraint, so a second run, or two
runs racing, queue each email once:

- the weekly digest (key: ISO week of the digest day, e.g. "2026-W49"), from the
  person's chosen weekday and local hour until the end of the next local day; a
  digest missed by more than that is skipped as stale;
- a check-in reminder (key: check-in id) from the day before the check-in, in
  the plan's time zone, until the check-in starts;
- deadline reminders 30 and 7 days before evidence expires (kind "compliance")
  and before a contract's notice deadline (kind "notice"); key
  "<id>:<date>:<30|7>", the date so that next year's expiry of renewed evidence
  is reminded again. A run that missed the day queues the latest threshold
  passed (6 days left: the 7-day one), never the 30-day one with 7 days or fewer
  left, and nothing once the date has passed.

`send_outbox` claims due rows one at a time with a conditional update
(pending → sending, or a "sending" row whose claim is older than
OUTBOX_CLAIM_TIMEOUT: its worker died), sends it, and marks it sent at once. A
failure puts the row back to pending with exponential backoff, or marks it
failed after OUTBOX_MAX_ATTEMPTS tries.

The one window no outbox can close: the mail server has accepted a message but
the worker dies before its row says "sent". That row is tried again once its
claim goes stale, so the recipient may get that one email twice. Claiming one
row at a time and marking it sent straight after the server's reply keeps the
window to the single message in flight and a few milliseconds; the Message-ID
is stable per row, so mail clients that de-duplicate will show it once.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from engagements.models import (
    ActionItem,
    CheckIn,
    ComplianceItem,
    Contract,
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    OutboundEmail,
    PerformanceReview,
    Period,
    ReminderPreference,
    Risk,
)
from engagements.models.monitoring import period_bounds
from engagements.permissions import ADMIN, MANAGER

logger = logging.getLogger(__name__)

DIGEST, CHECKIN, COMPLIANCE, NOTICE = "digest", "checkin", "compliance", "notice"
# Days before a deadline that a reminder goes out, latest first.
DEADLINE_THRESHOLDS = (7, 30)
# How far ahead the digest looks for expiring evidence and notice deadlines.
EXPIRY_HORIZON_DAYS = 30
NOTICE_HORIZON_DAYS = 60
PEOPLE_PER_BATCH = 200
# Backoff after the n-th failed try: 2^n minutes, at most four hours.
MAX_BACKOFF_MINUTES = 240
# Errors about one message (the server answered and refused it): the next may still go.
# Anything else (refused connection, timeout, disconnect) stops the batch.
MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    ValueError,
)


# --- Small helpers ------------------------------------------------------------


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Where each kind of item is handled: the engagement tab's URL name and the section on it.
# A tab that does not exist yet falls back to the engagement page.
SECTION_OF = {
    "checkin": ("engagements:engagement_communication", "scheduled"),
    "actionitem": ("engagements:engagement_communication", "actions"),
    "kpi": ("engagements:engagement_kpis", ""),
    "performancereview": ("engagements:engagement_reviews", "open"),
    "risk": ("engagements:engagement_risks", "risk-register"),
    "complianceitem": ("engagements:engagement_compliance", ""),
    "contract": ("engagements:engagement_detail", "contract"),
    "engagement": ("engagements:engagement_detail", "overview"),
}


def page_url(obj: Model) -> str:
    """The engagement tab the item belongs to, at the item's section.

    Links go to the browser app every manager can open, never to the Django
    admin (which only admins may use).
    """
    if isinstance(obj, Engagement):
        engagement_id = obj.pk
    elif isinstance(obj, ActionItem):
        engagement_id = obj.checkin.engagement_id
    else:
        engagement_id = obj.engagement_id  # type: ignore[attr-defined]
    url_name, section = SECTION_OF[str(obj._meta.model_name)]
    try:
        path = reverse(url_name, args=[engagement_id])
    except NoReverseMatch:
        path = reverse("engagements:engagement_detail", args=[engagement_id])
    return absolute_url(f"{path}#{section}" if section else path)


def preferences_url() -> str:
    return absolute_url(reverse("engagements:reminder_preferences"))


def preference_of(user: Any) -> ReminderPreference:
    """The person's saved preferences, or the defaults in the server's time zone."""
    try:
        return user.reminder_preference  # type: ignore[no-any-return]
    except ReminderPreference.DoesNotExist:
        return ReminderPreference(user=user, time_zone=settings.TIME_ZONE)


def iso_week_key(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def format_day(day: datetime.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def format_moment(moment: datetime.datetime, time_zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(time_zone))
    return f"{format_day(local.date())}, {local:%H:%M} ({time_zone})"


def in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def one_line(text: str, limit: int = 250) -> str:
    """A subject on one line (headers refuse newlines) that fits the column."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def checkin_time_zone(checkin: CheckIn) -> str:
    plan = getattr(checkin.engagement, "communication_plan", None)
    return plan.time_zone if plan is not None else settings.TIME_ZONE


def deadline_threshold(days_left: int) -> int | None:
    """The reminder due with this many days left: the latest threshold passed, if any.

    31 days: none yet; 30–8: the 30-day one; 7–0: the 7-day one; past: none.
    """
    if days_left < 0:
        return None
    for threshold in DEADLINE_THRESHOLDS:
        if days_left <= threshold:
            return threshold
    return None


def digest_day(preference: ReminderPreference, now: datetime.datetime) -> datetime.date | None:
    """The local day of the digest to queue now, or None when none is due.

    Due from the chosen weekday at the chosen local hour (08:00 means 08:00 on
    the wall clock, whatever daylight saving does) until the end of the next
    local day, so a worker down for a night still sends it. Later than that the
    week's digest is skipped: it would arrive when the week is half gone.
    """
    if not preference.digest_enabled:
        return None
    local = preference.local_now(now)
    days_late = (local.weekday() - preference.digest_weekday) % 7
    if (days_late == 0 and local.hour >= preference.digest_hour) or days_late == 1:
        return local.date() - datetime.timedelta(days=days_late)
    return None


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


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0  # failed this time, tried again after the backoff
    failed: int = 0  # gave up after the last attempt
    stopped_early: bool = False  # the mail server could not be reached

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "stopped_early": self.stopped_early,
        }

    def __str__(self) -> str:
        text = f"Sent {plural(self.sent, 'email')}, {self.retrying} to retry, {self.failed} failed."
        if self.stopped_early:
            text += " Stopped early: the mail server could not be reached."
        return text


# --- Queueing -----------------------------------------------------------------


@dataclass
class Draft:
    """An email to queue, before it is rendered."""

    recipient: Any
    kind: str
    key: str
    subject: str
    template: str
    context: dict[str, Any]


def queue_reminders(*, now: datetime.datetime | None = None) -> QueueReport:
    """Add the digests and reminders due at `now` to the outbox; never sends.

    Runs hourly on the beat schedule and from `manage.py send_reminders`.
    """
    now = now or timezone.now()
    report = QueueReport()
    for drafts in (digest_drafts(now), checkin_drafts(now), deadline_drafts(now)):
        report.queued.extend(add_to_outbox(drafts))
    return report


def add_to_outbox(drafts: Iterable[Draft]) -> list[QueuedEmail]:
    """Render and insert the drafts not queued before; the unique key settles races.

    Returns what this run inserted, as far as it knows: a run racing it may have
    inserted some of the same keys a moment earlier, and those count for both.
    """
    drafts = list(drafts)
    if not drafts:
        return []
    existing: set[tuple[int, str, str]] = set()
    for kind in {d.kind for d in drafts}:
        keys = {d.key for d in drafts if d.kind == kind}
        existing.update(
            (recipient_id, kind, key)
            for recipient_id, key in OutboundEmail.objects.filter(
                kind=kind, key__in=keys
            ).values_list("recipient_id", "key")
        )
    rows = []
    for draft in drafts:
        if (draft.recipient.pk, draft.kind, draft.key) in existing:
            continue
        context = {
            **draft.context,
            "recipient": draft.recipient,
            "name": draft.recipient.get_full_name() or draft.recipient.get_username(),
            "preferences_url": preferences_url(),
            "site_url": settings.SITE_URL,
        }
        rows.append(
            OutboundEmail(
                recipient=draft.recipient,
                kind=draft.kind,
                key=draft.key,
                to_address=draft.recipient.email,
                subject=one_line(draft.subject),
                text_body=render_to_string(f"emails/{draft.template}.txt", context).strip() + "\n",
                html_body=render_to_string(f"emails/{draft.template}.html", context),
            )
        )
    # A run racing this one may insert the same key first: that row wins, ours is dropped.
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
    return [QueuedEmail(r.to_address, r.kind, r.key, r.subject) for r in rows]


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
                "checkin": checkin,
                "engagement": checkin.engagement,
                "vendor": vendor,
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
    live = Engagement.LIVE_STATUSES
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
        Contract.objects.filter(notice_deadline__range=window, engagement__status__in=live)
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
            "engagement": engagement,
            "vendor": engagement.vendor,
            "deadline": format_day(deadline),
            "days_left": days_left,
            "when": when,
            "object_url": page_url(obj),
            "engagement_url": page_url(engagement),
        },
    )


# --- The weekly digest ----------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    title: str
    detail: str
    url: str


@dataclass
class DigestSection:
    heading: str
    lines: list[DigestLine] = field(default_factory=list)


@dataclass
class DigestPerson:
    """Someone whose digest is due: their digest day and the week it covers."""

    user: Any
    day: datetime.date
    today: datetime.date
    now: datetime.datetime
    week_end: datetime.datetime  # start of the local day after the digest's week
    engagement_ids: set[int] = field(default_factory=set)

    @property
    def last_day(self) -> datetime.date:
        return self.day + datetime.timedelta(days=6)


# The digest's sections, in the order it shows them.
SECTIONS = {
    "overdue_checkins": "Overdue check-ins",
    "upcoming_checkins": "Check-ins this week",
    "action_items": "Your action items",
    "red_kpis": "KPIs in red",
    "unmeasured_kpis": "KPIs without measurements for the last period",
    "reviews": "Open performance reviews",
    "risks": "Risks due for review",
    "evidence": "Evidence expiring or expired",
    "notice_deadlines": "Notice deadlines",
}


def managers() -> QuerySet[Any]:
    """Everyone who may own work: managers and admins, active, with an email address."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(groups__name__in=[ADMIN, MANAGER]))
        .distinct()
        .select_related("reminder_preference")
        .order_by("pk")
    )


def digest_drafts(now: datetime.datetime) -> Iterator[Draft]:
    """One digest per manager whose digest is due and who has something to act on.

    People are read in batches; each batch costs a fixed number of queries per
    distinct local date among its people (at most three on Earth), not per item.
    """
    last_pk = 0
    while True:
        batch = list(managers().filter(pk__gt=last_pk)[:PEOPLE_PER_BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        yield from digest_drafts_for(batch, now)


def digest_drafts_for(users: list[Any], now: datetime.datetime) -> Iterator[Draft]:
    due: list[DigestPerson] = []
    for user in users:
        preference = preference_of(user)
        day = digest_day(preference, now)
        if day is None:
            continue
        zone = zoneinfo.ZoneInfo(preference.time_zone)
        week_end = datetime.datetime.combine(
            day + datetime.timedelta(days=7), datetime.time.min, tzinfo=zone
        )
        due.append(DigestPerson(user, day, preference.local_now(now).date(), now, week_end))
    if not due:
        return
    already = set(
        OutboundEmail.objects.filter(
            kind=DIGEST,
            recipient__in=[p.user for p in due],
            key__in={iso_week_key(p.day) for p in due},
        ).values_list("recipient_id", "key")
    )
    due = [p for p in due if (p.user.pk, iso_week_key(p.day)) not in already]
    if not due:
        return
    attach_engagements(due)
    groups: dict[datetime.date, list[DigestPerson]] = defaultdict(list)
    for person in due:
        groups[person.today].append(person)
    for today, people in groups.items():
        sections = digest_sections(people, today)
        for person in people:
            shown = [s for s in sections[person.user.pk] if s.lines]
            count = sum(len(s.lines) for s in shown)
            if not count:
                continue  # nothing to act on: no email
            yield Draft(
                recipient=person.user,
                kind=DIGEST,
                key=iso_week_key(person.day),
                subject=f"{plural(count, 'thing')} to act on this week",
                template="digest",
                context={
                    "sections": shown,
                    "count": count,
                    "week_of": format_day(person.day),
                },
            )


def attach_engagements(people: list[DigestPerson]) -> None:
    """The live engagements each person owns or co-owns (two queries)."""
    by_user = {p.user.pk: p for p in people}
    live = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    for engagement_id, user_id in live.filter(owner_id__in=by_user).values_list("id", "owner_id"):
        by_user[user_id].engagement_ids.add(engagement_id)
    co_owned = Engagement.co_owners.through.objects.filter(
        user_id__in=by_user, engagement__status__in=Engagement.LIVE_STATUSES
    ).values_list("engagement_id", "user_id")
    for engagement_id, user_id in co_owned:
        by_user[user_id].engagement_ids.add(engagement_id)


def last_closed_period(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    current_start, _ = period_bounds(period, today)
    return period_bounds(period, current_start - datetime.timedelta(days=1))


def digest_sections(
    people: list[DigestPerson], today: datetime.date
) -> dict[int, list[DigestSection]]:
    """Each person's digest sections, from one query per kind of item for all of them.

    The people share `today` (their local date); each has their own week.
    """
    sections = {p.user.pk: {key: DigestSection(h) for key, h in SECTIONS.items()} for p in people}
    engagement_ids: set[int] = set().union(*(p.engagement_ids for p in people))
    user_ids = [p.user.pk for p in people]

    def add(section: str, line: DigestLine, *, to: Iterable[DigestPerson]) -> None:
        for person in to:
            sections[person.user.pk][section].lines.append(line)

    def owners(engagement_id: int) -> list[DigestPerson]:
        return [p for p in people if engagement_id in p.engagement_ids]

    checkins = (
        CheckIn.objects.unrecorded()
        .filter(engagement_id__in=engagement_ids, scheduled_for__lt=max(p.week_end for p in people))
        .select_related("engagement__vendor", "engagement__communication_plan")
        .order_by("scheduled_for")
    )
    for checkin in checkins:
        time_zone = checkin_time_zone(checkin)
        title = f"Check-in with {checkin.engagement.vendor} ({checkin.engagement})"
        when = format_moment(checkin.scheduled_for, time_zone)
        for person in owners(checkin.engagement_id):
            if checkin.scheduled_for < person.now:
                line = DigestLine(title, f"was due {when}, not recorded yet", page_url(checkin))
                add("overdue_checkins", line, to=[person])
            elif checkin.scheduled_for < person.week_end:
                add("upcoming_checkins", DigestLine(title, when, page_url(checkin)), to=[person])

    # Open action items due by the end of the week (or overdue).
    actions = (
        ActionItem.objects.filter(
            owner_id__in=user_ids,
            done_on__isnull=True,
            due_date__lte=max(p.last_day for p in people),
            checkin__engagement__status__in=Engagement.LIVE_STATUSES,
        )
        .select_related("checkin__engagement")
        .order_by("due_date", "pk")
    )
    for action in actions:
        overdue = " (overdue)" if action.due_date < today else ""
        detail = f"due {format_day(action.due_date)}{overdue}, {action.checkin.engagement}"
        line = DigestLine(action.description, detail, page_url(action))
        add(
            "action_items",
            line,
            to=[
                p for p in people if p.user.pk == action.owner_id and action.due_date <= p.last_day
            ],
        )

    # The latest period that says something: the open period counts once it has data.
    latest = (
        KpiRollup.objects.filter(kpi=OuterRef("pk"))
        .filter(Q(period_end__lt=today) | ~Q(status=KpiStatus.NO_DATA))
        .order_by("-period_start")
    )
    closed = {period: last_closed_period(period, today) for period in Period.values}
    kpis = (
        Kpi.objects.filter(engagement_id__in=engagement_ids, is_active=True)
        .select_related("engagement")
        .annotate(
            latest_status=Subquery(latest.values("status")[:1]),
            latest_value=Subquery(latest.values("value")[:1]),
            latest_start=Subquery(latest.values("period_start")[:1]),
            **{
                f"measured_{period}": Exists(
                    Measurement.objects.filter(kpi=OuterRef("pk"), measured_on__range=bounds)
                )
                for period, bounds in closed.items()
            },
        )
        .order_by("engagement__title", "name")
    )
    for kpi in kpis:
        name = f"{kpi.name} ({kpi.engagement})"
        row: Any = kpi  # carries the annotations
        if row.latest_status == KpiStatus.RED:
            value = f"{row.latest_value.normalize():f} {kpi.unit}".strip()
            detail = (
                f"red for the {kpi.get_period_display().lower()} from "
                f"{format_day(row.latest_start)}: {value}, target {kpi.target.normalize():f}"
            )
            add("red_kpis", DigestLine(name, detail, page_url(kpi)), to=owners(kpi.engagement_id))
        start, end = closed[kpi.period]
        # A KPI or engagement that began after that period had nothing to measure in it.
        began_later = kpi.engagement.start_date > end or kpi.created_at.date() > end
        if not getattr(row, f"measured_{kpi.period}") and not began_later:
            detail = f"no measurements from {format_day(start)} to {format_day(end)}"
            line = DigestLine(name, detail, page_url(kpi))
            add("unmeasured_kpis", line, to=owners(kpi.engagement_id))

    reviews = (
        PerformanceReview.objects.filter(engagement_id__in=engagement_ids, decided_at__isnull=True)
        .select_related("engagement")
        .order_by("created_at")
    )
    for review in reviews:
        opened = format_day(timezone.localdate(review.created_at))
        detail = f"{review.get_trigger_display()}, open since {opened}"
        line = DigestLine(f"Review of {review.engagement}", detail, page_url(review))
        add("reviews", line, to=owners(review.engagement_id))

    # Risks in their engagements, and risks they own elsewhere.
    risks = (
        Risk.objects.filter(
            Q(engagement_id__in=engagement_ids) | Q(owner_id__in=user_ids),
            engagement__status__in=Engagement.LIVE_STATUSES,
            next_review_on__lte=max(p.last_day for p in people),
        )
        .exclude(status=Risk.Status.CLOSED)
        .select_related("engagement")
        .order_by("next_review_on", "pk")
    )
    for risk in risks:
        review_on = risk.next_review_on
        assert review_on is not None
        state = "overdue since" if review_on < today else "due"
        line = DigestLine(
            f"{risk.title} ({risk.engagement})",
            f"review {state} {format_day(review_on)}",
            page_url(risk),
        )
        mine = [
            p
            for p in people
            if (risk.engagement_id in p.engagement_ids or risk.owner_id == p.user.pk)
            and review_on <= p.last_day
        ]
        add("risks", line, to=mine)

    items = (
        ComplianceItem.objects.filter(
            engagement_id__in=engagement_ids,
            expires_on__lte=today + datetime.timedelta(days=EXPIRY_HORIZON_DAYS),
        )
        .select_related("requirement", "engagement")
        .order_by("expires_on", "pk")
    )
    for item in items:
        expires_on = item.expires_on
        assert expires_on is not None
        verb = "expired" if expires_on < today else "expires"
        line = DigestLine(
            f"{item.requirement} for {item.engagement}",
            f"{verb} {format_day(expires_on)}",
            page_url(item),
        )
        add("evidence", line, to=owners(item.engagement_id))

    contracts = (
        Contract.objects.filter(
            engagement_id__in=engagement_ids,
            notice_deadline__range=(today, today + datetime.timedelta(days=NOTICE_HORIZON_DAYS)),
        )
        .select_related("engagement")
        .order_by("notice_deadline", "pk")
    )
    for contract in contracts:
        days = (contract.notice_deadline - today).days
        line = DigestLine(
            f"Notice deadline for {contract.engagement}",
            f"{format_day(contract.notice_deadline)} ({in_days(days)}): "
            "renew, renegotiate or leave by then",
            page_url(contract),
        )
        add("notice_deadlines", line, to=owners(contract.engagement_id))
    return {pk: list(by_key.values()) for pk, by_key in sections.items()}


# --- Sending ------------------------------------------------------------------


def due_emails(now: datetime.datetime) -> QuerySet[OutboundEmail]:
    """Rows to send now: pending and due, or left "sending" by a sender that died."""
    abandoned = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    return OutboundEmail.objects.filter(
        Q(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=OutboundEmail.Status.SENDING, claimed_at__lt=abandoned)
    ).order_by("next_attempt_at", "pk")


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2**attempts, MAX_BACKOFF_MINUTES))


def send_outbox(*, now: datetime.datetime | None = None, batch_size: int = 50) -> SendReport:
    """Send up to `batch_size` due emails, each claimed, sent and marked on its own.

    Runs every two minutes on the beat schedule and from `manage.py send_reminders`.
    A crash leaves at most the one email in flight claimed; the rest stay pending.
    """
    now = now or timezone.now()
    report = SendReport()
    candidates = list(due_emails(now)[:batch_size])
    if not candidates:
        return report
    connection = get_connection()
    try:
        for email in candidates:
            if not claim(email, report):
                continue
            try:
                connection.open()
                deliver(email, connection)
            except Exception as error:  # any failure: the row goes back or gives up
                record_failure(email, error, report)
                with suppress(Exception):
                    connection.close()
                if not isinstance(error, MESSAGE_ERRORS):
                    report.stopped_early = True
                    break
                continue
            mark_sent(email, report)
    finally:
        with suppress(Exception):
            connection.close()
    return report


def claim(email: OutboundEmail, report: SendReport) -> bool:
    """Take the row for this sender if nobody changed it since it was read."""
    Status = OutboundEmail.Status
    unchanged = OutboundEmail.objects.filter(
        pk=email.pk, status=email.status, claimed_at=email.claimed_at
    )
    claimed_at = timezone.now()
    if email.status == Status.SENDING and email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        # Its last attempt died mid-send (maybe after the server took it): give up.
        if unchanged.update(
            status=Status.FAILED,
            last_error="The sender stopped during the last attempt.",
            updated_at=claimed_at,
        ):
            report.failed += 1
        return False
    if (
        unchanged.update(
            status=Status.SENDING,
            claimed_at=claimed_at,
            attempts=F("attempts") + 1,
            updated_at=claimed_at,
        )
        != 1
    ):
        return False  # another sender got there first
    email.status = Status.SENDING
    email.claimed_at = claimed_at
    email.attempts += 1
    return True


def deliver(email: OutboundEmail, connection: BaseEmailBackend) -> None:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        to=[email.to_address],
        connection=connection,
        headers={
            # The same on every retry, so a rare duplicate can be recognised as one.
            "Message-ID": f"<outbox-{email.pk}@{host}>",
            "X-Outsourcing-Key": f"{email.kind}:{email.key}",
        },
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    message.send()


def ours(email: OutboundEmail) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(
        pk=email.pk, status=OutboundEmail.Status.SENDING, claimed_at=email.claimed_at
    )


def mark_sent(email: OutboundEmail, report: SendReport) -> None:
    sent_at = timezone.now()
    if ours(email).update(
        status=OutboundEmail.Status.SENT, sent_at=sent_at, last_error="", updated_at=sent_at
    ):
        report.sent += 1
    else:  # pragma: no cover - only if a send outlived OUTBOX_CLAIM_TIMEOUT
        logger.warning("Outbound email %s was claimed again while being sent", email.pk)


def record_failure(email: OutboundEmail, error: Exception, report: SendReport) -> None:
    logger.warning("Sending outbound email %s failed: %s", email.pk, error)
    at = timezone.now()
    last_error = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        ours(email).update(status=OutboundEmail.Status.FAILED, last_error=last_error, updated_at=at)
        report.failed += 1
        return
    ours(email).update(
        status=OutboundEmail.Status.PENDING,
        claimed_at=None,
        next_attempt_at=at + backoff(email.attempts),
        last_error=last_error,
        updated_at=at,
    )
    report.retrying += 1


def send_again(emails: QuerySet[OutboundEmail]) -> int:
    """Failed emails back into the queue with fresh attempts (the admin's "send again")."""
    now = timezone.now()
    return emails.filter(status=OutboundEmail.Status.FAILED).update(
        status=OutboundEmail.Status.PENDING,
        attempts=0,
        claimed_at=None,
        next_attempt_at=now,
        updated_at=now,
    )
