"""Importing vendors from CSV: all rows or none, every error with its line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vendors.imports import COLUMNS
from vendors.models import ServiceCategory, Tag, Vendor, VendorTierChange
from vendors.tests.factories import ServiceCategoryFactory, TagFactory, VendorFactory

URL = reverse("vendors:vendor_import")


def csv_file(
    rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False, name: str = "v.csv"
) -> SimpleUploadedFile:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    text = ("\ufeff" if bom else "") + out.getvalue()
    return SimpleUploadedFile(name, text.encode(), "text/csv")


def row(name: str, **extra: str) -> dict[str, str]:
    return {"legal_name": name, "country": "PH", **extra}


def post(client: Any, upload: SimpleUploadedFile) -> Any:
    return client.post(URL, {"file": upload})


def errors_of(response: Any) -> list[tuple[int, str, str]]:
    report = response.context["report"]
    return [(e.line, e.column, e.message) for e in report.errors]


# --- the happy paths --------------------------------------------------------------


def test_a_manager_imports_vendors_and_owns_them(client: Any, manager: Any) -> None:
    service = ServiceCategoryFactory(name="Phone support")
    tag = TagFactory(name="nearshore")
    client.force_login(manager)
    response = post(
        client,
        csv_file(
            [
                row(
                    "Acme Support Ltd",
                    website="acme.example.com",
                    time_zone="Asia/Manila",
                    services="phone SUPPORT",
                    tags="Nearshore",
                    handles_personal_data="yes",
                    annual_spend="1200.50",
                    size="11-50",
                    status="Qualified",
                ),
                row("Beta Books GmbH", country="de"),
            ]
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("vendors:vendor_list")
    acme = Vendor.objects.get(legal_name="Acme Support Ltd")
    assert acme.owner == manager
    assert acme.website == "https://acme.example.com"
    assert list(acme.services.all()) == [service]
    assert list(acme.tags.all()) == [tag]
    assert acme.handles_personal_data is True
    assert acme.annual_spend == Decimal("1200.50")
    assert acme.status == Vendor.Status.QUALIFIED
    assert acme.tier == acme.suggested_tier()
    beta = Vendor.objects.get(legal_name="Beta Books GmbH")
    assert (beta.country, beta.time_zone, beta.status) == ("DE", "UTC", Vendor.Status.PROSPECT)
    assert acme.history.get().history_user == manager
    page = client.get(response["Location"])
    assert "Imported 2 vendors." in page.content.decode()


def test_a_tier_other_than_the_suggested_one_is_kept_with_its_reason(
    client: Any, manager: Any
) -> None:
    client.force_login(manager)
    response = post(
        client, csv_file([row("Acme", tier="critical", tier_override_reason="Runs our payroll")])
    )
    assert response.status_code == 302
    acme = Vendor.objects.get(legal_name="Acme")
    assert (acme.tier, acme.tier_override_reason) == ("critical", "Runs our payroll")
    # A new vendor has no tier change, as with the form.
    assert not VendorTierChange.objects.exists()


def test_an_excel_file_with_semicolons_and_a_bom_imports(client: Any, manager: Any) -> None:
    ServiceCategoryFactory(name="Chat")
    ServiceCategoryFactory(name="Email")
    client.force_login(manager)
    upload = csv_file(
        [row("Ünïcode Servicios S.A.", services="Chat; Email", country="ES")],
        delimiter=";",
        bom=True,
    )
    response = post(client, upload)
    assert response.status_code == 302
    vendor = Vendor.objects.get(legal_name="Ünïcode Servicios S.A.")
    assert sorted(vendor.services.values_list("name", flat=True)) == ["Chat", "Email"]


def test_headers_written_as_labels_are_understood(client: Any, manager: Any) -> None:
    client.force_login(manager)
    upload = SimpleUploadedFile("v.csv", b"Legal Name,COUNTRY,Time zone\nAcme,ph,Europe/Berlin\n")
    assert post(client, upload).status_code == 302
    assert Vendor.objects.get(legal_name="Acme").time_zone == "Europe/Berlin"


def test_the_template_downloads_and_imports_as_it_is(client: Any, manager: Any) -> None:
    TagFactory(name="nearshore")
    client.force_login(manager)
    response = client.get(reverse("vendors:vendor_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 2
    upload = SimpleUploadedFile("template.csv", content)
    assert post(client, upload).status_code == 302
    assert Vendor.objects.filter(legal_name="Example Support Ltd").exists()


# --- errors, each with its line ---------------------------------------------------


def test_every_error_is_listed_with_its_line_and_nothing_is_written(
    client: Any, manager: Any
) -> None:
    VendorFactory(legal_name="Existing Ltd")
    client.force_login(manager)
    before = Vendor.objects.count()
    response = post(
        client,
        csv_file(
            [
                row("Good One"),  # line 2
                row("existing LTD"),  # 3: in the registry already
                row("good one"),  # 4: repeated in the file
                row("Bad Country", country="Philippines"),  # 5
                row("Bad Zone", time_zone="Mars/Olympus"),  # 6
                row("Bad Service", services="Telepathy"),  # 7
                row("Bad Tag", tags="no-such-tag"),  # 8
                row("Bad Flag", handles_personal_data="maybe"),  # 9
                row("Bad Tier", tier="ultra"),  # 10
                row("No Reason", tier="critical"),  # 11
                row("Bad Spend", annual_spend="-5"),  # 12
                row("Bad Year", founded_year="1066"),  # 13
                row(""),  # 14: no name
                row("Big Spend", annual_spend="1e309"),  # 15
            ]
        ),
    )
    assert response.status_code == 200
    assert Vendor.objects.count() == before
    found = {(line, column) for line, column, _ in errors_of(response)}
    assert found == {
        (3, "legal_name"),
        (4, "legal_name"),
        (5, "country"),
        (6, "time_zone"),
        (7, "services"),
        (8, "tags"),
        (9, "handles_personal_data"),
        (10, "tier"),
        (11, "tier_override_reason"),
        (12, "annual_spend"),
        (13, "founded_year"),
        (14, "legal_name"),
        (15, "annual_spend"),
    }
    messages = dict(((line, column), message) for line, column, message in errors_of(response))
    assert messages[(3, "legal_name")] == "A vendor with this name is already in the registry."
    assert messages[(4, "legal_name")] == "The same vendor is already on line 2 of this file."
    assert "Not one of the allowed values: critical, high, medium, low" in messages[(10, "tier")]
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "Telepathy" in html


def test_a_file_with_a_wrong_header_is_refused_before_any_row(client: Any, manager: Any) -> None:
    client.force_login(manager)
    upload = SimpleUploadedFile("v.csv", b"name,country,legal_name,legal_name\nA,PH,A,A\n")
    response = post(client, upload)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unknown column &#x27;name&#x27;" in html
    assert "appears twice" in html
    assert not Vendor.objects.filter(legal_name="A").exists()


def test_a_latin1_file_is_refused_with_how_to_save_it(client: Any, manager: Any) -> None:
    client.force_login(manager)
    upload = SimpleUploadedFile("v.csv", "legal_name,country\nCafé Ltd,FR\n".encode("latin-1"))
    response = post(client, upload)
    assert response.status_code == 200
    assert "Save the file as &#x27;CSV UTF-8&#x27;" in response.content.decode()
    assert not Vendor.objects.exists()


def test_a_file_over_a_thousand_vendors_is_refused_whole(client: Any, manager: Any) -> None:
    client.force_login(manager)
    response = post(client, csv_file([row(f"Vendor {n}") for n in range(1001)]))
    assert response.status_code == 200
    assert "more than 1,000 rows" in response.content.decode()
    assert not Vendor.objects.exists()


def test_a_post_without_a_file_asks_for_one(client: Any, manager: Any) -> None:
    client.force_login(manager)
    response = client.post(URL, {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


# --- who may ----------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client: Any, db: None) -> None:
    response = post(client, csv_file([row("Acme")]))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]
    assert not Vendor.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "evaluator_user"])
def test_viewers_may_not_import(client: Any, who: str, request: Any) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert post(client, csv_file([row("Acme")])).status_code == 403
    assert client.get(reverse("vendors:vendor_import_template")).status_code == 403
    assert not Vendor.objects.exists()


def test_an_admin_imports_and_owns_the_vendors(client: Any, role_admin: Any) -> None:
    client.force_login(role_admin)
    assert post(client, csv_file([row("Acme")])).status_code == 302
    assert Vendor.objects.get(legal_name="Acme").owner == role_admin


def test_the_list_links_to_the_import_for_managers_only(
    client: Any, manager: Any, viewer: Any
) -> None:
    client.force_login(manager)
    assert URL in client.get(reverse("vendors:vendor_list")).content.decode()
    client.force_login(viewer)
    assert URL not in client.get(reverse("vendors:vendor_list")).content.decode()


def test_the_page_lists_the_services_and_allowed_values(client: Any, manager: Any) -> None:
    ServiceCategoryFactory(name="Payroll <processing>")
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert "Payroll &lt;processing&gt;" in html
    assert "critical, high, medium, low" in html


# --- cost -------------------------------------------------------------------------


# Reads are one per table whatever the size; SQLite splits bulk inserts at 999 parameters
# (about 40 vendors), so 200 rows write in 5 batches there and in one on PostgreSQL.
@pytest.mark.parametrize(("size", "limit"), [(10, 12), (200, 20)])
def test_the_import_costs_a_bounded_number_of_queries(
    client: Any, manager: Any, size: int, limit: int, django_assert_max_num_queries: Any
) -> None:
    service = ServiceCategory.objects.first() or ServiceCategoryFactory()
    tag = TagFactory()
    client.force_login(manager)
    upload = csv_file(
        [row(f"Vendor number {n}", services=service.name, tags=tag.name) for n in range(size)]
    )
    with django_assert_max_num_queries(limit):
        response = post(client, upload)
    assert response.status_code == 302
    assert Vendor.objects.filter(legal_name__startswith="Vendor number").count() == size
    assert Tag.objects.get(pk=tag.pk).vendors.count() == size
