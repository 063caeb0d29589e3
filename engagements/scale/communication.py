"""Communication plans, and the check-ins their cadence schedules, recorded as they were
held (or cancelled, or still waiting to be recorded), with a few action items."""

from __future__ import annotations

import datetime
import random
import zoneinfo
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from engagements.models import (
    ActionItem,
    Cadence,
    CheckIn,
    CommunicationPlan,
    Engagement,
    EscalationLevel,
    RagStatus,
)

from .bulk import insert
from .world import PlannedEngagement, World

CADENCES: dict[str, float] = {
    Cadence.WEEKLY: 0.95,
    Cadence.FORTNIGHTLY: 0.04,
    Cadence.MONTHLY: 0.01,
}
# Check-ins this recent may still be waiting to be recorded (overdue); older ones were
# held or cancelled.
RECENT_DAYS = 21
ACTIONS = (
    "Send the updated staffing plan",
    "Share the root-cause analysis of last week's incidents",
    "Agree the holiday cover",
    "Review the knowledge base articles",
    "Confirm the new escalation contacts",
    "Prepare the quarterly business review",
)


def make_plans_and_checkins(world: World) -> None:
    rng = world.random("communication")
    plans: list[CommunicationPlan] = []
    rows: list[dict[str, Any]] = []
    for engagement in world.engagements:
        plan = CommunicationPlan(
            id=engagement.id,
            engagement_id=engagement.id,
            channels="Video call; shared chat channel; email for decisions",
            cadence=rng.choices(list(CADENCES), list(CADENCES.values()))[0],
            weekday=rng.randrange(5),
            time=datetime.time(rng.randrange(8, 17), rng.choice((0, 30))),
            time_zone=world.person(engagement.owner_id).time_zone,
            duration_minutes=rng.choice((30, 30, 45, 60)),
            starts_on=engagement.start,
            reporting_expectations="Weekly status report the day before the check-in.",
        )
        plans.append(plan)
        rows.append(
            {
                "id": plan.pk,
                "engagement": plan.engagement_id,
                "channels": plan.channels,
                "cadence": plan.cadence,
                "weekday": plan.weekday,
                "time": plan.time,
                "time_zone": plan.time_zone,
                "duration_minutes": plan.duration_minutes,
                "starts_on": plan.starts_on,
                "reporting_expectations": plan.reporting_expectations,
                "created_at": engagement.created_at,
                "updated_at": engagement.created_at,
            }
        )
    world.written["communication plans"] = insert(CommunicationPlan, rows)
    insert(
        EscalationLevel,
        (
            {
                "id": 2 * plan.pk - 2 + level,
                "plan": plan.pk,
                "level": level,
                "who": who,
                "contact": "",
                "response_time_hours": hours,
                "when_to_escalate": when,
            }
            for plan in plans
            for level, who, hours, when in (
                (1, "Service delivery manager", 4, "A service level missed twice in a week"),
                (2, "Head of operations", 24, "No fix agreed at level 1"),
            )
        ),
    )
    checkins: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for plan, engagement in zip(plans, world.engagements, strict=True):
        if engagement.started:
            for slot in slots(plan, engagement, world):
                checkin, action = recorded(len(checkins) + 1, slot, plan, engagement, world, rng)
                checkins.append(checkin)
                if action:
                    actions.append({"id": len(actions) + 1, **action})
    world.written["check-ins"] = insert(CheckIn, checkins)
    world.written["action items"] = insert(ActionItem, actions)


def slots(
    plan: CommunicationPlan, engagement: PlannedEngagement, world: World
) -> Iterator[datetime.datetime]:
    """The plan's check-in times (UTC) from its start to the scheduling horizon, or to the
    end of the work: what the nightly `schedule_checkins` would have made, night by night."""
    until = world.now + datetime.timedelta(days=settings.CHECKIN_HORIZON_DAYS)
    if engagement.status not in Engagement.LIVE_STATUSES:
        until = min(until, world.now)
    if engagement.end is not None:
        # As CommunicationPlan.schedule_checkins: none after the work's last (local) day.
        zone = zoneinfo.ZoneInfo(plan.time_zone)
        until = min(until, datetime.datetime.combine(engagement.end, datetime.time.max, zone))
    after = datetime.datetime.combine(
        engagement.start - datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )
    while True:
        upcoming = plan.next_checkins(after, count=50)
        for moment in upcoming:
            if moment > until:
                return
            yield moment.astimezone(datetime.UTC)
        after = upcoming[-1]


def recorded(
    number: int,
    slot: datetime.datetime,
    plan: CommunicationPlan,
    engagement: PlannedEngagement,
    world: World,
    rng: random.Random,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The check-in row as it stands now, and an action item agreed there (without its
    id), if any."""
    scheduled = {"id": number, "engagement": engagement.id, "scheduled_for": slot}
    created = max(
        slot - datetime.timedelta(days=settings.CHECKIN_HORIZON_DAYS), engagement.created_at
    )
    created = min(created, world.now)
    ended = slot + datetime.timedelta(minutes=plan.duration_minutes)
    closed = engagement.status == Engagement.Status.COMPLETED
    unrecorded = {
        **scheduled,
        "held_on": None,
        "cancelled": False,
        "change_note": "",
        "attendees": "",
        "status": "",
        "progress_summary": "",
        "blockers": "",
        "decisions": "",
        "recorded_by": None,
        "created_at": created,
        "updated_at": created,
    }
    if ended >= world.now:
        return unrecorded, None
    recent = slot > world.now - datetime.timedelta(days=RECENT_DAYS)
    chance = rng.random()
    if not closed and recent and chance < 0.35:
        return unrecorded, None  # overdue: not recorded yet
    if chance > 0.96:
        note = "Moved: public holiday at the vendor."
        return {**unrecorded, "cancelled": True, "change_note": note, "updated_at": ended}, None
    held_on = slot.astimezone(zoneinfo.ZoneInfo(plan.time_zone)).date()
    colour = rng.random() + engagement.quality - 0.3
    status = RagStatus.GREEN if colour < 0.7 else RagStatus.AMBER if colour < 1.0 else RagStatus.RED
    row = {
        **scheduled,
        "held_on": held_on,
        "cancelled": False,
        "change_note": "",
        "attendees": "Owner, service delivery manager, team lead",
        "status": status,
        "progress_summary": "On track against the plan; volumes as forecast.",
        "blockers": "" if status == RagStatus.GREEN else "Staffing short on the late shift.",
        "decisions": "",
        "recorded_by": engagement.owner_id,
        "created_at": created,
        "updated_at": ended,
    }
    if rng.random() > 0.12:
        return row, None
    due = held_on + datetime.timedelta(days=rng.choice((7, 14, 21)))
    done = None
    if due < world.today - datetime.timedelta(days=3) and (closed or rng.random() < 0.9):
        done = min(due, world.today)
    action = {
        "checkin": number,
        "description": rng.choice(ACTIONS),
        "owner": rng.choice(engagement.owners),
        "owner_name": "",
        "due_date": due,
        "done_on": done,
        "resolution": "",
        "created_at": ended,
        "updated_at": ended,
    }
    return row, action
