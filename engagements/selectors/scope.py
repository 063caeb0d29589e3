"""Whose work a page or email covers: the person's own (owner or co-owner) or everyone's."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q, QuerySet

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


def live_engagements(user: Any, scope: str) -> QuerySet[Engagement]:
    engagements = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    if scope == MINE:
        engagements = engagements.filter(Q(owner=user) | Q(co_owners=user)).distinct()
    return engagements


def in_scope(user: Any, scope: str) -> QuerySet[Any, Any]:
    """The engagement ids in scope, as a subquery for the selectors' `engagements`."""
    return live_engagements(user, scope).values("pk")
