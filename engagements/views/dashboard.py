"""The manager's dashboard (the home page after sign-in) and the worklists behind its counts.

Every panel reads the live engagements in scope: the person's own (owner or
co-owner) or everyone's. Each panel costs a fixed number of queries (a count
and a short list), so the page stays the same size in queries whatever the data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from engagements.models import (
    CheckIn,
    ComplianceItem,
    Engagement,
    Evidence,
    Kpi,
    KpiRollup,
    KpiStatus,
    PerformanceReview,
    Risk,
    Scorecard,
)
from engagements.permissions import ADMIN, MANAGER, can_read, require, roles
from vendors.models import Vendor

PAGE_SIZE = 25
# Rows each dashboard panel lists; its count links to the full worklist.
PANEL_ROWS = 5
# Evidence expiring within this many days shows up (and everything already expired).
EXPIRY_WINDOW_DAYS = 30

MINE = "mine"
ALL = "all"


# --- scope -----------------------------------------------------------------------


def default_scope(user: Any) -> str:
    """Managers start with their own work; viewers and admins with everyone's."""
    user_roles = roles(user)
    return MINE if MANAGER in user_roles and ADMIN not in user_roles else ALL


def scope_of(request: HttpRequest) -> str:
    asked = request.GET.get("scope")
    return asked if asked in (MINE, ALL) else default_scope(request.user)


def live_engagements(user: Any, scope: str) -> QuerySet[Engagement]:
    engagements = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    if scope == MINE:
        engagements = engagements.filter(Q(owner=user) | Q(co_owners=user)).distinct()
    return engagements


def in_scope(user: Any, scope: str) -> QuerySet[Any, Any]:
    """The engagement ids in scope, as a subquery for the panels' `engagement__in`."""
    return live_engagements(user, scope).values("pk")


# --- what each panel and worklist lists -------------------------------------------------


def week_end(now: datetime.datetime) -> datetime.datetime:
    """Midnight starting next Monday, in the site's time zone: the end of "this week"."""
    today = timezone.localdate(now)
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return datetime.datetime.combine(
        monday, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


def checkins_due_this_week(
    engagements: QuerySet[Any, Any], now: datetime.datetime
) -> QuerySet[CheckIn]:
    """Unrecorded check-ins from now until the end of the week (overdue ones are listed apart)."""
    return (
        CheckIn.objects.unrecorded()
        .filter(engagement__in=engagements, scheduled_for__gte=now, scheduled_for__lt=week_end(now))
        .select_related("engagement__vendor")
        .order_by("scheduled_for", "pk")
    )


def checkins_overdue(engagements: QuerySet[Any, Any], now: datetime.datetime) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.overdue(now)
        .filter(engagement__in=engagements)
        .select_related("engagement__vendor")
        .order_by("scheduled_for", "pk")
    )


def red_kpis(engagements: QuerySet[Any, Any]) -> QuerySet[Kpi]:
    """Active KPIs whose latest rollup is red, with that period's value and start (in SQL)."""
    latest = KpiRollup.objects.filter(kpi=OuterRef("pk")).order_by("-period_start")
    return (
        Kpi.objects.filter(engagement__in=engagements, is_active=True)
        .annotate(
            latest_status=Subquery(latest.values("status")[:1]),
            latest_value=Subquery(latest.values("value")[:1]),
            latest_period_start=Subquery(latest.values("period_start")[:1]),
        )
        .filter(latest_status=KpiStatus.RED)
        .select_related("engagement__vendor")
        .order_by("engagement__title", "name", "pk")
    )


def open_reviews(engagements: QuerySet[Any, Any]) -> QuerySet[PerformanceReview]:
    return (
        PerformanceReview.objects.filter(engagement__in=engagements, decided_at__isnull=True)
        .select_related("engagement__vendor", "kpi")
        .order_by("created_at", "pk")
    )


def with_residual_score(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    return risks.annotate(residual=F("residual_likelihood") * F("residual_impact"))


def risks_above_appetite(engagements: QuerySet[Any, Any]) -> QuerySet[Risk]:
    """Risks not closed whose residual likelihood × impact reaches the appetite score."""
    return (
        Risk.objects.filter(engagement__in=engagements)
        .exclude(status=Risk.Status.CLOSED)
        .annotate(residual=F("residual_likelihood") * F("residual_impact"))
        .filter(residual__gte=settings.RISK_APPETITE_SCORE)
        .select_related("engagement__vendor", "owner")
        .order_by("-residual", "engagement__title", "pk")
    )


def evidence_expiring(
    engagements: QuerySet[Any, Any], today: datetime.date
) -> QuerySet[ComplianceItem]:
    """Items expiring within the window (inclusive) or already expired, soonest first."""
    return (
        ComplianceItem.objects.filter(
            engagement__in=engagements,
            expires_on__lte=today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS),
        )
        .annotate(has_evidence=Exists(Evidence.objects.filter(item=OuterRef("pk"))))
        .select_related("engagement__vendor", "requirement")
        .order_by("expires_on", "pk")
    )


