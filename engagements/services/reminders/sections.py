"""The digest's sections for a group of people: each section's count and first lines, from SQL.

A section lists at most LINES_PER_SECTION lines and counts the rest ("and 12 more").
Each query numbers its rows per engagement (or per owner) with a window function and
keeps only the first LINES_PER_SECTION, with the partition's full count beside them:
what is read grows with the people and their engagements, not with the items piled up
in them. A person's section then merges the first lines of their engagements, which
are disjoint (an item belongs to one engagement), so the counts add up.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    Field,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from engagements.models import (
    CheckIn,
    CreditProblem,
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    PerformanceReview,
    Period,
    Risk,
)
from engagements.models.credits import amount_text
from engagements.models.monitoring import period_bounds
from engagements.selectors.communication import open_action_items
from engagements.selectors.credits import CREDIT_LINE_FIELDS, credits_to_act_on
from engagements.selectors.monitoring import open_reviews
from engagements.selectors.risk import evidence_expiring, notice_deadlines
from engagements.selectors.spend import burn_level, spend_warnings
from outsourcing.formatting import format_day, format_moment, in_days, whole_percent

from .links import absolute_url, item_urls, many_ids

# The lines a section shows; the others are only counted.
LINES_PER_SECTION = 10


class DigestLine(NamedTuple):
    """A line of a section; a list of three strings in the queued email's JSON."""

    title: str
    detail: str
    url: str


@dataclass
class DigestSection:
    heading: str
    lines: list[DigestLine] = field(default_factory=list)
    count: int = 0  # every item, shown or not
    more_url: str = ""  # where the items not shown are listed

    @property
    def more(self) -> int:
        return self.count - len(self.lines)

    def as_context(self) -> dict[str, Any]:
        """The section as the digest's templates show it, in plain JSON values."""
        return {
            "heading": self.heading,
            "count": self.count,
            "more": self.more,
            "more_url": self.more_url,
            "lines": self.lines,
        }


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


# The digest's sections, in the order it shows them, with the page listing them all.
SECTIONS = {
    "overdue_checkins": ("Overdue check-ins", "worklist_checkins", "?when=overdue"),
    "upcoming_checkins": ("Check-ins this week", "worklist_checkins", ""),
    "action_items": ("Your action items", "dashboard", ""),
    "red_kpis": ("KPIs in red", "worklist_kpis", ""),
    "unmeasured_kpis": ("KPIs without measurements for the last period", "dashboard", ""),
    "reviews": ("Open performance reviews", "worklist_reviews", ""),
    "risks": ("Risks due for review", "dashboard", ""),
    "evidence": ("Evidence expiring or expired", "worklist_evidence", ""),
    "notice_deadlines": ("Notice deadlines", "dashboard", ""),
    "spend": ("Spend nearing or over its budget or contract value", "worklist_spend", ""),
    "credits": ("Service credits to claim or check", "worklist_credits", ""),
}


# (sort key, line) in the order the section shows them.
Ranked = tuple[tuple[Any, ...], DigestLine]


@dataclass
class Part:
    """One partition's (an engagement's or an owner's) count and first lines."""

    count: int = 0
    lines: list[Ranked] = field(default_factory=list)


def first_lines(
    rows: QuerySet[Any], partition: str, order: tuple[str, ...], fields: tuple[str, ...]
) -> QuerySet[Any]:
    """Each partition's first LINES_PER_SECTION rows by `order`, with the partition's count.

    Plain values, not model instances: a line needs a few columns, and building
    thousands of objects with their joins cost more than the queries.
    """
    return (
        rows.annotate(
            line_number=Window(RowNumber(), partition_by=F(partition), order_by=list(order)),
            line_count=Window(Count("pk"), partition_by=F(partition)),
        )
        .filter(line_number__lte=LINES_PER_SECTION)
        .order_by(partition, *order)
        .values(partition, "line_count", *fields)
    )


def parts(
    rows: Iterable[dict[str, Any]], partition: str, line: Callable[[Any], Ranked]
) -> dict[int, Part]:
    by_key: dict[int, Part] = {}
    for row in rows:
        part = by_key.setdefault(row[partition], Part(count=row["line_count"]))
        part.lines.append(line(row))
    return by_key


