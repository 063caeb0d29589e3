"""Check-ins and action items: what is due, what is overdue."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from engagements.models import ActionItem, CheckIn, Engagement

from .scope import Engagements


def week_end(now: datetime.datetime) -> datetime.datetime:
    """Midnight starting next Monday, in the site's time zone: the end of "this week"."""
    today = timezone.localdate(now)
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return datetime.datetime.combine(
        monday, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


def checkins_due_this_week(engagements: Engagements, now: datetime.datetime) -> QuerySet[CheckIn]:
    """Unrecorded check-ins from now until the end of the week (overdue ones are listed apart)."""
    return (
        CheckIn.objects.unrecorded()
        .filter(engagement__in=engagements, scheduled_for__gte=now, scheduled_for__lt=week_end(now))
        .select_related("engagement__vendor")
        .order_by("scheduled_for", "pk")
    )


def checkins_overdue(engagements: Engagements, now: datetime.datetime) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.overdue(now)
        .filter(engagement__in=engagements)
        .select_related("engagement__vendor")
        .order_by("scheduled_for", "pk")
    )


def open_action_items(owners: Collection[Any]) -> QuerySet[ActionItem]:
    """Action items not done yet that these people (users or their ids) own, in live
    engagements, soonest due first: the dashboard's and the digest's "your action items"."""
    return (
        ActionItem.objects.filter(
            owner__in=owners,
            done_on__isnull=True,
            checkin__engagement__status__in=Engagement.LIVE_STATUSES,
        )
        .select_related("checkin__engagement__vendor")
        .order_by("due_date", "pk")
    )
