"""The weekly digest: for each person, what needs them this week, one query per kind."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from engagements.models import (
    ActionItem,
    CheckIn,
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    OutboundEmail,
    Period,
    Risk,
)
from engagements.models.monitoring import period_bounds
from engagements.selectors.monitoring import open_reviews
from engagements.selectors.risk import evidence_expiring, notice_deadlines
from outsourcing import roles
from outsourcing.formatting import format_day, format_moment, in_days, plural

from .links import (
    DIGEST,
    Draft,
    checkin_time_zone,
    digest_day,
    iso_week_key,
    page_url,
    preference_of,
)

# People whose digests are drafted per batch: memory grows with this, not with everyone.
PEOPLE_PER_BATCH = 200


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
    return roles.managers().exclude(email="").select_related("reminder_preference").order_by("pk")


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

    reviews = open_reviews(engagement_ids)
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
        )
        .review_due_by(max(p.last_day for p in people))
        .select_related("engagement")
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

    items = evidence_expiring(engagement_ids, today)
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

    contracts = notice_deadlines(engagement_ids, today)
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
