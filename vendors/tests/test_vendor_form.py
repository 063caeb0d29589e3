"""The vendor form's tier: it follows the suggestion for the answers until the person
chooses another one, and only a chosen tier other than the suggestion needs a reason —
with JavaScript (the htmx tier part) and without."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from vendors.forms import VendorForm
from vendors.models import DataClassification, Vendor, VendorTierChange
from vendors.tests.factories import VendorFactory

Tier = Vendor.Tier

pytestmark = pytest.mark.django_db


def answers(**changes: Any) -> dict[str, Any]:
    """A new vendor's form as posted: internal data, moderate, no spend (suggested: Medium)."""
    return {
        "legal_name": "Acme Back Office Ltd",
        "country": "PL",
        "time_zone": "Europe/Warsaw",
        "status": Vendor.Status.PROSPECT,
        "highest_data_classification": DataClassification.INTERNAL,
        "replaceability": Vendor.Replaceability.MODERATE,
        "annual_spend": "0",
        "annual_spend_currency": "EUR",
        "tier": Tier.MEDIUM,
        "shown_suggestion": Tier.MEDIUM,
        "tier_override_reason": "",
    } | changes


def edit_answers(vendor: Vendor, **changes: Any) -> dict[str, Any]:
    """The edit form of `vendor` as posted unchanged (the suggestion it showed included)."""
    form = VendorForm(instance=vendor)
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    for name in ("services", "tags"):
        data[name] = [row.pk for row in data[name]]
    if not data["handles_personal_data"]:
        del data["handles_personal_data"]
    return data | changes


def reason_errors(form: VendorForm) -> list[str]:
    return [str(error) for error in form.errors.get("tier_override_reason", [])]


# --- the new-vendor form as first shown -------------------------------------------------


def test_a_new_vendor_form_shows_the_suggestion_for_its_first_answers_as_the_tier() -> None:
    form = VendorForm()

    assert form.suggested_tier == Tier.MEDIUM
    assert form["tier"].value() == Tier.MEDIUM
    assert form["shown_suggestion"].value() == Tier.MEDIUM
    assert not form.reason_needed
    assert not form.fields["tier_override_reason"].required


# --- without JavaScript: the answers change, the pre-filled tier is posted as it was --------


def test_a_pre_filled_tier_follows_the_suggestion_for_the_submitted_answers() -> None:
    # The bug of issue 13: "The suggested tier is High; say why…" for a Medium nobody chose.
    form = VendorForm(answers(highest_data_classification=DataClassification.RESTRICTED))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["tier"] == Tier.HIGH
    assert form.suggested_tier == Tier.HIGH
    assert not form.reason_needed


def test_a_refused_form_shows_the_followed_tier_and_the_new_suggestion_again() -> None:
    form = VendorForm(
        answers(legal_name="", highest_data_classification=DataClassification.RESTRICTED)
    )

    assert not form.is_valid()
    assert list(form.errors) == ["legal_name"]
    # Posted again as shown, the tier still counts as following the suggestion.
    assert (form["tier"].value(), form["shown_suggestion"].value()) == (Tier.HIGH, Tier.HIGH)


