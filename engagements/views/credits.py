"""An engagement's service credits: what the KPIs' credit rules earned per period
(services/monitoring/credits.py), and the owner's tracking of each (claimed, received,
waived)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_safe

from engagements.exports import CREDIT_COLUMNS
from engagements.filters import CreditFilter
from engagements.forms.credits import CreditForm
from engagements.models import ServiceCredit
from engagements.models.monitoring import HAS_CREDIT_RULE
from engagements.permissions import can_change
from engagements.selectors.credits import credit_totals, credits_of
from engagements.views.common import (
    engagement_row_to_change,
    engagement_to_read,
    render_tab,
    to_tab,
)
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import page_of
from outsourcing.versions import saves_atomically


@login_required
@require_safe
def engagement_credits(request: HttpRequest, pk: int) -> HttpResponseBase:
    engagement = engagement_to_read(request, pk)
    credits = credits_of([engagement.pk]).select_related("kpi")
    filters = CreditFilter(request.GET, queryset=credits, engagement=engagement)
    if file_format := export_format(request):
        rows = queryset_rows(filters.qs)
        return export_response(file_format, f"engagement-{pk}-credits", CREDIT_COLUMNS, rows)
    return render_tab(
        request,
        "engagements/credits/credit_list.html",
        engagement,
        "kpis",
        filters=filters,
        page=page_of(request, filters.qs),
        totals=credit_totals(credits),
        rule_kpis=engagement.kpis.filter(HAS_CREDIT_RULE).order_by("name"),
        may_edit=can_change(request.user, engagement),
    )


@login_required
@saves_atomically
def credit_update(request: HttpRequest, pk: int, credit_pk: int) -> HttpResponse:
    engagement, credit = engagement_row_to_change(
        request, pk, ServiceCredit.objects.select_related("kpi"), credit_pk, via="kpi__engagement"
    )
    form = CreditForm(request.POST or None, instance=credit)
    if request.method == "POST" and form.is_valid():
        credit = form.save()
        messages.success(
            request,
            f"Credit for {credit.kpi.name}, {credit.period_start:%d %b %Y}: "
            f"{credit.get_state_display().lower()}.",
        )
        return to_tab("engagement_credits", engagement)
    return render_tab(
        request,
        "engagements/credits/credit_form.html",
        engagement,
        "kpis",
        form=form,
        credit=credit,
    )
