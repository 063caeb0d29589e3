"""What each page's "History" section covers (outsourcing.history reads it)."""

from __future__ import annotations

from engagements.models import (
    ComplianceItem,
    Contract,
    DataAccessGrant,
    Engagement,
    Kpi,
    Measurement,
    Risk,
    Scorecard,
)
from outsourcing.history import HistoryEntry, recent_history


def engagement_history(engagement: Engagement) -> list[HistoryEntry]:
    return recent_history(
        (Engagement.history.filter(id=engagement.pk), lambda row: "Engagement"),
        (Contract.history.filter(engagement_id=engagement.pk), lambda row: "Contract"),
    )


def kpi_history(kpi: Kpi) -> list[HistoryEntry]:
    return recent_history(
        (Kpi.history.filter(id=kpi.pk), lambda row: "KPI"),
        (
            Measurement.history.filter(kpi_id=kpi.pk),
            lambda row: f"Value of {row.measured_on:%-d %b %Y}",
        ),
    )


def scorecard_history(engagement: Engagement) -> list[HistoryEntry]:
    return recent_history(
        (
            Scorecard.history.filter(engagement_id=engagement.pk),
            lambda row: f"Scorecard {row.period_start:%b %Y}",
        )
    )


def risk_history(engagement: Engagement) -> list[HistoryEntry]:
    return recent_history(
        (Risk.history.filter(engagement_id=engagement.pk), lambda row: f"Risk “{row.title}”")
    )


def access_history(engagement: Engagement) -> list[HistoryEntry]:
    return recent_history(
        (
            DataAccessGrant.history.filter(engagement_id=engagement.pk),
            lambda row: f"Access to {row.system}",
        )
    )


def compliance_history(engagement: Engagement) -> list[HistoryEntry]:
    return recent_history(
        (
            ComplianceItem.history.filter(engagement_id=engagement.pk).select_related(
                "requirement"
            ),
            lambda row: row.requirement.name,
        )
    )
