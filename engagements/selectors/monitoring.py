"""Performance: KPIs in red, open reviews, scorecards and vendor standings."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.safestring import SafeString

from engagements.charts.sparkline import score_sparkline
from engagements.models import (
    ComplianceItem,
    ComplianceStatus,
    Engagement,
    Evidence,
    Kpi,
    KpiRollup,
    KpiStatus,
    PerformanceReview,
    Period,
    Risk,
    Scorecard,
)
from vendors.models import Vendor

from .risk import risks_above_appetite
from .scope import Engagements


def red_kpis(engagements: Engagements) -> QuerySet[Kpi]:
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


def open_reviews(engagements: Engagements) -> QuerySet[PerformanceReview]:
    return (
        PerformanceReview.objects.filter(engagement__in=engagements, decided_at__isnull=True)
        .select_related("engagement__vendor", "kpi")
        .order_by("created_at", "pk")
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


def vendor_standings(engagements: Engagements) -> QuerySet[Vendor]:
    """Vendors doing live work in scope, the ones to worry about first."""
    return (
        Vendor.objects.filter(
            pk__in=Engagement.objects.filter(pk__in=engagements).values("vendor_id")
        )
        .annotate(standing_rank=STANDING_ORDER)
        .order_by("standing_rank", "legal_name")
    )


def with_latest_score(engagements: Engagements) -> QuerySet[Engagement]:
    """These engagements with their latest scored period (score and period start)."""
    latest = Scorecard.objects.filter(engagement=OuterRef("pk"), score__isnull=False).order_by(
        "-period_start"
    )
    return (
        Engagement.objects.filter(pk__in=engagements)
        .annotate(
            latest_score=Subquery(latest.values("score")[:1]),
            latest_score_period=Subquery(latest.values("period_start")[:1]),
        )
        .select_related("vendor")
        .order_by("title", "pk")
    )


# --- a vendor's performance across its engagements (the vendor page) ------------------

# Months of scorecards the vendor page looks back over (sparkline), and shows as columns.
SPARKLINE_MONTHS = 12
TABLE_MONTHS = 6


def month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    """First days of the last `count` months, oldest first, ending with this month."""
    months: list[datetime.date] = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


@dataclass
class ScoreHistory:
    """One engagement's monthly scores, for a row of the performance table."""

    engagement: Engagement
    scores: list[Decimal | None]
    sparkline: SafeString


def vendor_performance(vendor: Vendor, engagements: list[Engagement]) -> dict[str, Any]:
    """Scorecards by month, red KPIs, open risks and compliance of the vendor's work.

    A fixed number of queries whatever the number of engagements: one per kind of row.
    KPIs, risks and compliance count live engagements only; scorecards every engagement.
    """
    today = timezone.localdate()
    months = month_starts(today, SPARKLINE_MONTHS)
    by_engagement: dict[int, dict[datetime.date, Decimal | None]] = {}
    for engagement_id, period_start, score in Scorecard.objects.filter(
        engagement__vendor=vendor, period=Period.MONTH, period_start__gte=months[0]
    ).values_list("engagement_id", "period_start", "score"):
        by_engagement.setdefault(engagement_id, {})[period_start] = score
    history = []
    for engagement in engagements:
        if engagement.pk not in by_engagement:
            continue
        scores = [by_engagement[engagement.pk].get(month) for month in months]
        history.append(
            ScoreHistory(
                engagement=engagement,
                scores=scores[-TABLE_MONTHS:],
                sparkline=score_sparkline(
                    chart_id=f"score-{engagement.pk}",
                    title=f"Monthly score of {engagement.title}, last {SPARKLINE_MONTHS} months",
                    months=months,
                    scores=scores,
                ),
            )
        )

    live: QuerySet[Any] = Engagement.objects.filter(
        vendor=vendor, status__in=Engagement.LIVE_STATUSES
    ).values("pk")
    items = ComplianceItem.objects.filter(engagement__in=live).prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.only("pk", "item_id"))
    )
    statuses = Counter(item.status_on(today) for item in items)
    return {
        "months": months[-TABLE_MONTHS:],
        "history": history,
        "red_kpis": list(red_kpis(live)),
        "open_risk_count": Risk.objects.filter(engagement__in=live).still_open().count(),
        "risks_above_appetite": list(risks_above_appetite(live)),
        "compliance": [(status, statuses.get(status.value, 0)) for status in ComplianceStatus],
        "compliance_total": sum(statuses.values()),
    }
