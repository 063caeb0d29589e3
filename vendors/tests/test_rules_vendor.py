"""Vendor rules: the suggested tier, overriding it with a reason, and kept history."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from outsourcing.tests.factories import UserFactory
from vendors.models import DataClassification, Vendor, VendorStatusChange, suggest_tier
from vendors.tests.factories import VendorFactory

CHANGED_AT = datetime.datetime(2025, 4, 2, 14, 0, tzinfo=datetime.UTC)
Tier = Vendor.Tier


def tier(
    classification: str = DataClassification.PUBLIC,
    *,
    personal_data: bool = False,
    replaceability: str = "easy",
    spend: str = "0",
) -> str:
    return suggest_tier(
        classification=classification,
        personal_data=personal_data,
        replaceability=replaceability,
        annual_spend=Decimal(spend),
    )


# --- suggest_tier() -----------------------------------------------------------


@pytest.mark.parametrize(
    ("classification", "expected"),
    [
        (DataClassification.PUBLIC, Tier.LOW),  # 0 points
        (DataClassification.INTERNAL, Tier.LOW),  # 1
        (DataClassification.CONFIDENTIAL, Tier.MEDIUM),  # 2
        (DataClassification.RESTRICTED, Tier.MEDIUM),  # 3
    ],
)
def test_data_sensitivity_alone_gives_up_to_three_points(classification, expected):
    assert tier(classification) == expected


def test_personal_data_adds_a_point():
    assert tier(DataClassification.INTERNAL) == Tier.LOW  # 1
    assert tier(DataClassification.INTERNAL, personal_data=True) == Tier.MEDIUM  # 2
    assert tier(DataClassification.RESTRICTED, personal_data=True) == Tier.HIGH  # 4


@pytest.mark.parametrize(
    ("replaceability", "expected"),
    [("easy", Tier.MEDIUM), ("moderate", Tier.MEDIUM), ("hard", Tier.HIGH)],
)
def test_the_harder_to_replace_the_more_critical(replaceability, expected):
    # confidential (2) + 0 / 1 / 2
    assert tier(DataClassification.CONFIDENTIAL, replaceability=replaceability) == expected


@pytest.mark.parametrize(
    ("spend", "expected"),
    [
        ("49999.99", Tier.LOW),  # internal (1) + 0
        ("50000", Tier.MEDIUM),  # + 1
        ("249999.99", Tier.MEDIUM),  # + 1
        ("250000", Tier.MEDIUM),  # + 2 = 3, still medium
    ],
)
def test_spend_adds_a_point_from_50000_and_two_from_250000(spend, expected):
    assert tier(DataClassification.INTERNAL, spend=spend) == expected


def test_spend_of_250000_can_lift_a_vendor_to_high():
    internal = DataClassification.INTERNAL

    assert tier(internal, replaceability="moderate", spend="249999.99") == Tier.MEDIUM  # 3
    assert tier(internal, replaceability="moderate", spend="250000") == Tier.HIGH  # 4


PUBLIC, INTERNAL, RESTRICTED = (
    DataClassification.PUBLIC,
    DataClassification.INTERNAL,
    DataClassification.RESTRICTED,
)


@pytest.mark.parametrize(
    ("classification", "personal_data", "replaceability", "spend", "expected"),
    [
        (PUBLIC, False, "moderate", "0", Tier.LOW),  # 1 point
        (INTERNAL, False, "moderate", "0", Tier.MEDIUM),  # 2
        (RESTRICTED, False, "easy", "0", Tier.MEDIUM),  # 3
        (RESTRICTED, False, "moderate", "0", Tier.HIGH),  # 4
        (RESTRICTED, False, "hard", "0", Tier.HIGH),  # 5
        (RESTRICTED, True, "hard", "0", Tier.CRITICAL),  # 6
        (RESTRICTED, True, "hard", "1000000", Tier.CRITICAL),  # 8
    ],
)
def test_tier_bands_low_medium_from_2_high_from_4_critical_from_6(
    classification, personal_data, replaceability, spend, expected
):
    suggested = tier(
        classification, personal_data=personal_data, replaceability=replaceability, spend=spend
    )

    assert suggested == expected


def test_a_vendor_suggests_its_tier_from_its_own_fields():
    vendor = VendorFactory.build(
        highest_data_classification=DataClassification.RESTRICTED,
        handles_personal_data=True,
        replaceability=Vendor.Replaceability.HARD,
        annual_spend=Decimal("300000"),
    )

    assert vendor.suggested_tier() == Tier.CRITICAL


# --- Vendor.clean() -----------------------------------------------------------


def test_a_tier_other_than_the_suggested_one_needs_a_reason():
    vendor = VendorFactory.build(tier=Tier.CRITICAL, tier_override_reason="")

    with pytest.raises(ValidationError) as raised:
        vendor.clean()

    assert "tier_override_reason" in raised.value.message_dict
    assert "Medium" in raised.value.message_dict["tier_override_reason"][0]


def test_a_blank_reason_is_no_reason():
    vendor = VendorFactory.build(tier=Tier.LOW, tier_override_reason="   \n")

    with pytest.raises(ValidationError):
        vendor.clean()


def test_a_tier_other_than_the_suggested_one_with_a_reason_is_accepted():
    vendor = VendorFactory.build(
        tier=Tier.CRITICAL, tier_override_reason="Runs our only payment line."
    )

    vendor.clean()

    assert vendor.tier_is_overridden


def test_the_suggested_tier_needs_no_reason():
    vendor = VendorFactory.build(tier=Tier.MEDIUM, tier_override_reason="")

    vendor.clean()

    assert not vendor.tier_is_overridden


# --- Vendor.change_tier() -----------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(CHANGED_AT, tick=False)
def test_changing_the_tier_keeps_a_history_row():
    vendor = VendorFactory()  # suggested: medium
    manager = UserFactory()

    change = vendor.change_tier(tier=Tier.CRITICAL, reason="Runs our only phone line.", by=manager)

    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_override_reason) == (
        Tier.CRITICAL,
        "Runs our only phone line.",
    )
    assert list(vendor.tier_changes.all()) == [change]
    assert (change.old_tier, change.new_tier, change.suggested_tier) == (
        Tier.MEDIUM,
        Tier.CRITICAL,
        Tier.MEDIUM,
    )
    assert change.reason == "Runs our only phone line."
    assert change.changed_by == manager
    assert change.changed_at == CHANGED_AT


@pytest.mark.django_db
def test_changing_back_to_the_suggested_tier_clears_the_override_reason():
    vendor = VendorFactory()
    manager = UserFactory()
    vendor.change_tier(tier=Tier.HIGH, reason="Handles our payroll run.", by=manager)

    vendor.change_tier(tier=Tier.MEDIUM, reason="Payroll moved back in-house.", by=manager)

    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_override_reason) == (Tier.MEDIUM, "")
    assert [(c.old_tier, c.new_tier) for c in vendor.tier_changes.order_by("pk")] == [
        (Tier.MEDIUM, Tier.HIGH),
        (Tier.HIGH, Tier.MEDIUM),
    ]


@pytest.mark.django_db
def test_overriding_the_tier_without_a_reason_is_refused_and_nothing_changes():
    vendor = VendorFactory()

    with pytest.raises(ValidationError):
        vendor.change_tier(tier=Tier.LOW, reason=" ", by=UserFactory())

    assert Vendor.objects.get(pk=vendor.pk).tier == Tier.MEDIUM
    assert not vendor.tier_changes.exists()


# --- Vendor.change_status() ---------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(CHANGED_AT, tick=False)
def test_changing_the_status_keeps_a_history_row():
    vendor = VendorFactory(status=Vendor.Status.ACTIVE)
    manager = UserFactory()

    change = vendor.change_status(
        status=Vendor.Status.ON_WATCH, reason="Two red months on quality.", by=manager
    )

    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.ON_WATCH
    assert list(vendor.status_changes.all()) == [change]
    assert (change.old_status, change.new_status) == (Vendor.Status.ACTIVE, Vendor.Status.ON_WATCH)
    assert change.reason == "Two red months on quality."
    assert change.changed_by == manager
    assert change.changed_at == CHANGED_AT


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   "])
def test_changing_the_status_without_a_reason_is_refused_and_nothing_changes(reason):
    vendor = VendorFactory(status=Vendor.Status.ACTIVE)

    with pytest.raises(ValidationError) as raised:
        vendor.change_status(status=Vendor.Status.SUSPENDED, reason=reason, by=UserFactory())

    assert "reason" in raised.value.message_dict
    assert Vendor.objects.get(pk=vendor.pk).status == Vendor.Status.ACTIVE
    assert not VendorStatusChange.objects.filter(vendor=vendor).exists()
