"""Step 2, the decision: evaluators score, the results rank the vendors, the owner awards."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from engagements.exports import result_columns
from engagements.forms.evaluation import ScoringForm
from engagements.forms.sourcing import (
    AwardForm,
)
from engagements.permissions import (
    can_change,
    can_change_score,
    can_read,
    can_score,
    evaluator_for,
    require,
)
from engagements.selectors.sourcing import selection_results, with_exchange_rates, yearly_price
from engagements.services.sourcing import (
    CLOSED_STATUSES,
    award_blocker,
    award_selection,
    save_scores,
)
from engagements.views.common import selection_or_404, selection_to_change, to_selection
from outsourcing.exports import export_format, export_response


@login_required
def scoring(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selection_or_404(pk)
    evaluator = evaluator_for(request.user, selection)
    require(evaluator is not None)
    assert evaluator is not None  # for mypy: require() raised otherwise
    may_score = can_score(request.user, selection)
    if request.method == "POST":
        require(may_score)
        if evaluator.submitted_at is not None:
            messages.error(
                request, "You have submitted your scores; they can no longer be changed."
            )
            return redirect("engagements:scoring", pk=selection.pk)
    criteria = list(selection.criteria.all())
    proposals = list(selection.proposals.select_related("vendor"))
    form = ScoringForm(
        request.POST or None, evaluator=evaluator, criteria=criteria, proposals=proposals
    )
    confirming = False
    if request.method == "POST" and form.is_valid():
        # "Submit" locks the scores for good, so it asks once more before it does.
        asked_to_submit = "submit" in request.POST
        submitting = asked_to_submit and "confirmed" in request.POST
        require(all(can_change_score(request.user, s) for s in form.existing.values()))
        if asked_to_submit and not submitting and form.check_complete():
            # Nothing is written yet: the page shows the typed scores and asks to confirm.
            confirming = True
        elif not asked_to_submit or form.check_complete():
            if not save_scores(evaluator=evaluator, cells=form.cells(), submit=submitting):
                messages.error(
                    request, "You have submitted your scores; they can no longer be changed."
                )
                return redirect("engagements:scoring", pk=selection.pk)
            if submitting:
                messages.success(
                    request, f"Your scores for “{selection}” are submitted. Thank you."
                )
                return to_selection(selection, "evaluators")
            scored = sum(
                1
                for name, value in form.cleaned_data.items()
                if name.startswith("score-") and value
            )
            messages.success(
                request,
                f"Draft saved: {scored} of {len(criteria) * len(proposals)} scores. "
                "You can change them until you submit.",
            )
            return redirect("engagements:scoring", pk=selection.pk)
    return render(
        request,
        "engagements/sourcing/scoring.html",
        {
            "selection": selection,
            "evaluator": evaluator,
            "form": form,
            "proposals": proposals,
            "may_score": may_score and evaluator.submitted_at is None,
            "confirming": confirming,
        },
    )


@login_required
@require_safe
def results(request: HttpRequest, pk: int) -> HttpResponseBase:
    require(can_read(request.user))
    selection = selection_or_404(pk)
    may_change = can_change(request.user, selection)
    include_drafts = may_change and request.GET.get("drafts") == "1"
    results = selection_results(selection, include_drafts=include_drafts)
    if file_format := export_format(request):
        columns = result_columns(list(selection.criteria.all()), settings.DEFAULT_CURRENCY)
        name = f"selection-{selection.pk}-results"
        return export_response(file_format, name, columns, results.rows)
    evaluators = list(selection.evaluators.select_related("user"))
    return render(
        request,
        "engagements/sourcing/results.html",
        {
            "selection": selection,
            "rows": results.rows,
            "by_price": results.by_price,
            "base_currency": settings.DEFAULT_CURRENCY,
            "breakdown": results.breakdown,
            "comments": results.comments,
            "pending": [e for e in evaluators if e.submitted_at is None],
            "evaluator_count": len(evaluators),
            "include_drafts": include_drafts,
            "may_change": may_change,
            "may_award": may_change and selection.status not in CLOSED_STATUSES,
            "disagreement_count": results.disagreement_count,
        },
    )


@login_required
def award(request: HttpRequest, pk: int) -> HttpResponse:
    selection = selection_to_change(request, pk)
    if selection.status in CLOSED_STATUSES:
        messages.error(
            request,
            f"This selection is already {selection.get_status_display().lower()}; "
            "it cannot be awarded again.",
        )
        return to_selection(selection)
    form = AwardForm(
        request.POST or None,
        selection=selection,
        user=request.user,
        initial={"proposal": request.GET.get("proposal")},
    )
    if request.method == "POST" and form.is_valid():
        proposal = form.cleaned_data["proposal"]
        try:
            engagement = award_selection(
                selection=selection,
                proposal=proposal,
                by=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
                contract_value=form.cleaned_data["contract_value"],
                budget=form.cleaned_data["budget"],
            )
        except ValidationError as error:
            on_fields = hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields)
            form.add_error(None, error if on_fields else error.messages)
        else:
            messages.success(
                request,
                f"Awarded to {proposal.vendor}. The engagement and its contract are set up "
                "from the proposal and the figures you confirmed; check the contract terms.",
            )
            return redirect("engagements:engagement_detail", pk=engagement.pk)
    evaluation = selection.evaluation()
    radios = {int(radio.data["value"].value): radio for radio in form["proposal"]}
    options: list[dict[str, Any]] = [
        {
            "proposal": proposal,
            "radio": radios[proposal.pk],
            "ranked": evaluation.for_proposal(proposal.pk),
            "blocker": award_blocker(proposal=proposal, by=request.user),
            "price": yearly_price(proposal),
        }
        for proposal in with_exchange_rates(form.fields["proposal"].queryset)  # type: ignore[attr-defined]
    ]
    options.sort(key=lambda o: (o["ranked"] is None, o["ranked"].rank if o["ranked"] else 0))
    return render(
        request,
        "engagements/sourcing/award_confirm.html",
        {
            "selection": selection,
            "form": form,
            "options": options,
            "prefilled": next(
                (o for o in options if str(o["proposal"].pk) == str(form["prefilled_for"].value())),
                None,
            ),
            "pending": selection.evaluators.filter(submitted_at__isnull=True).select_related(
                "user"
            ),
        },
    )
