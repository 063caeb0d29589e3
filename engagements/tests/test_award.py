"""Awarding a selection: one engagement and contract from the proposal, and the standing rule."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from engagements.models import Candidate, Contract, Engagement, Selection
from engagements.services.sourcing import award_selection
from engagements.tests.factories import ProposalFactory, SelectionFactory
from vendors.models import Vendor, VendorStatusChange

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 7, 1)
END = datetime.date(2026, 6, 30)


@pytest.fixture
def selection(manager: Any) -> Selection:
    return SelectionFactory(
        candidate__owner=manager,
        candidate__name="Bookkeeping",
        requirements="Invoices within 3 days; payroll for 85 people.",
        status=Selection.Status.EVALUATING,
    )


def proposal_for(selection: Selection, **vendor: Any) -> Any:
    return ProposalFactory(
        selection=selection,
        vendor__legal_name=vendor.pop("legal_name", "Ledgerwise Sp. z o.o."),
        vendor__status=vendor.pop("status", Vendor.Status.APPROVED),
        vendor__standing=vendor.pop("standing", Vendor.Standing.GOOD),
        price=Decimal("21500.00"),
        currency="PLN",
        proposed_start=START,
        proposed_end=END,
    )


def award_url(selection: Selection) -> str:
    return reverse("engagements:award", args=[selection.pk])


def confirmed(proposal: Any, **data: Any) -> dict[str, Any]:
    """The award page's POST once the manager has confirmed the pre-filled figures."""
    yearly = proposal.yearly_equivalent().amount
    return {
        "proposal": proposal.pk,
        "prefilled_for": proposal.pk,
        "contract_value": yearly,
        "budget": yearly,
        **data,
    }


# --- the service ----------------------------------------------------------------------


def test_an_award_creates_one_engagement_carrying_scope_price_and_dates(
    selection: Selection, manager: Any
) -> None:
    proposal = proposal_for(selection)
    ProposalFactory(selection=selection)

    engagement = award_selection(selection=selection, proposal=proposal, by=manager)

    assert Engagement.objects.count() == 1
    assert engagement.title == "Bookkeeping – Ledgerwise Sp. z o.o."
    assert engagement.vendor == proposal.vendor
    assert engagement.candidate == selection.candidate
    assert engagement.selection == selection
    assert engagement.owner == manager
    assert engagement.scope == "Invoices within 3 days; payroll for 85 people."
    # A monthly retainer of 21,500 PLN: its yearly equivalent, never the monthly price.
    assert (engagement.budget, engagement.currency) == (Decimal("258000.00"), "PLN")
    assert (engagement.start_date, engagement.end_date) == (START, END)
    assert engagement.status == Engagement.Status.ACTIVE

    contract = Contract.objects.get(engagement=engagement)
    assert (contract.value, contract.currency) == (Decimal("258000.00"), "PLN")
    assert (contract.start_date, contract.end_date) == (START, END)
    assert contract.notice_period_days == 90
    assert contract.notice_deadline == END - datetime.timedelta(days=90)


def test_an_award_closes_the_selection_and_the_candidate_and_activates_the_vendor(
    selection: Selection, manager: Any
) -> None:
    proposal = proposal_for(selection)

    award_selection(selection=selection, proposal=proposal, by=manager)

    selection.refresh_from_db()
    assert selection.status == Selection.Status.AWARDED
    assert selection.awarded_proposal == proposal
    assert selection.awarded_at is not None
    assert Candidate.objects.get(pk=selection.candidate_id).status == Candidate.Status.OUTSOURCED
    vendor = Vendor.objects.get(pk=proposal.vendor_id)
    assert vendor.status == Vendor.Status.ACTIVE
    change = VendorStatusChange.objects.get(vendor=vendor)
    assert (change.old_status, change.new_status) == ("approved", "active")
    assert change.reason == f"Awarded {selection}"
    assert change.changed_by == manager


def test_an_already_active_vendor_gets_no_status_change(selection: Selection, manager: Any) -> None:
    proposal = proposal_for(selection, status=Vendor.Status.ACTIVE)

    award_selection(selection=selection, proposal=proposal, by=manager)

    assert not VendorStatusChange.objects.exists()


@time_machine.travel(datetime.datetime(2025, 3, 10, 9, tzinfo=datetime.UTC), tick=False)
def test_without_proposed_dates_the_engagement_runs_a_year_from_today(
    selection: Selection, manager: Any
) -> None:
    proposal = proposal_for(selection)
    proposal.proposed_start = proposal.proposed_end = None
    proposal.save()

    engagement = award_selection(selection=selection, proposal=proposal, by=manager)

    assert engagement.start_date == datetime.date(2025, 3, 10)
    assert engagement.end_date == datetime.date(2026, 3, 9)


def test_a_selection_is_awarded_only_once(selection: Selection, manager: Any) -> None:
    first, second = proposal_for(selection), proposal_for(selection, legal_name="Numera")
    award_selection(selection=selection, proposal=first, by=manager)

    with pytest.raises(ValidationError, match="already awarded"):
        award_selection(selection=selection, proposal=second, by=manager)

    assert Engagement.objects.count() == 1
    assert Contract.objects.count() == 1


