"""Step 3 pages: engagement list, overview with milestones, check-ins tab, reviews tab."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from engagements.forms.communication import (
    ActionItemFormSet,
    CheckInRecordForm,
    CommunicationPlanForm,
    CoOwnerAddForm,
    CoOwnerRemoveForm,
    EngagementFilterForm,
    EscalationLevelFormSet,
    ManualReviewForm,
    MilestoneForm,
    OwnerTransferForm,
    ReviewDecisionForm,
    UnscheduledCheckInForm,
)
from engagements.forms.sourcing import person_name
from engagements.models import (
    ActionItem,
    CheckIn,
    CommunicationPlan,
    Contract,
    Engagement,
    Milestone,
    PerformanceReview,
)
from engagements.permissions import can_change, can_read, is_admin, is_manager, require
from engagements.services.communication import (
    complete_action_item,
    decide_review,
    schedule_plan_checkins,
)
from engagements.views.history import engagement_history

PAGE_SIZE = 25
RECENT_CHECKINS = 12


def signed_in(request: HttpRequest) -> Any:
    """The signed-in user; login_required has ruled out the anonymous one."""
    return request.user


@login_required
@require_safe
def engagement_list(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    filters = EngagementFilterForm(request.GET or None)
    engagements = filters.filter(Engagement.objects.select_related("vendor", "owner"))
    page = Paginator(engagements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagements/communication/engagement_list.html",
        {"page": page, "filters": filters},
    )


@login_required
@require_safe
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read(request.user))
    engagement = get_object_or_404(
        Engagement.objects.select_related(
            "vendor", "owner", "candidate", "selection__awarded_proposal"
        ).prefetch_related("co_owners", "vendor_contacts", "milestones"),
        pk=pk,
    )
    contract = Contract.objects.filter(engagement=engagement).first()
    today = timezone.localdate()
    days_left = (contract.notice_deadline - today).days if contract else None
    return render(
        request,
        "engagements/communication/engagement_detail.html",
        {
            "engagement": engagement,
            "contract": contract,
            "notice_days_left": days_left,
            "notice_days_ago": -days_left if days_left is not None and days_left < 0 else None,
            "milestones": [(m, m.is_overdue(today)) for m in engagement.milestones.all()],
            "can_edit": can_change(request.user, engagement),
            "can_manage_owners": may_manage_co_owners(request.user, engagement),
            "history": engagement_history(engagement),
            "active_tab": "overview",
        },
    )


# --- the communication tab: plan, check-ins, action items ------------------------


def _engagement(pk: int) -> Engagement:
    return get_object_or_404(Engagement.objects.select_related("vendor", "owner"), pk=pk)


def _tab(name: str, engagement: Engagement, anchor: str = "") -> HttpResponse:
    url = reverse(f"engagements:{name}", args=[engagement.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


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
    require(can_read(request.user))
    engagement = _engagement(pk)
    now = timezone.now()
    today = timezone.localdate()
    plan = (
        CommunicationPlan.objects.filter(engagement=engagement)
        .prefetch_related("escalation_levels")
        .first()
    )
    unrecorded = list(
        CheckIn.objects.filter(engagement=engagement).unrecorded().order_by("scheduled_for")
    )
    overdue = [c for c in unrecorded if c.is_overdue(now)]
    scheduled = [c for c in unrecorded if not c.is_overdue(now)]
    scheduled_times = {c.scheduled_for for c in scheduled}
    # From the cadence: the next meetings, whether the nightly job has made them yet or not.
    upcoming = (
        [
            (moment, moment in scheduled_times)
            for moment in plan.next_checkins(now, count=5)
            if engagement.end_date is None or moment.date() <= engagement.end_date
        ]
        if plan
        else []
    )
    recorded = list(
        CheckIn.objects.filter(engagement=engagement, held_on__isnull=False)
        .select_related("recorded_by")
        .annotate(action_count=Count("action_items"))
        .order_by("-held_on", "-scheduled_for")[:RECENT_CHECKINS]
    )
    open_items = [
        (item, item.due_date < today)
        for item in ActionItem.objects.filter(checkin__engagement=engagement, done_on__isnull=True)
        .select_related("owner", "checkin")
        .order_by("due_date", "pk")
    ]
    return render(
        request,
        "engagements/communication/engagement_communication.html",
        {
            "engagement": engagement,
            "plan": plan,
            "overdue": overdue,
            "scheduled": scheduled,
            "upcoming": upcoming,
            "recorded": recorded,
            "open_items": open_items,
            # Meeting times read in the plan's time zone, the one the meeting is set in.
            "meeting_time_zone": plan.time_zone if plan else timezone.get_current_timezone_name(),
            "can_edit": can_change(request.user, engagement),
            "active_tab": "communication",
        },
    )


@login_required
def communication_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    require(can_change(request.user, engagement))
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
        return _tab("engagement_communication", engagement, "plan")
    return render(
        request,
        "engagements/communication/plan_form.html",
        {
            "engagement": engagement,
            "form": form,
            "levels": levels,
            "is_new": is_new,
            "active_tab": "communication",
        },
    )


@login_required
def checkin_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    require(can_change(request.user, engagement))
    form = UnscheduledCheckInForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        checkin = CheckIn.objects.create(
            engagement=engagement, scheduled_for=form.cleaned_data["scheduled_for"]
        )
        when = timezone.localtime(checkin.scheduled_for)
        messages.success(request, f"Extra check-in added for {when:%-d %b %Y, %H:%M}.")
        if checkin.scheduled_for <= timezone.now():
            return redirect("engagements:checkin_record", pk=engagement.pk, checkin_pk=checkin.pk)
        return _tab("engagement_communication", engagement, "scheduled")
    return render(
        request,
        "engagements/communication/checkin_new.html",
        {"engagement": engagement, "form": form, "active_tab": "communication"},
    )


@login_required
def checkin_record(request: HttpRequest, pk: int, checkin_pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    checkin = get_object_or_404(CheckIn, pk=checkin_pk, engagement=engagement)
    require(can_change(request.user, engagement))
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
        return _tab("engagement_communication", engagement, "history")
    return render(
        request,
        "engagements/communication/checkin_form.html",
        {
            "engagement": engagement,
            "checkin": checkin,
            "meeting_time_zone": _meeting_time_zone(engagement),
            "was_recorded": was_recorded,
            "form": form,
            "items": items,
            "active_tab": "communication",
        },
    )


@login_required
@require_POST
def action_item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    item = get_object_or_404(ActionItem, pk=item_pk, checkin__engagement=engagement)
    require(can_change(request.user, engagement))
    if complete_action_item(item=item, on=timezone.localdate()):
        messages.success(request, f"“{item.description}” marked done.")
    else:
        messages.info(request, f"“{item.description}” was already done.")
    return _tab("engagement_communication", engagement, "actions")


# --- milestones on the overview tab ------------------------------------------------


@login_required
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    require(can_change(request.user, engagement))
    form = MilestoneForm(
        request.POST or None,
        instance=Milestone(engagement=engagement),
        today=timezone.localdate(),
    )
    if request.method == "POST" and form.is_valid():
        milestone = form.save()
        messages.success(request, f"Milestone “{milestone}” added.")
        return _tab("engagement_detail", engagement, "milestones")
    return render(
        request,
        "engagements/communication/milestone_form.html",
        {"engagement": engagement, "form": form, "active_tab": "overview"},
    )


@login_required
def milestone_update(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, engagement=engagement)
    require(can_change(request.user, engagement))
    form = MilestoneForm(request.POST or None, instance=milestone, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Milestone “{milestone}” saved.")
        return _tab("engagement_detail", engagement, "milestones")
    return render(
        request,
        "engagements/communication/milestone_form.html",
        {"engagement": engagement, "form": form, "milestone": milestone, "active_tab": "overview"},
    )


@login_required
@require_POST
def milestone_complete(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, engagement=engagement)
    require(can_change(request.user, engagement))
    if Milestone.objects.filter(pk=milestone.pk, completed_on__isnull=True).update(
        completed_on=timezone.localdate(), updated_at=timezone.now()
    ):
        messages.success(request, f"Milestone “{milestone}” completed.")
    else:
        messages.info(request, f"Milestone “{milestone}” was already completed.")
    return _tab("engagement_detail", engagement, "milestones")


# --- the reviews tab ------------------------------------------------------------------


@login_required
@require_safe
def engagement_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read(request.user))
    engagement = _engagement(pk)
    reviews = list(
        PerformanceReview.objects.filter(engagement=engagement)
        .select_related("kpi", "scorecard", "decided_by")
        .order_by("-created_at", "-pk")
    )
    decided = sorted(
        (r for r in reviews if not r.is_open),
        key=lambda r: r.decided_at or r.created_at,
        reverse=True,
    )
    return render(
        request,
        "engagements/communication/engagement_reviews.html",
        {
            "engagement": engagement,
            "open_reviews": [r for r in reviews if r.is_open],
            "decided_reviews": decided,
            "can_edit": can_change(request.user, engagement),
            "active_tab": "reviews",
        },
    )


@login_required
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    require(can_change(request.user, engagement))
    form = ManualReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        PerformanceReview.objects.create(
            engagement=engagement,
            trigger=PerformanceReview.Trigger.MANUAL,
            summary=form.cleaned_data["summary"],
        )
        messages.success(request, "Review opened. Decide it once you have talked it through.")
        return _tab("engagement_reviews", engagement, "open")
    return render(
        request,
        "engagements/communication/review_form.html",
        {"engagement": engagement, "form": form, "active_tab": "reviews"},
    )


@login_required
def review_decide(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    engagement = _engagement(pk)
    review = get_object_or_404(
        PerformanceReview.objects.select_related("kpi", "scorecard"),
        pk=review_pk,
        engagement=engagement,
    )
    require(can_change(request.user, engagement))
    if not review.is_open:
        messages.info(request, "This review is decided already.")
        return _tab("engagement_reviews", engagement, f"review-{review.pk}")
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if decide_review(
            review=review,
            decision=form.cleaned_data["decision"],
            notes=form.cleaned_data["decision_notes"],
            by=signed_in(request),
        ):
            messages.success(request, f"Decision recorded: {review.get_decision_display()}.")
        else:
            messages.info(request, "Someone decided this review a moment ago.")
        return _tab("engagement_reviews", engagement, f"review-{review.pk}")
    return render(
        request,
        "engagements/communication/review_decide.html",
        {"engagement": engagement, "review": review, "form": form, "active_tab": "reviews"},
    )


# --- owner and co-owners, reached from the overview ---------------------------------


def may_manage_co_owners(user: Any, engagement: Engagement) -> bool:
    """The owner and admins add and remove co-owners; co-owners themselves do not."""
    return is_admin(user) or (is_manager(user) and engagement.owner_id == user.pk)


@login_required
def engagement_owners(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read(request.user))
    engagement = _engagement(pk)
    may_manage = may_manage_co_owners(request.user, engagement)
    may_transfer = is_admin(request.user)
    action = request.POST.get("action", "") if request.method == "POST" else None
    if action is not None:
        require(may_transfer if action == "transfer" else may_manage)

    def form_for(name: str, form_class: Any) -> Any:
        return form_class(request.POST if action == name else None, engagement=engagement)

    add_form = form_for("add", CoOwnerAddForm)
    remove_form = form_for("remove", CoOwnerRemoveForm)
    transfer_form = form_for("transfer", OwnerTransferForm)
    if action == "add" and add_form.is_valid():
        person = add_form.cleaned_data["user"]
        engagement.co_owners.add(person)
        messages.success(request, f"{person_name(person)} now co-owns this engagement.")
        return redirect("engagements:engagement_owners", pk=engagement.pk)
    if action == "remove" and remove_form.is_valid():
        person = remove_form.cleaned_data["user"]
        engagement.co_owners.remove(person)
        messages.success(request, f"{person_name(person)} no longer co-owns this engagement.")
        return redirect("engagements:engagement_owners", pk=engagement.pk)
    if action == "transfer" and transfer_form.is_valid():
        previous = engagement.owner
        keep = transfer_form.cleaned_data["keep_previous"]
        new_owner = transfer_form.cleaned_data["owner"]
        transfer_engagement(engagement, to=new_owner, keep_previous=keep)
        stays = (
            f" {person_name(previous)} stays on as a co-owner."
            if keep
            else f" {person_name(previous)} no longer owns it."
        )
        messages.success(request, f"{person_name(new_owner)} now owns this engagement.{stays}")
        return redirect("engagements:engagement_owners", pk=engagement.pk)
    if action not in (None, "add", "remove", "transfer"):
        messages.error(request, "Nothing was changed: choose to add, remove or hand over.")
    co_owners = list(engagement.co_owners.order_by("first_name", "last_name", "username"))
    return render(
        request,
        "engagements/communication/engagement_owners.html",
        {
            "engagement": engagement,
            "co_owners": co_owners,
            "may_manage": may_manage,
            "may_transfer": may_transfer,
            "add_form": add_form,
            "remove_form": remove_form,
            "transfer_form": transfer_form,
            "active_tab": "overview",
        },
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
