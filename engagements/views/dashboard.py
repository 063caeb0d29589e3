"""The manager's dashboard (the home page after sign-in) and the worklists behind its counts.

Every panel reads the live engagements in scope (engagements.selectors.scope) and asks
its question of a selector, as the weekly digest does. Each panel costs one query (its
first rows, each carrying the count of all), so the page stays the same size whatever the data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from engagements.permissions import can_read, require
from engagements.selectors.communication import (
    checkins_due_this_week,
    checkins_overdue,
    open_action_items,
)
from engagements.selectors.credits import CREDIT_LINE_FIELDS, credits_to_act_on
from engagements.selectors.monitoring import (
    open_reviews,
    red_kpis,
    vendor_standings,
    with_latest_score,
)
from engagements.selectors.risk import (
    evidence_expiring,
    notice_deadlines,
    risk_reviews_overdue,
    risks_above_appetite,
)
from engagements.selectors.scope import (
    ALL,
    MINE,
    Engagements,
    default_scope,
    in_scope,
    live_and_watched,
)
from engagements.selectors.spend import spend_warnings
from outsourcing import pagecache
from outsourcing.lists import page_of

# Rows each dashboard panel lists; its count links to the full worklist.
PANEL_ROWS = 5


def scope_of(request: HttpRequest) -> str:
    asked = request.GET.get("scope")
    return asked if asked in (MINE, ALL) else default_scope(request.user)


# --- the dashboard -------------------------------------------------------------------


@dataclass
class Panel:
    """A count and the first few rows; the count links to the worklist behind it."""

    count: int
    rows: list[Any]

    @classmethod
    def of(cls, queryset: QuerySet[Any], size: int = PANEL_ROWS) -> Panel:
        """One query, not two: each row carries the count of them all (a window count,
        taken before the LIMIT), so a panel costs one round trip and one compilation."""
        rows = list(queryset.annotate(panel_count=Window(Count("pk")))[:size])
        return cls(count=rows[0].panel_count if rows else 0, rows=rows)


# A check-in's line on the dashboard: when, and the engagement's title.
CHECKIN = ("engagement", "scheduled_for", "engagement__title")
TITLE = ("engagement__title",)


def showing(queryset: QuerySet[Any], related: str | tuple[str, ...], *fields: str) -> QuerySet[Any]:
    """Only what a panel shows, with only the joins it needs: the selectors fetch whole
    rows (the worklists and the digest show more), and compiling and sending every
    column of every joined table is most of a panel's cost."""
    joins = (related,) if isinstance(related, str) else related
    queryset = queryset.select_related(None)
    if joins:  # select_related() with no names would follow every foreign key
        queryset = queryset.select_related(*joins)
    return queryset.only(*fields)


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    panels = pagecache.fragment(
        request,
        "dashboard",
        scope_of(request),
        lambda: render_to_string(
            "engagements/dashboard/_panels.html", panels_context(request), request=request
        ),
    )
    return render(request, "engagements/dashboard/dashboard.html", {"panels": panels})


def panels_context(request: HttpRequest) -> dict[str, Any]:
    """Every panel's count and first rows, one query each."""
    scope = scope_of(request)
    # Planned work shows among my engagements, risks and evidence; not in check-ins or KPIs.
    engagements, watched = live_and_watched(request.user, scope)
    now = timezone.now()
    today = timezone.localdate(now)
    engagements_url = reverse("engagements:engagement_list")
    if scope == MINE:
        engagements_url += f"?owner={request.user.pk}"
    return {
        "scope": scope,
        "today": today,
        "engagements_url": engagements_url,
        "engagements": Panel.of(
            showing(with_latest_score(watched), "vendor", "title", "status", "vendor__legal_name"),
            size=10,
        ),
        "checkins_week": Panel.of(showing(checkins_due_this_week(engagements, now), *CHECKIN)),
        "checkins_overdue": Panel.of(showing(checkins_overdue(engagements, now), *CHECKIN)),
        "red_kpis": Panel.of(
            showing(red_kpis(engagements), "engagement", "name", "unit", "engagement__title")
        ),
        "reviews": Panel.of(
            showing(
                open_reviews(engagements),
                ("engagement", "kpi"),
                "trigger",
                "created_at",
                "engagement__title",
                "kpi__name",
            )
        ),
        "risks": Panel.of(
            showing(risks_above_appetite(watched), "engagement", "title", "engagement__title")
        ),
        "evidence": Panel.of(
            showing(
                evidence_expiring(watched, today),
                ("engagement", "requirement"),
                "expires_on",
                "engagement__title",
                "requirement__name",
            )
        ),
        "vendors": Panel.of(
            showing(vendor_standings(engagements), (), "legal_name", "standing", "standing_score"),
            size=10,
        ),
        # Mine whatever the scope: the items someone agreed to do at a check-in.
        "action_items": Panel.of(
            showing(
                open_action_items([request.user.pk]),
                "checkin__engagement",
                "description",
                "due_date",
                "checkin__engagement__title",
            )
        ),
        "notices": Panel.of(
            showing(notice_deadlines(watched, today), "engagement", "notice_deadline", *TITLE)
        ),
        "risk_reviews": Panel.of(
            showing(
                risk_reviews_overdue(watched, today),
                "engagement",
                "title",
                "next_review_on",
                *TITLE,
            )
        ),
        "spend": Panel.of(showing(spend_warnings(watched, today=today), (), "title")),
        "credits": Panel.of(
            showing(credits_to_act_on(watched), "kpi__engagement", *CREDIT_LINE_FIELDS)
        ),
        "appetite": settings.RISK_APPETITE_SCORE,
        "expiry_days": settings.EVIDENCE_EXPIRY_WINDOW_DAYS,
        "notice_days": settings.NOTICE_DEADLINE_WINDOW_DAYS,
    }


