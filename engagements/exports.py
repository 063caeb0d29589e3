"""What each list of this app downloads as (outsourcing/exports.py): its columns, once.

Every list view answers `?export=csv|xlsx` with these columns over the same filtered,
ordered rows the page shows, all of them rather than one page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from engagements.models import ComplianceStatus, KpiStatus, Recommendation
from outsourcing.exports import Column, person


def _assessment(candidate: Any) -> Any:
    """The candidate's assessment, or None before one is started."""
    return getattr(candidate, "assessment", None)


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value else ""


ENGAGEMENT_COLUMNS = (
    Column("Engagement", lambda e: e.title),
    Column("Vendor", lambda e: e.vendor.legal_name),
    Column("Vendor standing", lambda e: e.vendor.get_standing_display()),
    Column("Status", lambda e: e.get_status_display()),
    Column("Owner", lambda e: person(e.owner)),
    Column("Starts", lambda e: e.start_date),
    Column("Ends", lambda e: e.end_date),
    Column("Budget", lambda e: e.budget),
    Column("Currency", lambda e: e.currency),
)

CANDIDATE_COLUMNS = (
    Column("Candidate", lambda c: c.name),
    Column("Business function", lambda c: c.get_business_function_display()),
    Column("Owner", lambda c: person(c.owner)),
    Column("Status", lambda c: c.get_status_display()),
    Column("Score", lambda c: a.score if (a := _assessment(c)) else None),
    Column(
        "Recommendation",
        lambda c: _label(Recommendation, a.recommendation) if (a := _assessment(c)) else "",
    ),
    Column("Decision", lambda c: c.get_decision_display()),
    Column("Data classification", lambda c: c.get_data_classification_display()),
    Column("Yearly volume", lambda c: c.yearly_volume_text),
    Column("In-house yearly cost", lambda c: c.in_house_yearly_cost),
    Column("Quoted vendor yearly cost", lambda c: c.quoted_vendor_yearly_cost),
    Column("Last changed", lambda c: c.updated_at),
)

SELECTION_COLUMNS = (
    Column("Selection", lambda s: s.title),
    Column("Candidate", lambda s: s.candidate.name),
    Column("Status", lambda s: s.get_status_display()),
    Column("Owner", lambda s: person(s.owner)),
    Column("Proposals due", lambda s: s.deadline),
    Column("Proposals", lambda s: s.proposal_count),
    Column("Evaluators", lambda s: s.evaluator_count),
    Column("Evaluations submitted", lambda s: s.submitted_count),
    Column("Awarded on", lambda s: s.awarded_at),
)

RISK_COLUMNS = (
    Column("Engagement", lambda r: r.engagement.title),
    Column("Vendor", lambda r: r.engagement.vendor.legal_name),
    Column("Risk", lambda r: r.title),
    Column("Category", lambda r: r.get_category_display()),
    Column("Likelihood", lambda r: r.likelihood),
    Column("Impact", lambda r: r.impact),
    Column("Inherent score", lambda r: r.inherent_score),
    Column("Residual likelihood", lambda r: r.residual_likelihood),
    Column("Residual impact", lambda r: r.residual_impact),
    Column("Residual score", lambda r: r.residual_score),
    Column("Level", lambda r: r.level),
    Column("Owner", lambda r: person(r.owner)),
    Column("Status", lambda r: r.get_status_display()),
    Column("Next review", lambda r: r.next_review_on),
)

COMPLIANCE_COLUMNS = (
    Column("Vendor", lambda i: i.engagement.vendor.legal_name),
    Column("Engagement", lambda i: i.engagement.title),
    Column("Requirement", lambda i: i.requirement.name),
    Column("Status", lambda i: str(ComplianceStatus(i.status).label)),
    Column("Expires on", lambda i: i.expires_on),
    Column(
        "Accepted on",
        lambda i: timezone.localtime(i.accepted_at).date() if i.accepted_at else None,
    ),
)


# The KPIs tab (engagement_kpis, ?export=…&rows=kpis|values|scorecards): the engagement's
# KPIs with their latest rollup (kpis_with_latest), every value entered, every monthly
# scorecard.
KPI_COLUMNS = (
    Column("KPI", lambda k: k.name),
    Column("Active", lambda k: "yes" if k.is_active else "no"),
    Column("Direction", lambda k: k.get_direction_display()),
    Column("Unit", lambda k: k.unit),
    Column("Per", lambda k: k.get_period_display()),
    Column("Aggregation", lambda k: k.get_aggregation_display()),
    Column("Target", lambda k: k.target),
    Column("Amber threshold", lambda k: k.amber_threshold),
    Column("Red threshold", lambda k: k.red_threshold),
    Column("Weight", lambda k: k.weight),
    Column("Latest period from", lambda k: k.latest_period),
    Column("Latest value", lambda k: k.latest_value),
    Column("Latest status", lambda k: _label(KpiStatus, k.latest_status or KpiStatus.NO_DATA)),
    Column("Last value entered on", lambda k: k.last_measured_on),
)

