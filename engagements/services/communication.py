"""Step 3 workflows: check-ins from each plan's cadence, action items, review decisions."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagements.models import (
    ActionItem,
    CheckIn,
    CommunicationPlan,
    Engagement,
    PerformanceReview,
)
from outsourcing import pagecache
from outsourcing.formatting import format_moment


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
    if created:
        pagecache.data_changed()
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
    plan_owner: Any | None = None,
    follow_up_on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> bool:
    """Record the decision on an open review; False when someone decided it first.

    An improvement plan needs who follows it up and by when; other decisions keep neither.
    """
    is_plan = decision == PerformanceReview.Decision.IMPROVEMENT_PLAN
    if is_plan and (plan_owner is None or follow_up_on is None):
        raise ValidationError("An improvement plan needs an owner and a follow-up date.")
    now = now or timezone.now()
    changed = PerformanceReview.objects.filter(pk=review.pk, decided_at__isnull=True).update(
        decision=decision,
        decision_notes=notes,
        decided_by=by,
        decided_at=now,
        plan_owner=plan_owner if is_plan else None,
        follow_up_on=follow_up_on if is_plan else None,
        updated_at=now,
    )
    if changed:
        review.refresh_from_db()
    return bool(changed)


def _unrecorded(checkin: CheckIn) -> CheckIn:
    """The check-in locked for a change, while it is still neither held nor cancelled."""
    locked = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if locked.held_on is not None or locked.cancelled:
        raise ValidationError("This check-in is recorded or cancelled already; it stays as it is.")
    return locked


@transaction.atomic
def cancel_checkin(*, checkin: CheckIn, reason: str) -> CheckIn:
    """Call off a check-in, saying why; its slot stays taken so the cadence does not refill it."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the check-in is cancelled."})
    locked = _unrecorded(checkin)
    locked.cancelled = True
    locked.change_note = reason.strip()
    locked.save(update_fields=["cancelled", "change_note", "updated_at"])
    return locked


@transaction.atomic
def move_checkin(*, checkin: CheckIn, to: datetime.datetime, reason: str) -> CheckIn:
    """Hold a check-in at another time: the old slot is cancelled ("moved to …") and a new
    check-in takes the new time, so the cadence does not put the old one back."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the check-in moves."})
    locked = _unrecorded(checkin)
    if CheckIn.objects.filter(engagement_id=locked.engagement_id, scheduled_for=to).exists():
        raise ValidationError({"to": "There is a check-in at that time already."})
    reason = reason.strip()
    locked.cancelled = True
    locked.change_note = (
        f"Moved to {format_moment(to, timezone.get_current_timezone_name())}: {reason}"
    )
    locked.save(update_fields=["cancelled", "change_note", "updated_at"])
    return CheckIn.objects.create(
        engagement_id=locked.engagement_id,
        scheduled_for=to,
        change_note=f"Moved from "
        f"{format_moment(locked.scheduled_for, timezone.get_current_timezone_name())}: {reason}",
    )


def cancel_remaining_checkins(*, engagement: Engagement, reason: str) -> int:
    """Cancel every check-in not held yet (closing an engagement); returns how many."""
    return (
        CheckIn.objects.filter(engagement=engagement)
        .unrecorded()
        .update(cancelled=True, change_note=reason, updated_at=timezone.now())
    )
