"""Money that means what it says: yearly equivalents, exchange rates, the award's figures."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from engagements.models import Contract, Engagement, ExchangeRate, Proposal, Selection
from engagements.models.sourcing import yearly_equivalent
from engagements.selectors.sourcing import selection_results, with_exchange_rates, yearly_price
from engagements.services.sourcing import award_selection
from engagements.tests.factories import (
    CandidateFactory,
    ExchangeRateFactory,
    ProposalFactory,
    SelectionFactory,
)
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)
RECEIVED = datetime.date(2026, 11, 15)


@pytest.fixture(autouse=True)
def base_currency_is_euro(settings: Any) -> None:
    settings.DEFAULT_CURRENCY = "EUR"


@pytest.fixture
def selection(manager: Any) -> Selection:
    candidate = CandidateFactory(
        owner=manager, approved=True, name="Payroll", yearly_volume=12000, volume_unit="payslips"
    )
    return SelectionFactory(candidate=candidate, status=Selection.Status.EVALUATING)


def proposal(selection: Selection, name: str, **fields: Any) -> Proposal:
    fields.setdefault("currency", "EUR")
    fields.setdefault("received_on", RECEIVED)
    fields.setdefault("proposed_start", datetime.date(2027, 1, 1))
    fields.setdefault("proposed_end", datetime.date(2027, 12, 31))
    return ProposalFactory(
        selection=selection,
        vendor__legal_name=name,
        vendor__status=Vendor.Status.APPROVED,
        vendor__standing=Vendor.Standing.GOOD,
        **fields,
    )


# --- yearly equivalents per pricing model ------------------------------------------


@pytest.mark.parametrize(
    ("fields", "amount", "basis"),
    [
        ({"pricing_model": "retainer", "price": "4500"}, "54000.00", "12 months"),
        (
            {"pricing_model": "per_unit", "price": "38", "volume": 12000, "unit": "payslips"},
            "456000.00",
            "12,000 payslips a year",
        ),
        ({"pricing_model": "hourly", "price": "24", "volume": 2280}, "54720.00", "2,280 hours"),
        (
            {
                "pricing_model": "fixed",
                "price": "52000",
                "start": datetime.date(2027, 1, 1),
                "end": datetime.date(2028, 12, 31),
            },
            "26000.00",
            "over 2 years",
        ),
        (
            {
                "pricing_model": "fixed",
                "price": "52000",
                "start": datetime.date(2027, 1, 1),
                "end": datetime.date(2027, 6, 30),
            },
            "104000.00",
            "over 0.5 years",
        ),
        (
            {"pricing_model": "fixed", "price": "52000"},
            "52000.00",
            "taken as one year: no term",
        ),
    ],
)
def test_it_gives_a_yearly_equivalent_for_each_pricing_model(
    fields: dict[str, Any], amount: str, basis: str
) -> None:
    fields["price"] = Decimal(fields["price"])
    equivalent = yearly_equivalent(**fields)
    assert equivalent.amount == Decimal(amount)
    assert basis in equivalent.basis


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"pricing_model": "per_unit", "price": Decimal("38")}, "no yearly volume"),
        ({"pricing_model": "hourly", "price": Decimal("24")}, "no hours a year"),
        ({"pricing_model": "retainer", "price": None}, "no price"),
        ({"pricing_model": "", "price": Decimal("1")}, "no pricing model"),
    ],
)
def test_without_what_it_needs_the_yearly_equivalent_is_missing_not_zero(
    fields: dict[str, Any], reason: str
) -> None:
    equivalent = yearly_equivalent(**fields)
    assert equivalent.amount is None
    assert reason in equivalent.basis


def test_a_per_unit_proposal_assumes_the_works_yearly_volume_unless_it_states_its_own(
    selection: Selection,
) -> None:
    payroll = proposal(selection, "Payroll Co", pricing_model="per_unit", price=Decimal("38"))
    assert payroll.yearly_equivalent().amount == Decimal("456000.00")
    assert "12,000 payslips a year, the work's volume" in payroll.yearly_equivalent().basis

    payroll.assumed_volume = 10000
    assert payroll.yearly_equivalent().amount == Decimal("380000.00")
    assert payroll.yearly_equivalent().basis == "10,000 payslips a year"


def test_an_hourly_proposal_is_multiplied_by_its_own_hours_a_year(selection: Selection) -> None:
    hourly = proposal(
        selection, "Hours Ltd", pricing_model="hourly", price=Decimal("24"), assumed_volume=2280
    )
    assert hourly.yearly_equivalent().amount == Decimal("54720.00")


# --- conversion to the base currency -------------------------------------------------


def test_it_converts_at_the_latest_rate_on_or_before_the_day_received_and_says_which(
    selection: Selection,
) -> None:
    ExchangeRateFactory(currency="USD", rate=Decimal("0.90"), valid_from=datetime.date(2026, 10, 1))
    ExchangeRateFactory(currency="USD", rate=Decimal("0.92"), valid_from=datetime.date(2026, 11, 1))
    # After the proposal arrived: not the rate it is compared at.
    ExchangeRateFactory(
        currency="USD", rate=Decimal("0.99"), valid_from=datetime.date(2026, 11, 20)
    )
    dollars = proposal(
        selection, "Dollar Inc", pricing_model="retainer", price=Decimal("5000"), currency="USD"
    )

    price = yearly_price(dollars)

    assert price.yearly.amount == Decimal("60000.00")
    assert price.in_base == Decimal("55200.00")
    assert price.conversion == "1 USD = 0.92 EUR, rate of 1 Nov 2026"
    # The one-query version for lists answers the same.
    annotated = with_exchange_rates(Proposal.objects.filter(pk=dollars.pk)).get()
    assert yearly_price(annotated) == price


def test_a_proposal_not_yet_received_converts_at_todays_rate(selection: Selection) -> None:
    ExchangeRateFactory(currency="GBP", rate=Decimal("1.15"), valid_from=datetime.date(2026, 12, 1))
    pounds = proposal(
        selection,
        "Pound Ltd",
        pricing_model="retainer",
        price=Decimal("1000"),
        currency="GBP",
        received_on=None,
    )

    price = yearly_price(pounds, today=TODAY)

    assert price.in_base == Decimal("13800.00")
    assert price.conversion == "1 GBP = 1.15 EUR, rate of 1 Dec 2026"


def test_without_a_rate_the_converted_price_is_missing_never_zero(selection: Selection) -> None:
    ExchangeRateFactory(
        currency="USD", rate=Decimal("0.92"), valid_from=datetime.date(2026, 11, 20)
    )
    dollars = proposal(
        selection, "Dollar Inc", pricing_model="retainer", price=Decimal("5000"), currency="USD"
    )

    price = yearly_price(dollars)

    assert price.yearly.amount == Decimal("60000.00")
    assert price.in_base is None
    assert price.rate_missing and not price.comparable
    assert price.conversion == "USD rate missing on 15 Nov 2026"


def test_a_converted_price_is_rounded_to_the_cent_half_up_as_spend_is(
    selection: Selection,
) -> None:
    ExchangeRateFactory(
        currency="GBP", rate=Decimal("1.15000375"), valid_from=datetime.date(2026, 11, 1)
    )
    pounds = proposal(
        selection, "Pound Ltd", pricing_model="retainer", price=Decimal("1000"), currency="GBP"
    )

    # 12,000 GBP a year at 1.15000375: 13,800.045, half a cent, rounded up (not to even).
    assert yearly_price(pounds).in_base == Decimal("13800.05")


def test_the_base_currency_needs_no_rate(selection: Selection) -> None:
    euros = proposal(selection, "Euro SA", pricing_model="retainer", price=Decimal("4500"))
    price = yearly_price(euros)
    assert (price.in_base, price.conversion, price.rate_missing) == (Decimal("54000.00"), "", False)


def test_the_base_currency_cannot_be_given_a_rate() -> None:
    rate = ExchangeRate(currency="EUR", rate=Decimal("1"), valid_from=TODAY)
    with pytest.raises(ValidationError, match="base currency"):
        rate.full_clean()


# --- ranking by yearly equivalent ------------------------------------------------------


@pytest.fixture
def mixed(selection: Selection) -> dict[str, Proposal]:
    """4,500 a month, 52,000 fixed for a year, 38 a payslip, and dollars with no rate."""
    return {
        "retainer": proposal(
            selection, "Monthly Ltd", pricing_model="retainer", price=Decimal("4500")
        ),
        "fixed": proposal(selection, "Fixed GmbH", pricing_model="fixed", price=Decimal("52000")),
        "per_unit": proposal(
            selection, "Payslip BV", pricing_model="per_unit", price=Decimal("38")
        ),
        "no_rate": proposal(
            selection,
            "Dollar Inc",
            pricing_model="retainer",
            price=Decimal("100"),
            currency="USD",
        ),
    }


def test_the_results_rank_prices_by_yearly_equivalent_and_the_incomparable_last(
    selection: Selection, mixed: dict[str, Proposal]
) -> None:
    results = selection_results(selection, include_drafts=False)

    by_price = [(row.proposal.vendor.legal_name, row.price_rank) for row in results.by_price]
    assert by_price == [
        ("Fixed GmbH", 1),
        ("Monthly Ltd", 2),
        ("Payslip BV", 3),
        ("Dollar Inc", None),
    ]
    # Cheapest at 100 USD a month, but without a rate it cannot be compared.
    assert results.by_price[-1].price.in_base is None


def test_the_results_page_shows_the_yearly_figures_the_rate_and_missing(
    selection: Selection,
    mixed: dict[str, Proposal],
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    ExchangeRateFactory(currency="GBP", rate=Decimal("1.15"), valid_from=datetime.date(2026, 11, 1))
    proposal(
        selection, "Pound Ltd", pricing_model="retainer", price=Decimal("1000"), currency="GBP"
    )

    page = client_for(manager).get(reverse("engagements:results", args=[selection.pk]))
    text = page.content.decode()

    assert "Prices compared: a year’s worth in EUR" in text
    assert "456,000.00 EUR" in text
    assert "12,000 payslips a year, the work&#x27;s volume" in text
    assert "1 GBP = 1.15 EUR, rate of 1 Nov 2026" in text
    assert "13,800.00 EUR" in text
    assert "USD rate missing on 15 Nov 2026" in text


def test_the_selection_page_shows_each_proposals_yearly_equivalent(
    selection: Selection,
    mixed: dict[str, Proposal],
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    page = client_for(manager).get(reverse("engagements:selection_detail", args=[selection.pk]))
    text = page.content.decode()
    assert "54,000.00 EUR a year" in text
    assert "USD rate missing" in text


def test_the_proposal_form_records_the_volume_assumed_and_shows_the_yearly_equivalent(
    selection: Selection, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    hourly = proposal(selection, "Hours Ltd", pricing_model="hourly", price=Decimal("24"))
    client = client_for(manager)
    url = reverse("engagements:proposal_update", args=[selection.pk, hourly.pk])
    assert "no hours a year stated" in client.get(url).content.decode()

    client.post(
        url,
        {
            "price": "24",
            "pricing_model": "hourly",
            "currency": "EUR",
            "proposed_start": "2027-01-01",
            "proposed_end": "2027-12-31",
            "received_on": "2026-11-15",
            "assumed_volume": "2280",
        },
    )

    hourly.refresh_from_db()
    assert hourly.assumed_volume == 2280
    assert "54,720.00 EUR a year" in client.get(url).content.decode()


def test_the_candidate_form_keeps_the_yearly_volume(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    response = client.post(
        reverse("engagements:candidate_create"),
        {
            "name": "Payroll",
            "business_function": "accounting",
            "currency": "EUR",
            "volume": "1,000 payslips a month",
            "yearly_volume": "12000",
            "volume_unit": "payslips",
            "data_classification": "confidential",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "12,000 payslips a year" in response.content.decode()


# --- the award's figures ------------------------------------------------------------------


def award_url(selection: Selection, proposal: Proposal | None = None) -> str:
    url = reverse("engagements:award", args=[selection.pk])
    return f"{url}?proposal={proposal.pk}" if proposal else url


@time_machine.travel(datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC), tick=False)
def test_the_award_page_prefills_the_yearly_equivalent_not_the_unit_price(
    selection: Selection, mixed: dict[str, Proposal], manager: Any, client_for: Callable[[Any], Any]
) -> None:
    per_unit = mixed["per_unit"]
    response = client_for(manager).get(award_url(selection, per_unit))

    form = response.context["form"]
    assert form["contract_value"].value() == Decimal("456000.00")
    assert form["budget"].value() == Decimal("456000.00")
    text = response.content.decode()
    assert 'name="contract_value" value="456000.00"' in text


@time_machine.travel(datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC), tick=False)
def test_the_manager_corrects_the_figures_before_the_engagement_is_created(
    selection: Selection, mixed: dict[str, Proposal], manager: Any, client_for: Callable[[Any], Any]
) -> None:
    per_unit = mixed["per_unit"]
    response = client_for(manager).post(
        award_url(selection),
        {
            "proposal": per_unit.pk,
            "prefilled_for": per_unit.pk,
            "contract_value": "440000.00",
            "budget": "450000",
        },
    )

    assert response.status_code == 302
    engagement = Engagement.objects.get()
    contract = Contract.objects.get(engagement=engagement)
    assert (contract.value, contract.currency) == (Decimal("440000.00"), "EUR")
    assert engagement.budget == Decimal("450000.00")


def test_figures_filled_in_for_another_proposal_are_replaced_and_asked_again(
    selection: Selection, mixed: dict[str, Proposal], manager: Any, client_for: Callable[[Any], Any]
) -> None:
    retainer, per_unit = mixed["retainer"], mixed["per_unit"]
    client = client_for(manager)
    response = client.post(
        award_url(selection),
        {
            "proposal": per_unit.pk,
            "prefilled_for": retainer.pk,
            "contract_value": "54000.00",
            "budget": "54000.00",
        },
    )

    assert response.status_code == 200
    assert not Engagement.objects.exists()
    form = response.context["form"]
    assert "now filled in from Payslip BV" in " ".join(form.non_field_errors())
    assert form["contract_value"].value() == "456000.00"
    assert str(form["prefilled_for"].value()) == str(per_unit.pk)


def test_without_a_yearly_equivalent_the_manager_must_enter_the_value(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    selection = SelectionFactory(candidate__owner=manager, status=Selection.Status.EVALUATING)
    unknown = proposal(selection, "Units Ltd", pricing_model="per_unit", price=Decimal("2.15"))
    client = client_for(manager)

    page = client.get(award_url(selection, unknown))
    assert page.context["form"]["contract_value"].value() is None
    assert "<strong>missing</strong>" in page.content.decode()

    refused = client.post(
        award_url(selection),
        {"proposal": unknown.pk, "prefilled_for": unknown.pk, "contract_value": "", "budget": ""},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["contract_value"]
    assert not Engagement.objects.exists()

    with pytest.raises(ValidationError, match="No yearly equivalent"):
        award_selection(selection=selection, proposal=unknown, by=manager)


def test_the_award_service_defaults_to_the_yearly_equivalent_in_the_proposals_currency(
    selection: Selection, manager: Any
) -> None:
    dollars = proposal(
        selection, "Dollar Inc", pricing_model="retainer", price=Decimal("5000"), currency="USD"
    )

    engagement = award_selection(selection=selection, proposal=dollars, by=manager)

    assert (engagement.budget, engagement.currency) == (Decimal("60000.00"), "USD")
    assert engagement.contract.value == Decimal("60000.00")