# --- the worklists ---------------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    """One list behind a dashboard count: its rows (a selector), words and template."""

    template: str
    title: str
    noun: str
    # (engagements in scope, now, who asks) -> the rows
    rows: Callable[[Engagements, datetime.datetime, Any], QuerySet[Any]]
    watched: bool = False  # planned engagements count too (risks, evidence, notices)


WORKLISTS = {
    "checkins_week": Worklist(
        "checkins.html",
        "Check-ins due this week",
        "check-ins",
        lambda rows, now, user: checkins_due_this_week(rows, now),
    ),
    "checkins_overdue": Worklist(
        "checkins.html",
        "Overdue check-ins",
        "check-ins",
        lambda rows, now, user: checkins_overdue(rows, now),
    ),
    "kpis": Worklist("kpis.html", "KPIs in red", "KPIs", lambda rows, now, user: red_kpis(rows)),
    "reviews": Worklist(
        "reviews.html",
        "Open performance reviews",
        "reviews",
        lambda rows, now, user: open_reviews(rows),
    ),
    "risks": Worklist(
        "risks.html",
        "Risks above appetite",
        "risks",
        lambda rows, now, user: risks_above_appetite(rows),
        watched=True,
    ),
    "evidence": Worklist(
        "evidence.html",
        "Evidence expiring or expired",
        "compliance items",
        lambda rows, now, user: evidence_expiring(rows, timezone.localdate(now)),
        watched=True,
    ),
    "actions": Worklist(
        "actions.html",
        "Your open action items",
        "action items",
        lambda rows, now, user: open_action_items([user.pk]),
    ),
    "notices": Worklist(
        "notices.html",
        "Notice deadlines",
        "contracts",
        lambda rows, now, user: notice_deadlines(rows, timezone.localdate(now)).select_related(
            "engagement__vendor"
        ),
        watched=True,
    ),
    "spend": Worklist(
        "spend.html",
        "Spend nearing or over its limit",
        "engagements",
        lambda rows, now, user: spend_warnings(rows, today=timezone.localdate(now)),
        watched=True,
    ),
    "credits": Worklist(
        "credits.html",
        "Service credits to claim or check",
        "credits",
        lambda rows, now, user: credits_to_act_on(rows).select_related("kpi__engagement__vendor"),
        watched=True,
    ),
    "risk_reviews": Worklist(
        "risk_reviews.html",
        "Risk reviews overdue",
        "risks",
        lambda rows, now, user: risk_reviews_overdue(rows, timezone.localdate(now)),
        watched=True,
    ),
}


@login_required
@require_safe
def worklist(request: HttpRequest, kind: str) -> HttpResponse:
    """A page of one worklist, in the layout they share (engagements/dashboard/_worklist.html).

    The check-ins list switches between this week and overdue (?when=overdue).
    """
    require(can_read(request.user))
    scope = scope_of(request)
    when = "overdue" if request.GET.get("when") == "overdue" else "week"
    if kind == "checkins":
        kind = f"checkins_{when}"
    shown = WORKLISTS[kind]
    now = timezone.now()
    rows = shown.rows(in_scope(request.user, scope, watched=shown.watched), now, request.user)
    return render(
        request,
        f"engagements/dashboard/{shown.template}",
        {
            "page": page_of(request, rows),
            "title": shown.title,
            "noun": shown.noun,
            "scope": scope,
            "when": when,
            "now": now,
            "today": timezone.localdate(now),
            "appetite": settings.RISK_APPETITE_SCORE,
            "expiry_days": settings.EVIDENCE_EXPIRY_WINDOW_DAYS,
            "notice_days": settings.NOTICE_DEADLINE_WINDOW_DAYS,
            "base_currency": settings.DEFAULT_CURRENCY,
        },
    )