def test_the_suggested_tier_needs_no_reason_whatever_was_shown() -> None:
    form = VendorForm(
        answers(tier=Tier.CRITICAL, shown_suggestion=Tier.LOW, annual_spend="300000.00")
        | {"highest_data_classification": DataClassification.RESTRICTED}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["tier"] == Tier.CRITICAL


def test_a_tier_chosen_by_hand_needs_a_reason() -> None:
    form = VendorForm(answers(tier=Tier.LOW))

    assert not form.is_valid()
    assert reason_errors(form) == [
        "The suggested tier is Medium; say why this vendor should be treated differently."
    ]
    assert form.reason_needed and form.fields["tier_override_reason"].required


def test_a_tier_chosen_by_hand_is_kept_when_the_answers_change_too() -> None:
    form = VendorForm(
        answers(
            tier=Tier.LOW,
            highest_data_classification=DataClassification.RESTRICTED,
            tier_override_reason="Only ever sees anonymised extracts.",
        )
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["tier"] == Tier.LOW
    assert form.cleaned_data["tier_override_reason"] == "Only ever sees anonymised extracts."
    assert form.suggested_tier == Tier.HIGH and form.reason_needed


def test_without_the_shown_suggestion_the_posted_tier_is_a_choice() -> None:
    # A client that does not send it (the CSV import, a scripted post) is taken at its word.
    data = answers(highest_data_classification=DataClassification.RESTRICTED)
    del data["shown_suggestion"]
    form = VendorForm(data)

    assert not form.is_valid()
    assert reason_errors(form) == [
        "The suggested tier is High; say why this vendor should be treated differently."
    ]


@pytest.mark.parametrize("shown", ["ultra", "", "x" * 5000, "high\x00"])
def test_a_shown_suggestion_that_is_no_tier_is_ignored_without_an_error(shown: str) -> None:
    form = VendorForm(answers(tier=Tier.HIGH, shown_suggestion=shown))

    assert not form.is_valid()
    assert list(form.errors) == ["tier_override_reason"]  # high is a choice; Medium suggested


def test_a_reason_given_for_the_suggested_tier_is_dropped() -> None:
    form = VendorForm(answers(tier_override_reason="Left over from another tier."))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["tier_override_reason"] == ""


def test_while_an_answer_is_invalid_there_is_no_suggestion_and_the_tier_stays() -> None:
    form = VendorForm(answers(annual_spend="-5", tier=Tier.LOW, shown_suggestion=Tier.LOW))

    assert not form.is_valid()
    assert "annual_spend" in form.errors
    assert form.suggested_tier is None and not form.reason_needed
    assert form["tier"].value() == Tier.LOW


# --- editing ----------------------------------------------------------------------------


def test_a_vendor_whose_tier_was_overridden_keeps_it_and_its_reason(manager: Any) -> None:
    vendor = VendorFactory(
        owner=manager, tier=Tier.CRITICAL, tier_override_reason="Runs our only payroll."
    )
    assert VendorForm(instance=vendor).reason_needed

    form = VendorForm(edit_answers(vendor, notes="Met them."), instance=vendor)

    assert form.is_valid(), form.errors
    form.save_by(manager)
    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_override_reason) == (Tier.CRITICAL, "Runs our only payroll.")
    assert not vendor.tier_changes.exists()


def test_an_overridden_tier_stays_when_the_answers_change(manager: Any) -> None:
    vendor = VendorFactory(owner=manager, tier=Tier.LOW, tier_override_reason="Anonymised data.")

    form = VendorForm(
        edit_answers(vendor, highest_data_classification=DataClassification.RESTRICTED),
        instance=vendor,
    )

    assert form.is_valid(), form.errors
    form.save_by(manager)
    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_override_reason) == (Tier.LOW, "Anonymised data.")


def test_a_tier_that_follows_the_suggestion_changes_with_the_answers_and_is_kept_in_history(
    manager: Any,
) -> None:
    vendor = VendorFactory(owner=manager)  # internal, moderate, no spend: Medium, suggested
    assert vendor.tier == Tier.MEDIUM

    form = VendorForm(
        edit_answers(vendor, highest_data_classification=DataClassification.RESTRICTED),
        instance=vendor,
    )

    assert form.is_valid(), form.errors
    form.save_by(manager)
    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_override_reason) == (Tier.HIGH, "")
    change = VendorTierChange.objects.get(vendor=vendor)
    assert (change.old_tier, change.new_tier, change.suggested_tier) == (
        Tier.MEDIUM,
        Tier.HIGH,
        Tier.HIGH,
    )
    assert change.changed_by == manager
    assert [row.tier for row in vendor.history.order_by("history_id")] == [
        Tier.MEDIUM,
        Tier.MEDIUM,  # the answers, saved first
        Tier.HIGH,
    ]


@pytest.mark.parametrize("reason", ["", "Payroll."])
def test_going_back_to_the_suggested_tier_needs_no_reason_and_drops_the_old_one(
    reason: str, manager: Any
) -> None:
    vendor = VendorFactory(owner=manager, tier=Tier.CRITICAL, tier_override_reason="Payroll.")

    form = VendorForm(
        edit_answers(vendor, tier=Tier.MEDIUM, tier_override_reason=reason), instance=vendor
    )

    assert form.is_valid(), form.errors
    form.save_by(manager)
    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_override_reason) == (Tier.MEDIUM, "")
    change = VendorTierChange.objects.get(vendor=vendor)
    assert (change.old_tier, change.new_tier, change.reason) == (Tier.CRITICAL, Tier.MEDIUM, "")


# --- the htmx tier part -------------------------------------------------------------------


