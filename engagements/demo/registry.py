"""The vendor registry of the demo: the vendors of the stories and a few more in other states."""

from __future__ import annotations

import datetime
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from vendors.models import (
    Certification,
    Contact,
    Reference,
    ServiceCategory,
    SubProcessor,
    Tag,
    Vendor,
    suggest_tier,
)

from .helpers import days, document, ensure
from .people import People

BRIGHTLINE = "BrightLine Contact Solutions Inc."
CALLCREST = "CallCrest Contact Centres (Pty) Ltd"
PIXEL_QUILL = "Pixel & Quill Studio Ltd"
NORTHSTAR = "NorthStar Managed IT GmbH"
VANTAGE = "Vantage Social Media Agency LLC"
LEDGERWISE = "Ledgerwise Accounting Services Sp. z o.o."
NUMERA = "Numera Back Office Pvt Ltd"
CLEARBOOKS = "Clearbooks Partners LLP"
HARBOUR = "Harbour Data Services (Pty) Ltd"
QUICKKEY = "QuickKey Data Services Inc."


# The vendors themselves, as data: registry.toml.
REGISTRY = Path(__file__).with_name("registry.toml")


def vendor_specs() -> list[dict[str, Any]]:
    """Each vendor of registry.toml with its contacts, certifications, references and
    sub-processors (lists, empty where it has none)."""
    with REGISTRY.open("rb") as file:
        return list(tomllib.load(file)["vendor"])


# Tom looks after the IT and data-entry vendors; Maria after the rest.
LOOKED_AFTER_BY_MANAGER2 = {NORTHSTAR, HARBOUR, QUICKKEY}


# Fields read from registry.toml as they are.
VENDOR_FIELDS = (
    "website",
    "country",
    "time_zone",
    "languages",
    "size",
    "founded_year",
    "status",
    "notes",
)


def ensure_vendors(today: datetime.date, people: People) -> dict[str, Vendor]:
    """Every demo vendor with its contacts, certifications, references and sub-processors."""
    categories = {c.name: c for c in ServiceCategory.objects.all()}
    vendors = {}
    for spec in vendor_specs():
        vendor = _ensure_vendor(spec, people, categories)
        _ensure_parts(vendor, spec, today)
        vendors[spec["legal_name"]] = vendor
    return vendors


def _ensure_vendor(
    spec: dict[str, Any], people: People, categories: dict[str, ServiceCategory]
) -> Vendor:
    spend = Decimal(spec["annual_spend"])
    owner = people.manager2 if spec["legal_name"] in LOOKED_AFTER_BY_MANAGER2 else people.manager
    vendor = ensure(
        Vendor,
        legal_name=spec["legal_name"],
        defaults={
            **{key: spec[key] for key in VENDOR_FIELDS},
            "owner": owner,
            "highest_data_classification": spec["classification"],
            "handles_personal_data": spec["personal_data"],
            "replaceability": spec["replaceability"],
            "annual_spend": spend,
            "annual_spend_currency": spec["spend_currency"],
            "tier": suggest_tier(
                classification=spec["classification"],
                personal_data=spec["personal_data"],
                replaceability=spec["replaceability"],
                annual_spend=spend,
            ),
        },
    )
    vendor.services.add(*(categories[name] for name in spec["services"] if name in categories))
    vendor.tags.add(*(ensure(Tag, name=name) for name in spec["tags"]))
    return vendor


def _ensure_parts(vendor: Vendor, spec: dict[str, Any], today: datetime.date) -> None:
    def on(offset: int | None) -> datetime.date | None:
        return None if offset is None else today + days(offset)

    for contact in spec.get("contact", []):
        ensure(
            Contact,
            vendor=vendor,
            name=contact["name"],
            defaults={
                "role": contact["role"],
                "email": contact["email"],
                "phone": contact["phone"],
                "is_primary": contact["primary"],
            },
        )
    for cert in spec.get("certification", []):
        if vendor.certifications.filter(name=cert["name"]).exists():
            continue
        Certification.objects.create(
            vendor=vendor,
            name=cert["name"],
            issuer=cert["issuer"],
            reference_number=cert["reference_number"],
            issued_on=on(cert["issued"]),
            expires_on=on(cert.get("expires")),
            **document(
                f"{slugify(cert['name'])}-{slugify(vendor.legal_name)}.txt",
                f"{cert['name']} certificate of {vendor}",
                f"Issued by {cert['issuer']}.",
            ),
        )
    for reference in spec.get("reference", []):
        ensure(
            Reference,
            vendor=vendor,
            client_name=reference["client"],
            defaults={
                "contact_name": reference["contact"],
                "contact_email": reference["email"],
                "work_description": reference["work"],
                "outcome": reference["outcome"],
                "checked_on": on(reference.get("checked")),
            },
        )
    for sub in spec.get("sub_processor", []):
        ensure(
            SubProcessor,
            vendor=vendor,
            name=sub["name"],
            defaults={
                "country": sub["country"],
                "service": sub["service"],
                "data_touched": sub["data_touched"],
                "handles_personal_data": sub["personal_data"],
                "approved_on": on(sub["approved"]),
            },
        )