def merged(heading: str, more_url: str, chosen: Iterable[Part | None]) -> DigestSection | None:
    """The person's section from the parts that are theirs, in the section's order;
    None when none of them holds anything (most people's sections)."""
    found = [part for part in chosen if part is not None]
    if not found:
        return None
    section = DigestSection(heading, more_url=more_url)
    if len(found) == 1:
        section.count = found[0].count
        section.lines = [line for _, line in found[0].lines[:LINES_PER_SECTION]]
        return section
    section.count = sum([part.count for part in found])
    ranked = heapq.merge(*(part.lines for part in found), key=lambda ranked: ranked[0])
    section.lines = [line for _, line in itertools.islice(ranked, LINES_PER_SECTION)]
    return section


def by_period(values: dict[str, Any], output_field: Field[Any, Any]) -> Case:
    """The value for each KPI's period, in SQL."""
    whens = [When(period=period, then=Value(value)) for period, value in values.items()]
    return Case(*whens, output_field=output_field)


def last_closed_period(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    current_start, _ = period_bounds(period, today)
    return period_bounds(period, current_start - datetime.timedelta(days=1))


def digest_sections(
    people: list[DigestPerson], today: datetime.date, day: datetime.date, now: datetime.datetime
) -> dict[int, list[DigestSection]]:
    """Each person's digest sections that hold something, in the digest's order; a
    fixed number of queries for all of them.

    The people share their local date and their digest's day (so its last day), and
    `now`; each has their own engagements and week end (the end of their local day).
    """
    last_day = day + datetime.timedelta(days=6)
    engagement_ids = many_ids(set().union(*(p.engagement_ids for p in people)))
    user_ids = many_ids(p.user.pk for p in people)
    by_engagement = {
        "overdue_checkins": overdue_checkins(engagement_ids, now),
        "red_kpis": red_kpis(engagement_ids, today),
        "unmeasured_kpis": unmeasured_kpis(engagement_ids, today),
        "reviews": reviews(engagement_ids),
        "risks": risks_in(engagement_ids, last_day, today),
        "evidence": evidence(engagement_ids, today),
        "notice_deadlines": notices(engagement_ids, today),
        "spend": spend(engagement_ids, today),
        "credits": credits(engagement_ids),
    }
    by_owner = {
        "action_items": action_items(user_ids, last_day, today),
        "risks": risks_elsewhere(user_ids, last_day, today),
    }
    week_end = max(p.week_end for p in people)
    upcoming = upcoming_checkins(engagement_ids, now, week_end)
    more_urls = {
        key: absolute_url(reverse(f"engagements:{name}") + query)
        for key, (_, name, query) in SECTIONS.items()
    }
    sections: dict[int, list[DigestSection]] = {}
    for person in people:
        owned = sorted(person.engagement_ids)
        mine: list[DigestSection] = []
        for key, (heading, _, _) in SECTIONS.items():
            if key == "upcoming_checkins":
                section = coming_checkins(heading, more_urls[key], upcoming, owned, person)
            else:
                chosen = [by_engagement[key].get(e) for e in owned] if key in by_engagement else []
                if key in by_owner:
                    chosen.append(by_owner[key].get(person.user.pk))
                section = merged(heading, more_urls[key], chosen)
            if section is not None:
                mine.append(section)
        sections[person.user.pk] = mine
    return sections


def coming_checkins(
    heading: str,
    more_url: str,
    upcoming: dict[int, list[tuple[datetime.datetime, int, DigestLine]]],
    owned: list[int],
    person: DigestPerson,
) -> DigestSection | None:
    """Check-ins within a week are few (the cadence is weekly at most): all are read,
    and each person's week end, which differs by time zone, chooses."""
    coming = [
        line
        for scheduled_for, _, line in heapq.merge(*(upcoming.get(e, ()) for e in owned))
        if scheduled_for < person.week_end
    ]
    if not coming:
        return None
    return DigestSection(
        heading, lines=coming[:LINES_PER_SECTION], count=len(coming), more_url=more_url
    )


# --- One query a section ----------------------------------------------------------
# Names as their models' __str__ shows them: an engagement's title, a vendor's legal name.


def checkins(engagement_ids: Iterable[int]) -> QuerySet[CheckIn]:
    return CheckIn.objects.unrecorded().filter(engagement_id__in=engagement_ids)


CHECKIN_FIELDS = (
    "pk",
    "engagement_id",
    "scheduled_for",
    "engagement__title",
    "engagement__vendor__legal_name",
    "engagement__communication_plan__time_zone",
)


def checkin_line(row: dict[str, Any], detail: str, url: Callable[[int], str]) -> DigestLine:
    title = f"Check-in with {row['engagement__vendor__legal_name']} ({row['engagement__title']})"
    return DigestLine(title, detail, url(row["engagement_id"]))


def checkin_moment(row: dict[str, Any]) -> str:
    # The plan's time zone, else the server's (as checkin_time_zone says).
    zone = row["engagement__communication_plan__time_zone"] or settings.TIME_ZONE
    return format_moment(row["scheduled_for"], zone)


def overdue_checkins(engagement_ids: set[int], now: datetime.datetime) -> dict[int, Part]:
    url = item_urls("checkin")

    def line(row: dict[str, Any]) -> Ranked:
        detail = f"was due {checkin_moment(row)}, not recorded yet"
        return (row["scheduled_for"], row["pk"]), checkin_line(row, detail, url)

    rows = checkins(engagement_ids).filter(scheduled_for__lt=now)
    order = ("scheduled_for", "pk")
    return parts(first_lines(rows, "engagement_id", order, CHECKIN_FIELDS), "engagement_id", line)


def upcoming_checkins(
    engagement_ids: set[int], now: datetime.datetime, week_end: datetime.datetime
) -> dict[int, list[tuple[datetime.datetime, int, DigestLine]]]:
    """Each engagement's check-ins from now to `week_end`, earliest first."""
    rows = checkins(engagement_ids).filter(scheduled_for__gte=now, scheduled_for__lt=week_end)
    by_engagement: dict[int, list[tuple[datetime.datetime, int, DigestLine]]] = defaultdict(list)
    url = item_urls("checkin")
    for row in rows.order_by("scheduled_for", "pk").values(*CHECKIN_FIELDS):
        line = checkin_line(row, checkin_moment(row), url)
        by_engagement[row["engagement_id"]].append((row["scheduled_for"], row["pk"], line))
    return by_engagement


def action_items(
    user_ids: list[int], last_day: datetime.date, today: datetime.date
) -> dict[int, Part]:
    """Open action items they own, due by the end of the week (or overdue)."""
    urls = item_urls("actionitem")

    def line(row: dict[str, Any]) -> Ranked:
        due_date = row["due_date"]
        overdue = " (overdue)" if due_date < today else ""
        detail = f"due {format_day(due_date)}{overdue}, {row['checkin__engagement__title']}"
        url = urls(row["checkin__engagement_id"])
        return (due_date, row["pk"]), DigestLine(row["description"], detail, url)

    rows = open_action_items(user_ids).filter(due_date__lte=last_day)
    fields = (
        "pk",
        "description",
        "due_date",
        "checkin__engagement_id",
        "checkin__engagement__title",
    )
    return parts(first_lines(rows, "owner_id", ("due_date", "pk"), fields), "owner_id", line)


KPI_FIELDS = ("pk", "name", "engagement_id", "engagement__title", "period")


def kpi_line(row: dict[str, Any], detail: str, url: Callable[[int], str]) -> Ranked:
    title = row["engagement__title"]
    line = DigestLine(f"{row['name']} ({title})", detail, url(row["engagement_id"]))
    return (title, row["engagement_id"], row["name"], row["pk"]), line


def red_kpis(engagement_ids: set[int], today: datetime.date) -> dict[int, Part]:
    # The latest period that says something: the open period counts once it has data.
    latest = (
        KpiRollup.objects.filter(kpi=OuterRef("pk"))
        .filter(Q(period_end__lt=today) | ~Q(status=KpiStatus.NO_DATA))
        .order_by("-period_start")
    )
    url = item_urls("kpi")

    def line(row: dict[str, Any]) -> Ranked:
        value = f"{row['latest_value'].normalize():f} {row['unit']}".strip()
        detail = (
            f"red for the {Period(row['period']).label.lower()} from "
            f"{format_day(row['latest_start'])}: {value}, target {row['target'].normalize():f}"
        )
        return kpi_line(row, detail, url)

    rows = (
        Kpi.objects.filter(engagement_id__in=engagement_ids, is_active=True)
        .annotate(
            latest_status=Subquery(latest.values("status")[:1]),
            latest_value=Subquery(latest.values("value")[:1]),
            latest_start=Subquery(latest.values("period_start")[:1]),
        )
        .filter(latest_status=KpiStatus.RED)
    )
    fields = (*KPI_FIELDS, "unit", "target", "latest_value", "latest_start")
    return parts(first_lines(rows, "engagement_id", ("name", "pk"), fields), "engagement_id", line)


def unmeasured_kpis(engagement_ids: set[int], today: datetime.date) -> dict[int, Part]:
    """KPIs with no measurement in their last closed period.

    Not those that began after it (the KPI or its engagement): they had nothing to measure.
    """
    closed = {period: last_closed_period(period, today) for period in Period.values}
    # The bounds of each KPI's own period, so that one correlated lookup on the
    # (kpi, measured_on) index answers for every period: three lookups ORed together
    # made PostgreSQL hash every measurement of the week instead.
    start = by_period({period: start for period, (start, _) in closed.items()}, DateField())
    end = by_period({period: end for period, (_, end) in closed.items()}, DateField())
    # The KPI's creation day in UTC, as stored, on or before the period's end.
    day_after = by_period(
        {
            period: datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
            )
            for period, (_, end) in closed.items()
        },
        DateTimeField(),
    )
    measured = Measurement.objects.filter(
        kpi=OuterRef("pk"),
        measured_on__gte=OuterRef("closed_start"),
        measured_on__lte=OuterRef("closed_end"),
    )
    rows = (
        Kpi.objects.filter(engagement_id__in=engagement_ids, is_active=True)
        .annotate(closed_start=start, closed_end=end, created_by=day_after)
        .filter(engagement__start_date__lte=F("closed_end"), created_at__lt=F("created_by"))
        .exclude(Exists(measured))
    )

    url = item_urls("kpi")

    def line(row: dict[str, Any]) -> Ranked:
        start, end = closed[row["period"]]
        detail = f"no measurements from {format_day(start)} to {format_day(end)}"
        return kpi_line(row, detail, url)

    ranked = first_lines(rows, "engagement_id", ("name", "pk"), KPI_FIELDS)
    return parts(ranked, "engagement_id", line)


