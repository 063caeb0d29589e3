"""The engagement itself: the list, the overview with its milestones, owners and co-owners,
its terms and its contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import ModelForm
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from engagements.exports import ENGAGEMENT_COLUMNS
from engagements.filters import EngagementFilter
from engagements.forms.communication import (
    CoOwnerAddForm,
    CoOwnerRemoveForm,
    MilestoneForm,
    OwnerTransferForm,
)
from engagements.forms.engagement import (
    AmendmentForm,
    ContractForm,
    EngagementTermsForm,
    NoticeForm,
)
from engagements.forms.sourcing import person_name
from engagements.models import (
    Amendment,
    Contract,
    Engagement,
    Milestone,
)
from engagements.permissions import can_change, can_read, is_admin, is_manager, require
from engagements.selectors.credits import credit_totals, credits_of
from engagements.selectors.history import contract_versions, engagement_history
from engagements.services.engagement import complete_milestone, give_notice, transfer_engagement
from engagements.services.monitoring.credits import refresh_engagement_credits
from engagements.services.sourcing import DEFAULT_TERM
from engagements.views.common import (
    engagement_or_404,
    engagement_row_to_change,
    engagement_to_change,
    engagement_to_read,
    render_tab,
    signed_in,
    to_tab,
)
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import page_of
from outsourcing.typeahead import Search, search_view
from outsourcing.uploads import private_download
from outsourcing.versions import saves_atomically


@login_required
@require_safe
def engagement_list(request: HttpRequest) -> HttpResponseBase:
    require(can_read(request.user))
    filters = EngagementFilter(
        request.GET, queryset=Engagement.objects.select_related("vendor", "owner"), request=request
    )
    if file_format := export_format(request):
        rows = queryset_rows(filters.qs)
        return export_response(file_format, "engagements", ENGAGEMENT_COLUMNS, rows)
    # Sorted and counted by id, then read whole: the owner and vendor joins stay off the sort.
    page = page_of(request, filters.qs, narrow=True)
    return render(
        request,
        "engagements/communication/engagement_list.html",
        {"page": page, "filters": filters},
    )


def engagement_label(engagement: Engagement) -> str:
    return f"{engagement.title} ({engagement.vendor})"


# The type-ahead behind an engagement choice (outsourcing/typeahead.py): by title or vendor.
engagement_search = search_view(
    Search(
        rows=lambda among: Engagement.objects.select_related("vendor").order_by("title", "pk"),
        fields=("title", "vendor__legal_name"),
        label=engagement_label,
        none_found="No engagement matches “{q}”",
    )
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
    contract = (
        Contract.objects.filter(engagement=engagement).select_related("notice_given_by").first()
    )
    today = timezone.localdate()
    # Once notice is given the deadline asks nothing more: no countdown.
    days_left = (
        (contract.notice_deadline - today).days
        if contract is not None and not contract.notice_given
        else None
    )
    return render_tab(
        request,
        "engagements/communication/engagement_detail.html",
        engagement,
        "overview",
        contract=contract,
        notice_days_left=days_left,
        notice_days_ago=-days_left if days_left is not None and days_left < 0 else None,
        amendments=list(contract.amendments.select_related("recorded_by")) if contract else [],
        credits=credit_totals(credits_of([engagement.pk])) if contract else None,
        renewal_decision=(
            contract.renewal_decisions.select_related("decided_by").first() if contract else None
        ),
        milestones=[(m, m.is_overdue(today)) for m in engagement.milestones.all()],
        can_edit=can_change(request.user, engagement),
        can_manage_owners=may_manage_co_owners(request.user, engagement),
        history=engagement_history(engagement),
    )


# --- the terms and the contract, shown on the overview ------------------------------


def _overview_part_page(
    request: HttpRequest,
    engagement: Engagement,
    form: ModelForm[Any],
    template: str,
    *,
    anchor: str,
    saved: str,
    after_save: Callable[[ModelForm[Any]], None] | None = None,
    **context: Any,
) -> HttpResponse:
    """A part of the overview edited on a page of its own (the terms, the contract): saved
    when new or changed, and back to that part of the overview."""
    if request.method == "POST" and form.is_valid():
        if form.instance._state.adding or form.has_changed():
            form.save()
            if after_save is not None:
                after_save(form)
            messages.success(request, saved)
        else:
            messages.info(request, "Nothing was changed.")
        return to_tab("engagement_detail", engagement, anchor)
    return render_tab(request, template, engagement, "overview", form=form, **context)


@login_required
@require_http_methods(["GET", "POST"])
@saves_atomically
def engagement_terms(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    # The form changes its own copy: a refused post must not show unsaved values in the
    # page's header (the status badge) as if they were kept.
    form = EngagementTermsForm(
        request.POST or None, instance=Engagement.objects.get(pk=engagement.pk)
    )
    return _overview_part_page(
        request,
        engagement,
        form,
        "engagements/communication/engagement_terms.html",
        anchor="overview",
        saved="Scope, deliverables, budget and status saved.",
    )


def contract_or_new(engagement: Engagement) -> Contract:
    """The engagement's contract; without one, a new one starting from the engagement's terms."""
    contract = Contract.objects.filter(engagement=engagement).first()
    if contract is not None:
        return contract
    return Contract(
        engagement=engagement,
        value=engagement.budget,
        currency=engagement.currency,
        start_date=engagement.start_date,
        # As the award does: an open-ended engagement gets the usual term to confirm.
        end_date=engagement.end_date or engagement.start_date + DEFAULT_TERM,
    )


@login_required
@require_http_methods(["GET", "POST"])
@saves_atomically
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    contract = contract_or_new(engagement)
    adding = contract._state.adding
    posted = request.method == "POST"
    form = ContractForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=contract,
        today=timezone.localdate(),
    )
    return _overview_part_page(
        request,
        engagement,
        form,
        "engagements/communication/contract_form.html",
        anchor="contract",
        saved="Contract recorded." if adding else "Contract saved.",
        after_save=_judge_credits_again,
        adding=adding,
    )


def _judge_credits_again(form: ModelForm[Any]) -> None:
    """Credits given as a share of the fee follow the contract's fee and currency."""
    if {"monthly_fee", "currency"} & set(form.changed_data):
        refresh_engagement_credits(form.instance.engagement)


