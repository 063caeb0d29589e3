"""Step 5 compliance pages: who may open and change them, bad evidence, status rules, the export."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import ComplianceItem, ComplianceRequirement, Engagement, Evidence
from engagements.tests.factories import (
    ComplianceItemFactory,
    ComplianceRequirementFactory,
    EngagementFactory,
    EvidenceFactory,
)
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.roles import CHANGE, READ, user_for, without
from outsourcing.tests.roles import ROLES as ALL_ROLES
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.dates]

PDF = b"%PDF-1.7\n% a signed NDA\n"


class World(EngagementWorld):
    """An engagement owned by `manager` with an NDA on file and a DPA still missing."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, vendor__legal_name="Alpha Services Ltd")
        self.nda = ComplianceRequirementFactory(name="Test NDA", required_by_default=True)
        self.dpa = ComplianceRequirementFactory(name="Test DPA", required_by_default=True)
        self.soc2 = ComplianceRequirementFactory(name="Test SOC 2 report")
        self.nda_item = ComplianceItemFactory(engagement=self.engagement, requirement=self.nda)
        self.dpa_item = ComplianceItemFactory(engagement=self.engagement, requirement=self.dpa)
        self.evidence = EvidenceFactory(item=self.nda_item)

    def snapshot(self) -> dict[str, Any]:
        return {
            "items": list(
                ComplianceItem.objects.order_by("pk").values_list(
                    "pk", "requirement_id", "expires_on", "accepted_at"
                )
            ),
            "evidence": list(Evidence.objects.order_by("pk").values_list("pk", "item_id")),
        }


world = world_fixture(World)


# Compliance is tried without a co-owner.
ROLES = without(ALL_ROLES, "co_owner")


def url_of(route: str, world: World) -> str:
    e = world.engagement
    args: dict[str, list[int]] = {
        "engagement_compliance": [e.pk],
        "compliance_evidence_download": [e.pk, world.evidence.pk],
        "compliance_matrix": [],
        "compliance_export": [],
        "compliance_add": [e.pk],
        "compliance_evidence_upload": [e.pk, world.dpa_item.pk],
        "compliance_accept": [e.pk, world.nda_item.pk],
        "compliance_expiry": [e.pk, world.dpa_item.pk],
    }
    return reverse(f"engagements:{route}", args=args[route])


