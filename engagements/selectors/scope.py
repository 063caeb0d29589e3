"""Whose work a page or email covers: the person's own (owner or co-owner) or everyone's."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet

from engagements.models import Engagement
from outsourcing.roles import ADMIN, MANAGER, roles

# The engagements a question covers: a subquery of their ids, or the ids themselves.
Engagements = QuerySet[Any, Any] | Collection[int]

MINE = "mine"
ALL = "all"


def default_scope(user: Any) -> str:
    """Managers start with their own work; viewers and admins with everyone's."""
    user_roles = roles(user)
    return MINE if MANAGER in user_roles and ADMIN not in user_roles else ALL


def live_engagements(user: Any, scope: str, *, watched: bool = False) -> QuerySet[Engagement]:
    """Live engagements in scope; `watched` adds planned ones, whose risks and evidence
    matter before the work starts (Engagement.WATCHED_STATUSES)."""
    statuses = Engagement.WATCHED_STATUSES if watched else Engagement.LIVE_STATUSES
    engagements = Engagement.objects.filter(status__in=statuses)
    if scope == MINE:
        engagements = engagements.owned_by(user)
    return engagements


def in_scope(user: Any, scope: str, *, watched: bool = False) -> Engagements:
    """The engagement ids in scope for the selectors' `engagements`: everyone's as a
    subquery; a person's own as the ids themselves (one query for the few a person
    owns), so every question asked after it is a plain `IN (…)` that PostgreSQL plans
    at once, instead of repeating the owner-or-co-owner join in each."""
    engagements = live_engagements(user, scope, watched=watched)
    if scope == MINE:
        return list(engagements.values_list("pk", flat=True))
    return engagements.values("pk")


def live_and_watched(user: Any, scope: str) -> tuple[Engagements, Engagements]:
    """in_scope() both ways, live and watched (planned too), with one query for a
    person's own."""
    if scope != MINE:
        return in_scope(user, scope), in_scope(user, scope, watched=True)
    rows = live_engagements(user, scope, watched=True).values_list("pk", "status")
    watched = [pk for pk, _ in rows]
    live = [pk for pk, status in rows if status in Engagement.LIVE_STATUSES]
    return live, watched
