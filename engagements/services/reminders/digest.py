"""The weekly digest: for each person, what needs them this week, in batches of people."""

from __future__ import annotations

import datetime
import gc
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet

from engagements.models import Engagement, OutboundEmail
from outsourcing import roles
from outsourcing.formatting import format_day, plural

from .links import DIGEST, Draft, digest_day, iso_week_key, many_ids, preference_of
from .sections import DigestPerson, digest_sections

# What drafting reads of a person: loading whole users and preferences (passwords, four
# timestamps parsed a row) took more than the queries finding their items.
DRAFTED_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "reminder_preference__time_zone",
    "reminder_preference__digest_enabled",
    "reminder_preference__digest_weekday",
    "reminder_preference__digest_hour",
)

# People whose digests are drafted per batch: memory grows with this, not with everyone.
# A digest's draft is a few small values (rendered when sent), so a batch can be large:
# the queries a batch costs are then paid once for a few thousand people.
PEOPLE_PER_BATCH = 2000


def managers() -> QuerySet[Any]:
    """Everyone who may own work: managers and admins, active, with an email address."""
    return roles.managers().exclude(email="").select_related("reminder_preference").order_by("pk")


def digest_drafts(now: datetime.datetime) -> Iterator[Draft]:
    """One digest per manager whose digest is due and who has something to act on.

    People are read in batches (by primary key, so a batch never repeats or skips
    anyone); each batch costs a fixed number of queries per distinct local date and
    digest day among its people (a handful on Earth), not per person or item.
    """
    last_pk = 0
    while True:
        batch = list(managers().filter(pk__gt=last_pk).only(*DRAFTED_FIELDS)[:PEOPLE_PER_BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        with collector_paused():
            drafts = list(digest_drafts_for(batch, now))
        yield from drafts
        if len(batch) < PEOPLE_PER_BATCH:
            return  # the last batch: asking for another would find nobody


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the block; restore its previous state after.

    Drafting a batch makes tens of thousands of small objects (rows, lines, sections)
    that live until the batch is drafted, and so looked long-lived to the collector:
    it walked every object of the process once or twice a run, 0.1 s each time, a
    fifth of queueing everyone's digest (issue 15, P4). Reference counting frees them
    as before; the few cycles wait for the collector's next pass once it is back on,
    and a batch is bounded by PEOPLE_PER_BATCH. The pause is the whole process's (a
    Celery worker process or a management command: no other thread's work to hold).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
            recipient_id__in=many_ids(p.user.pk for p in due),
            key__in={iso_week_key(p.day) for p in due},
        ).values_list("recipient_id", "key")
    )
    due = [p for p in due if (p.user.pk, iso_week_key(p.day)) not in already]
    if not due:
        return
    attach_engagements(due)
    # People sharing their local date and digest day share every bound but the week end.
    groups: dict[tuple[datetime.date, datetime.date], list[DigestPerson]] = defaultdict(list)
    for person in due:
        groups[person.today, person.day].append(person)
    for (today, day), people in groups.items():
        sections = digest_sections(people, today, day, now)
        for person in people:
            shown = sections[person.user.pk]
            count = sum(s.count for s in shown)
            if not count:
                continue  # nothing to act on: no email
            yield Draft(
                recipient=person.user,
                kind=DIGEST,
                key=iso_week_key(person.day),
                subject=f"{plural(count, 'thing')} to act on this week",
                template="digest",
                context={
                    "sections": [section.as_context() for section in shown],
                    "count": count,
                    "week_of": format_day(person.day),
                },
            )


def attach_engagements(people: list[DigestPerson]) -> None:
    """The live engagements each person owns or co-owns (two queries)."""
    by_user = {p.user.pk: p for p in people}
    live = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    owned = live.filter(owner_id__in=many_ids(by_user)).values_list("id", "owner_id")
    for engagement_id, user_id in owned:
        by_user[user_id].engagement_ids.add(engagement_id)
    co_owned = Engagement.co_owners.through.objects.filter(
        user_id__in=many_ids(by_user), engagement__status__in=Engagement.LIVE_STATUSES
    ).values_list("engagement_id", "user_id")
    for engagement_id, user_id in co_owned:
        by_user[user_id].engagement_ids.add(engagement_id)