GET_ROUTES = ["engagement_compliance", "compliance_evidence_download", "compliance_matrix"]
GET_ROUTES += ["compliance_export"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", GET_ROUTES)
def test_each_compliance_page_opens_for_every_role_that_may_read(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request))

    response = client.get(url_of(route, world))

    assert response.status_code == READ[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_main_menu_links_to_the_matrix_for_every_role_that_may_read_it(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    page = client.get(reverse("home"), follow=True).content.decode()
    menu = page.split('aria-label="Main"')[1].split("</nav>")[0]

    link = f'href="{reverse("engagements:compliance_matrix")}">Compliance</a>'
    assert (link in menu) is (READ[role] == 200)


def post_data(route: str, world: World) -> dict[str, Any]:
    if route == "compliance_add":
        return {"requirements": [world.soc2.pk]}
    if route == "compliance_evidence_upload":
        return {"file": SimpleUploadedFile("dpa.pdf", PDF), "note": "Signed"}
    if route == "compliance_expiry":
        return {"expires_on": "2030-01-31"}
    return {}


POST_ROUTES = ["compliance_add", "compliance_evidence_upload", "compliance_accept"]
POST_ROUTES += ["compliance_expiry"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_a_compliance_post_changes_things_only_for_the_owner_and_admins(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request))
    before = world.snapshot()

    response = client.post(url_of(route, world), post_data(route, world))

    expected = CHANGE[role]
    if expected == 200:
        assert response.status_code == 302
        assert world.snapshot() != before
    else:
        assert response.status_code == expected
        assert world.snapshot() == before


def test_the_tab_shows_status_and_expiry_badges(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    today = timezone.localdate()
    world.nda_item.expires_on = today + datetime.timedelta(days=20)
    world.nda_item.save()

    page = client_for(viewer).get(url_of("engagement_compliance", world)).content.decode()

    assert "Pending review" in page  # NDA has evidence, not yet accepted
    assert "Missing" in page  # DPA has none
    assert "(in 20 days)" in page
    assert "Upload evidence" not in page  # a viewer sees no change controls


@pytest.mark.parametrize(("offset", "expected"), [(0, "Valid"), (-1, "Expired"), (1, "Valid")])
def test_evidence_is_valid_on_its_expiry_day_and_expired_the_day_after(
    offset: int, expected: str, world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    world.dpa_item.delete()
    world.nda_item.accepted_at = timezone.now()
    world.nda_item.expires_on = timezone.localdate() + datetime.timedelta(days=offset)
    world.nda_item.save()

    page = client_for(viewer).get(url_of("engagement_compliance", world)).content.decode()

    assert f">{expected}</span>" in page


def test_the_owner_adds_every_requirement_needed_by_default_once(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    world.dpa_item.delete()
    client = client_for(manager)

    tab = client.get(url_of("engagement_compliance", world)).content.decode()
    offered = ComplianceRequirement.objects.exclude(items__engagement=world.engagement).filter(
        required_by_default=True
    )
    offered_count = offered.count()
    client.post(url_of("compliance_add", world), {"add_defaults": "1"}, follow=True)
    response = client.post(url_of("compliance_add", world), {"add_defaults": "1"})

    names = list(world.engagement.compliance_items.values_list("requirement__name", flat=True))
    defaults = ComplianceRequirement.objects.filter(required_by_default=True)
    assert sorted(names) == sorted(defaults.values_list("name", flat=True))
    assert "Test SOC 2 report" not in names
    # The button says how many it adds and the page names them.
    assert f"Add the {offered_count} required by default" in tab
    assert "Test DPA" in tab.split("Required by default")[1]
    assert response.status_code == 200
    assert "already on this engagement" in response.content.decode()


def test_uploading_evidence_stores_it_and_puts_an_accepted_item_back_to_pending(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    world.nda_item.accepted_at = timezone.now()
    world.nda_item.accepted_by = manager
    world.nda_item.save()
    url = reverse(
        "engagements:compliance_evidence_upload", args=[world.engagement.pk, world.nda_item.pk]
    )

    response = client_for(manager).post(
        url,
        {"file": SimpleUploadedFile("nda-2027.pdf", PDF), "expires_on": "2027-12-31"},
        follow=True,
    )

    world.nda_item.refresh_from_db()
    evidence = world.nda_item.evidence.first()
    assert evidence is not None
    assert (evidence.original_name, evidence.size, evidence.content_type) == (
        "nda-2027.pdf",
        len(PDF),
        "application/pdf",
    )
    assert evidence.uploaded_by == manager
    assert world.nda_item.accepted_at is None
    assert world.nda_item.expires_on == datetime.date(2027, 12, 31)
    assert "waits for review" in response.content.decode()


def test_an_evidence_file_too_large_gets_a_field_message_and_writes_nothing(
    world: World, client_for: Callable[[Any], Any], manager: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_SIZE = 10
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("compliance_evidence_upload", world), {"file": SimpleUploadedFile("dpa.pdf", PDF)}
    )

    assert response.status_code == 200
    assert "the largest accepted is" in response.content.decode()
    assert world.snapshot() == before


def test_an_exe_renamed_pdf_gets_a_field_message_and_writes_nothing(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    before = world.snapshot()
    upload = SimpleUploadedFile("dpa.pdf", b"MZ\x90\x00\x03\x00\x00\x00 a program")

    response = client_for(manager).post(
        url_of("compliance_evidence_upload", world), {"file": upload}
    )

    assert response.status_code == 200
    assert "does not match its PDF name" in response.content.decode()
    assert world.snapshot() == before


def test_accepting_needs_evidence_and_records_who_accepted(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    client = client_for(manager)
    client.post(
        reverse("engagements:compliance_accept", args=[world.engagement.pk, world.dpa_item.pk])
    )
    client.post(url_of("compliance_accept", world))

    world.dpa_item.refresh_from_db()
    world.nda_item.refresh_from_db()
    assert world.dpa_item.accepted_at is None
    assert world.nda_item.accepted_by == manager


def test_a_bad_expiry_date_gets_a_field_message_and_writes_nothing(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("compliance_expiry", world), {"expires_on": "31/31/2030"}
    )

    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert world.snapshot() == before


def test_evidence_of_another_engagement_is_not_served_through_this_one(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    other = EngagementFactory()
    url = reverse("engagements:compliance_evidence_download", args=[other.pk, world.evidence.pk])

    assert client_for(viewer).get(url).status_code == 404


def test_the_download_is_an_attachment_with_the_original_name(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    response = client_for(viewer).get(url_of("compliance_evidence_download", world))

    assert 'attachment; filename="evidence.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- bounded queries -----------------------------------------------------------


def fill_engagement(engagement: Engagement, count: int) -> None:
    for n in range(count):
        item = ComplianceItemFactory(engagement=engagement)
        if n % 2:
            EvidenceFactory(item=item)


def body_of(response: Any) -> bytes:
    """The whole body, read to the end: a streamed export runs its queries while it is read."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def count_queries(client: Any, url: str, data: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
        assert response.status_code == 200
        body_of(response)
    return len(queries)


def test_the_compliance_tab_runs_the_same_queries_for_3_and_30_items(
    client_for: Callable[[Any], Any], manager: Any
) -> None:
    small, large = EngagementFactory(owner=manager), EngagementFactory(owner=manager)
    fill_engagement(small, 3)
    fill_engagement(large, 30)
    client = client_for(manager)
    count_queries(client, reverse("engagements:engagement_compliance", args=[small.pk]))

    assert count_queries(
        client, reverse("engagements:engagement_compliance", args=[small.pk])
    ) == count_queries(client, reverse("engagements:engagement_compliance", args=[large.pk]))


@pytest.mark.parametrize("route", ["compliance_matrix", "compliance_export"])
def test_the_matrix_and_export_run_the_same_queries_for_3_and_30_engagements(
    route: str, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    requirements = [ComplianceRequirementFactory() for _ in range(3)]

    def add_engagements(count: int) -> None:
        for _ in range(count):
            engagement = EngagementFactory()
            for requirement in requirements:
                EvidenceFactory(item__engagement=engagement, item__requirement=requirement)

    client = client_for(viewer)
    url = reverse(f"engagements:{route}")
    add_engagements(3)
    count_queries(client, url)
    few = count_queries(client, url)
    add_engagements(27)

    assert count_queries(client, url) == few


# --- the matrix ----------------------------------------------------------------


def test_a_matrix_cell_shows_the_worst_status_across_the_vendors_live_engagements(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    world.dpa_item.delete()
    world.nda_item.accepted_at = timezone.now()
    world.nda_item.save()
    second = EngagementFactory(vendor=world.engagement.vendor, title="Second line")
    expired = ComplianceItemFactory(
        engagement=second,
        requirement=world.nda,
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    EvidenceFactory(item=expired)

    page = client_for(viewer).get(reverse("engagements:compliance_matrix")).content.decode()

    assert "Alpha Services Ltd" in page
    assert ">Expired</span>" in page
    assert ">Valid</span>" not in page
    assert reverse("engagements:engagement_compliance", args=[second.pk]) in page


def test_the_matrix_leaves_out_ended_engagements_unless_asked_and_filters_by_tier(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    EngagementFactory(status=Engagement.Status.COMPLETED, vendor__legal_name="Gone Before Ltd")
    client = client_for(viewer)
    url = reverse("engagements:compliance_matrix")

    live = client.get(url).content.decode()
    everything = client.get(url, {"scope": "all"}).content.decode()
    tier = world.engagement.vendor.tier
    other_tier = next(t for t in Vendor.Tier.values if t != tier)
    filtered = client.get(url, {"tier": other_tier}).content.decode()

    assert "Gone Before Ltd" not in live
    assert "Gone Before Ltd" in everything
    assert "Alpha Services Ltd" not in filtered


def test_the_matrix_filters_by_status(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    VendorFactory(legal_name="Unrelated Ltd")
    EngagementFactory(vendor__legal_name="Clean Books Ltd")

    page = (
        client_for(viewer)
        .get(reverse("engagements:compliance_matrix"), {"status": "missing"})
        .content.decode()
    )

    assert "Alpha Services Ltd" in page
    assert "Clean Books Ltd" not in page


def read_csv(response: Any) -> list[list[str]]:
    body = body_of(response).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_the_export_has_one_row_per_item_with_a_header(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    world.nda_item.expires_on = datetime.date(2030, 6, 30)
    world.nda_item.accepted_at = timezone.now()
    world.nda_item.save()

    response = client_for(viewer).get(reverse("engagements:compliance_export"))
    rows = read_csv(response)

    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["Vendor", "Engagement", "Requirement", "Status", "Expires on", "Accepted on"]
    assert sorted(rows[1:]) == sorted(
        [
            ["Alpha Services Ltd", world.engagement.title, "Test DPA", "Missing", "", ""],
            [
                "Alpha Services Ltd",
                world.engagement.title,
                "Test NDA",
                "Valid",
                "2030-06-30",
                timezone.localdate().isoformat(),
            ],
        ]
    )


def test_the_export_defuses_cells_that_a_spreadsheet_would_run_as_formulas(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    engagement = EngagementFactory(
        title="+SUM(A1:A2)", vendor__legal_name='=HYPERLINK("http://evil")'
    )
    ComplianceItemFactory(engagement=engagement, requirement__name="@risk -check")

    rows = read_csv(client_for(viewer).get(reverse("engagements:compliance_export")))

    assert rows[1][:3] == ['\'=HYPERLINK("http://evil")', "'+SUM(A1:A2)", "'@risk -check"]
