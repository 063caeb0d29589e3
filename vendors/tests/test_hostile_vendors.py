"""Hostile input to every form of the vendor registry (issue 6, item 6).

One @given test per form or POST endpoint, through the real routes, signed in as
someone who may use it. Row ids are not known when the strategies are built, so
strategies name rows by placeholder ("@service-a") and `_resolve` swaps in the id.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import given
from hypothesis import strategies as st

from outsourcing.models import Currency
from outsourcing.tests.hostile import (
    XSS_PROBES,
    assert_escaped,
    check_get,
    check_post,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_flag,
    hostile_number,
    hostile_text,
    hostile_upload,
    sign_in,
)
from vendors.models import (
    Certification,
    Contact,
    DataClassification,
    SubProcessor,
    Vendor,
    VendorStatusChange,
    VendorTierChange,
)
from vendors.tests.factories import (
    CertificationFactory,
    ContactFactory,
    ServiceCategoryFactory,
    SubProcessorFactory,
    TagFactory,
    VendorFactory,
)

pytestmark = pytest.mark.hostile

PROBE = XSS_PROBES[0]


# --- the world every example meets -------------------------------------------------


@dataclass
class World:
    vendor: Vendor  # owned by the manager, named with an XSS probe
    contact: Contact
    primary: Contact  # the vendor's primary contact, also named with a probe
    certification: Certification
    sub_processor: SubProcessor  # named with a probe
    ids: dict[str, str]  # placeholder -> id


@pytest.fixture
def world(manager: Any, role_admin: Any) -> World:
    service_a = ServiceCategoryFactory(name=f"Chat support {PROBE}")
    service_b = ServiceCategoryFactory()
    tag_a, tag_b = TagFactory(name=f"tag {XSS_PROBES[2]}"), TagFactory()
    vendor = VendorFactory(
        legal_name=f"Probe {PROBE} Ltd", owner=manager, notes=XSS_PROBES[1], languages=PROBE
    )
    vendor.services.add(service_a)
    vendor.tags.add(tag_a)
    primary = ContactFactory(vendor=vendor, name=f"Pat {PROBE}", is_primary=True)
    contact = ContactFactory(vendor=vendor, name=f"Sam {XSS_PROBES[1]}")
    certification = CertificationFactory(vendor=vendor, name=f"ISO {PROBE}")
    ids = {
        "@manager": str(manager.pk),
        "@admin": str(role_admin.pk),
        "@service-a": str(service_a.pk),
        "@service-b": str(service_b.pk),
        "@tag-a": str(tag_a.pk),
        "@tag-b": str(tag_b.pk),
    }
    sub_processor = SubProcessorFactory(vendor=vendor, name=f"Host {PROBE}")
    return World(vendor, contact, primary, certification, sub_processor, ids)


def _resolve(data: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    """The POST body with every placeholder (also inside lists) replaced by its row's id."""

    def one(value: Any) -> Any:
        if isinstance(value, list):
            return [one(item) for item in value]
        return ids.get(value, value) if isinstance(value, str) else value

    return {name: one(value) for name, value in data.items()}


# --- what Django makes of what was typed ----------------------------------------


def _text(data: Mapping[str, Any], name: str) -> str:
    return str(data.get(name, "")).strip()


def _flag(data: Mapping[str, Any], name: str) -> bool:
    # CheckboxInput: absent, "" and "false" are off, anything else (even "0") is on.
    return name in data and str(data[name]).lower() not in ("", "false")


def _year(data: Mapping[str, Any], name: str) -> int | None:
    value = str(data.get(name, "")).strip()
    return int(re.sub(r"\.0*\s*$", "", value)) if value else None


def _ids(data: Mapping[str, Any], name: str) -> set[int]:
    values = data.get(name, [])
    return {int(value) for value in (values if isinstance(values, list) else [values])}


def _date(data: Mapping[str, Any], name: str) -> Any:
    return forms.DateField(required=False).clean(data.get(name, ""))


# --- strategies ------------------------------------------------------------------


def _choices(choices: Any) -> st.SearchStrategy[str]:
    return hostile_choice(choices.values)