def tier_part(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, headers={"HX-Request": "true"})


def test_the_tier_part_follows_the_answers_and_writes_nothing(
    manager: Any, client_for: Any
) -> None:
    response = tier_part(
        client_for(manager),
        reverse("vendors:vendor_create_tier"),
        answers(highest_data_classification=DataClassification.RESTRICTED),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="vendor-tier"')
    assert "<html" not in html
    assert "Suggested tier: <strong>High</strong>" in html
    assert '<option value="high" selected>' in html
    assert 'name="shown_suggestion" value="high"' in html
    assert "vendor-tier-reason is-idle" in html  # no reason asked for
    assert not Vendor.objects.exists()


def test_the_tier_part_asks_for_a_reason_once_a_tier_is_chosen_without_complaining(
    manager: Any, client_for: Any
) -> None:
    response = tier_part(
        client_for(manager), reverse("vendors:vendor_create_tier"), answers(tier=Tier.LOW)
    )

    html = response.content.decode()
    assert '<option value="low" selected>' in html
    assert "is-idle" not in html
    assert response.context["form"].fields["tier_override_reason"].required
    assert "say why" not in html  # the error waits for a save


def test_the_tier_part_of_an_edit_starts_from_the_vendor(manager: Any, client_for: Any) -> None:
    vendor = VendorFactory(owner=manager, tier=Tier.CRITICAL, tier_override_reason="Payroll.")

    response = tier_part(
        client_for(manager),
        reverse("vendors:vendor_update_tier", args=[vendor.pk]),
        edit_answers(vendor, replaceability=Vendor.Replaceability.EASY),
    )

    html = response.content.decode()
    assert "Suggested tier: <strong>Low</strong>" in html
    assert '<option value="critical" selected>' in html
    assert "Payroll." in html and "is-idle" not in html
    vendor.refresh_from_db()
    assert vendor.replaceability == Vendor.Replaceability.MODERATE


def test_the_new_vendor_tier_part_is_for_those_who_may_create_vendors(
    viewer: Any, other_manager: Any, client_for: Any
) -> None:
    url = reverse("vendors:vendor_create_tier")
    assert tier_part(client_for(None), url, answers()).status_code == 302  # to sign in
    assert tier_part(client_for(viewer), url, answers()).status_code == 403
    assert tier_part(client_for(other_manager), url, answers()).status_code == 200
    assert client_for(other_manager).get(url).status_code == 405


def test_an_edit_tier_part_is_for_those_who_may_change_the_vendor(
    manager: Any, viewer: Any, other_manager: Any, role_admin: Any, client_for: Any
) -> None:
    vendor = VendorFactory(owner=manager)
    url = reverse("vendors:vendor_update_tier", args=[vendor.pk])
    data = edit_answers(vendor)

    assert tier_part(client_for(None), url, data).status_code == 302
    assert tier_part(client_for(viewer), url, data).status_code == 403
    assert tier_part(client_for(other_manager), url, data).status_code == 403
    assert tier_part(client_for(manager), url, data).status_code == 200
    assert tier_part(client_for(role_admin), url, data).status_code == 200
    missing = reverse("vendors:vendor_update_tier", args=[vendor.pk + 1])
    assert tier_part(client_for(manager), missing, data).status_code == 404


def test_the_form_page_asks_for_its_tier_part_with_htmx(manager: Any, client_for: Any) -> None:
    vendor = VendorFactory(owner=manager)
    client = client_for(manager)
    for page, part in (
        (reverse("vendors:vendor_create"), reverse("vendors:vendor_create_tier")),
        (
            reverse("vendors:vendor_update", args=[vendor.pk]),
            reverse("vendors:vendor_update_tier", args=[vendor.pk]),
        ),
    ):
        html = client.get(page).content.decode()
        assert html.count(f'hx-post="{part}"') == 2  # the answers and the tier
        assert 'id="vendor-tier"' in html


def test_a_new_vendor_saved_without_javascript_gets_the_suggestion_for_its_answers(
    manager: Any, client_for: Any
) -> None:
    response = client_for(manager).post(
        reverse("vendors:vendor_create"),
        answers(highest_data_classification=DataClassification.RESTRICTED),
    )

    assert response.status_code == 302
    vendor = Vendor.objects.get()
    assert (vendor.tier, vendor.tier_override_reason) == (Tier.HIGH, "")
