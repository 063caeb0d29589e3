"""The vendor registry pages: who may see and change what, what they show, what they refuse."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.tests.factories import EngagementFactory, ProposalFactory
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import user_for
from vendors.models import (
    Certification,
    Contact,
    DataClassification,
    SubProcessor,
    Vendor,
    VendorStatusChange,
    VendorTierChange,
)
from vendors.templatetags.vendor_badges import expiry_state
from vendors.tests.factories import (
    CertificationFactory,
    ContactFactory,
    ServiceCategoryFactory,
    SubProcessorFactory,
    TagFactory,
    VendorFactory,
    VendorStatusChangeFactory,
    VendorTierChangeFactory,
)

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


# --- helpers ------------------------------------------------------------------


def vendor_data(vendor: Vendor | None = None, **changes: Any) -> dict[str, Any]:
    """What the vendor form posts for `vendor` (or a fresh one), with `changes` on top."""
    data: dict[str, Any] = {
        "legal_name": "Acme Back Office Ltd",
        "website": "https://acme.example.com",
        "country": "PL",
        "time_zone": "Europe/Warsaw",
        "languages": "Polish, English",
        "size": Vendor.Size.SMALL,
        "founded_year": "2015",
        "status": Vendor.Status.PROSPECT,
        "services": [],
        "tags": [],
        "notes": "",
        "highest_data_classification": DataClassification.INTERNAL,
        "replaceability": Vendor.Replaceability.MODERATE,
        "annual_spend": "0",
        "annual_spend_currency": "EUR",
        "tier": Vendor.Tier.MEDIUM,  # the suggestion for internal data, moderate, no spend
        "tier_override_reason": "",
    }
    if vendor is not None:
        data.update(
            {
                "legal_name": vendor.legal_name,
                "website": vendor.website,
                "country": vendor.country,
                "time_zone": vendor.time_zone,
                "languages": vendor.languages,
                "size": vendor.size,
                "founded_year": vendor.founded_year or "",
                "services": [s.pk for s in vendor.services.all()],
                "tags": [t.pk for t in vendor.tags.all()],
                "notes": vendor.notes,
                "highest_data_classification": vendor.highest_data_classification,
                "replaceability": vendor.replaceability,
                "annual_spend": str(vendor.annual_spend),
                "annual_spend_currency": vendor.annual_spend_currency,
                "tier": vendor.tier,
                "tier_override_reason": vendor.tier_override_reason,
            }
        )
        if vendor.handles_personal_data:
            data["handles_personal_data"] = "on"
    data.update(changes)
    return data


def contact_data(**changes: Any) -> dict[str, Any]:
    return {"name": "Ana Kowalska", "role": "Account manager", "email": "ana@acme.example.com"} | (
        changes
    )


def certification_data(**changes: Any) -> dict[str, Any]:
    return {
        "name": "ISO 27001",
        "issuer": "BSI",
        "reference_number": "IS 123456",
        "issued_on": "2025-01-10",
        "expires_on": "2028-01-09",
    } | changes


def sub_processor_data(**changes: Any) -> dict[str, Any]:
    return {
        "name": "CloudHost Ireland",
        "country": "ie",
        "service": "Hosting of the ticket system",
        "data_touched": "Support tickets",
        "handles_personal_data": "on",
        "approved_on": "2025-02-01",
    } | changes


def registry_snapshot() -> dict[str, list[Any]]:
    """Every row the vendor pages could write, to compare before and after a refused request."""
    return {
        "vendors": list(Vendor.objects.order_by("pk").values()),
        "services": list(Vendor.services.through.objects.order_by("pk").values()),
        "tags": list(Vendor.tags.through.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "certifications": list(Certification.objects.order_by("pk").values()),
        "sub_processors": list(SubProcessor.objects.order_by("pk").values()),
        "status_changes": list(VendorStatusChange.objects.order_by("pk").values()),
        "tier_changes": list(VendorTierChange.objects.order_by("pk").values()),
    }


def message_texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def pdf_upload(name: str = "iso-27001.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- the world every permission test runs in ------------------------------------------


@dataclass
class Registry:
    vendor: Vendor
    contact: Contact
    certification: Certification
    sub_processor: SubProcessor


@pytest.fixture
def registry(manager: Any) -> Registry:
    vendor = VendorFactory(owner=manager, status=Vendor.Status.APPROVED)
    certification = CertificationFactory(
        vendor=vendor,
        document=ContentFile(PDF, name="scan.pdf"),
        document_name="ISO 27001 certificate.pdf",
    )
    return Registry(
        vendor,
        ContactFactory(vendor=vendor),
        certification,
        SubProcessorFactory(vendor=vendor, name="Zendesk EU"),
    )


@pytest.fixture
def person(request: pytest.FixtureRequest, db: None) -> Callable[[str], Any]:
    """person("viewer") is the user playing that role (outsourcing/tests/roles.py, in
    words: "no role", "other manager"); only the one asked for is created."""

    def play(who: str) -> Any:
        role = "evaluator_user" if who == "evaluator" else who.replace(" ", "_")
        return user_for(role, request)

    return play


READERS = {"viewer", "evaluator", "owner", "other manager", "role admin", "superuser"}
CREATORS = {"owner", "other manager", "role admin", "superuser"}
CHANGERS = {"owner", "role admin", "superuser"}
EVERYONE = ["anonymous", "no role", *sorted(READERS)]


@dataclass(frozen=True)
class Route:
    name: str
    args: Callable[[Registry], list[int]]
    allowed: frozenset[str]
    # What an allowed person would post; None for pages that only show.
    post: Callable[[Registry], dict[str, Any]] | None = None

    def url(self, registry: Registry) -> str:
        return reverse(f"vendors:{self.name}", args=self.args(registry))


def _vendor(r: Registry) -> list[int]:
    return [r.vendor.pk]


def _contact(r: Registry) -> list[int]:
    return [r.vendor.pk, r.contact.pk]


def _certification(r: Registry) -> list[int]:
    return [r.vendor.pk, r.certification.pk]


def _sub_processor(r: Registry) -> list[int]:
    return [r.vendor.pk, r.sub_processor.pk]


ROUTES = [
    Route("vendor_list", lambda r: [], frozenset(READERS)),
    Route("vendor_detail", _vendor, frozenset(READERS)),
    Route("certification_document", _certification, frozenset(READERS)),
    Route("vendor_create", lambda r: [], frozenset(CREATORS), lambda r: vendor_data()),
    Route(
        "vendor_update",
        _vendor,
        frozenset(CHANGERS),
        lambda r: vendor_data(r.vendor, legal_name="Renamed Ltd"),
    ),
    Route(
        "vendor_status",
        _vendor,
        frozenset(CHANGERS),
        lambda r: {"status": Vendor.Status.ACTIVE, "reason": "Contract signed."},
    ),
    Route("contact_create", _vendor, frozenset(CHANGERS), lambda r: contact_data()),
    Route("contact_update", _contact, frozenset(CHANGERS), lambda r: contact_data(name="Renamed")),
    Route("contact_delete", _contact, frozenset(CHANGERS), lambda r: {}),
    Route(
        "certification_create",
        _vendor,
        frozenset(CHANGERS),
        lambda r: certification_data(document=pdf_upload()),
    ),
    Route(
        "certification_update",
        _certification,
        frozenset(CHANGERS),
        lambda r: certification_data(name="SOC 2 Type II"),
    ),
    Route("certification_delete", _certification, frozenset(CHANGERS), lambda r: {}),
    Route("sub_processor_create", _vendor, frozenset(CHANGERS), lambda r: sub_processor_data()),
    Route(
        "sub_processor_update",
        _sub_processor,
        frozenset(CHANGERS),
        lambda r: sub_processor_data(name="Renamed host"),
    ),
    Route("sub_processor_delete", _sub_processor, frozenset(CHANGERS), lambda r: {}),
]
CHANGE_ROUTES = [route for route in ROUTES if route.post is not None]


# --- who may open what -------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_each_page_answers_each_role(
    route: Route, who: str, registry: Registry, person: Any, client_for: Any
) -> None:
    response = client_for(person(who)).get(route.url(registry))

    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif who in route.allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    response.close()


REFUSED_POSTS = [
    pytest.param(route, who, id=f"{route.name}-{who}")
    for route in CHANGE_ROUTES
    for who in ("anonymous", "no role", "viewer", "evaluator", "other manager")
    if who not in route.allowed
]


@pytest.mark.parametrize(("route", "who"), REFUSED_POSTS)
def test_a_refused_post_changes_nothing(
    route: Route, who: str, registry: Registry, person: Any, client_for: Any
) -> None:
    assert route.post is not None
    before = registry_snapshot()

    response = client_for(person(who)).post(route.url(registry), route.post(registry))

    assert response.status_code == (302 if who == "anonymous" else 403)
    assert registry_snapshot() == before


@pytest.mark.parametrize("who", sorted(CHANGERS))
@pytest.mark.parametrize("route", CHANGE_ROUTES, ids=lambda route: route.name)
def test_an_allowed_post_changes_the_registry_and_says_so(
    route: Route, who: str, registry: Registry, person: Any, client_for: Any
) -> None:
    assert route.post is not None
    before = registry_snapshot()

    response = client_for(person(who)).post(route.url(registry), route.post(registry))

    assert response.status_code == 302
    assert registry_snapshot() != before
    assert message_texts(response)


def test_the_document_download_refuses_other_methods(
    registry: Registry, viewer: Any, client_for: Any
) -> None:
    url = ROUTES[2].url(registry)
    assert client_for(viewer).post(url).status_code == 405


# --- the list ---------------------------------------------------------------------


def test_the_list_shows_name_country_services_status_tier_and_standing(
    viewer: Any, client_for: Any
) -> None:
    service = ServiceCategoryFactory(name="Payroll processing")
    vendor = VendorFactory(
        legal_name="Numera Back Office", country="IN", standing=Vendor.Standing.WATCH
    )
    vendor.services.add(service)

    page = client_for(viewer).get(reverse("vendors:vendor_list")).content.decode()

    assert "Numera Back Office" in page
    assert reverse("vendors:vendor_detail", args=[vendor.pk]) in page
    assert ">IN<" in page
    assert "Payroll processing" in page
    assert "Approved" in page
    assert "Medium" in page  # the suggested tier of the factory's vendor
    assert "Watch" in page


def test_new_vendor_is_offered_only_to_those_who_may_create(
    viewer: Any, other_manager: Any, client_for: Any
) -> None:
    VendorFactory()
    url = reverse("vendors:vendor_list")
    create = reverse("vendors:vendor_create")

    assert create not in client_for(viewer).get(url).content.decode()
    assert create in client_for(other_manager).get(url).content.decode()


def test_an_empty_registry_tells_a_manager_what_to_do(manager: Any, client_for: Any) -> None:
    page = client_for(manager).get(reverse("vendors:vendor_list")).content.decode()
    assert "The registry is empty" in page
    assert "Add the first vendor" in page


def test_an_empty_registry_tells_a_viewer_who_adds_vendors(viewer: Any, client_for: Any) -> None:
    page = client_for(viewer).get(reverse("vendors:vendor_list")).content.decode()
    assert "Managers add vendors here" in page
    assert reverse("vendors:vendor_create") not in page


def test_filters_that_match_nothing_say_so(viewer: Any, client_for: Any) -> None:
    VendorFactory(legal_name="Pixel & Quill")
    page = client_for(viewer).get(reverse("vendors:vendor_list"), {"q": "zzz"}).content.decode()
    assert "No vendor matches these filters" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "quill"}, {"Pixel & Quill"}),
        ({"status": Vendor.Status.ACTIVE}, {"NorthStar IT"}),
        ({"country": "DE"}, {"NorthStar IT"}),
        ({"service": "design"}, {"Pixel & Quill"}),
        ({"tag": "offshore"}, {"BrightLine"}),
        ({"status": Vendor.Status.APPROVED, "country": "GB"}, {"Pixel & Quill"}),
    ],
    ids=["search", "status", "country", "service", "tag", "combined"],
)
def test_the_list_filters(
    query: dict[str, str], expected: set[str], viewer: Any, client_for: Any
) -> None:
    design = ServiceCategoryFactory(name="Graphic design")
    offshore = TagFactory(name="offshore")
    VendorFactory(legal_name="Pixel & Quill", country="GB").services.add(design)
    VendorFactory(legal_name="NorthStar IT", country="DE", status=Vendor.Status.ACTIVE)
    VendorFactory(legal_name="BrightLine", country="PH").tags.add(offshore)
    query = dict(query)
    if query.get("service"):
        query["service"] = str(design.pk)
    if query.get("tag"):
        query["tag"] = str(offshore.pk)

    response = client_for(viewer).get(reverse("vendors:vendor_list"), query)

    assert {v.legal_name for v in response.context["page"].object_list} == expected


def test_the_list_sorts_by_tier_most_critical_first(viewer: Any, client_for: Any) -> None:
    VendorFactory(legal_name="A medium one")
    VendorFactory(
        legal_name="B critical one",
        highest_data_classification=DataClassification.RESTRICTED,
        handles_personal_data=True,
        replaceability=Vendor.Replaceability.HARD,
    )

    response = client_for(viewer).get(reverse("vendors:vendor_list"), {"sort": "tier"})

    names = [v.legal_name for v in response.context["page"].object_list]
    assert names == ["B critical one", "A medium one"]


def test_the_list_shows_25_a_page(viewer: Any, client_for: Any) -> None:
    VendorFactory.create_batch(26)
    url = reverse("vendors:vendor_list")

    first = client_for(viewer).get(url)
    second = client_for(viewer).get(url, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 1
    assert "Page 1 of 2" in first.content.decode()


def _vendors_with_services_and_tags(count: int) -> None:
    services = ServiceCategoryFactory.create_batch(3)
    tags = TagFactory.create_batch(2)
    for vendor in VendorFactory.create_batch(count):
        vendor.services.add(*services)
        vendor.tags.add(*tags)


def _queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_runs_as_many_queries_for_50_vendors_as_for_5(
    manager: Any, client_for: Any
) -> None:
    client = client_for(manager)
    url = reverse("vendors:vendor_list")
    _vendors_with_services_and_tags(5)
    client.get(url)  # the session is read and kept on the first request
    with_5 = _queries_for(client, url)

    _vendors_with_services_and_tags(45)

    assert _queries_for(client, url) == with_5


# --- the vendor page ---------------------------------------------------------------


def _fill_vendor(vendor: Vendor, count: int) -> None:
    vendor.services.add(*ServiceCategoryFactory.create_batch(2))
    vendor.tags.add(*TagFactory.create_batch(2))
    ContactFactory.create_batch(count, vendor=vendor)
    CertificationFactory.create_batch(count, vendor=vendor)
    EngagementFactory.create_batch(2, vendor=vendor)
    ProposalFactory.create_batch(2, vendor=vendor)
    VendorStatusChangeFactory.create_batch(2, vendor=vendor)
    VendorTierChangeFactory.create_batch(2, vendor=vendor)


def test_the_vendor_page_runs_as_many_queries_for_20_contacts_as_for_2(
    manager: Any, client_for: Any
) -> None:
    client = client_for(manager)
    few, many = VendorFactory(owner=manager), VendorFactory(owner=manager)
    _fill_vendor(few, 2)
    _fill_vendor(many, 20)
    client.get(reverse("vendors:vendor_list"))

    with_2 = _queries_for(client, reverse("vendors:vendor_detail", args=[few.pk]))
    with_20 = _queries_for(client, reverse("vendors:vendor_detail", args=[many.pk]))

    assert with_20 == with_2


def test_the_vendor_page_shows_profile_tier_and_history(
    registry: Registry, viewer: Any, manager: Any, client_for: Any
) -> None:
    vendor = registry.vendor
    vendor.notes = "Runs our bookkeeping."
    vendor.save()
    vendor.change_tier(tier=Vendor.Tier.HIGH, reason="Holds our payroll data.", by=manager)
    vendor.change_status(status=Vendor.Status.ACTIVE, reason="Contract signed.", by=manager)

    page = client_for(viewer).get(reverse("vendors:vendor_detail", args=[vendor.pk]))
    text = page.content.decode()

    assert f"<title>{vendor.legal_name} · Vendors" in text
    assert vendor.website in text
    assert "Asia/Manila" in text
    assert "Runs our bookkeeping." in text
    assert "suggested: Medium" in text
    assert "Holds our payroll data." in text
    assert "Contract signed." in text
    assert registry.contact.name in text
    assert "ISO 27001 certificate.pdf" in text
    # a viewer sees no buttons that lead to a 403
    assert reverse("vendors:vendor_update", args=[vendor.pk]) not in text
    assert reverse("vendors:contact_create", args=[vendor.pk]) not in text


def test_the_vendor_page_offers_changes_to_its_owner(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    text = (
        client_for(manager)
        .get(reverse("vendors:vendor_detail", args=[registry.vendor.pk]))
        .content.decode()
    )
    assert reverse("vendors:vendor_update", args=[registry.vendor.pk]) in text
    assert reverse("vendors:vendor_status", args=[registry.vendor.pk]) in text
    assert reverse("vendors:certification_create", args=[registry.vendor.pk]) in text


def test_the_vendor_page_lists_its_engagements_and_selections(
    registry: Registry, viewer: Any, client_for: Any
) -> None:
    EngagementFactory(vendor=registry.vendor, title="Bookkeeping for the Polish entity")
    ProposalFactory(vendor=registry.vendor, selection__title="RFP: payroll 2026")

    text = (
        client_for(viewer)
        .get(reverse("vendors:vendor_detail", args=[registry.vendor.pk]))
        .content.decode()
    )

    assert "Bookkeeping for the Polish entity" in text
    assert "RFP: payroll 2026" in text


@pytest.mark.parametrize(
    ("days", "state", "badge"),
    [
        (-1, "expired", "text-bg-danger"),
        (0, "expiring", "text-bg-warning"),
        (30, "expiring", "text-bg-warning"),
        (31, "valid", "text-bg-success"),
        (None, "none", "text-bg-secondary"),
    ],
)
def test_certification_badges_follow_the_expiry_date(
    days: int | None, state: str, badge: str, viewer: Any, client_for: Any
) -> None:
    today = timezone.localdate()
    expires = None if days is None else today + datetime.timedelta(days=days)
    certification = CertificationFactory(
        issued_on=today - datetime.timedelta(days=400), expires_on=expires
    )

    text = (
        client_for(viewer)
        .get(reverse("vendors:vendor_detail", args=[certification.vendor_id]))
        .content.decode()
    )

    assert expiry_state(expires, today) == state
    certifications = text.split('id="certifications"')[1].split("</section>")[0]
    assert badge in certifications


# --- create and edit a vendor ------------------------------------------------------


def test_a_new_vendor_belongs_to_its_creator(manager: Any, client_for: Any) -> None:
    service, tag = ServiceCategoryFactory(), TagFactory()

    response = client_for(manager).post(
        reverse("vendors:vendor_create"),
        vendor_data(country="pl", services=[service.pk], tags=[tag.pk]),
    )

    vendor = Vendor.objects.get(legal_name="Acme Back Office Ltd")
    assert response["Location"] == reverse("vendors:vendor_detail", args=[vendor.pk])
    assert vendor.owner == manager
    assert vendor.country == "PL"
    assert list(vendor.services.all()) == [service]
    assert list(vendor.tags.all()) == [tag]
    assert message_texts(response) == ["Acme Back Office Ltd is in the registry."]


def test_an_admin_may_hand_a_vendor_to_another_manager(
    registry: Registry, role_admin: Any, other_manager: Any, client_for: Any
) -> None:
    client_for(role_admin).post(
        reverse("vendors:vendor_update", args=[registry.vendor.pk]),
        vendor_data(registry.vendor, owner=other_manager.pk),
    )
    registry.vendor.refresh_from_db()
    assert registry.vendor.owner == other_manager


def test_an_owner_cannot_hand_the_vendor_on(
    registry: Registry, manager: Any, other_manager: Any, client_for: Any
) -> None:
    client_for(manager).post(
        reverse("vendors:vendor_update", args=[registry.vendor.pk]),
        vendor_data(registry.vendor, owner=other_manager.pk),
    )
    registry.vendor.refresh_from_db()
    assert registry.vendor.owner == manager


def test_a_tier_change_with_a_reason_is_kept_in_history(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    response = client_for(manager).post(
        reverse("vendors:vendor_update", args=[registry.vendor.pk]),
        vendor_data(
            registry.vendor, tier=Vendor.Tier.CRITICAL, tier_override_reason="Sole payroll run."
        ),
    )

    assert response.status_code == 302
    registry.vendor.refresh_from_db()
    assert registry.vendor.tier == Vendor.Tier.CRITICAL
    assert registry.vendor.tier_override_reason == "Sole payroll run."
    change = registry.vendor.tier_changes.get()
    assert (change.old_tier, change.new_tier) == (Vendor.Tier.MEDIUM, Vendor.Tier.CRITICAL)
    assert change.suggested_tier == Vendor.Tier.MEDIUM
    assert change.reason == "Sole payroll run."
    assert change.changed_by == manager


def test_an_edit_without_tier_change_adds_no_tier_history(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    client_for(manager).post(
        reverse("vendors:vendor_update", args=[registry.vendor.pk]),
        vendor_data(registry.vendor, notes="Friendly team."),
    )
    registry.vendor.refresh_from_db()
    assert registry.vendor.notes == "Friendly team."
    assert not registry.vendor.tier_changes.exists()


# --- bad input: a message on the field and nothing written ---------------------------


def _refused(response: Any, field: str, words: str) -> None:
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert words in response.content.decode()


def test_a_tier_override_without_a_reason_is_refused(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    before = registry_snapshot()

    response = client_for(manager).post(
        reverse("vendors:vendor_update", args=[registry.vendor.pk]),
        vendor_data(registry.vendor, tier=Vendor.Tier.CRITICAL, tier_override_reason=" "),
    )

    _refused(response, "tier_override_reason", "The suggested tier is Medium")
    assert registry_snapshot() == before


def test_a_new_vendor_with_an_overridden_tier_needs_a_reason(manager: Any, client_for: Any) -> None:
    response = client_for(manager).post(
        reverse("vendors:vendor_create"), vendor_data(tier=Vendor.Tier.LOW)
    )
    _refused(response, "tier_override_reason", "The suggested tier is Medium")
    assert not Vendor.objects.exists()


def test_an_unknown_time_zone_is_refused(manager: Any, client_for: Any) -> None:
    response = client_for(manager).post(
        reverse("vendors:vendor_create"), vendor_data(time_zone="Europe/Atlantis")
    )
    _refused(response, "time_zone", "is not a known time zone")
    assert not Vendor.objects.exists()


def test_a_status_change_without_a_reason_is_refused(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    before = registry_snapshot()

    response = client_for(manager).post(
        reverse("vendors:vendor_status", args=[registry.vendor.pk]),
        {"status": Vendor.Status.ACTIVE, "reason": "  "},
    )

    _refused(response, "reason", "Say why the status changes.")
    assert registry_snapshot() == before


def test_a_status_change_to_the_same_status_is_refused(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    before = registry_snapshot()

    response = client_for(manager).post(
        reverse("vendors:vendor_status", args=[registry.vendor.pk]),
        {"status": Vendor.Status.APPROVED, "reason": "Again."},
    )

    _refused(response, "status", "already approved")
    assert registry_snapshot() == before


def test_a_status_change_is_kept_with_its_reason(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    response = client_for(manager).post(
        reverse("vendors:vendor_status", args=[registry.vendor.pk]),
        {"status": Vendor.Status.ON_WATCH, "reason": "Two red months."},
    )

    registry.vendor.refresh_from_db()
    assert registry.vendor.status == Vendor.Status.ON_WATCH
    change = registry.vendor.status_changes.get()
    assert (change.old_status, change.new_status, change.reason, change.changed_by) == (
        Vendor.Status.APPROVED,
        Vendor.Status.ON_WATCH,
        "Two red months.",
        manager,
    )
    assert message_texts(response) == [f"{registry.vendor} is now on watch (was approved)."]


def test_a_certification_expiring_before_its_issue_is_refused(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    before = registry_snapshot()

    response = client_for(manager).post(
        reverse("vendors:certification_create", args=[registry.vendor.pk]),
        certification_data(issued_on="2025-06-01", expires_on="2025-05-31"),
    )

    _refused(response, "expires_on", "before the issue date")
    assert registry_snapshot() == before


def test_a_file_over_the_size_limit_is_refused(
    registry: Registry, manager: Any, client_for: Any, settings: Any
) -> None:
    # Stands for a 50 MB upload against the 10 MB default without moving 50 MB around.
    settings.MAX_UPLOAD_SIZE = 1024
    before = registry_snapshot()

    response = client_for(manager).post(
        reverse("vendors:certification_create", args=[registry.vendor.pk]),
        certification_data(document=pdf_upload(content=PDF + b"0" * 2048)),
    )

    _refused(response, "document", "the largest accepted is 1.0")
    assert registry_snapshot() == before


def test_a_file_one_byte_over_the_limit_is_refused_as_it_arrives(
    registry: Registry, manager: Any, client_for: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_SIZE = 64 * 1024
    before = registry_snapshot()
    content = PDF + b"0" * (settings.MAX_UPLOAD_SIZE + 1 - len(PDF))

    response = client_for(manager).post(
        reverse("vendors:certification_create", args=[registry.vendor.pk]),
        certification_data(document=pdf_upload(content=content)),
    )

    _refused(response, "document", "This file is 64.0\xa0KB; the largest accepted is 64.0\xa0KB")
    arrived = response.wsgi_request.FILES["document"]
    assert (type(arrived).__name__, arrived.size) == ("TooLargeUpload", len(content))
    assert registry_snapshot() == before


def test_a_program_renamed_to_pdf_is_refused(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    before = registry_snapshot()
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

    response = client_for(manager).post(
        reverse("vendors:certification_create", args=[registry.vendor.pk]),
        certification_data(document=pdf_upload("certificate.pdf", program)),
    )

    _refused(response, "document", "does not match its PDF name")
    assert registry_snapshot() == before


def test_a_second_primary_contact_is_refused(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    primary = ContactFactory(vendor=registry.vendor, is_primary=True, name="Rafael Santos")
    before = registry_snapshot()

    added = client_for(manager).post(
        reverse("vendors:contact_create", args=[registry.vendor.pk]),
        contact_data(is_primary="on"),
    )
    edited = client_for(manager).post(
        reverse("vendors:contact_update", args=[registry.vendor.pk, registry.contact.pk]),
        contact_data(name=registry.contact.name, is_primary="on"),
    )

    _refused(added, "is_primary", "Rafael Santos is already the primary contact")
    _refused(edited, "is_primary", "Rafael Santos is already the primary contact")
    assert registry_snapshot() == before
    # the primary contact itself stays editable
    resaved = client_for(manager).post(
        reverse("vendors:contact_update", args=[registry.vendor.pk, primary.pk]),
        contact_data(name="Rafael Santos", is_primary="on", phone="+63 2 8555 0140"),
    )
    assert resaved.status_code == 302


# --- certification documents ---------------------------------------------------------


def test_an_uploaded_document_keeps_its_name_and_a_random_storage_name(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    client_for(manager).post(
        reverse("vendors:certification_create", args=[registry.vendor.pk]),
        certification_data(name="SOC 2", document=pdf_upload("SOC 2 report 2025.pdf")),
    )

    certification = registry.vendor.certifications.get(name="SOC 2")
    assert certification.document_name == "SOC 2 report 2025.pdf"
    stored = str(certification.document.name)
    assert stored.startswith("certifications/")
    assert "SOC" not in stored


def test_readers_download_the_document_as_an_attachment(
    registry: Registry, viewer: Any, client_for: Any
) -> None:
    response = client_for(viewer).get(
        reverse(
            "vendors:certification_document", args=[registry.vendor.pk, registry.certification.pk]
        )
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "ISO 27001 certificate.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    stored = registry.certification.document.name
    assert all(stored not in value for value in response.headers.values())


def test_a_download_sends_strangers_to_sign_in_and_refuses_people_without_a_role(
    registry: Registry, client_for: Any
) -> None:
    url = reverse(
        "vendors:certification_document", args=[registry.vendor.pk, registry.certification.pk]
    )

    anonymous = client_for(None).get(url)
    no_role = client_for(UserFactory(username="no-role")).get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert no_role.status_code == 403


def test_a_certification_without_a_document_has_nothing_to_download(
    registry: Registry, viewer: Any, client_for: Any
) -> None:
    bare = CertificationFactory(vendor=registry.vendor)
    url = reverse("vendors:certification_document", args=[registry.vendor.pk, bare.pk])
    assert client_for(viewer).get(url).status_code == 404


def test_a_document_is_downloaded_only_through_its_own_vendor(
    registry: Registry, viewer: Any, client_for: Any
) -> None:
    other = VendorFactory()
    url = reverse("vendors:certification_document", args=[other.pk, registry.certification.pk])
    assert client_for(viewer).get(url).status_code == 404


def test_replacing_a_document_removes_the_old_file(
    registry: Registry,
    manager: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    old = registry.certification.document
    storage, old_name = old.storage, str(old.name)
    assert storage.exists(old_name)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(manager).post(
            reverse(
                "vendors:certification_update",
                args=[registry.vendor.pk, registry.certification.pk],
            ),
            certification_data(document=pdf_upload("renewed.pdf")),
        )

    registry.certification.refresh_from_db()
    assert registry.certification.document_name == "renewed.pdf"
    assert not storage.exists(old_name)
    assert storage.exists(str(registry.certification.document.name))


def test_removing_a_certification_removes_its_file(
    registry: Registry,
    manager: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = registry.certification.document
    storage, name = document.storage, str(document.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            reverse(
                "vendors:certification_delete",
                args=[registry.vendor.pk, registry.certification.pk],
            )
        )

    assert not Certification.objects.filter(pk=registry.certification.pk).exists()
    assert not storage.exists(name)
    assert message_texts(response) == [f"Certification {registry.certification.name} removed."]


def test_removing_a_document_keeps_the_certification(
    registry: Registry,
    manager: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = registry.certification.document
    storage, name = document.storage, str(document.name)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(manager).post(
            reverse(
                "vendors:certification_update",
                args=[registry.vendor.pk, registry.certification.pk],
            ),
            certification_data(remove_document="on"),
        )

    registry.certification.refresh_from_db()
    assert not registry.certification.document
    assert registry.certification.document_name == ""
    assert not storage.exists(name)


# --- the performance section --------------------------------------------------


def _vendor_with_busy_engagements(vendor: Vendor, owner: Any, count: int) -> None:
    """Engagements of `vendor` with scorecards, a red KPI, risks and compliance items."""
    from decimal import Decimal

    from engagements.tests.factories import (
        CheckInFactory,
        ComplianceItemFactory,
        EvidenceFactory,
        KpiFactory,
        KpiRollupFactory,
        MeasurementFactory,
        RiskFactory,
        ScorecardFactory,
    )

    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    for n in range(count):
        engagement = EngagementFactory(vendor=vendor, owner=owner, title=f"Vendor work {n}")
        ScorecardFactory(engagement=engagement, period_start=last_month, score=Decimal("64.5"))
        ScorecardFactory(engagement=engagement, period_start=this_month, score=Decimal("81.0"))
        red = KpiFactory(engagement=engagement, name=f"Uptime {n}")
        KpiRollupFactory(kpi=red, period_start=this_month, value=Decimal("80"))
        MeasurementFactory(kpi=red, measured_on=today, value=Decimal("80"))
        green = KpiFactory(engagement=engagement, name=f"Quality {n}")
        KpiRollupFactory(kpi=green, period_start=this_month, value=Decimal("97"))
        RiskFactory(
            engagement=engagement,
            title=f"Data leak {n}",
            residual_likelihood=4,
            residual_impact=4,
        )
        RiskFactory(engagement=engagement, title=f"Minor delay {n}")
        CheckInFactory(engagement=engagement)
        EvidenceFactory(item__engagement=engagement, item__accepted_at=timezone.now())
        ComplianceItemFactory(engagement=engagement)


def _vendor_page_queries(client: Any, vendor: Vendor) -> int:
    url = reverse("vendors:vendor_detail", args=[vendor.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_vendor_page_runs_the_same_number_of_queries_with_2_and_10_engagements(
    manager: Any, client_for: Any, settings: Any
) -> None:
    settings.RISK_APPETITE_SCORE = 12
    vendor = VendorFactory(status=Vendor.Status.ACTIVE)
    client = client_for(manager)
    _vendor_with_busy_engagements(vendor, manager, 2)
    client.get(reverse("vendors:vendor_detail", args=[vendor.pk]))
    with_2 = _vendor_page_queries(client, vendor)

    _vendor_with_busy_engagements(vendor, manager, 8)
    with_10 = _vendor_page_queries(client, vendor)

    assert with_2 == with_10


def test_the_vendor_page_shows_scores_red_kpis_risks_and_compliance(
    manager: Any, viewer: Any, client_for: Any, settings: Any
) -> None:
    from decimal import Decimal

    from engagements.tests.factories import RiskFactory

    settings.RISK_APPETITE_SCORE = 12
    vendor = VendorFactory(status=Vendor.Status.ACTIVE, standing=Vendor.Standing.WATCH)
    _vendor_with_busy_engagements(vendor, manager, 1)
    engagement = vendor.engagements.get()
    RiskFactory(
        engagement=engagement,
        title="Closed outage",
        residual_likelihood=5,
        residual_impact=5,
        status="closed",
    )

    response = client_for(viewer).get(reverse("vendors:vendor_detail", args=[vendor.pk]))

    page = response.content.decode()
    performance = response.context["performance"]
    assert 'id="performance"' in page
    assert [row.scores[-2:] for row in performance["history"]] == [
        [Decimal("64.5"), Decimal("81.0")]
    ]
    assert "<svg" in page and "Monthly score of Vendor work 0" in page
    assert [kpi.name for kpi in performance["red_kpis"]] == ["Uptime 0"]
    assert performance["open_risk_count"] == 2
    assert [risk.title for risk in performance["risks_above_appetite"]] == ["Data leak 0"]
    assert "Closed outage" not in page
    assert dict((status.value, n) for status, n in performance["compliance"]) == {
        "missing": 1,
        "pending": 0,
        "valid": 1,
        "expired": 0,
    }
    assert reverse("engagements:engagement_detail", args=[engagement.pk]) in page


def test_the_performance_section_of_a_vendor_without_work_says_so(
    viewer: Any, client_for: Any
) -> None:
    vendor = VendorFactory()

    page = (
        client_for(viewer).get(reverse("vendors:vendor_detail", args=[vendor.pk])).content.decode()
    )

    assert "No scorecards in the last 12 months." in page
    assert "No KPI of its live engagements is red." in page
    assert "No open risks on its live engagements." in page
    assert "No compliance items on its live engagements yet." in page


# --- invisible characters (issue 14) --------------------------------------------------


def test_a_name_hiding_a_right_to_left_override_is_refused_and_nothing_saved(
    manager: Any, client_for: Any
) -> None:
    before = registry_snapshot()

    response = client_for(manager).post(
        reverse("vendors:vendor_create"), vendor_data(legal_name="RTL evil\u202egnp.exe\u200b")
    )

    _refused(response, "legal_name", "invisible character (right-to-left override)")
    assert registry_snapshot() == before


def test_vendor_notes_keep_their_line_breaks(manager: Any, client_for: Any) -> None:
    response = client_for(manager).post(
        reverse("vendors:vendor_create"), vendor_data(notes="First call went well.\r\nSecond.")
    )

    assert response.status_code == 302
    assert Vendor.objects.get().notes == "First call went well.\r\nSecond."


def test_a_document_name_loses_its_hidden_characters_on_arrival(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    # Django's upload parser drops characters that are not printable from file names.
    response = client_for(manager).post(
        reverse("vendors:certification_create", args=[registry.vendor.pk]),
        certification_data(document=pdf_upload("certificate\u202efdp.exe.pdf")),
    )

    assert response.status_code == 302
    assert registry.vendor.certifications.latest("pk").document_name == "certificatefdp.exe.pdf"


def test_the_admin_refuses_a_hidden_character_too(admin_client: Any) -> None:
    category = ServiceCategoryFactory(name="Phone support")
    url = reverse("admin:vendors_servicecategory_change", args=[category.pk])

    response = admin_client.post(
        url,
        {
            "name": "Phone\u200b support",
            "business_function": category.business_function,
            "description": "Calls\r\nand chat",
        },
    )

    assert response.status_code == 200
    assert "invisible character (zero-width space)" in response.content.decode()
    category.refresh_from_db()
    assert category.name == "Phone support"


# --- sub-processors ----------------------------------------------------------------------


def test_a_sub_processor_added_on_the_vendor_page_shows_there_with_its_history(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    client = client_for(manager)

    response = client.post(
        reverse("vendors:sub_processor_create", args=[registry.vendor.pk]), sub_processor_data()
    )

    assert response.status_code == 302
    assert message_texts(response) == ["Sub-processor CloudHost Ireland added."]
    sub = SubProcessor.objects.get(vendor=registry.vendor, name="CloudHost Ireland")
    assert (sub.country, sub.handles_personal_data) == ("IE", True)
    assert sub.history.get().history_user == manager
    text = client.get(reverse("vendors:vendor_detail", args=[registry.vendor.pk])).content
    page = text.decode()
    assert "Hosting of the ticket system" in page
    assert "Sub-processor CloudHost Ireland" in page  # the change history names it
    assert reverse("vendors:sub_processor_update", args=[registry.vendor.pk, sub.pk]) in page


def test_a_sub_processor_edit_and_removal_are_kept_in_the_history(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    client = client_for(manager)
    sub = registry.sub_processor
    edit = reverse("vendors:sub_processor_update", args=[registry.vendor.pk, sub.pk])
    form = client.get(edit).content.decode()
    version = form.split('name="version" value="')[1].split('"')[0]

    client.post(edit, sub_processor_data(name="Zendesk EU", service="Help desk", version=version))
    removed = client.post(
        reverse("vendors:sub_processor_delete", args=[registry.vendor.pk, sub.pk])
    )

    assert message_texts(removed)[-1] == "Sub-processor Zendesk EU removed."
    rows = list(SubProcessor.history.filter(id=sub.pk).order_by("history_id"))
    assert [(row.history_type, row.service) for row in rows[1:]] == [
        ("~", "Help desk"),
        ("-", "Help desk"),
    ]
    assert {row.history_user for row in rows[1:]} == {manager}


def test_the_removal_asks_first(registry: Registry, manager: Any, client_for: Any) -> None:
    url = reverse(
        "vendors:sub_processor_delete", args=[registry.vendor.pk, registry.sub_processor.pk]
    )
    page = client_for(manager).get(url).content.decode()
    assert "Remove sub-processor Zendesk EU?" in page
    assert "from the data-access grants it touches" in page
    assert SubProcessor.objects.filter(pk=registry.sub_processor.pk).exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "zendesk eu"}, "name", "already has a sub-processor called zendesk eu"),
        ({"name": ""}, "name", "This field is required"),
        ({"country": "Ireland"}, "country", "at most 2 characters"),
        ({"country": "1E"}, "country", "two-letter country code"),
        ({"service": ""}, "service", "This field is required"),
        ({"approved_on": "31/02/2025"}, "approved_on", "Enter a valid date"),
    ],
)
def test_a_bad_sub_processor_is_refused_next_to_its_field(
    changes: dict[str, str],
    field: str,
    words: str,
    registry: Registry,
    manager: Any,
    client_for: Any,
) -> None:
    before = registry_snapshot()
    response = client_for(manager).post(
        reverse("vendors:sub_processor_create", args=[registry.vendor.pk]),
        sub_processor_data(**changes),
    )
    _refused(response, field, words)
    assert registry_snapshot() == before


def test_another_vendors_sub_processor_is_not_found_through_this_vendor(
    registry: Registry, manager: Any, client_for: Any
) -> None:
    other = SubProcessorFactory()
    client = client_for(manager)
    for route in ("sub_processor_update", "sub_processor_delete"):
        url = reverse(f"vendors:{route}", args=[registry.vendor.pk, other.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, sub_processor_data()).status_code == 404
    assert SubProcessor.objects.filter(pk=other.pk, name=other.name).exists()


def test_each_sub_processor_shows_the_grants_it_touches(
    registry: Registry, viewer: Any, client_for: Any
) -> None:
    from engagements.tests.factories import DataAccessGrantFactory

    engagement = EngagementFactory(vendor=registry.vendor, title="Help desk 24/7")
    live = DataAccessGrantFactory(engagement=engagement, system="Ticket archive")
    ended = DataAccessGrantFactory(
        engagement=engagement, system="Old CRM", revoked_on=engagement.start_date
    )
    untouched = DataAccessGrantFactory(engagement=engagement, system="Payroll share")
    live.sub_processors.add(registry.sub_processor)
    ended.sub_processors.add(registry.sub_processor)
    SubProcessorFactory(vendor=registry.vendor, name="Lonely sub")

    page = (
        client_for(viewer)
        .get(reverse("vendors:vendor_detail", args=[registry.vendor.pk]))
        .content.decode()
    )

    section = page.split('id="sub-processors"')[1].split("</section>")[0]
    # Listed by name: the lonely one first.
    lonely, zendesk = section.split("Lonely sub")[1].split("Zendesk EU")
    assert "Ticket archive" in zendesk and "Help desk 24/7" in zendesk
    assert "Old CRM" in zendesk and "Revoked" in zendesk
    assert untouched.system not in section
    assert "None linked" in lonely
    assert reverse("engagements:engagement_access", args=[engagement.pk]) in zendesk
    # a viewer sees the sub-processors but no buttons that lead to a 403
    assert "Add sub-processor" not in page


def _vendor_with_sub_processors(vendor: Vendor, count: int) -> None:
    from engagements.tests.factories import DataAccessGrantFactory

    engagement = EngagementFactory(vendor=vendor)
    for n in range(count):
        sub = SubProcessorFactory(vendor=vendor, name=f"Sub {n}")
        for grant in DataAccessGrantFactory.create_batch(2, engagement=engagement):
            grant.sub_processors.add(sub)
        sub.service = "Changed"
        sub.save()  # a history row to show


def test_the_vendor_page_runs_the_same_queries_with_1_and_many_sub_processors_and_grants(
    manager: Any, client_for: Any
) -> None:
    few, many = VendorFactory(owner=manager), VendorFactory(owner=manager)
    _vendor_with_sub_processors(few, 1)
    _vendor_with_sub_processors(many, 30)
    client = client_for(manager)
    client.get(reverse("vendors:vendor_list"))

    with_1 = _queries_for(client, reverse("vendors:vendor_detail", args=[few.pk]))
    with_30 = _queries_for(client, reverse("vendors:vendor_detail", args=[many.pk]))

    assert with_30 == with_1