# Ids no database key can hold: they crashed the checkboxes' lookup with an OverflowError.
OUT_OF_RANGE_IDS = ("9223372036854775808", "-9223372036854775809", "9" * 30)


def _ids_list(*placeholders: str) -> st.SearchStrategy[list[str]]:
    return st.lists(
        st.one_of(hostile_choice(placeholders), st.sampled_from(OUT_OF_RANGE_IDS)), max_size=4
    )


# Field names for the extra fields posted to delete buttons: names a multipart body can carry.
FIELD_NAMES = st.one_of(
    st.sampled_from(["pk", "id", "vendor", "owner", "status", "next", "confirm", "delete"]),
    st.text(alphabet=string.ascii_letters + string.digits + "_-[].", min_size=1, max_size=20),
)
EXTRA_FIELDS = st.dictionaries(FIELD_NAMES, hostile_text(max_size=50), max_size=5)

VENDOR_HOSTILE: dict[str, st.SearchStrategy[Any]] = {
    "legal_name": hostile_text(),
    "website": hostile_text(),
    "country": hostile_text(max_size=4),
    "time_zone": hostile_text(),
    "languages": hostile_text(),
    "size": _choices(Vendor.Size),
    "founded_year": hostile_number(),
    "status": _choices(Vendor.Status),
    "services": _ids_list("@service-a", "@service-b"),
    "tags": _ids_list("@tag-a", "@tag-b"),
    "notes": hostile_text(),
    "highest_data_classification": _choices(DataClassification),
    "handles_personal_data": hostile_flag(),
    "replaceability": _choices(Vendor.Replaceability),
    "annual_spend": hostile_number(),
    "annual_spend_currency": _choices(Currency),
    "tier": _choices(Vendor.Tier),
    "tier_override_reason": hostile_text(),
}

VENDOR_VALID = {
    "legal_name": "Acme Support Ltd",
    "website": "https://acme.example.com",
    "country": "PH",
    "time_zone": "Asia/Manila",
    "languages": "English",
    "size": "",
    "founded_year": "2001",
    "status": "prospect",
    "services": ["@service-a", "@service-b"],
    "tags": ["@tag-b"],
    "notes": "",
    "highest_data_classification": "internal",
    "replaceability": "moderate",
    "annual_spend": "0",
    "annual_spend_currency": "EUR",
    "tier": "medium",
}
VENDOR_WRITES = {
    "vendors_vendor",
    "vendors_historicalvendor",
    "vendors_vendor_services",
    "vendors_vendor_tags",
    "vendors_vendortierchange",
}


def _check_vendor(vendor: Vendor, data: Mapping[str, Any], *, owner: int | None) -> None:
    """The saved vendor holds what the form was given, as Django cleans it."""
    assert vendor.legal_name == _text(data, "legal_name")
    website = forms.URLField(required=False, assume_scheme="https").clean(data.get("website", ""))
    assert vendor.website == website
    assert vendor.country == _text(data, "country").upper()
    assert vendor.time_zone == _text(data, "time_zone")
    assert vendor.languages == _text(data, "languages")
    assert vendor.size == data.get("size", "")
    assert vendor.founded_year == _year(data, "founded_year")
    assert vendor.owner_id == owner
    assert set(vendor.services.values_list("pk", flat=True)) == _ids(data, "services")
    assert set(vendor.tags.values_list("pk", flat=True)) == _ids(data, "tags")
    assert vendor.notes == _text(data, "notes")
    assert vendor.highest_data_classification == data["highest_data_classification"]
    assert vendor.handles_personal_data == _flag(data, "handles_personal_data")
    assert vendor.replaceability == data["replaceability"]
    assert vendor.annual_spend == Decimal(_text(data, "annual_spend"))
    assert vendor.annual_spend_currency == data["annual_spend_currency"]
    assert vendor.tier == data["tier"]


def _lands_on(response: Any, vendor: Vendor) -> None:
    assert response["Location"] == reverse("vendors:vendor_detail", args=[vendor.pk])


# --- VendorForm: create (an admin, who also picks the owner) ----------------------------