def reviews(engagement_ids: set[int]) -> dict[int, Part]:
    urls = item_urls("performancereview")

    def line(row: dict[str, Any]) -> Ranked:
        opened = format_day(timezone.localdate(row["created_at"]))
        detail = f"{PerformanceReview.Trigger(row['trigger']).label}, open since {opened}"
        title = f"Review of {row['engagement__title']}"
        url = urls(row["engagement_id"])
        return (row["created_at"], row["pk"]), DigestLine(title, detail, url)

    fields = ("pk", "created_at", "trigger", "engagement__title")
    ranked = first_lines(
        open_reviews(engagement_ids), "engagement_id", ("created_at", "pk"), fields
    )
    return parts(ranked, "engagement_id", line)


RISK_FIELDS = ("pk", "engagement_id", "title", "next_review_on", "engagement__title")


def risk_line(today: datetime.date) -> Callable[[dict[str, Any]], Ranked]:
    urls = item_urls("risk")

    def line(row: dict[str, Any]) -> Ranked:
        review_on = row["next_review_on"]
        state = "overdue since" if review_on < today else "due"
        return (review_on, row["pk"]), DigestLine(
            f"{row['title']} ({row['engagement__title']})",
            f"review {state} {format_day(review_on)}",
            urls(row["engagement_id"]),
        )

    return line


