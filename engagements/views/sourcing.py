"""Step 2 pages: selections, shortlist and proposals, criteria and evaluators."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from engagements.exports import SELECTION_COLUMNS
from engagements.filters import SelectionFilter, ShortlistFilter
from engagements.forms.evaluation import InviteEvaluatorForm
from engagements.forms.sourcing import (
    AttachmentForm,
    CriterionFormSet,
    ProposalForm,
    SelectionForm,
    ShortlistForm,
    plain_number,
)
from engagements.models import (
    Candidate,
    Engagement,
    Evaluator,
    Proposal,
    ProposalAttachment,
    Score,
    Selection,
)
from engagements.permissions import (
    can_change,
    can_create,
    can_read,
    can_score,
    require,
)
from engagements.selectors.sourcing import with_exchange_rates, yearly_price
from engagements.services.sourcing import (
    CLOSED_STATUSES,
    selection_in_progress,
    start_selection,
)
from engagements.views.common import selection_or_404, selection_to_change, signed_in, to_selection
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import page_of
from outsourcing.text import is_whole_number
from outsourcing.uploads import private_download
from outsourcing.versions import RowVersion, saves_atomically
from vendors.models import Vendor

RowT = TypeVar("RowT", bound=Model)

IN_PROGRESS = (Selection.Status.DRAFT, Selection.Status.OPEN, Selection.Status.EVALUATING)


def _refuse_if_closed(request: HttpRequest, selection: Selection, what: str) -> bool:
    """Tell the user and return True when an awarded or cancelled selection cannot change."""
    if selection.status not in CLOSED_STATUSES:
        return False
    messages.error(
        request,
        f"This selection is {selection.get_status_display().lower()}; "
        f"its {what} can no longer change.",
    )
    return True


def _posted_row(request: HttpRequest, name: str, rows: QuerySet[RowT]) -> RowT | None:
    """The row a button posted the id of (e.g. remove=12); None when that row is not among
    `rows` (a double click or another tab removed it first). Not an id at all is a 404."""
    value = request.POST.get(name, "")
    if not is_whole_number(value):
        raise Http404
    return rows.filter(pk=int(value)).first()


def _candidate_url(candidate: Candidate) -> str:
    return reverse("engagements:candidate_detail", args=[candidate.pk])


# --- list and detail ------------------------------------------------------------


@login_required
@require_safe
def selection_list(request: HttpRequest) -> HttpResponseBase:
    require(can_read(request.user))
    selections = Selection.objects.select_related("candidate", "owner").annotate(
        proposal_count=Count("proposals", distinct=True),
        evaluator_count=Count("evaluators", distinct=True),
        submitted_count=Count(
            "evaluators", filter=Q(evaluators__submitted_at__isnull=False), distinct=True
        ),
    )
    filters = SelectionFilter(request.GET, queryset=selections, request=request)
    if file_format := export_format(request):
        rows = queryset_rows(filters.qs)
        return export_response(file_format, "selections", SELECTION_COLUMNS, rows)
    page = page_of(request, filters.qs)
    waiting_for_me = (
        Evaluator.objects.filter(
            user=signed_in(request),
            submitted_at__isnull=True,
            selection__status__in=[Selection.Status.OPEN, Selection.Status.EVALUATING],
        )
        .select_related("selection")
        .order_by("selection__deadline")
    )
    ready: QuerySet[Candidate] = Candidate.objects.none()
    if can_create(request.user):
        ready = (
            Candidate.objects.ready_for_sourcing()
            .exclude(selections__status__in=IN_PROGRESS)
            .select_related("owner")
            .order_by("name")
        )
    return render(
        request,
        "engagements/sourcing/selection_list.html",
        {
            "page": page,
            "filters": filters,
            "waiting_for_me": list(waiting_for_me),
            "ready_candidates": list(ready[:10]),
        },
    )


@login_required
@require_safe
def selection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read(request.user))
    selection = selection_or_404(pk)
    proposals = list(
        with_exchange_rates(selection.proposals.select_related("vendor")).prefetch_related(
            Prefetch("attachments", queryset=ProposalAttachment.objects.order_by("uploaded_at"))
        )
    )
    for proposal in proposals:
        proposal.yearly_price = yearly_price(proposal)  # type: ignore[attr-defined]
    criteria = list(selection.criteria.all())
    weight_total = sum((c.weight for c in criteria), Decimal("0"))
    evaluators = list(selection.evaluators.select_related("user"))
    engagement = Engagement.objects.filter(selection=selection).first()
    return render(
        request,
        "engagements/sourcing/selection_detail.html",
        {
            "selection": selection,
            "proposals": proposals,
            "criteria": criteria,
            "weight_total": plain_number(weight_total),
            "weights_complete": weight_total == 100,
            "evaluators": evaluators,
            "submitted_count": sum(1 for e in evaluators if e.submitted_at),
            "my_invitation": next((e for e in evaluators if e.user_id == request.user.pk), None),
            "may_change": can_change(request.user, selection),
            "may_score": can_score(request.user, selection),
            "is_closed": selection.status in CLOSED_STATUSES,
            "engagement": engagement,
        },
    )


# --- starting and editing -------------------------------------------------------


@login_required
def selection_create(request: HttpRequest, candidate_pk: int) -> HttpResponse:
    require(can_create(request.user))
    candidate = get_object_or_404(Candidate, pk=candidate_pk)
    if not candidate.may_go_to_sourcing:
        messages.error(
            request,
            f"“{candidate}” is {candidate.get_status_display().lower()}. Only a candidate "
            "approved for sourcing can go to vendor selection.",
        )
        return redirect(_candidate_url(candidate))
    running = selection_in_progress(candidate)
    if running is not None:
        messages.info(request, f"“{candidate}” already has this selection in progress.")
        return to_selection(running)
    form = SelectionForm(
        request.POST or None,
        initial={
            "title": f"{candidate.name} – request for proposal",
            "requirements": candidate.description,
            "budget": candidate.quoted_vendor_yearly_cost,
            "currency": candidate.currency,
            "status": Selection.Status.OPEN,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            selection = start_selection(candidate=candidate, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_candidate_url(candidate))
        messages.success(
            request,
            f"Selection started with {selection.criteria.count()} criteria from the templates. "
            "Next: shortlist vendors.",
        )
        return to_selection(selection)
    return render(
        request,
        "engagements/sourcing/selection_form.html",
        {"form": form, "candidate": candidate, "selection": None},
    )


@login_required
@saves_atomically
def selection_update(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selection_to_change(request, pk)
    form = SelectionForm(request.POST or None, instance=selection)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Selection “{selection}” saved.")
        return to_selection(selection)
    return render(
        request,
        "engagements/sourcing/selection_form.html",
        {"form": form, "candidate": selection.candidate, "selection": selection},
    )


# --- shortlist and proposals ----------------------------------------------------


@login_required
def shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    """The shortlist, and one page of the vendors that may join it (searched and paged in
    the address); ticking some of the page's vendors adds them (a POST to the same page)."""
    selection = selection_to_change(request, pk)
    if _refuse_if_closed(request, selection, "shortlist"):
        return to_selection(selection, "proposals")
    filters = ShortlistFilter(request.GET, selection=selection, request=request)
    # Back to the same search and page after a change.
    here = reverse("engagements:shortlist", args=[selection.pk]) + filters.kept_query()
    if request.method == "POST" and "remove" in request.POST:
        proposal = _posted_row(request, "remove", selection.proposals.select_related("vendor"))
        if proposal is None:
            messages.info(request, "That vendor is no longer on the shortlist.")
        elif proposal.scores.exists():
            messages.error(
                request,
                f"{proposal.vendor} already has scores; it stays on the shortlist so the "
                "evaluation remains complete.",
            )
        else:
            proposal.delete()
            messages.success(request, f"{proposal.vendor} removed from the shortlist.")
        return redirect(here)
    form = ShortlistForm(request.POST if request.method == "POST" else None, selection=selection)
    if request.method == "POST" and form.is_valid():
        added = form.save()
        names = ", ".join(str(p.vendor) for p in added)
        messages.success(request, f"Shortlisted {names}. Record each proposal when it arrives.")
        watched = [p.vendor for p in added if p.vendor.standing == Vendor.Standing.WATCH]
        for vendor in watched:
            messages.warning(
                request, f"{vendor} is on watch: its performance across its engagements is weak."
            )
        return redirect(here)
    page = page_of(request, filters.qs)
    form.offer(page.object_list)
    proposals = list(selection.proposals.select_related("vendor").annotate(Count("scores")))
    return render(
        request,
        "engagements/sourcing/shortlist.html",
        {
            "selection": selection,
            "form": form,
            "proposals": proposals,
            "filters": filters,
            "page": page,
            "other_count": filters.other_count(),
        },
    )