@given(
    data=form_data(
        {**VENDOR_VALID, "owner": "@manager"},
        {**VENDOR_HOSTILE, "owner": hostile_choice(["@manager", "@admin"])},
    )
)
def test_vendor_create_survives_hostile_input(
    data: dict[str, Any], world: World, role_admin: Any, client: Any
) -> None:
    sign_in(client, role_admin)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        vendor = Vendor.objects.get(legal_name=_text(posted, "legal_name"))
        owner = posted.get("owner")
        _check_vendor(vendor, posted, owner=int(owner) if owner else None)
        assert vendor.status == posted["status"]
        # The suggested tier needs no reason: one given anyway is dropped.
        reason = _text(posted, "tier_override_reason")
        assert vendor.tier_override_reason == (
            "" if vendor.tier == vendor.suggested_tier() else reason
        )
        _lands_on(response, vendor)

    check_post(
        client,
        reverse("vendors:vendor_create"),
        _resolve(data, world.ids),
        writes=VENDOR_WRITES,
        then=saved,
    )


def test_vendor_create_valid_baseline_is_accepted(
    world: World, role_admin: Any, client: Any
) -> None:
    sign_in(client, role_admin)
    data = _resolve({**VENDOR_VALID, "owner": "@manager"}, world.ids)
    response = client.post(reverse("vendors:vendor_create"), data)
    vendor = Vendor.objects.get(legal_name="Acme Support Ltd")
    _lands_on(response, vendor)
    assert vendor.owner == world.vendor.owner


@pytest.mark.parametrize("field", ["services", "tags"])
@pytest.mark.parametrize("pk", OUT_OF_RANGE_IDS)
def test_a_service_or_tag_id_too_large_for_the_database_is_refused_at_the_field(
    field: str, pk: str, world: World, role_admin: Any, client: Any
) -> None:
    sign_in(client, role_admin)
    data = {**_resolve({**VENDOR_VALID, "owner": "@manager"}, world.ids), field: [pk]}
    response = client.post(reverse("vendors:vendor_create"), data)
    assert response.status_code == 200
    assert "is not one of the available choices" in str(response.context["form"].errors[field])
    assert not Vendor.objects.filter(legal_name="Acme Support Ltd").exists()


# --- VendorForm: update (the owning manager; no status, no owner field) ----------------


# The world's vendor as it stands (its tier is the suggested one, medium).
UPDATE_VALID = {
    **{name: value for name, value in VENDOR_VALID.items() if name != "status"},
    "legal_name": f"Probe {PROBE} Ltd",
    "languages": PROBE,
    "notes": XSS_PROBES[1],
}


UPDATE_HOSTILE = {name: s for name, s in VENDOR_HOSTILE.items() if name != "status"}


@given(data=form_data(UPDATE_VALID, UPDATE_HOSTILE))
def test_vendor_update_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    vendor = world.vendor
    old_tier = vendor.tier

    def saved(response: Any, posted: dict[str, Any]) -> None:
        saved_vendor = Vendor.objects.get(pk=vendor.pk)
        _check_vendor(saved_vendor, posted, owner=manager.pk)
        assert saved_vendor.status == vendor.status
        reason = _text(posted, "tier_override_reason")
        if posted["tier"] == saved_vendor.suggested_tier():
            reason = ""  # the suggested tier needs none: one given anyway is dropped
        if posted["tier"] != old_tier:
            change = VendorTierChange.objects.get(vendor=vendor)
            assert (change.old_tier, change.new_tier, change.reason) == (
                old_tier,
                posted["tier"],
                reason,
            )
        assert saved_vendor.tier_override_reason == reason
        _lands_on(response, saved_vendor)

    check_post(
        client,
        reverse("vendors:vendor_update", args=[vendor.pk]),
        _resolve(data, world.ids),
        writes=VENDOR_WRITES,
        then=saved,
    )


def test_vendor_update_valid_baseline_is_accepted(world: World, manager: Any, client: Any) -> None:
    sign_in(client, manager)
    data = _resolve({**UPDATE_VALID, "notes": "Renewed."}, world.ids)
    response = client.post(reverse("vendors:vendor_update", args=[world.vendor.pk]), data)
    _lands_on(response, world.vendor)
    assert Vendor.objects.get(pk=world.vendor.pk).notes == "Renewed."


