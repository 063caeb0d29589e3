"""The renewal view's suggestion: explicit rules, strongest first, each with its reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engagements.selectors.renewals import Suggestion, suggest_renewal
from vendors.models import Vendor

CALM: dict[str, Any] = {
    "standing": Vendor.Standing.GOOD,
    "red_kpis": 0,
    "burn_of_value": 0.5,
    "score_change": Decimal("2"),
    "in_house_yearly": None,
    "yearly_run_rate": Decimal("80000"),
}


@pytest.mark.parametrize(
    ("changes", "action", "reason"),
    [
        ({}, Suggestion.RENEW, "standing, KPIs and spend give no reason to change"),
        ({"standing": Vendor.Standing.POOR}, Suggestion.REPLACE, "the vendor's standing is poor"),
        ({"red_kpis": 2}, Suggestion.REPLACE, "2 KPIs are in red"),
        ({"red_kpis": 1}, Suggestion.RENEW, "standing, KPIs and spend give no reason to change"),
        ({"burn_of_value": 1.0}, Suggestion.RENEGOTIATE, "spend is 100% of the contract's value"),
        ({"burn_of_value": 0.99}, Suggestion.RENEW, "standing, KPIs and spend"),
        (
            {"score_change": Decimal("-10")},
            Suggestion.RENEGOTIATE,
            "the scorecard fell 10.0 points over 3 months",
        ),
        ({"score_change": Decimal("-9.9")}, Suggestion.RENEW, "standing, KPIs and spend"),
        (
            {"in_house_yearly": Decimal("70000")},
            Suggestion.IN_HOUSE,
            "in-house was estimated at 70,000 a year, below the 80,000 the work now costs a year",
        ),
        ({"in_house_yearly": Decimal("90000")}, Suggestion.RENEW, "standing, KPIs and spend"),
        ({"burn_of_value": None, "score_change": None}, Suggestion.RENEW, "standing, KPIs"),
        (
            {"missed_months": 3},
            Suggestion.RENEGOTIATE,
            "service levels missed in 3 of the last 12 months (service credits earned)",
        ),
        ({"missed_months": 2}, Suggestion.RENEW, "standing, KPIs and spend"),
    ],
)
def test_each_rule_suggests_its_action_with_its_reason(
    changes: dict[str, Any], action: str, reason: str
) -> None:
    advice = suggest_renewal(**{**CALM, **changes})

    assert advice.action == action
    assert advice.reasons[0].startswith(reason)


def test_the_strongest_rule_wins_and_the_others_are_said_too() -> None:
    advice = suggest_renewal(
        **{**CALM, "red_kpis": 3, "burn_of_value": 1.2, "in_house_yearly": Decimal("10000")}
    )

    assert advice.action == Suggestion.REPLACE
    assert advice.label == "Replace the vendor"
    assert advice.reasons == [
        "3 KPIs are in red",
        "also: in-house was estimated at 10,000 a year, below the 80,000 the work now costs a year",
        "also: spend is 120% of the contract's value",
    ]
