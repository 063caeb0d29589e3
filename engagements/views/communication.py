"""Step 3 pages: the communication tab – the plan, check-ins and action items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from engagements.forms.communication import (
    MAX_ACTION_ITEMS,
    ActionItemForm,
    ActionItemFormSet,
    CheckInChangeForm,
    CheckInRecordForm,
    CommunicationPlanForm,
    EscalationLevelFormSet,
    UnscheduledCheckInForm,
)
from engagements.models import (
    ActionItem,
    CheckIn,
    CommunicationPlan,
    Engagement,
)
from engagements.permissions import can_change
from engagements.services.communication import (
    cancel_checkin,
    complete_action_item,
    move_checkin,
    schedule_plan_checkins,
)
from engagements.views.common import (
    engagement_row_to_change,
    engagement_to_change,
    engagement_to_read,
    render_tab,
    signed_in,
    to_tab,
)
from outsourcing.lists import page_of
from outsourcing.versions import saves_atomically

RECENT_CHECKINS = 12


# --- the communication tab: plan, check-ins, action items ------------------------


def _meeting_time_zone(engagement: Engagement) -> str:
    """The plan's time zone, the one meetings are set in; the site's without a plan."""
    plan_zone = (
        CommunicationPlan.objects.filter(engagement=engagement)
        .values_list("time_zone", flat=True)
        .first()
    )
    return plan_zone or timezone.get_current_timezone_name()


@login_required
@require_safe
def engagement_communication(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_read(request, pk)
    now = timezone.now()
    today = timezone.localdate()
    plan = (
        CommunicationPlan.objects.filter(engagement=engagement)
        .prefetch_related("escalation_levels")
        .first()
    )
    checkins = CheckIn.objects.filter(engagement=engagement)
    # Check-ins left unrecorded pile up for years; the latest few show, with how many
    # there are in all.
    overdue_count = checkins.overdue(now).count()
    overdue = list(checkins.overdue(now).order_by("-scheduled_for")[:RECENT_CHECKINS])
    overdue.reverse()
    scheduled = list(
        checkins.unrecorded()
        .filter(scheduled_for__gte=now)
        .order_by("scheduled_for")[:RECENT_CHECKINS]
    )
    scheduled_times = {c.scheduled_for for c in scheduled}
    called_off = list(checkins.filter(cancelled=True).order_by("-scheduled_for")[:RECENT_CHECKINS])
    called_off_times = {c.scheduled_for for c in called_off}
    # From the cadence: the next meetings, whether the nightly job has made them yet or not
    # (a live engagement's only; a slot called off stays off).
    upcoming = (
        [
            (moment, moment in scheduled_times)
            for moment in plan.next_checkins(now, count=5)
            if (engagement.end_date is None or moment.date() <= engagement.end_date)
            and moment not in called_off_times
        ]
        if plan and engagement.is_live
        else []
    )
    recorded = list(
        CheckIn.objects.filter(engagement=engagement, held_on__isnull=False)
        .select_related("recorded_by")
        .annotate(action_count=Count("action_items"))
        .order_by("-held_on", "-scheduled_for")[:RECENT_CHECKINS]
    )
    open_page = page_of(
        request,
        ActionItem.objects.filter(checkin__engagement=engagement, done_on__isnull=True)
        .select_related("owner", "checkin")
        .order_by("due_date", "pk"),
    )
    open_items = [(item, item.due_date < today) for item in open_page]
    return render_tab(
        request,
        "engagements/communication/engagement_communication.html",
        engagement,
        "communication",
        plan=plan,
        overdue=overdue,
        overdue_count=overdue_count,
        scheduled=scheduled,
        upcoming=upcoming,
        recorded=recorded,
        called_off=called_off,
        open_items=open_items,
        open_page=open_page,
        plan_zone=plan.time_zone if plan else "",
        can_edit=can_change(request.user, engagement),
    )


@login_required
@saves_atomically
def communication_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    plan = CommunicationPlan.objects.filter(engagement=engagement).first() or CommunicationPlan(
        engagement=engagement, starts_on=max(engagement.start_date, timezone.localdate())
    )
    is_new = plan.pk is None
    data = request.POST if request.method == "POST" else None
    form = CommunicationPlanForm(data, instance=plan)
    levels = EscalationLevelFormSet(data, instance=plan, prefix="levels")
    if request.method == "POST" and form.is_valid() and levels.is_valid():
        try:
            with transaction.atomic():
                plan = form.save()
                levels.instance = plan
                levels.save()
                created = schedule_plan_checkins(plan=plan)
        except IntegrityError:
            # Two saved levels swapping numbers collide row by row; the form cannot see that.
            messages.error(
                request,
                "Two levels cannot swap numbers in one save: give one a free number first.",
            )
            return redirect("engagements:communication_plan_edit", pk=engagement.pk)
        note = f" {created} check-in{pluralize(created)} scheduled." if created else ""
        messages.success(request, f"Communication plan {'created' if is_new else 'saved'}.{note}")
        return to_tab("engagement_communication", engagement, "plan")
    return render_tab(
        request,
        "engagements/communication/plan_form.html",
        engagement,
        "communication",
        form=form,
        levels=levels,
        is_new=is_new,
    )


@login_required
def checkin_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    form = UnscheduledCheckInForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        checkin = CheckIn.objects.create(
            engagement=engagement, scheduled_for=form.cleaned_data["scheduled_for"]
        )
        when = timezone.localtime(checkin.scheduled_for)
        messages.success(request, f"Extra check-in added for {when:%-d %b %Y, %H:%M}.")
        if checkin.scheduled_for <= timezone.now():
            return redirect("engagements:checkin_record", pk=engagement.pk, checkin_pk=checkin.pk)
        return to_tab("engagement_communication", engagement, "scheduled")
    return render_tab(
        request,
        "engagements/communication/checkin_new.html",
        engagement,
        "communication",
        form=form,
    )


@login_required
def checkin_change(request: HttpRequest, pk: int, checkin_pk: int) -> HttpResponse:
    """Cancel a check-in or move it to another time, with a reason everyone can read."""
    engagement, checkin = engagement_row_to_change(request, pk, CheckIn, checkin_pk)
    if checkin.held_on is not None or checkin.cancelled:
        messages.info(request, "This check-in is recorded or cancelled already; it stays as it is.")
        return to_tab("engagement_communication", engagement)
    form = CheckInChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["what"] == "cancel":
                cancel_checkin(checkin=checkin, reason=reason)
                messages.success(request, "Check-in cancelled.")
            else:
                moved = move_checkin(checkin=checkin, to=form.cleaned_data["to"], reason=reason)
                when = timezone.localtime(moved.scheduled_for)
                messages.success(request, f"Check-in moved to {when:%-d %b %Y, %H:%M}.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return to_tab("engagement_communication", engagement, "scheduled")
    return render_tab(
        request,
        "engagements/communication/checkin_change.html",
        engagement,
        "communication",
        checkin=checkin,
        form=form,
        plan_zone=_meeting_time_zone(engagement),
    )


@login_required
@require_safe
def action_item_row(request: HttpRequest, pk: int, checkin_pk: int) -> HttpResponse:
    """htmx: one more empty action-item row for the check-in form ("Add another action")."""
    # The check-in is only looked up: the new row belongs to its form.
    engagement, _ = engagement_row_to_change(request, pk, CheckIn, checkin_pk)
    try:
        index = int(request.GET.get("items-TOTAL_FORMS", ""))
    except ValueError:
        return HttpResponseBadRequest("The form's row count is missing.")
    if not 0 <= index < MAX_ACTION_ITEMS:
        return HttpResponse(
            f'<li class="list-group-item text-body-secondary">A check-in holds at most '
            f"{MAX_ACTION_ITEMS} action items.</li>"
        )
    item = ActionItemForm(prefix=f"items-{index}", use_required_attribute=False)
    return render(
        request,
        "engagements/communication/_action_item_more.html",
        {"item": item, "total": index + 1},
    )


@login_required
@saves_atomically
def checkin_record(request: HttpRequest, pk: int, checkin_pk: int) -> HttpResponse:
    engagement, checkin = engagement_row_to_change(request, pk, CheckIn, checkin_pk)
    # Read before validation: a bound model form writes the posted values onto its instance.
    was_recorded = checkin.held_on is not None
    data = request.POST if request.method == "POST" else None
    today = timezone.localdate()
    form = CheckInRecordForm(data, instance=checkin, today=today)
    items = ActionItemFormSet(
        data,
        instance=checkin,
        prefix="items",
        queryset=checkin.action_items.select_related("owner"),
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        with transaction.atomic():
            checkin = form.save(commit=False)
            checkin.recorded_by = signed_in(request)
            checkin.cancelled = False
            checkin.save()
            saved = items.save()
        added = f" with {len(saved)} action item{pluralize(len(saved))}" if saved else ""
        verb = "updated" if was_recorded else "recorded"
        messages.success(request, f"Check-in of {checkin.held_on:%-d %b %Y} {verb}{added}.")
        return to_tab("engagement_communication", engagement, "history")
    return render_tab(
        request,
        "engagements/communication/checkin_form.html",
        engagement,
        "communication",
        checkin=checkin,
        meeting_time_zone=_meeting_time_zone(engagement),
        was_recorded=was_recorded,
        form=form,
        items=items,
    )


@login_required
@require_POST
def action_item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    engagement, item = engagement_row_to_change(
        request, pk, ActionItem, item_pk, via="checkin__engagement"
    )
    if complete_action_item(item=item, on=timezone.localdate()):
        messages.success(request, f"“{item.description}” marked done.")
    else:
        messages.info(request, f"“{item.description}” was already done.")
    return to_tab("engagement_communication", engagement, "actions")
