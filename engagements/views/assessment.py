"""Step 1 pages: candidates to outsource, their assessment and the decision."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from engagements import permissions
from engagements.exports import CANDIDATE_COLUMNS
from engagements.filters import CandidateFilter
from engagements.forms.assessment import (
    AssessmentForm,
    CandidateForm,
    DecisionForm,
)
from engagements.models import Assessment, AssessmentFactor, Candidate, Recommendation
from engagements.models.assessment import AssessmentResult, assess
from engagements.services import sourcing
from engagements.services.assessment import save_assessment
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import page_of
from outsourcing.versions import saves_atomically


def _candidate(pk: int) -> Candidate:
    return get_object_or_404(
        Candidate.objects.select_related("owner", "decided_by", "assessment"), pk=pk
    )


def _assessment(candidate: Candidate) -> Assessment | None:
    try:
        return candidate.assessment
    except Assessment.DoesNotExist:
        return None


@login_required
def candidate_list(request: HttpRequest) -> HttpResponseBase:
    permissions.require(permissions.can_read(request.user))
    filters = CandidateFilter(
        request.GET,
        queryset=Candidate.objects.select_related("owner", "assessment"),
        request=request,
    )
    if file_format := export_format(request):
        rows = queryset_rows(filters.qs)
        return export_response(file_format, "candidates", CANDIDATE_COLUMNS, rows)
    return render(
        request,
        "engagements/assessment/candidate_list.html",
        {"filters": filters, "page": page_of(request, filters.qs), "sort": filters.sort_key},
    )


@login_required
def candidate_create(request: HttpRequest) -> HttpResponse:
    permissions.require(permissions.can_create(request.user))
    form = CandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.owner = request.user  # type: ignore[assignment]
        candidate = form.save()
        messages.success(request, f"Candidate “{candidate}” added. Assess it next.")
        return redirect("engagements:candidate_detail", pk=candidate.pk)
    return render(request, "engagements/assessment/candidate_form.html", {"form": form})


@login_required
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require(permissions.can_read(request.user))
    candidate = _candidate(pk)
    assessment = _assessment(candidate)
    answers = list(assessment.answers.select_related("factor")) if assessment else []
    return render(
        request,
        "engagements/assessment/candidate_detail.html",
        {
            "candidate": candidate,
            "assessment": assessment,
            "answers": answers,
            "result": assessment.result() if assessment else None,
            "saving": candidate.make_or_buy(),
            "selections": candidate.selections.select_related("owner"),
            "may_decide": _may_decide(candidate),
            "may_delete": _why_not_deletable(candidate) is None,
            "may_start_selection": permissions.can_create(request.user)
            and candidate.may_go_to_sourcing
            and sourcing.selection_in_progress(candidate) is None,
        },
    )


@login_required
@saves_atomically
def candidate_update(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    permissions.require(permissions.can_change(request.user, candidate))
    form = CandidateForm(request.POST or None, instance=candidate)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Candidate “{candidate}” saved.")
        return redirect("engagements:candidate_detail", pk=candidate.pk)
    return render(
        request,
        "engagements/assessment/candidate_form.html",
        {"form": form, "candidate": candidate},
    )


def _why_not_deletable(candidate: Candidate) -> str | None:
    if candidate.selections.exists():
        return "It has selections, so it stays on record. Cancel them instead."
    if candidate.status != Candidate.Status.DRAFT:
        return (
            f"Only a draft can be deleted; this one is “{candidate.get_status_display()}”, "
            "so its assessment and decision stay on record."
        )
    return None


@login_required
def candidate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    permissions.require(permissions.can_change(request.user, candidate))
    if reason := _why_not_deletable(candidate):
        messages.error(request, f"“{candidate}” cannot be deleted. {reason}")
        return redirect("engagements:candidate_detail", pk=candidate.pk)
    if request.method == "POST":
        name = str(candidate)
        candidate.delete()
        messages.success(request, f"Candidate “{name}” deleted.")
        return redirect("engagements:candidate_list")
    return render(
        request, "engagements/assessment/candidate_confirm_delete.html", {"candidate": candidate}
    )


def _assessment_form(request: HttpRequest, assessment: Assessment | None) -> AssessmentForm:
    return AssessmentForm(
        request.POST or None,
        factors=AssessmentFactor.objects.filter(is_active=True),
        assessment=assessment,
    )


def _result_context(form: AssessmentForm, result: AssessmentResult, answered: int) -> dict:
    return {"result": result, "answered": answered, "total": len(form.factors)}


@login_required
@saves_atomically
def candidate_assess(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    permissions.require(permissions.can_change(request.user, candidate))
    assessment = _assessment(candidate)
    form = _assessment_form(request, assessment)
    if request.method == "POST" and form.is_valid():
        result = save_assessment(
            candidate=candidate,
            answers=form.answers(),
            notes=form.cleaned_data["notes"],
            by=request.user,
        )
        label = Recommendation(result.recommendation).label if result.recommendation else "none"
        messages.success(
            request,
            f"Assessment of “{candidate}” saved: {result.score}/100, recommendation: {label}.",
        )
        return redirect("engagements:candidate_detail", pk=candidate.pk)
    if request.method == "POST":
        scores = form.factor_scores()
    else:
        scores = form.initial_factor_scores()
    return render(
        request,
        "engagements/assessment/candidate_assess.html",
        {
            "candidate": candidate,
            "form": form,
            **_result_context(form, assess(scores), len(scores)),
        },
    )


@login_required
@require_POST
def candidate_assess_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The result of the answers as they stand on the form, computed by assess(); saves nothing."""
    candidate = _candidate(pk)
    permissions.require(permissions.can_change(request.user, candidate))
    form = _assessment_form(request, None)
    form.is_valid()  # only to clean what has been answered so far
    scores = form.factor_scores()
    return render(
        request,
        "engagements/assessment/_assessment_result.html",
        {"preview": True, **_result_context(form, assess(scores), len(scores))},
    )


def _may_decide(candidate: Candidate) -> bool:
    """Once sourcing has started the decision is settled; a selection builds on it."""
    return candidate.status != Candidate.Status.OUTSOURCED and not candidate.selections.exists()


@login_required
def candidate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    permissions.require(permissions.can_change(request.user, candidate))
    if not _may_decide(candidate):
        messages.error(
            request,
            f"The decision on “{candidate}” is settled: sourcing has already started from it.",
        )
        return redirect("engagements:candidate_detail", pk=candidate.pk)
    assessment = _assessment(candidate)
    recommendation = assessment.recommendation if assessment else ""
    form = DecisionForm(request.POST or None, recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        candidate.record_decision(
            decision=decision, reason=form.cleaned_data["reason"], by=request.user
        )
        outcome = (
            "kept in-house"
            if candidate.status == Candidate.Status.KEPT_IN_HOUSE
            else "approved for sourcing"
        )
        messages.success(
            request,
            f"Decision recorded: “{Recommendation(decision).label}”. “{candidate}” is {outcome}.",
        )
        return redirect("engagements:candidate_detail", pk=candidate.pk)
    context: dict[str, Any] = {"candidate": candidate, "form": form, "assessment": assessment}
    if assessment is not None:
        context["result"] = assessment.result()
    return render(request, "engagements/assessment/candidate_decide.html", context)