VALUE_COLUMNS = (
    Column("KPI", lambda m: m.kpi.name),
    Column("Date", lambda m: m.measured_on),
    Column("Value", lambda m: m.value),
    Column("Unit", lambda m: m.kpi.unit),
    Column("Source", lambda m: m.get_source_display()),
    Column("Entered by", lambda m: person(m.entered_by)),
    Column("Note", lambda m: m.note),
    Column("Last changed", lambda m: m.updated_at),
)

SCORECARD_COLUMNS = (
    Column("Month", lambda s: s.period_start),
    Column("Score", lambda s: s.score),
    Column("KPIs counted", lambda s: s.kpis_counted),
    Column("KPIs without data", lambda s: s.kpis_without_data),
    Column("Computed at", lambda s: s.computed_at),
)


def result_columns(criteria: list[Any], base_currency: str) -> list[Column]:
    """A selection's results (selection_results' rows): rank, vendor, points, each
    criterion's mean score, and the yearly price beside the price rank. The criteria are
    the selection's own, so the columns are made for it."""

    def mean_of(index: int) -> Column:
        criterion = criteria[index]
        return Column(
            f"{criterion.name} (weight {criterion.weight.normalize():f})",
            lambda row: row.cells[index].mean,
        )

    return [
        Column("Rank", lambda row: row.ranked.rank if row.ranked else None),
        Column("Vendor", lambda row: row.proposal.vendor.legal_name),
        Column("Points (of 100)", lambda row: row.ranked.total if row.ranked else None),
        *(mean_of(index) for index in range(len(criteria))),
        Column("Yearly equivalent", lambda row: row.price.yearly.amount),
        Column("Currency", lambda row: row.price.currency),
        # Missing when no rate is kept for the currency on the day: never zero.
        Column(f"Yearly in {base_currency}", lambda row: row.price.in_base),
        Column("Price rank", lambda row: row.price_rank),
    ]


# The spend tab (engagement_spend, ?export=…): every entry with its conversion.
SPEND_COLUMNS = (
    Column("Invoice date", lambda e: e.spent_on),
    Column("Period from", lambda e: e.period_start),
    Column("Period to", lambda e: e.period_end),
    Column("Amount", lambda e: e.amount),
    Column("Currency", lambda e: e.currency),
    Column("Rate used", lambda e: e.rate_value if e.currency != _base() else None),
    Column("Rate of", lambda e: e.rate_valid_from if e.currency != _base() else None),
    Column("Invoice number", lambda e: e.invoice_number),
    Column("Note", lambda e: e.note),
    Column("Entered by", lambda e: person(e.entered_by)),
)


def _base() -> str:
    return str(settings.DEFAULT_CURRENCY)


# The renewal view (renewal_list, ?export=…): selectors/renewals.py's rows.
RENEWAL_COLUMNS = (
    Column("Notice deadline", lambda r: r.engagement.contract.notice_deadline),
    Column("Engagement", lambda r: r.engagement.title),
    Column("Vendor", lambda r: r.engagement.vendor.legal_name),
    Column("Vendor standing", lambda r: r.engagement.vendor.get_standing_display()),
    Column("Latest score", lambda r: r.latest_score),
    Column("Score change", lambda r: r.score_change),
    Column("KPIs in red", lambda r: r.red_kpis),
    Column("Spent", lambda r: r.engagement.spent),
    Column("Contract value", lambda r: r.engagement.value_in_base),
    Column(
        "Open credits",
        lambda r: "; ".join(f"{amount:.2f} {currency}" for currency, amount in r.open_credits),
    ),
    Column("Suggestion", lambda r: r.advice.label),
    Column("Because", lambda r: "; ".join(r.advice.reasons)),
    Column("Decision", lambda r: r.decision.get_decision_display() if r.decision else ""),
    Column("Decided by", lambda r: person(r.decision.decided_by) if r.decision else ""),
    Column("Owner", lambda r: person(r.engagement.owner)),
)


# An engagement's credits page (engagement_credits, ?export=…): every credit the filters keep.
CREDIT_COLUMNS = (
    Column("KPI", lambda c: c.kpi.name),
    Column("Period from", lambda c: c.period_start),
    Column("Period to", lambda c: c.period_end),
    Column("KPI value", lambda c: c.kpi_value),
    Column("Unit", lambda c: c.kpi.unit),
    Column("Credit", lambda c: c.amount),
    Column("Currency", lambda c: c.currency),
    Column("Not computed because", lambda c: c.get_problem_display() if c.problem else ""),
    Column("Where it stands", lambda c: c.get_state_display()),
    Column("Claimed on", lambda c: c.claimed_on),
    Column("Received on", lambda c: c.received_on),
    Column("Note", lambda c: c.note),
)
