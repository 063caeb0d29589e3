"""Step 5 pages: an engagement's risk register and data access, and the organisation-wide
risk overview with its heat map and CSV export."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from engagements.charts.heatmap import Cell, heat_map
from engagements.exports import RISK_COLUMNS
from engagements.filters import RiskFilter
from engagements.forms.risk import GrantForm, RevokeForm, RiskForm
from engagements.models import DataAccessGrant, Engagement, Risk
from engagements.models.risk import risk_level
from engagements.permissions import can_change, can_read, require
from engagements.selectors.history import access_history, risk_history
from engagements.views.common import engagement_to_change, engagement_to_read, render_tab
from outsourcing.exports import export_format, export_response, queryset_rows
from outsourcing.lists import page_of
from outsourcing.versions import saves_atomically

# --- shared helpers -------------------------------------------------------------


def _risk(engagement: Engagement, risk_pk: int) -> Risk:
    risk = get_object_or_404(
        Risk.objects.select_related("owner"), pk=risk_pk, engagement=engagement
    )
    risk.engagement = engagement  # permissions and templates reuse the loaded engagement
    return risk


def _risk_to_change(request: HttpRequest, pk: int, risk_pk: int) -> Risk:
    """A risk of the engagement, for a page that changes it: the role is asked first, as on
    every risk page, then each lookup, then whether the user may change this risk."""
    risk = _risk(engagement_to_read(request, pk), risk_pk)
    require(can_change(request.user, risk))
    return risk


def _basis(request: HttpRequest) -> str:
    """Which scores the heat map places: residual (after mitigation, the default) or inherent."""
    return "inherent" if request.GET.get("basis") == "inherent" else "residual"


def _selected_cell(request: HttpRequest) -> Cell | None:
    """The heat map cell picked with ?l=<likelihood>&i=<impact>; anything else picks none."""
    try:
        cell = (int(request.GET["l"]), int(request.GET["i"]))
    except (KeyError, ValueError):
        return None
    return cell if all(1 <= n <= 5 for n in cell) else None


def _cell_of(risk: Risk, basis: str) -> Cell:
    if basis == "inherent":
        return risk.likelihood, risk.impact
    return risk.residual_likelihood, risk.residual_impact


def _cell_fields(basis: str) -> tuple[str, str]:
    if basis == "inherent":
        return "likelihood", "impact"
    return "residual_likelihood", "residual_impact"


def _query(params: QueryDict, **changes: object) -> str:
    """The current query string with some parameters set (or dropped when None)."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


def _heat_map_context(
    request: HttpRequest, counts: Counter[Cell] | dict[Cell, int], *, chart_id: str, anchor: str
) -> dict[str, Any]:
    basis = _basis(request)
    selected = _selected_cell(request)

    def link_for(likelihood: int, impact: int) -> str:
        return f"?{_query(request.GET, l=likelihood, i=impact, page=None)}#{anchor}"

    chart = heat_map(
        counts,
        link_for=link_for,
        chart_id=chart_id,
        title=f"Open risks by {basis} likelihood and impact",
        selected=selected,
        empty_message="No open risks to place on the map.",
    )
    return {
        "chart": chart,
        "basis": basis,
        "selected": selected,
        "selected_level": risk_level(selected[0] * selected[1]) if selected else None,
        "residual_query": _query(request.GET, basis=None, page=None),
        "inherent_query": _query(request.GET, basis="inherent", page=None),
        "clear_cell_query": _query(request.GET, l=None, i=None, page=None),
    }


# --- the risks tab --------------------------------------------------------------


