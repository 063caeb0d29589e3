"""Workflows on the engagement itself: completing milestones, handing over ownership."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from engagements.models import Engagement, Milestone


def complete_milestone(milestone: Milestone) -> bool:
    """Mark it completed today; False when it already was (another tab, a double click)."""
    return bool(
        Milestone.objects.filter(pk=milestone.pk, completed_on__isnull=True).update(
            completed_on=timezone.localdate(), updated_at=timezone.now()
        )
    )


@transaction.atomic
def transfer_engagement(engagement: Engagement, *, to: Any, keep_previous: bool) -> None:
    """Make `to` the owner; the previous owner stays as a co-owner if asked.

    One history entry carries both the owner and the co-owners as they end up: the
    co-owner changes skip their own entries and the save records the result.
    """
    previous = engagement.owner
    engagement.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        engagement.co_owners.remove(to)
        if keep_previous:
            engagement.co_owners.add(previous)
    finally:
        del engagement.skip_history_when_saving  # type: ignore[attr-defined]
    engagement.owner = to
    engagement.save(update_fields=["owner", "updated_at"])
