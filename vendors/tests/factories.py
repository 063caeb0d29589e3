"""Factories for the vendor registry."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from outsourcing.tests.factories import ModelFactory, UserFactory
from vendors.models import (
    BusinessFunction,
    Certification,
    Contact,
    DataClassification,
    Reference,
    ServiceCategory,
    SubProcessor,
    Tag,
    Vendor,
    VendorStatusChange,
    VendorTierChange,
    suggest_tier,
)


class ServiceCategoryFactory(ModelFactory[ServiceCategory]):
    class Meta:
        model = ServiceCategory

    name = factory.Sequence(lambda n: f"Service category {n}")
    business_function = BusinessFunction.CUSTOMER_SERVICE


class TagFactory(ModelFactory[Tag]):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


def _suggested_tier(vendor: Any) -> str:
    return suggest_tier(
        classification=vendor.highest_data_classification,
        personal_data=vendor.handles_personal_data,
        replaceability=vendor.replaceability,
        annual_spend=vendor.annual_spend,
    )


class VendorFactory(ModelFactory[Vendor]):
    """A vendor whose tier is the suggested one, so it passes `clean()` without a reason."""

    class Meta:
        model = Vendor

    legal_name = factory.Sequence(lambda n: f"Vendor {n} Ltd")
    website = factory.LazyAttribute(
        lambda o: f"https://{o.legal_name.lower().replace(' ', '-')}.example.com"
    )
    country = "PH"
    time_zone = "Asia/Manila"
    languages = "English, Filipino"
    status = Vendor.Status.APPROVED
    owner = factory.SubFactory(UserFactory)
    highest_data_classification = DataClassification.INTERNAL
    handles_personal_data = False
    replaceability = Vendor.Replaceability.MODERATE
    annual_spend = Decimal("0")
    tier = factory.LazyAttribute(_suggested_tier)


class VendorTierChangeFactory(ModelFactory[VendorTierChange]):
    class Meta:
        model = VendorTierChange

    vendor = factory.SubFactory(VendorFactory)
    old_tier = Vendor.Tier.MEDIUM
    new_tier = Vendor.Tier.HIGH
    suggested_tier = Vendor.Tier.MEDIUM
    reason = "Runs our only phone line."
    changed_by = factory.SubFactory(UserFactory)


class VendorStatusChangeFactory(ModelFactory[VendorStatusChange]):
    class Meta:
        model = VendorStatusChange

    vendor = factory.SubFactory(VendorFactory)
    old_status = Vendor.Status.PROSPECT
    new_status = Vendor.Status.QUALIFIED
    reason = "References checked."
    changed_by = factory.SubFactory(UserFactory)


class ContactFactory(ModelFactory[Contact]):
    class Meta:
        model = Contact

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Faker("name")
    role = "Account manager"
    email = factory.Sequence(lambda n: f"contact{n}@vendor.example.com")
    is_primary = False


class CertificationFactory(ModelFactory[Certification]):
    class Meta:
        model = Certification

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"ISO 27001 #{n}")
    issuer = "BSI"
    issued_on = datetime.date(2024, 1, 1)
    expires_on = datetime.date(2027, 1, 1)


class ReferenceFactory(ModelFactory[Reference]):
    class Meta:
        model = Reference

    vendor = factory.SubFactory(VendorFactory)
    client_name = factory.Sequence(lambda n: f"Client {n} GmbH")
    contact_name = factory.Faker("name")
    outcome = Reference.Outcome.NOT_CHECKED


class SubProcessorFactory(ModelFactory[SubProcessor]):
    class Meta:
        model = SubProcessor

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Sub-processor {n}")
    country = "IE"
    service = "Cloud hosting"