def _proposal_to_change(request: HttpRequest, pk: int, proposal_pk: int) -> Proposal:
    """A proposal of the selection, for a page that changes it."""
    proposal = get_object_or_404(
        Proposal.objects.select_related("vendor", "selection"),
        pk=proposal_pk,
        selection=selection_or_404(pk),
    )
    require(can_change(request.user, proposal))
    return proposal


def _render_proposal(
    request: HttpRequest,
    proposal: Proposal,
    form: ProposalForm,
    attachment_form: AttachmentForm,
) -> HttpResponse:
    return render(
        request,
        "engagements/sourcing/proposal_form.html",
        {
            "selection": proposal.selection,
            "proposal": proposal,
            "form": form,
            "attachment_form": attachment_form,
            "yearly_price": yearly_price(Proposal.objects.get(pk=proposal.pk)),
            "attachments": proposal.attachments.select_related("uploaded_by").order_by(
                "uploaded_at"
            ),
        },
    )


@login_required
@saves_atomically
def proposal_update(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal_to_change(request, pk, proposal_pk)
    selection = proposal.selection
    form = ProposalForm(request.POST or None, instance=proposal)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Proposal of {proposal.vendor} saved.")
        return to_selection(selection, "proposals")
    return _render_proposal(request, proposal, form, AttachmentForm())


@login_required
@require_POST
def attachment_create(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    proposal = _proposal_to_change(request, pk, proposal_pk)
    selection = proposal.selection
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        attachment = form.save(proposal=proposal, by=request.user)
        messages.success(request, f"{attachment.original_name} attached to {proposal.vendor}.")
        return redirect("engagements:proposal_update", pk=selection.pk, proposal_pk=proposal.pk)
    return _render_proposal(request, proposal, ProposalForm(instance=proposal), form)


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    attachments = ProposalAttachment.objects.filter(proposal__selection_id=pk)
    return private_download(request, attachments, pk=attachment_pk)


# --- criteria and evaluators ----------------------------------------------------


@login_required
@saves_atomically
def criteria(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selection_to_change(request, pk)
    if _refuse_if_closed(request, selection, "criteria"):
        return to_selection(selection, "criteria")
    formset = CriterionFormSet(
        request.POST or None, instance=selection, queryset=selection.criteria.all()
    )
    version = RowVersion(request.POST or None, versioned=selection)
    if (
        request.method == "POST"
        and version.is_valid()
        and formset.is_valid()
        and formset.save_checked()  # type: ignore[attr-defined]
    ):
        selection.save(update_fields=["updated_at"])  # the criteria's version moves on
        messages.success(
            request,
            f"Criteria saved: {selection.criteria.count()} criteria, weights add up to 100.",
        )
        return to_selection(selection, "criteria")
    return render(
        request,
        "engagements/sourcing/criteria_form.html",
        {
            "selection": selection,
            "formset": formset,
            "version": version,
            "weight_total": plain_number(formset.weight_total),  # type: ignore[attr-defined]
            "score_count": Score.objects.filter(criterion__selection=selection).count(),
        },
    )


@login_required
def evaluators(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selection_to_change(request, pk)
    inviting = request.method == "POST" and "remove" not in request.POST
    form = InviteEvaluatorForm(request.POST if inviting else None, selection=selection)
    if request.method == "POST":
        if _refuse_if_closed(request, selection, "evaluators"):
            return to_selection(selection, "evaluators")
        if "remove" in request.POST:
            evaluator = _posted_row(request, "remove", selection.evaluators.select_related("user"))
            if evaluator is None:
                messages.info(request, "That colleague is no longer invited.")
                return redirect("engagements:evaluators", pk=selection.pk)
            name = evaluator.user.get_full_name() or evaluator.user.get_username()
            if evaluator.submitted_at:
                messages.error(
                    request, f"{name} has submitted their scores; they stay in the evaluation."
                )
            else:
                evaluator.delete()
                messages.success(request, f"{name} is no longer invited; their draft is gone.")
            return redirect("engagements:evaluators", pk=selection.pk)
        if form.is_valid():
            invited = form.save(by=request.user)
            name = invited.user.get_full_name() or invited.user.get_username()
            messages.success(request, f"{name} is invited to score this selection.")
            return redirect("engagements:evaluators", pk=selection.pk)
    return render(
        request,
        "engagements/sourcing/evaluators.html",
        {
            "selection": selection,
            "form": form,
            "evaluators": selection.evaluators.select_related("user", "invited_by").annotate(
                Count("scores")
            ),
            "cell_count": selection.criteria.count() * selection.proposals.count(),
            "is_closed": selection.status in CLOSED_STATUSES,
        },
    )
