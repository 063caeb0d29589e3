"""Risks, compliance evidence and contract deadlines that need someone's attention.

Each window is a setting (EVIDENCE_EXPIRY_WINDOW_DAYS, NOTICE_DEADLINE_WINDOW_DAYS), so the
dashboard, its worklists and the weekly digest always agree on what "soon" means.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from engagements.models import ComplianceItem, Contract, Evidence, Risk

from .scope import Engagements


def risks_above_appetite(engagements: Engagements) -> QuerySet[Risk]:
    """Risks not closed whose residual likelihood × impact reaches the appetite score."""
    return (
        Risk.objects.filter(engagement__in=engagements)
        .above_appetite()
        .select_related("engagement__vendor", "owner")
    )


def risk_reviews_overdue(engagements: Engagements, today: datetime.date) -> QuerySet[Risk]:
    """Risks not closed whose review date has passed, longest overdue first."""
    return (
        Risk.objects.filter(engagement__in=engagements)
        .review_due_by(today - datetime.timedelta(days=1))
        .select_related("engagement__vendor", "owner")
    )


def evidence_expiry_horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=settings.EVIDENCE_EXPIRY_WINDOW_DAYS)


def evidence_expiring(engagements: Engagements, today: datetime.date) -> QuerySet[ComplianceItem]:
    """Items expiring within the window (inclusive) or already expired, soonest first."""
    return (
        ComplianceItem.objects.filter(
            engagement__in=engagements, expires_on__lte=evidence_expiry_horizon(today)
        )
        .annotate(has_evidence=Exists(Evidence.objects.filter(item=OuterRef("pk"))))
        .select_related("engagement__vendor", "requirement")
        .order_by("expires_on", "pk")
    )


def notice_deadlines(engagements: Engagements, today: datetime.date) -> QuerySet[Contract]:
    """Contracts whose notice deadline falls from today to the end of the window, soonest
    first. Once notice is given there is nothing left to decide: those are left out."""
    horizon = today + datetime.timedelta(days=settings.NOTICE_DEADLINE_WINDOW_DAYS)
    return (
        Contract.objects.awaiting_notice()
        .filter(engagement__in=engagements, notice_deadline__range=(today, horizon))
        .select_related("engagement")
        .order_by("notice_deadline", "pk")
    )
