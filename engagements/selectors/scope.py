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


def in_scope(user: Any, scope: str, *, watched: bool = False) -> QuerySet[Any, Any]:
    """The engagement ids in scope, as a subquery for the selectors' `engagements`."""
    return live_engagements(user, scope, watched=watched).values("pk")