def live_risks(last_day: datetime.date) -> QuerySet[Risk]:
    return Risk.objects.filter(engagement__status__in=Engagement.LIVE_STATUSES).review_due_by(
        last_day
    )


def risks_in(
    engagement_ids: set[int], last_day: datetime.date, today: datetime.date
) -> dict[int, Part]:
    """Risks due for review in their engagements."""
    rows = live_risks(last_day).filter(engagement_id__in=engagement_ids)
    ranked = first_lines(rows, "engagement_id", ("next_review_on", "pk"), RISK_FIELDS)
    return parts(ranked, "engagement_id", risk_line(today))


def risks_elsewhere(
    user_ids: list[int], last_day: datetime.date, today: datetime.date
) -> dict[int, Part]:
    """Risks they own in engagements they neither own nor co-own (those are counted above)."""
    co_owner = Engagement.co_owners.through.objects.filter(
        engagement_id=OuterRef("engagement_id"), user_id=OuterRef("owner_id")
    )
    rows = (
        live_risks(last_day)
        .filter(owner_id__in=user_ids)
        .exclude(engagement__owner_id=F("owner_id"))
        .exclude(Exists(co_owner))
    )
    ranked = first_lines(rows, "owner_id", ("next_review_on", "pk"), RISK_FIELDS)
    return parts(ranked, "owner_id", risk_line(today))