STANDING_ORDER = Case(
    *(
        When(standing=value, then=Value(i))
        for i, value in enumerate(
            [
                Vendor.Standing.POOR,
                Vendor.Standing.WATCH,
                Vendor.Standing.NO_DATA,
                Vendor.Standing.GOOD,
                Vendor.Standing.EXCELLENT,
            ]
        )
    ),
    output_field=IntegerField(),
)


def vendor_standings(engagements: QuerySet[Any, Any]) -> QuerySet[Vendor]:
    """Vendors doing live work in scope, the ones to worry about first."""
    return (
        Vendor.objects.filter(
            pk__in=Engagement.objects.filter(pk__in=engagements).values("vendor_id")
        )
        .annotate(standing_rank=STANDING_ORDER)
        .order_by("standing_rank", "legal_name")
    )


def my_engagements(user: Any, scope: str) -> QuerySet[Engagement]:
    """Live engagements in scope with their latest scored period."""
    latest = Scorecard.objects.filter(engagement=OuterRef("pk"), score__isnull=False).order_by(
        "-period_start"
    )
    return (
        Engagement.objects.filter(pk__in=in_scope(user, scope))
        .annotate(
            latest_score=Subquery(latest.values("score")[:1]),
            latest_score_period=Subquery(latest.values("period_start")[:1]),
        )
        .select_related("vendor")
        .order_by("title", "pk")
    )


# --- the dashboard -------------------------------------------------------------------


@dataclass
class Panel:
    """A count and the first few rows; the count links to the worklist behind it."""

    count: int
    rows: list[Any]

    @classmethod
    def of(cls, queryset: QuerySet[Any], size: int = PANEL_ROWS) -> Panel:
        return cls(count=queryset.count(), rows=list(queryset[:size]))


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    scope = scope_of(request)
    engagements = in_scope(request.user, scope)
    now = timezone.now()
    today = timezone.localdate(now)
    engagements_url = reverse("engagements:engagement_list")
    if scope == MINE:
        engagements_url += f"?owner={request.user.pk}"
    return render(
        request,
        "engagements/dashboard/dashboard.html",
        {
            "scope": scope,
            "today": today,
            "engagements_url": engagements_url,
            "engagements": Panel.of(my_engagements(request.user, scope), size=10),
            "checkins_week": Panel.of(checkins_due_this_week(engagements, now)),
            "checkins_overdue": Panel.of(checkins_overdue(engagements, now)),
            "red_kpis": Panel.of(red_kpis(engagements)),
            "reviews": Panel.of(open_reviews(engagements)),
            "risks": Panel.of(risks_above_appetite(engagements)),
            "evidence": Panel.of(evidence_expiring(engagements, today)),
            "vendors": Panel.of(vendor_standings(engagements), size=10),
            "appetite": settings.RISK_APPETITE_SCORE,
            "expiry_days": EXPIRY_WINDOW_DAYS,
        },
    )


# --- the worklists ---------------------------------------------------------------------


def _worklist(
    request: HttpRequest, template: str, rows: QuerySet[Any], **context: Any
) -> HttpResponse:
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, f"engagements/dashboard/{template}", {"page": page, **context})


@login_required
@require_safe
def worklist_checkins(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    scope = scope_of(request)
    when = "overdue" if request.GET.get("when") == "overdue" else "week"
    engagements = in_scope(request.user, scope)
    now = timezone.now()
    rows = (
        checkins_overdue(engagements, now)
        if when == "overdue"
        else checkins_due_this_week(engagements, now)
    )
    return _worklist(request, "checkins.html", rows, scope=scope, when=when, now=now)


@login_required
@require_safe
def worklist_kpis(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    scope = scope_of(request)
    return _worklist(request, "kpis.html", red_kpis(in_scope(request.user, scope)), scope=scope)


@login_required
@require_safe
def worklist_reviews(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    scope = scope_of(request)
    return _worklist(
        request, "reviews.html", open_reviews(in_scope(request.user, scope)), scope=scope
    )


@login_required
@require_safe
def worklist_risks(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    scope = scope_of(request)
    return _worklist(
        request,
        "risks.html",
        risks_above_appetite(in_scope(request.user, scope)),
        scope=scope,
        appetite=settings.RISK_APPETITE_SCORE,
    )


@login_required
@require_safe
def worklist_evidence(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    scope = scope_of(request)
    today = timezone.localdate()
    return _worklist(
        request,
        "evidence.html",
        evidence_expiring(in_scope(request.user, scope), today),
        scope=scope,
        today=today,
        expiry_days=EXPIRY_WINDOW_DAYS,
    )