@login_required
@require_safe
def engagement_risks(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_read(request, pk)
    risks = list(engagement.risks.select_related("owner"))
    for risk in risks:
        risk.engagement = engagement
    risks.sort(key=lambda r: (r.status == Risk.Status.CLOSED, -r.residual_score, r.title))
    basis = _basis(request)
    open_risks = [r for r in risks if r.status != Risk.Status.CLOSED]
    context = _heat_map_context(
        request,
        Counter(_cell_of(r, basis) for r in open_risks),
        chart_id="risk-heat-map",
        anchor="risk-register",
    )
    selected = context["selected"]
    shown = [r for r in open_risks if _cell_of(r, basis) == selected] if selected else risks
    today = timezone.localdate()
    return render_tab(
        request,
        "engagements/risk/engagement_risks.html",
        engagement,
        "risks",
        **context,
        may_change=can_change(request.user, engagement),
        rows=[
            {
                "risk": r,
                "inherent_level": risk_level(r.inherent_score),
                "overdue": r.review_overdue_on(today),
            }
            for r in shown
        ],
        risk_count=len(risks),
        history=risk_history(engagement),
        open_count=len(open_risks),
    )


def _risks_tab(engagement: Engagement) -> HttpResponse:
    return redirect(
        reverse("engagements:engagement_risks", args=[engagement.pk]) + "#risk-register"
    )


def _render_risk_form(
    request: HttpRequest, engagement: Engagement, form: RiskForm, risk: Risk | None
) -> HttpResponse:
    return render_tab(
        request, "engagements/risk/risk_form.html", engagement, "risks", form=form, risk=risk
    )


@login_required
def risk_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read(request.user))
    engagement = engagement_to_change(request, pk)
    form = RiskForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        form.instance.engagement = engagement
        risk = form.save()
        # Recorded already closed (a risk that has passed): no review is due.
        review = (
            "closed, no review due"
            if risk.status == Risk.Status.CLOSED or risk.next_review_on is None
            else f"next review {risk.next_review_on:%-d %b %Y}"
        )
        messages.success(request, f"Risk “{risk}” added ({risk.level}, {review}).")
        return _risks_tab(engagement)
    return _render_risk_form(request, engagement, form, None)


