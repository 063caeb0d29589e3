"""Step 3 of a story file: the communication plan, the check-ins its cadence brought and
what was said at them, and the action items agreed there.

A story's `[checkins]` table gives the span of history and who recorded it; its phases
(first match wins) say how each check-in went:

- `indexes = [3]`: the check-ins at these places in the history (0 the first);
- `first = 3`: the first three;
- `before = "month-8m"`: those held before that day;
- `last_before = "today"`: the last one held before that day;
- no condition: every other one.

A phase records the check-in with its status and texts, `cancelled = true` cancels it,
`recorded = false` leaves it unrecorded (overdue, once its time has passed).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.forms.models import model_to_dict

from engagements.forms.communication import CheckInRecordForm, CommunicationPlanForm
from engagements.models import ActionItem, CheckIn, CommunicationPlan, Engagement, EscalationLevel

from .dates import Story
from .helpers import ensure, submitted

# A check-in history is dated before the moment the story is told, never at it: a
# check-in at that very moment is still to come.
JUST_BEFORE = datetime.timedelta(microseconds=1)


def ensure_plan(engagement: Engagement, spec: dict[str, Any], story: Story) -> CommunicationPlan:
    """The plan, saved through the plan page's form, and its escalation path."""
    plan = CommunicationPlan.objects.filter(engagement=engagement).first()
    if plan is None:
        plan = CommunicationPlan(engagement=engagement)
        data = {**model_to_dict(plan), **story.fields(CommunicationPlan, spec)}
        plan = submitted(CommunicationPlanForm(data, instance=plan)).save()
    for level, row in enumerate(spec.get("escalation", []), start=1):
        ensure(EscalationLevel, plan=plan, level=level, defaults=story.fields(EscalationLevel, row))
    return plan


def local_day(plan: CommunicationPlan, checkin: CheckIn) -> datetime.date:
    """The day a check-in is held on, where it is held."""
    return checkin.scheduled_for.astimezone(zoneinfo.ZoneInfo(plan.time_zone)).date()


def record_checkins(plan: CommunicationPlan, spec: dict[str, Any], story: Story) -> list[CheckIn]:
    """The check-ins from `since` to `until`, as the plan's cadence generates them; those
    this run generated are recorded as the phases tell. Returned in order."""
    since, until = story.moment(spec["since"]), story.moment(spec["until"])
    history = CheckIn.objects.filter(
        engagement=plan.engagement, scheduled_for__gt=since, scheduled_for__lt=until
    )
    earlier = set(history.values_list("pk", flat=True))
    plan.schedule_checkins(now=since, until=until - JUST_BEFORE)
    checkins = list(history.order_by("scheduled_for"))
    days = [local_day(plan, checkin) for checkin in checkins]

    def last_before(expression: str) -> int | None:
        day = story.day(expression)
        return max((i for i, held in enumerate(days) if held < day), default=None)

    recorded_by = story.person(spec["recorded_by"])
    for index, checkin in enumerate(checkins):
        if checkin.pk in earlier:
            continue  # told by an earlier run, or since changed by someone
        phase = phase_of(spec["phase"], index, days[index], story, last_before)
        if phase.get("recorded", True):
            tell(
                checkin, days[index], {"attendees": spec["attendees"], **phase}, story, recorded_by
            )
    return checkins


def phase_of(
    phases: list[dict[str, Any]],
    index: int,
    day: datetime.date,
    story: Story,
    last_before: Callable[[str], int | None],
) -> dict[str, Any]:
    for phase in phases:
        if "indexes" in phase and index not in phase["indexes"]:
            continue
        if "first" in phase and index >= phase["first"]:
            continue
        if "before" in phase and day >= story.day(phase["before"]):
            continue
        if "last_before" in phase and index != last_before(phase["last_before"]):
            continue
        return phase
    return {"recorded": False}


def tell(
    checkin: CheckIn, day: datetime.date, phase: dict[str, Any], story: Story, by: Any
) -> None:
    """Record the check-in through the check-in page's form; a cancelled one, as the admin
    page cancels it, keeps only why."""
    fields = story.fields(CheckIn, phase)
    if phase.get("cancelled"):
        checkin.cancelled = True
        checkin.progress_summary = fields["progress_summary"]
        checkin.save(update_fields=["cancelled", "progress_summary", "updated_at"])
        return
    form = submitted(
        CheckInRecordForm({"held_on": day, **fields}, instance=checkin, today=story.today)
    )
    recorded = form.save(commit=False)
    recorded.recorded_by = by
    recorded.save()


def ensure_actions(
    plan: CommunicationPlan,
    checkins: list[CheckIn],
    specs: list[dict[str, Any]],
    story: Story,
) -> None:
    """Action items at the check-ins they were agreed at: `checkin` is a place in the
    history (0 the first, -1 the last), "first red" (amber, green) or "last recorded".
    Their dates may count from that check-in's day (`checkin+7d`)."""
    for spec in specs:
        checkin = agreed_at(checkins, spec["checkin"])
        if checkin is None:
            continue  # a history too short for it
        ensure(
            ActionItem,
            checkin=checkin,
            description=spec["description"],
            defaults=story.fields(ActionItem, spec, checkin=local_day(plan, checkin)),
        )


def agreed_at(checkins: list[CheckIn], where: int | str) -> CheckIn | None:
    if isinstance(where, int):
        return checkins[where] if -len(checkins) <= where < len(checkins) else None
    if where == "last recorded":
        return next((c for c in reversed(checkins) if c.held_on), None)
    status = where.removeprefix("first ")
    return next((c for c in checkins if c.status == status), None)
