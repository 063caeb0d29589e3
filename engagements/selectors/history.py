"""What each page's "History" section covers (outsourcing.history reads it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engagements.models import (
    Amendment,
    ComplianceItem,
    Contract,
    DataAccessGrant,
    Engagement,
    Kpi,
    Measurement,
    RenewalDecision,
    Risk,
    Scorecard,
)
from outsourcing.history import History, recent_history


def engagement_history(engagement: Engagement) -> History:
    return recent_history(
        (Engagement.history.filter(id=engagement.pk), lambda row: "Engagement"),
        (Contract.history.filter(engagement_id=engagement.pk), lambda row: "Contract"),
        (
            Amendment.history.filter(contract__engagement_id=engagement.pk),
            lambda row: f"Amendment “{row.summary}”",
        ),
        (
            RenewalDecision.history.filter(contract__engagement_id=engagement.pk),
            _decision_label,
        ),
    )


def _decision_label(row: Any) -> str:
    return f"Renewal decision “{row.get_decision_display()}”"


# The contract's term history page shows this many versions, newest first: more than
# any contract here goes through, short enough for one page.
CONTRACT_VERSIONS_LIMIT = 200


def contract_versions(contract: Contract) -> History:
    """Every version of the contract's terms, newest first, each with what changed from
    the one before and why (a roll, notice given), and the amendments and renewal
    decisions recorded."""
    return recent_history(
        (Contract.history.filter(id=contract.pk), lambda row: "Terms"),
        (
            Amendment.history.filter(contract_id=contract.pk),
            lambda row: f"Amendment “{row.summary}”",
        ),
        (RenewalDecision.history.filter(contract_id=contract.pk), _decision_label),
        limit=CONTRACT_VERSIONS_LIMIT,
    )


def kpi_history(kpi: Kpi) -> History:
    """The KPI's changes and its values' edits and deletions. A new value is not news
    here: the page lists every value entered, with who entered it, and a month of daily
    values would push everything else out of the history."""
    return recent_history(
        (Kpi.history.filter(id=kpi.pk), lambda row: "KPI"),
        (
            Measurement.history.filter(kpi_id=kpi.pk).exclude(history_type="+"),
            lambda row: f"Value of {row.measured_on:%-d %b %Y}",
        ),
    )


def scorecard_history(engagement: Engagement) -> History:
    return _rows_of(engagement, Scorecard, lambda row: f"Scorecard {row.period_start:%b %Y}")


def risk_history(engagement: Engagement) -> History:
    return _rows_of(engagement, Risk, lambda row: f"Risk “{row.title}”")


def access_history(engagement: Engagement) -> History:
    return _rows_of(engagement, DataAccessGrant, lambda row: f"Access to {row.system}")


def compliance_history(engagement: Engagement) -> History:
    return _rows_of(
        engagement, ComplianceItem, lambda row: row.requirement.name, related=("requirement",)
    )


def _rows_of(
    engagement: Engagement,
    model: type[Any],
    name: Callable[[Any], str],
    *,
    related: tuple[str, ...] = (),
) -> History:
    """The changes of one kind of row of an engagement, each named by `name`."""
    rows = model.history.filter(engagement_id=engagement.pk).select_related(*related)
    return recent_history((rows, name))
