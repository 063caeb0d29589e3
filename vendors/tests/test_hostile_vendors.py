"""Pilot: hostile input to the vendor form."""

from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given

from outsourcing.tests.hostile import (
    check_post,
    form_data,
    hostile_choice,
    hostile_flag,
    hostile_number,
    hostile_text,
)
from vendors.models import Vendor

pytestmark = pytest.mark.hostile

VALID = {
    "legal_name": "Acme Support Ltd",
    "website": "https://acme.example.com",
    "country": "PH",
    "time_zone": "Asia/Manila",
    "languages": "English",
    "size": "",
    "founded_year": "2001",
    "status": "prospect",
    "highest_data_classification": "internal",
    "replaceability": "moderate",
    "annual_spend": "0",
    "annual_spend_currency": "EUR",
    "tier": "medium",
}


def _saved(response: Any, data: dict[str, Any]) -> None:
    vendor = Vendor.objects.get(legal_name=data["legal_name"].strip())
    assert vendor.notes == data.get("notes", "").strip() or vendor.notes == data.get("notes", "")


@given(
    data=form_data(
        VALID,
        {
            "legal_name": hostile_text(),
            "website": hostile_text(),
            "country": hostile_text(max_size=4),
            "time_zone": hostile_text(),
            "notes": hostile_text(),
            "founded_year": hostile_number(),
            "annual_spend": hostile_number(),
            "tier": hostile_choice(["low", "medium", "high", "critical"]),
            "handles_personal_data": hostile_flag(),
        },
    )
)
def test_vendor_form_survives_hostile_input(data: dict, manager: Any, client: Any) -> None:
    client.force_login(manager)
    check_post(
        client,
        reverse("vendors:vendor_create"),
        data,
        writes={
            "vendors_vendor",
            "vendors_historicalvendor",
            "vendors_vendor_services",
            "vendors_vendor_tags",
            "vendors_vendortierchange",
        },
        then=_saved,
    )