def evidence(engagement_ids: set[int], today: datetime.date) -> dict[int, Part]:
    urls = item_urls("complianceitem")

    def line(row: dict[str, Any]) -> Ranked:
        expires_on = row["expires_on"]
        verb = "expired" if expires_on < today else "expires"
        return (expires_on, row["pk"]), DigestLine(
            f"{row['requirement__name']} for {row['engagement__title']}",
            f"{verb} {format_day(expires_on)}",
            urls(row["engagement_id"]),
        )

    fields = ("pk", "expires_on", "requirement__name", "engagement__title")
    rows = evidence_expiring(engagement_ids, today)
    ranked = first_lines(rows, "engagement_id", ("expires_on", "pk"), fields)
    return parts(ranked, "engagement_id", line)


def notices(engagement_ids: set[int], today: datetime.date) -> dict[int, Part]:
    urls = item_urls("contract")

    def line(row: dict[str, Any]) -> Ranked:
        deadline = row["notice_deadline"]
        days = (deadline - today).days
        return (deadline, row["pk"]), DigestLine(
            f"Notice deadline for {row['engagement__title']}",
            f"{format_day(deadline)} ({in_days(days)}): renew, renegotiate or leave by then",
            urls(row["engagement_id"]),
        )

    fields = ("pk", "notice_deadline", "engagement__title")
    rows = notice_deadlines(engagement_ids, today)
    ranked = first_lines(rows, "engagement_id", ("notice_deadline", "pk"), fields)
    return parts(ranked, "engagement_id", line)


def spend(engagement_ids: set[int], today: datetime.date) -> dict[int, Part]:
    """Engagements that have spent 80% of their budget or contract value (one line each)."""
    urls = item_urls("spendentry")

    def line(row: dict[str, Any]) -> Ranked:
        state = "over" if burn_level(row["burn"]) == "over" else "nearing"
        detail = f"{whole_percent(row['burn'])}% spent: {state} its budget or contract value"
        return (row["title"], row["pk"]), DigestLine(row["title"], detail, urls(row["pk"]))

    rows = spend_warnings(engagement_ids, today=today)
    ranked = first_lines(rows, "pk", ("title",), ("title", "burn"))
    return parts(ranked, "pk", line)


def credits(engagement_ids: set[int]) -> dict[int, Part]:
    """Service credits nobody has claimed yet, and periods whose credit could not be
    computed, oldest first (as the credits worklist lists them)."""
    urls = item_urls("servicecredit")

    def line(row: dict[str, Any]) -> Ranked:
        amount = f"{row['period_start']:%b %Y}: {amount_text(row['amount'], row['currency'])}"
        if row["amount"] is None:
            detail = f"{amount}. {CreditProblem(row['problem']).label}"
        else:
            detail = f"{amount} to claim"
        title = f"{row['kpi__name']} ({row['kpi__engagement__title']})"
        url = urls(row["kpi__engagement_id"])
        return (row["period_start"], row["pk"]), DigestLine(title, detail, url)

    rows = credits_to_act_on(engagement_ids)
    order = ("period_start", "pk")
    ranked = first_lines(rows, "kpi__engagement_id", order, ("pk", *CREDIT_LINE_FIELDS))
    return parts(ranked, "kpi__engagement_id", line)
