"""Hostile input to the vendor import: whole CSV files built by Hypothesis."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from outsourcing.tests.hostile import (
    check_post,
    hostile_choice,
    hostile_flag,
    hostile_number,
    hostile_text,
    sign_in,
)
from outsourcing.tests.hostile_csv import hostile_csv, rows_of, upload_of
from vendors.imports import COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, allowed_values
from vendors.models import Vendor

pytestmark = pytest.mark.hostile

URL = reverse("vendors:vendor_import")
WRITES = {
    "vendors_vendor",
    "vendors_historicalvendor",
    "vendors_vendor_services",
    "vendors_vendor_tags",
}


def valid_row(i: int) -> dict[str, str]:
    return {
        "legal_name": f"Imported Vendor {i}",
        "country": "PH",
        "website": f"https://vendor-{i}.example.com",
        "time_zone": "Asia/Manila",
        "languages": "English, Filipino",
        "size": "11-50",
        "founded_year": "2001",
        "status": "prospect",
        "services": "",
        "tags": "",
        "notes": "Found at a fair; call back in May.",
        "highest_data_classification": "internal",
        "handles_personal_data": "no",
        "replaceability": "moderate",
        "annual_spend": "1000",
        "annual_spend_currency": "EUR",
        "tier": "",
        "tier_override_reason": "",
    }


def choice(column: str) -> st.SearchStrategy[str]:
    return hostile_choice(allowed_values(column))


HOSTILE = {
    "legal_name": hostile_text(),
    "country": hostile_text(max_size=4),
    "website": hostile_text(),
    "time_zone": hostile_text(),
    "languages": hostile_text(),
    "notes": hostile_text(),
    "services": hostile_text(),
    "tags": hostile_text(),
    "tier_override_reason": hostile_text(),
    "founded_year": hostile_number(),
    "annual_spend": hostile_number(),
    "handles_personal_data": hostile_flag(),
    "size": choice("size"),
    "status": choice("status"),
    "highest_data_classification": choice("highest_data_classification"),
    "replaceability": choice("replaceability"),
    "annual_spend_currency": choice("annual_spend_currency"),
    "tier": choice("tier"),
}


def _imported(content: bytes, manager: Any) -> None:
    rows = rows_of(content, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
    vendors = {v.legal_name: v for v in Vendor.objects.filter(owner=manager)}
    assert len(vendors) == len(rows)
    for row in rows:
        vendor = vendors[row.get("legal_name").strip()]
        assert vendor.country == row.get("country").strip().upper()
        assert vendor.notes == row.get("notes").strip()
        assert vendor.languages == row.get("languages").strip()
        spend = row.get("annual_spend").strip()
        assert vendor.annual_spend == Decimal(spend or "0")
        assert vendor.history.get().history_user == manager


@given(
    content=hostile_csv(
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        valid_row=valid_row,
        hostile=HOSTILE,
        max_rows=60,
    )
)
def test_vendor_import_survives_hostile_files(content: bytes, manager: Any, client: Any) -> None:
    sign_in(client, manager)
    check_post(
        client,
        URL,
        {"file": upload_of(content)},
        writes=WRITES,
        then=lambda response, data: _imported(content, manager),
    )


def test_vendor_import_valid_baseline_is_accepted(manager: Any, client: Any) -> None:
    sign_in(client, manager)
    header = ",".join(COLUMNS)
    lines = [",".join(f'"{v}"' for v in valid_row(i).values()) for i in range(3)]
    content = "\n".join([header, *lines]).encode()
    response = client.post(URL, {"file": upload_of(content)})
    assert response.status_code == 302
    _imported(content, manager)


def test_three_good_rows_and_one_bad_write_nothing(manager: Any, client: Any) -> None:
    sign_in(client, manager)
    header = ",".join(COLUMNS)
    rows = [valid_row(i) for i in range(4)]
    rows[2]["annual_spend"] = "NaN"
    lines = [",".join(f'"{v}"' for v in row.values()) for row in rows]
    content = "\n".join([header, *lines]).encode()
    response = client.post(URL, {"file": SimpleUploadedFile("v.csv", content)})
    assert response.status_code == 200
    assert [(e.line, e.column) for e in response.context["report"].errors] == [(4, "annual_spend")]
    assert not Vendor.objects.filter(legal_name__startswith="Imported Vendor").exists()