@login_required
@saves_atomically
def risk_update(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    risk = _risk_to_change(request, pk, risk_pk)
    form = RiskForm(request.POST or None, instance=risk)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Risk “{risk}” saved.")
        return _risks_tab(risk.engagement)
    return _render_risk_form(request, risk.engagement, form, risk)


@login_required
@require_POST
def risk_review(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    risk = _risk_to_change(request, pk, risk_pk)
    if risk.status == Risk.Status.CLOSED:
        messages.error(request, f"“{risk}” is closed; reopen it by editing its status first.")
    else:
        risk.mark_reviewed()
        messages.success(
            request,
            f"“{risk}” reviewed today; next review on {risk.next_review_on:%-d %b %Y}.",
        )
    return _risks_tab(risk.engagement)


@login_required
@require_POST
def risk_close(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    risk = _risk_to_change(request, pk, risk_pk)
    if risk.status == Risk.Status.CLOSED:
        messages.info(request, f"“{risk}” was already closed.")
    else:
        risk.status = Risk.Status.CLOSED
        risk.next_review_on = None  # a closed risk is no longer due for review
        risk.save(update_fields=["status", "next_review_on", "updated_at"])
        messages.success(request, f"“{risk}” closed. It stays in the register, off the heat map.")
    return _risks_tab(risk.engagement)


# --- the data access tab ----------------------------------------------------------


def _render_access(
    request: HttpRequest,
    engagement: Engagement,
    *,
    grant_form: GrantForm,
    bound_revoke: RevokeForm | None = None,
) -> HttpResponse:
    grants = list(
        engagement.access_grants.select_related("granted_by", "revoked_by")
        .prefetch_related("sub_processors")
        .order_by(F("revoked_on").desc(nulls_first=True), "system")
    )
    may_change = can_change(request.user, engagement)
    rows = []
    for grant in grants:
        revoke_form = None
        if may_change and grant.is_active:
            if bound_revoke is not None and bound_revoke.grant.pk == grant.pk:
                revoke_form = bound_revoke
            else:
                revoke_form = RevokeForm(grant=grant)
        rows.append({"grant": grant, "revoke_form": revoke_form})
    return render_tab(
        request,
        "engagements/risk/engagement_access.html",
        engagement,
        "access",
        may_change=may_change,
        rows=rows,
        active_count=sum(1 for g in grants if g.is_active),
        history=access_history(engagement),
        grant_form=grant_form,
    )


@login_required
def engagement_access(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the register of what the vendor can reach. POST: record a new grant."""
    engagement = engagement_to_read(request, pk)
    if request.method != "POST":
        return _render_access(request, engagement, grant_form=GrantForm(engagement=engagement))
    require(can_change(request.user, engagement))
    form = GrantForm(request.POST, engagement=engagement)
    if not form.is_valid():
        messages.error(request, "The access was not recorded; see the messages below.")
        return _render_access(request, engagement, grant_form=form)
    form.instance.engagement = engagement
    form.instance.granted_by = request.user
    if form.instance.revoked_on:
        form.instance.revoked_by = request.user
    grant = form.save()
    messages.success(request, f"Access to {grant.system} recorded.")
    return redirect("engagements:engagement_access", pk=engagement.pk)


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    engagement = engagement_to_read(request, pk)
    grant = get_object_or_404(DataAccessGrant, pk=grant_pk, engagement=engagement)
    grant.engagement = engagement
    require(can_change(request.user, grant))
    if not grant.is_active:
        messages.info(request, f"Access to {grant.system} was already revoked.")
        return redirect("engagements:engagement_access", pk=engagement.pk)
    form = RevokeForm(request.POST, grant=grant)
    if not form.is_valid():
        messages.error(request, f"Access to {grant.system} was not revoked; check the date.")
        return _render_access(
            request, engagement, grant_form=GrantForm(engagement=engagement), bound_revoke=form
        )
    grant.revoke(on=form.cleaned_data["revoked_on"], by=request.user)
    messages.success(request, f"Access to {grant.system} revoked on {grant.revoked_on:%-d %b %Y}.")
    return redirect("engagements:engagement_access", pk=engagement.pk)


# --- organisation-wide overview and export ------------------------------------------


def _in_cell(risks: QuerySet[Risk], request: HttpRequest) -> QuerySet[Risk]:
    selected = _selected_cell(request)
    if selected is None:
        return risks
    likelihood_field, impact_field = _cell_fields(_basis(request))
    return risks.filter(**{likelihood_field: selected[0], impact_field: selected[1]})


def _register(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    return risks.select_related("engagement__vendor", "owner").order_by(
        F("residual").desc(), "engagement__title", "title", "pk"
    )


@login_required
@require_safe
def risk_overview(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    filters = RiskFilter(request.GET, queryset=Risk.objects.all(), request=request)
    risks = filters.qs
    likelihood_field, impact_field = _cell_fields(_basis(request))
    counts = {
        (row[likelihood_field], row[impact_field]): row["n"]
        for row in risks.order_by().values(likelihood_field, impact_field).annotate(n=Count("pk"))
    }
    context = _heat_map_context(request, counts, chart_id="risk-overview-map", anchor="risk-list")
    total = sum(counts.values())
    selected = context["selected"]
    # The heat map has counted the register already (all of it, or the chosen cell), so
    # the page is read without a count over every open risk: worst first by the residual
    # index (risk_open_residual_idx), sorted only within the scores the page reaches.
    page = page_of(
        request,
        _register(_in_cell(risks, request)),
        count=total if selected is None else counts.get(selected, 0),
    )
    today = timezone.localdate()
    return render(
        request,
        "engagements/risk/risk_overview.html",
        {
            **context,
            "filters": filters,
            "page": page,
            "rows": [
                {
                    "risk": r,
                    "inherent_level": risk_level(r.inherent_score),
                    "overdue": r.review_overdue_on(today),
                }
                for r in page
            ],
            "total": total,
            "appetite": settings.RISK_APPETITE_SCORE,
        },
    )


@login_required
@require_safe
def risk_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered register, every row of it, as CSV (the default) or XLSX (?export=xlsx)."""
    require(can_read(request.user))
    filters = RiskFilter(request.GET, queryset=Risk.objects.all(), request=request)
    risks = _register(_in_cell(filters.qs, request))
    file_format = export_format(request) or "csv"
    return export_response(file_format, "risk-register", RISK_COLUMNS, queryset_rows(risks))