# --- the vendor form's tier part (htmx): a partial, never a write --------------------------

TIER_PART_HOSTILE = {**UPDATE_HOSTILE, "shown_suggestion": hostile_choice(list(Vendor.Tier.values))}


@given(data=form_data({**UPDATE_VALID, "shown_suggestion": "medium"}, TIER_PART_HOSTILE))
def test_vendor_tier_part_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    client.defaults["HTTP_HX_REQUEST"] = "true"
    for url in (
        reverse("vendors:vendor_create_tier"),
        reverse("vendors:vendor_update_tier", args=[world.vendor.pk]),
    ):
        assert check_post(client, url, _resolve(data, world.ids)) == 200


# --- StatusChangeForm --------------------------------------------------------------

STATUS_VALID = {"status": "active", "reason": "Contract signed."}


@given(data=form_data(STATUS_VALID, {"status": _choices(Vendor.Status), "reason": hostile_text()}))
def test_vendor_status_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    vendor = world.vendor

    def saved(response: Any, posted: dict[str, Any]) -> None:
        change = VendorStatusChange.objects.get(vendor=vendor)
        assert (change.old_status, change.new_status) == (vendor.status, posted["status"])
        assert change.reason == _text(posted, "reason")
        assert change.changed_by == manager
        assert Vendor.objects.get(pk=vendor.pk).status == posted["status"]
        _lands_on(response, vendor)

    check_post(
        client,
        reverse("vendors:vendor_status", args=[vendor.pk]),
        data,
        writes={"vendors_vendor", "vendors_historicalvendor", "vendors_vendorstatuschange"},
        then=saved,
    )


def test_vendor_status_valid_baseline_is_accepted(world: World, manager: Any, client: Any) -> None:
    sign_in(client, manager)
    response = client.post(reverse("vendors:vendor_status", args=[world.vendor.pk]), STATUS_VALID)
    _lands_on(response, world.vendor)
    assert Vendor.objects.get(pk=world.vendor.pk).status == "active"


# --- ContactForm -------------------------------------------------------------------

CONTACT_VALID = {
    "name": "Maria Santos",
    "role": "Account manager",
    "email": "maria@acme.example.com",
    "phone": "+63 2 8123 4567",
    "notes": "",
}
CONTACT_HOSTILE = {
    "name": hostile_text(),
    "role": hostile_text(),
    "email": hostile_text(),
    "phone": hostile_text(max_size=60),
    "is_primary": hostile_flag(),
    "notes": hostile_text(),
}


def _check_contact(contact: Contact, data: Mapping[str, Any]) -> None:
    assert contact.name == _text(data, "name")
    assert contact.role == _text(data, "role")
    assert contact.email == forms.EmailField(required=False).clean(data.get("email", ""))
    assert contact.phone == _text(data, "phone")
    assert contact.is_primary == _flag(data, "is_primary")
    assert contact.notes == _text(data, "notes")


@given(data=form_data(CONTACT_VALID, CONTACT_HOSTILE))
def test_contact_create_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    # The vendor has a primary contact already, so a ticked "Primary" is refused by name.
    sign_in(client, manager)
    known = {world.contact.pk, world.primary.pk}

    def saved(response: Any, posted: dict[str, Any]) -> None:
        contact = Contact.objects.exclude(pk__in=known).get(vendor=world.vendor)
        _check_contact(contact, posted)
        _lands_on(response, world.vendor)

    check_post(
        client,
        reverse("vendors:contact_create", args=[world.vendor.pk]),
        data,
        writes={"vendors_contact"},
        then=saved,
    )


def test_contact_create_valid_baseline_is_accepted(world: World, manager: Any, client: Any) -> None:
    sign_in(client, manager)
    response = client.post(reverse("vendors:contact_create", args=[world.vendor.pk]), CONTACT_VALID)
    _lands_on(response, world.vendor)
    assert Contact.objects.filter(vendor=world.vendor, name="Maria Santos").exists()