def test_a_cancelled_selection_cannot_be_awarded(selection: Selection, manager: Any) -> None:
    proposal = proposal_for(selection)
    Selection.objects.filter(pk=selection.pk).update(status=Selection.Status.CANCELLED)

    with pytest.raises(ValidationError, match="already cancelled"):
        award_selection(selection=selection, proposal=proposal, by=manager)

    assert not Engagement.objects.exists()


def test_a_proposal_of_another_selection_is_refused(selection: Selection, manager: Any) -> None:
    stranger = ProposalFactory()

    with pytest.raises(ValidationError, match="another selection"):
        award_selection(selection=selection, proposal=stranger, by=manager)

    assert not Engagement.objects.exists()


def test_a_proposal_without_a_price_is_refused(selection: Selection, manager: Any) -> None:
    proposal = proposal_for(selection)
    proposal.price = None
    proposal.save()

    with pytest.raises(ValidationError, match="price"):
        award_selection(selection=selection, proposal=proposal, by=manager)

    assert not Engagement.objects.exists()


def test_a_vendor_in_poor_standing_cannot_be_awarded_by_a_manager(
    selection: Selection, manager: Any
) -> None:
    proposal = proposal_for(selection, standing=Vendor.Standing.POOR)

    with pytest.raises(ValidationError, match="Only an admin"):
        award_selection(selection=selection, proposal=proposal, by=manager, override_reason="Hm")

    assert not Engagement.objects.exists()
    assert Selection.objects.get(pk=selection.pk).status == Selection.Status.EVALUATING


def test_an_admin_overrides_a_poor_standing_only_with_a_reason(
    selection: Selection, role_admin: Any
) -> None:
    proposal = proposal_for(selection, standing=Vendor.Standing.POOR)

    with pytest.raises(ValidationError) as refused:
        award_selection(selection=selection, proposal=proposal, by=role_admin, override_reason=" ")
    assert "override_reason" in refused.value.error_dict
    assert not Engagement.objects.exists()

    award_selection(
        selection=selection,
        proposal=proposal,
        by=role_admin,
        override_reason="Only vendor with German payroll; new team lead since May.",
    )

    assert Engagement.objects.count() == 1
    notes = Selection.objects.get(pk=selection.pk).negotiation_notes
    assert "despite its poor standing" in notes
    assert "Only vendor with German payroll" in notes


# --- the confirmation page ----------------------------------------------------------------


def test_the_manager_confirms_and_lands_on_the_new_engagement(
    selection: Selection, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    proposal = proposal_for(selection)
    client = client_for(manager)
    assert "Ledgerwise Sp. z o.o." in client.get(award_url(selection)).content.decode()

    response = client.post(award_url(selection), confirmed(proposal), follow=True)

    engagement = Engagement.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "engagements:engagement_detail", args=[engagement.pk]
    )
    page = response.content.decode()
    assert "Awarded to Ledgerwise Sp. z o.o." in page
    assert engagement.title in page
    assert "Notice deadline" in page


def test_a_second_award_through_the_page_is_refused(
    selection: Selection, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    first, second = proposal_for(selection), proposal_for(selection, legal_name="Numera")
    client = client_for(manager)
    client.post(award_url(selection), confirmed(first))

    response = client.post(award_url(selection), confirmed(second), follow=True)

    assert Engagement.objects.count() == 1
    assert "it cannot be awarded again" in response.content.decode()


@pytest.mark.parametrize("asked", ["²", "١", "x", "", "99999999999999999999"])
def test_an_award_page_asked_for_no_real_proposal_starts_without_figures(
    asked: str, selection: Selection, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    proposal_for(selection)

    response = client_for(manager).get(award_url(selection), {"proposal": asked})

    assert response.status_code == 200
    assert response.context["form"].initial.get("prefilled_for") is None


def test_a_manager_sees_why_a_poor_vendor_is_blocked_and_gets_no_override_field(
    selection: Selection, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    proposal = proposal_for(selection, standing=Vendor.Standing.POOR)
    client = client_for(manager)

    page = client.get(award_url(selection)).content.decode()
    assert "Only an admin can award it" in page
    assert "override_reason" not in page

    response = client.post(award_url(selection), confirmed(proposal, override_reason="Trust me"))

    assert response.status_code == 200
    assert "Only an admin can award it" in " ".join(response.context["form"].non_field_errors())
    assert not Engagement.objects.exists()


def test_an_admin_awards_a_poor_vendor_with_a_reason_on_the_page(
    selection: Selection, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    proposal = proposal_for(selection, standing=Vendor.Standing.POOR)
    client = client_for(role_admin)
    assert 'name="override_reason"' in client.get(award_url(selection)).content.decode()

    refused = client.post(award_url(selection), confirmed(proposal))
    assert refused.context["form"].errors["override_reason"]
    assert not Engagement.objects.exists()

    response = client.post(
        award_url(selection),
        confirmed(proposal, override_reason="Only vendor with German payroll."),
    )

    assert response.status_code == 302
    assert Engagement.objects.count() == 1
