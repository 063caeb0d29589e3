"""Workflows on the engagement itself: completing milestones, handing over ownership,
starting planned work on its start date."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from engagements.models import Engagement, Milestone
from outsourcing import pagecache


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


@transaction.atomic
def activate_planned_engagements(*, today: datetime.date | None = None) -> int:
    """Planned engagements whose start date has come become active; returns how many.

    One UPDATE for all of them, plus one insert of their history rows (the update
    bypasses save()). The rows are locked first, and the update asks for "planned"
    again, so two runs at once, or a run after an owner started the work by hand,
    change nothing twice. A late run catches up every start date passed meanwhile.
    """
    today = today or timezone.localdate()
    due = Engagement.objects.due_to_start(today)
    ids = list(due.select_for_update().values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    changed = Engagement.objects.filter(pk__in=ids, status=Engagement.Status.PLANNED).update(
        status=Engagement.Status.ACTIVE, updated_at=now
    )
    Engagement.history.bulk_history_create(
        list(Engagement.objects.filter(pk__in=ids)),
        update=True,
        default_date=now,
        default_change_reason="Started on its start date",
    )
    pagecache.data_changed()
    return changed