@given(data=form_data({**CONTACT_VALID, "is_primary": "on"}, CONTACT_HOSTILE))
def test_contact_update_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    # The primary contact itself may stay primary.
    sign_in(client, manager)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        _check_contact(Contact.objects.get(pk=world.primary.pk), posted)
        _lands_on(response, world.vendor)

    check_post(
        client,
        reverse("vendors:contact_update", args=[world.vendor.pk, world.primary.pk]),
        data,
        writes={"vendors_contact"},
        then=saved,
    )


def test_contact_update_valid_baseline_is_accepted(world: World, manager: Any, client: Any) -> None:
    sign_in(client, manager)
    url = reverse("vendors:contact_update", args=[world.vendor.pk, world.primary.pk])
    response = client.post(url, {**CONTACT_VALID, "is_primary": "on"})
    _lands_on(response, world.vendor)
    assert Contact.objects.get(pk=world.primary.pk).name == "Maria Santos"


# --- CertificationForm, with uploads ---------------------------------------------------

CERTIFICATION_VALID = {
    "name": "ISO 27001",
    "issuer": "BSI",
    "reference_number": "IS 123456",
    "issued_on": "2024-01-15",
    "expires_on": "2027-01-14",
}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


CERTIFICATION_HOSTILE = {
    "name": hostile_text(),
    "issuer": hostile_text(),
    "reference_number": hostile_text(),
    "issued_on": hostile_date(),
    "expires_on": hostile_date(),
    "document": hostile_upload(),
}


def _bytes_of(upload: Any) -> bytes:
    """What an upload in a hostile body holds, read without consuming it."""
    if upload is None:
        return b""
    content = bytes(upload.read())
    upload.seek(0)
    return content


def _check_certification(certification: Certification, posted: dict[str, Any]) -> None:
    assert certification.name == _text(posted, "name")
    assert certification.issuer == _text(posted, "issuer")
    assert certification.reference_number == _text(posted, "reference_number")
    assert certification.issued_on == _date(posted, "issued_on")
    assert certification.expires_on == _date(posted, "expires_on")


@given(data=form_data(CERTIFICATION_VALID, CERTIFICATION_HOSTILE))
def test_certification_create_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    upload = data.get("document")
    content = _bytes_of(upload)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        certification = Certification.objects.exclude(pk=world.certification.pk).get(
            vendor=world.vendor
        )
        _check_certification(certification, posted)
        # The name as Django's upload parser hands it over (it drops a file named "." or
        # "..", or only unprintable characters), the bytes as sent.
        name = upload and MultiPartParser.sanitize_file_name(None, upload.name)  # type: ignore[arg-type]
        if not name:
            assert not certification.document
            assert certification.document_name == ""
        else:
            assert certification.document_name == name[:255]
            with certification.document.open("rb") as stored:
                assert stored.read() == content
        _lands_on(response, world.vendor)

    check_post(
        client,
        reverse("vendors:certification_create", args=[world.vendor.pk]),
        data,
        writes={"vendors_certification"},
        then=saved,
    )


def test_certification_create_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, manager)
    upload = SimpleUploadedFile("iso.pdf", PDF, "application/pdf")
    response = client.post(
        reverse("vendors:certification_create", args=[world.vendor.pk]),
        {**CERTIFICATION_VALID, "document": upload},
    )
    _lands_on(response, world.vendor)
    assert Certification.objects.get(vendor=world.vendor, name="ISO 27001").document_name == (
        "iso.pdf"
    )


@pytest.fixture
def documented(world: World) -> Certification:
    """The world's certification, with a document on file."""
    from django.core.files.base import ContentFile

    certification = world.certification
    certification.document.save("old.pdf", ContentFile(PDF), save=False)
    certification.document_name = "old.pdf"
    certification.save()
    return certification


