"""The renewal view (/renewals/): notice deadlines coming up, with a suggestion each, and
the page where the owner records the decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from engagements.exports import RENEWAL_COLUMNS
from engagements.forms.engagement import RenewalDecisionForm
from engagements.models import Contract, RenewalAction, RenewalDecision
from engagements.permissions import can_change, can_read, require
from engagements.selectors.renewals import (
    DEFAULT_DAYS,
    MAX_DAYS,
    renewal_row,
    renewal_rows,
    renewals_for,
)
from engagements.services.renewals import record_renewal_decision
from engagements.views.common import render_tab, signed_in, to_tab
from engagements.views.dashboard import scope_of
from engagements.views.engagement import contract_to_change
from outsourcing.exports import export_format, export_response
from outsourcing.lists import page_of
from outsourcing.versions import saves_atomically


def days_of(request: HttpRequest) -> int:
    """The window asked for (?days=), 1 to MAX_DAYS; anything else gives the default."""
    try:
        days = int(request.GET.get("days", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS
    return days if 1 <= days <= MAX_DAYS else DEFAULT_DAYS


@login_required
@require_safe
def renewal_list(request: HttpRequest) -> HttpResponseBase:
    require(can_read(request.user))
    scope, days = scope_of(request), days_of(request)
    today = timezone.localdate()
    engagements = renewals_for(request.user, scope, days=days)
    if file_format := export_format(request):
        rows = renewal_rows(list(engagements), today=today)
        return export_response(file_format, "renewals", RENEWAL_COLUMNS, rows)
    page = page_of(request, engagements)
    rows = renewal_rows(list(page.object_list), today=today)
    return render(
        request,
        "engagements/renewals/renewal_list.html",
        {
            "page": page,
            "rows": [(row, can_change(request.user, row.engagement)) for row in rows],
            "scope": scope,
            "days": days,
            "default_days": DEFAULT_DAYS,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@saves_atomically
def renewal_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the owner's decision on the contract's renewal, beside the suggestion and
    its reasons as the renewal view shows them; the decision then takes effect."""
    engagement, contract = contract_to_change(request, pk)
    today = timezone.localdate()
    row = renewal_row(engagement, today=today)
    form = RenewalDecisionForm(
        request.POST or None, contract=contract, suggestion=row.advice.action
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = record_renewal_decision(
                contract=contract,
                decision=data["decision"],
                note=data["note"],
                by=signed_in(request),
                advice=row.advice,
                new_end_date=data["new_end_date"],
                offboard=data["offboard"],
                today=today,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            contract.refresh_from_db()
            messages.success(request, what_it_did(decision, contract))
            if decision.offboarding_started:
                return to_tab("engagement_offboarding", engagement)
            return to_tab("engagement_detail", engagement, "contract")
    return render_tab(
        request,
        "engagements/renewals/renewal_decision.html",
        engagement,
        "overview",
        form=form,
        contract=contract,
        row=row,
        today=today,
    )


def what_it_did(decision: RenewalDecision, contract: Contract) -> str:
    """The decision's effect on the contract, as the owner is told after recording it."""
    said = f"Decision recorded: {decision.get_decision_display().lower()}."
    if decision.new_end_date is not None:
        return (
            f"{said} The contract now runs to {contract.end_date:%-d %b %Y}; its notice "
            f"deadline is {contract.notice_deadline:%-d %b %Y}."
        )
    if decision.decision == RenewalAction.RENEW:
        return f"{said} It renews by itself on {contract.renews_on:%-d %b %Y}."
    if decision.decision == RenewalAction.RENEGOTIATE:
        return f"{said} It stays on the renewal view until a decision settles how it goes on."
    ends = f"{said} Notice is given: the contract ends on {contract.renews_on:%-d %b %Y}."
    return f"{ends} Offboarding started." if decision.offboarding_started else ends
