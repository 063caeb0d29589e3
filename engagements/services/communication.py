"""Step 3 workflows: check-ins from each plan's cadence, action items, review decisions."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engagements.models import ActionItem, CommunicationPlan, Engagement, PerformanceReview


def schedule_checkins(*, now: datetime.datetime | None = None) -> int:
    """Generate check-ins from every live engagement's cadence up to the horizon.

    Runs on the beat schedule and by `manage.py schedule_checkins`; running it
    twice, late or after a crash creates each slot once.
    """
    now = now or timezone.now()
    until = now + datetime.timedelta(days=settings.CHECKIN_HORIZON_DAYS)
    created = 0
    plans = CommunicationPlan.objects.filter(
        engagement__status__in=Engagement.LIVE_STATUSES
    ).select_related("engagement")
    for plan in plans.iterator():
        with transaction.atomic():
            created += plan.schedule_checkins(now=now, until=until)
    return created


def schedule_plan_checkins(*, plan: CommunicationPlan, now: datetime.datetime | None = None) -> int:
    """Generate one plan's check-ins up to the horizon, right after the plan is saved.

    Only for a live engagement, like the nightly run; the slots already there stay.
    """
    if not plan.engagement.is_live:
        return 0
    now = now or timezone.now()
    until = now + datetime.timedelta(days=settings.CHECKIN_HORIZON_DAYS)
    with transaction.atomic():
        return plan.schedule_checkins(now=now, until=until)


def complete_action_item(*, item: ActionItem, on: datetime.date) -> bool:
    """Mark an action item done; False when it was done already (a second click)."""
    return bool(
        ActionItem.objects.filter(pk=item.pk, done_on__isnull=True).update(
            done_on=on, updated_at=timezone.now()
        )
    )


@transaction.atomic
def decide_review(
    *,
    review: PerformanceReview,
    decision: str,
    notes: str,
    by: Any,
    now: datetime.datetime | None = None,
) -> bool:
    """Record the decision on an open review; False when someone decided it first."""
    now = now or timezone.now()
    changed = PerformanceReview.objects.filter(pk=review.pk, decided_at__isnull=True).update(
        decision=decision, decision_notes=notes, decided_by=by, decided_at=now, updated_at=now
    )
    if changed:
        review.refresh_from_db()
    return bool(changed)