@given(
    data=form_data(
        CERTIFICATION_VALID, {**CERTIFICATION_HOSTILE, "remove_document": hostile_flag()}
    )
)
def test_certification_update_replaces_keeps_or_removes_the_document_under_hostile_input(
    data: dict[str, Any], world: World, documented: Certification, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    upload = data.get("document")
    content = _bytes_of(upload)
    old_file = documented.document.name

    def saved(response: Any, posted: dict[str, Any]) -> None:
        certification = Certification.objects.get(pk=documented.pk)
        _check_certification(certification, posted)
        name = upload and MultiPartParser.sanitize_file_name(None, upload.name)  # type: ignore[arg-type]
        # As a browser means it: a tick box sent at all is ticked, whatever its value
        # ("0" included), except the strings "false" and "".
        tick_box = forms.CheckboxInput()
        remove = tick_box.value_from_datadict(posted, MultiValueDict(), "remove_document")
        if name:  # a new document replaces the old one, whatever the tick box says
            assert certification.document_name == name[:255]
            assert certification.document.name != old_file
            with certification.document.open("rb") as stored:
                assert stored.read() == content
        elif remove:
            assert not certification.document
            assert certification.document_name == ""
        else:
            assert certification.document.name == old_file
            assert certification.document_name == "old.pdf"
        _lands_on(response, world.vendor)

    check_post(
        client,
        reverse("vendors:certification_update", args=[world.vendor.pk, documented.pk]),
        data,
        writes={"vendors_certification"},
        then=saved,
    )


# --- delete buttons: extra fields are ignored -------------------------------------------


@given(extra=EXTRA_FIELDS)
def test_contact_delete_ignores_hostile_extra_fields(
    extra: dict[str, str], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def deleted(response: Any, posted: dict[str, Any]) -> None:
        assert not Contact.objects.filter(pk=world.contact.pk).exists()
        assert Contact.objects.filter(pk=world.primary.pk).exists()
        _lands_on(response, world.vendor)

    url = reverse("vendors:contact_delete", args=[world.vendor.pk, world.contact.pk])
    assert check_post(client, url, extra, writes={"vendors_contact"}, then=deleted) == 302


@given(extra=EXTRA_FIELDS)
def test_certification_delete_ignores_hostile_extra_fields(
    extra: dict[str, str], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def deleted(response: Any, posted: dict[str, Any]) -> None:
        assert not Certification.objects.filter(pk=world.certification.pk).exists()
        _lands_on(response, world.vendor)

    url = reverse("vendors:certification_delete", args=[world.vendor.pk, world.certification.pk])
    assert check_post(client, url, extra, writes={"vendors_certification"}, then=deleted) == 302


# --- the list's filters, search, sort and page --------------------------------------------

PAGES = st.one_of(
    st.sampled_from(["-1", "0", "1", "2", "99999999999999999999", "abc", "1e3", "", "½"]),
    hostile_number(),
)


@given(
    params=form_data(
        {},
        {
            "q": hostile_text(),
            "status": _choices(Vendor.Status),
            "service": hostile_choice(["@service-a", "@service-b"]),
            "country": hostile_choice(["PH", "DE"]),
            "tag": hostile_choice(["@tag-a", "@tag-b"]),
            "sort": hostile_choice(
                ["name", "-name", "country", "status", "tier", "standing", "-updated"]
            ),
            "page": PAGES,
        },
    )
)
def test_vendor_list_survives_hostile_query(
    params: dict[str, Any], world: World, viewer: Any, client: Any
) -> None:
    sign_in(client, viewer)
    assert check_get(client, reverse("vendors:vendor_list"), _resolve(params, world.ids)) == 200


# --- what was saved is shown escaped on the vendor page -------------------------------------


def _assert_shown_escaped(html: str, probe: str) -> None:
    assert_escaped(html, "the vendor page")
    escaped = probe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace("'", "&#x27;") in html


def test_a_vendor_with_script_in_every_text_field_is_shown_escaped(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    data = {
        **_resolve(VENDOR_VALID, world.ids),
        "legal_name": f"{PROBE} Ltd",
        "languages": f"English, {PROBE}",
        "notes": PROBE,
        "tier": "critical",
        "tier_override_reason": PROBE,
    }
    response = client.post(reverse("vendors:vendor_create"), data, follow=True)
    vendor = Vendor.objects.get(legal_name=f"{PROBE} Ltd")
    assert response.redirect_chain == [(vendor.get_absolute_url(), 302)]
    _assert_shown_escaped(response.content.decode(), PROBE)


def test_a_contact_and_certification_with_script_are_shown_escaped_on_the_vendor_page(
    world: World, manager: Any, client: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, manager)
    vendor_url = reverse("vendors:vendor_detail", args=[world.vendor.pk])
    contact = {"name": PROBE, "role": PROBE, "phone": PROBE[:40], "notes": PROBE}
    response = client.post(
        reverse("vendors:contact_create", args=[world.vendor.pk]), contact, follow=True
    )
    assert response.redirect_chain == [(vendor_url, 302)]
    certification = {
        "name": PROBE,
        "issuer": PROBE,
        "reference_number": PROBE[:100],
        "document": SimpleUploadedFile(f"{PROBE}.pdf", PDF, "application/pdf"),
    }
    response = client.post(
        reverse("vendors:certification_create", args=[world.vendor.pk]),
        certification,
        follow=True,
    )
    assert response.redirect_chain == [(vendor_url, 302)]
    _assert_shown_escaped(response.content.decode(), PROBE)


# --- SubProcessorForm --------------------------------------------------------------------

SUB_PROCESSOR_VALID = {
    "name": "CloudHost Ireland",
    "country": "IE",
    "service": "Hosting",
    "data_touched": "Support tickets",
    "handles_personal_data": "on",
    "approved_on": "2025-02-01",
}
SUB_PROCESSOR_HOSTILE = {
    "name": hostile_text(),
    "country": hostile_text(max_size=5),
    "service": hostile_text(),
    "data_touched": hostile_text(),
    "handles_personal_data": hostile_flag(),
    "approved_on": hostile_date(),
}


def _check_sub_processor(sub: SubProcessor, data: Mapping[str, Any]) -> None:
    assert sub.name == _text(data, "name")
    assert sub.country == _text(data, "country").upper()
    assert len(sub.country) in (0, 2)
    assert sub.service == _text(data, "service")
    assert sub.data_touched == _text(data, "data_touched")
    assert sub.handles_personal_data == _flag(data, "handles_personal_data")
    assert sub.approved_on == _date(data, "approved_on")


@given(data=form_data(SUB_PROCESSOR_VALID, SUB_PROCESSOR_HOSTILE))
def test_sub_processor_create_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        sub = SubProcessor.objects.exclude(pk=world.sub_processor.pk).get(vendor=world.vendor)
        _check_sub_processor(sub, posted)
        _lands_on(response, world.vendor)

    check_post(
        client,
        reverse("vendors:sub_processor_create", args=[world.vendor.pk]),
        data,
        writes={"vendors_subprocessor"},
        then=saved,
    )


def test_sub_processor_create_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    url = reverse("vendors:sub_processor_create", args=[world.vendor.pk])
    response = client.post(url, SUB_PROCESSOR_VALID)
    _lands_on(response, world.vendor)
    assert SubProcessor.objects.filter(vendor=world.vendor, name="CloudHost Ireland").exists()


@given(data=form_data(SUB_PROCESSOR_VALID, SUB_PROCESSOR_HOSTILE))
def test_sub_processor_update_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        _check_sub_processor(SubProcessor.objects.get(pk=world.sub_processor.pk), posted)
        _lands_on(response, world.vendor)

    check_post(
        client,
        reverse("vendors:sub_processor_update", args=[world.vendor.pk, world.sub_processor.pk]),
        data,
        writes={"vendors_subprocessor"},
        then=saved,
    )


def test_sub_processor_update_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    url = reverse("vendors:sub_processor_update", args=[world.vendor.pk, world.sub_processor.pk])
    response = client.post(url, SUB_PROCESSOR_VALID)
    _lands_on(response, world.vendor)
    assert SubProcessor.objects.get(pk=world.sub_processor.pk).name == "CloudHost Ireland"


@given(extra=EXTRA_FIELDS)
def test_sub_processor_delete_survives_hostile_bodies(
    extra: dict[str, str], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    check_post(
        client,
        reverse("vendors:sub_processor_delete", args=[world.vendor.pk, world.sub_processor.pk]),
        extra,
        writes={"vendors_subprocessor", "engagements_dataaccessgrant_sub_processors"},
    )