@login_required
@require_safe
def contract_document(request: HttpRequest, pk: int) -> FileResponse:
    """The signed contract as a download, for anyone who may read the engagement."""
    return private_download(
        request, Contract.objects.all(), fallback=_contract_name, engagement_id=pk
    )


def _contract_name(contract: Contract) -> str:
    return contract.reference or "Contract"


def contract_to_change(request: HttpRequest, pk: int) -> tuple[Engagement, Contract]:
    """The engagement and its contract, for a page that changes the contract: 404 when
    there is no contract yet, then 403 unless the user may change the engagement."""
    engagement = engagement_or_404(pk)
    contract = get_object_or_404(Contract, engagement=engagement)
    require(can_change(request.user, engagement))
    return engagement, contract


@login_required
@require_safe
def contract_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of the contract's terms, with what changed between them."""
    engagement = engagement_to_read(request, pk)
    contract = get_object_or_404(Contract, engagement=engagement)
    return render_tab(
        request,
        "engagements/communication/contract_history.html",
        engagement,
        "overview",
        contract=contract,
        versions=contract_versions(contract),
    )


@login_required
@require_http_methods(["GET", "POST"])
def amendment_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement, contract = contract_to_change(request, pk)
    amendment = Amendment(contract=contract, recorded_by=signed_in(request))
    posted = request.method == "POST"
    form = AmendmentForm(
        request.POST if posted else None, request.FILES if posted else None, instance=amendment
    )
    if posted and form.is_valid():
        form.save()
        messages.success(request, f"Amendment “{amendment}” recorded.")
        return to_tab("engagement_detail", engagement, "amendments")
    return render_tab(
        request,
        "engagements/communication/amendment_form.html",
        engagement,
        "overview",
        form=form,
        contract=contract,
    )


@login_required
@require_safe
def amendment_document(request: HttpRequest, pk: int, amendment_pk: int) -> FileResponse:
    """An amendment's signed document, for anyone who may read the engagement."""
    return private_download(
        request,
        Amendment.objects.all(),
        fallback=str,
        pk=amendment_pk,
        contract__engagement_id=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Give notice on the contract: record when, by whom and why; it stops the roll."""
    engagement, contract = contract_to_change(request, pk)
    if contract.notice_given:
        messages.info(request, f"Notice was already given on {contract.notice_given_on:%-d %b %Y}.")
        return to_tab("engagement_detail", engagement, "contract")
    today = timezone.localdate()
    form = NoticeForm(request.POST or None, contract=contract, today=today)
    if request.method == "POST" and form.is_valid():
        given = give_notice(
            contract=contract,
            on=form.cleaned_data["given_on"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
        if given:
            messages.success(
                request,
                "Notice recorded. The contract no longer renews, and its notice deadline "
                "leaves the reminders.",
            )
        else:
            messages.info(request, "Notice had already been given; nothing was changed.")
        return to_tab("engagement_detail", engagement, "contract")
    return render_tab(
        request,
        "engagements/communication/contract_notice.html",
        engagement,
        "overview",
        form=form,
        contract=contract,
    )


# --- milestones on the overview tab ------------------------------------------------


def _milestone_page(
    request: HttpRequest, engagement: Engagement, milestone: Milestone
) -> HttpResponse:
    """A milestone's form, new or to edit; once saved, back to the overview's milestones."""
    adding = milestone._state.adding
    form = MilestoneForm(request.POST or None, instance=milestone, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Milestone “{milestone}” {'added' if adding else 'saved'}.")
        return to_tab("engagement_detail", engagement, "milestones")
    return render_tab(
        request,
        "engagements/communication/milestone_form.html",
        engagement,
        "overview",
        form=form,
        milestone=None if adding else milestone,
    )


@login_required
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    return _milestone_page(request, engagement, Milestone(engagement=engagement))


@login_required
@saves_atomically
def milestone_update(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement, milestone = engagement_row_to_change(request, pk, Milestone, milestone_pk)
    return _milestone_page(request, engagement, milestone)


@login_required
@require_POST
def milestone_complete(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement, milestone = engagement_row_to_change(request, pk, Milestone, milestone_pk)
    if complete_milestone(milestone):
        messages.success(request, f"Milestone “{milestone}” completed.")
    else:
        messages.info(request, f"Milestone “{milestone}” was already completed.")
    return to_tab("engagement_detail", engagement, "milestones")


# --- owner and co-owners, reached from the overview ---------------------------------


def may_manage_co_owners(user: Any, engagement: Engagement) -> bool:
    """The owner and admins add and remove co-owners; co-owners themselves do not."""
    return is_admin(user) or (is_manager(user) and engagement.owner_id == user.pk)


@login_required
def engagement_owners(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_read(request, pk)
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
    return render_tab(
        request,
        "engagements/communication/engagement_owners.html",
        engagement,
        "overview",
        co_owners=co_owners,
        may_manage=may_manage,
        may_transfer=may_transfer,
        add_form=add_form,
        remove_form=remove_form,
        transfer_form=transfer_form,
    )
