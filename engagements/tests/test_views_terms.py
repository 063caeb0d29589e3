"""Editing after the award: the engagement's terms, its contract and the signed document."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagements.models import Contract, Engagement
from engagements.tests.factories import ContractFactory, EngagementFactory
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% signed master services agreement\n"
START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 12, 31)


class World(EngagementWorld):
    """An active engagement of `manager` with a contract and its signed document on file."""

    def __init__(self, owner: Any) -> None:
        super().__init__(
            owner,
            title="Payroll processing",
            scope="Monthly payroll for 85 people.",
            deliverables="Payslips by the 25th.",
            budget=Decimal("60000.00"),
            currency="EUR",
            start_date=START,
            end_date=END,
        )
        self.contract = ContractFactory(
            engagement=self.engagement,
            reference="MSA-7",
            value=Decimal("60000.00"),
            currency="EUR",
            start_date=START,
            end_date=END,
            notice_period_days=90,
            document=ContentFile(PDF, name="msa.pdf"),
            document_name="Signed MSA.pdf",
        )

    def url(self, route: str) -> str:
        return reverse(f"engagements:{route}", args=[self.engagement.pk])

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a refused request must leave as it was, history included."""
        engagement = Engagement.objects.values().get(pk=self.engagement.pk)
        contract = Contract.objects.values().get(pk=self.contract.pk)
        return (
            engagement,
            contract,
            Engagement.history.count(),
            Contract.history.count(),
            sorted(p.name for p in stored_files()),
        )


world = world_fixture(World)


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def terms_data(**changes: Any) -> dict[str, Any]:
    return {
        "scope": "Monthly payroll for 85 people in two countries.",
        "deliverables": "Payslips by the 25th; year-end statements.",
        "budget": "64000.00",
        "currency": "EUR",
        "status": "active",
        **changes,
    }


def contract_data(**changes: Any) -> dict[str, Any]:
    return {
        "reference": "MSA-7",
        "value": "64000.00",
        "currency": "EUR",
        "start_date": "2026-01-01",
        "end_date": "2027-06-30",
        "renewal_date": "",
        "notice_period_days": "60",
        "service_levels": "Payslips 3 working days before pay day.",
        "termination_terms": "90 days' notice; for cause at once.",
        "signed_on": "2025-12-20",
        **changes,
    }


def history_on(client: Any, url: str) -> str:
    """The history section of the page at `url` as text, tags removed."""
    html = client.get(url).content.decode()
    section = html.split('id="change-history"')[1].split("</section>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def field_errors(response: Any, name: str) -> str:
    """The error text shown beside one field (crispy's invalid-feedback under its input)."""
    html = response.content.decode()
    found = re.findall(rf'id="error_\d+_id_{name}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    return " ".join(found)


# --- who may open and use the pages ---------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ["engagement_terms", "contract_edit"])
def test_the_edit_pages_open_for_owners_co_owners_and_admins_only(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(world.url(route))

    assert response.status_code == CHANGE[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ["engagement_terms", "contract_edit"])
def test_a_post_changes_the_terms_only_for_owners_co_owners_and_admins(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))
    before = world.snapshot()
    data = terms_data() if route == "engagement_terms" else contract_data()

    response = client.post(world.url(route), data)

    if CHANGE[role] == 200:
        assert response.status_code == 302
        assert world.snapshot() != before
    else:
        assert response.status_code == CHANGE[role]
        assert world.snapshot() == before


def test_the_overview_links_the_edit_pages_for_those_who_may_change_only(
    world: World, client_for: Callable[[Any], Any], manager: Any, other_manager: Any
) -> None:
    terms = f'href="{world.url("engagement_terms")}"'
    contract = f'href="{world.url("contract_edit")}"'

    owner_page = client_for(manager).get(world.url("engagement_detail")).content.decode()
    reader_page = client_for(other_manager).get(world.url("engagement_detail")).content.decode()

    assert terms in owner_page and contract in owner_page
    assert terms not in reader_page and contract not in reader_page


# --- the terms: scope, deliverables, budget, status ----------------------------------------


def test_a_co_owner_saves_the_terms_and_the_history_names_them(
    world: World, client_for: Callable[[Any], Any], other_manager: Any
) -> None:
    world.engagement.co_owners.add(other_manager)
    client = client_for(other_manager)

    response = client.post(world.url("engagement_terms"), terms_data(status="on_hold"))

    assert response.status_code == 302
    engagement = Engagement.objects.get(pk=world.engagement.pk)
    assert (engagement.scope, engagement.budget, engagement.status) == (
        "Monthly payroll for 85 people in two countries.",
        Decimal("64000.00"),
        Engagement.Status.ON_HOLD,
    )
    row = Engagement.history.filter(id=engagement.pk).latest("history_id")
    assert row.history_user == other_manager
    page = history_on(client, response["Location"])
    assert "Budget: 60000 → 64000" in page
    assert "Status: Active → On hold" in page


@pytest.mark.parametrize(
    ("status", "to", "message"),
    [
        ("active", "draft", "cannot go back to draft"),
        ("active", "completed", "ends through offboarding"),
        ("on_hold", "offboarding", "ends through offboarding"),
        ("draft", "on_hold", "it becomes active first"),
        ("offboarding", "active", "its status follows the checklist"),
    ],
)
def test_a_status_the_flow_does_not_allow_is_refused_beside_the_field_and_nothing_is_saved(
    status: str,
    to: str,
    message: str,
    world: World,
    client_for: Callable[[Any], Any],
    manager: Any,
) -> None:
    Engagement.objects.filter(pk=world.engagement.pk).update(status=status)
    before = world.snapshot()

    response = client_for(manager).post(world.url("engagement_terms"), terms_data(status=to))

    assert response.status_code == 200
    assert message in field_errors(response, "status")
    # The valid scope and budget of the same post are not kept either.
    assert world.snapshot() == before


def test_a_closed_engagements_terms_stay_as_they_were(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    Engagement.objects.filter(pk=world.engagement.pk).update(status="terminated")
    before = world.snapshot()

    response = client_for(manager).post(world.url("engagement_terms"), terms_data(status="active"))

    # A closed engagement is read-only in the app (outsourcing.roles.can_change).
    assert response.status_code == 403
    assert world.snapshot() == before


@pytest.mark.parametrize(("status", "to"), [("draft", "active"), ("on_hold", "active")])
def test_the_owner_moves_the_status_along_the_flow(
    status: str, to: str, world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    Engagement.objects.filter(pk=world.engagement.pk).update(status=status)

    response = client_for(manager).post(world.url("engagement_terms"), terms_data(status=to))

    assert response.status_code == 302
    assert Engagement.objects.get(pk=world.engagement.pk).status == to


def test_a_refused_status_does_not_show_in_the_page_header_as_if_saved(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    response = client_for(manager).post(
        world.url("engagement_terms"), terms_data(status="on_hold", budget="-5")
    )

    assert response.status_code == 200
    assert field_errors(response, "budget")
    assert response.context["engagement"].status == Engagement.Status.ACTIVE


def test_saving_the_terms_unchanged_writes_no_history(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    before = world.snapshot()
    unchanged = terms_data(
        scope=world.engagement.scope,
        deliverables=world.engagement.deliverables,
        budget="60000.00",
    )

    response = client_for(manager).post(world.url("engagement_terms"), unchanged, follow=True)

    assert "Nothing was changed." in response.content.decode()
    assert world.snapshot() == before


# --- the contract --------------------------------------------------------------------


def test_the_owner_changes_every_term_of_the_contract_and_the_history_shows_it(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    client = client_for(manager)

    response = client.post(
        world.url("contract_edit"), contract_data(renewal_date="2027-06-01", notice_period_days=60)
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#contract")
    contract = Contract.objects.get(pk=world.contract.pk)
    assert (contract.value, contract.end_date, contract.renewal_date) == (
        Decimal("64000.00"),
        datetime.date(2027, 6, 30),
        datetime.date(2027, 6, 1),
    )
    assert contract.notice_deadline == datetime.date(2027, 4, 2)  # renewal minus 60 days
    assert contract.service_levels == "Payslips 3 working days before pay day."
    assert contract.signed_on == datetime.date(2025, 12, 20)
    assert contract.document_name == "Signed MSA.pdf"  # no upload: the document stays
    row = Contract.history.filter(id=contract.pk).latest("history_id")
    assert (row.history_type, row.history_user) == ("~", manager)
    page = history_on(client, response["Location"])
    assert "Notice period days: 90 → 60" in page
    assert "Value: 60000 → 64000" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_date": "2025-12-31"}, "end_date", "ends before it starts"),
        ({"renewal_date": "2025-06-01"}, "renewal_date", "before the start"),
        ({"signed_on": "2099-01-01"}, "signed_on", "cannot be signed in the future"),
        ({"start_date": "1200-01-01"}, "start_date", "Enter a date between 2000 and 2099"),
        ({"notice_period_days": "100000"}, "notice_period_days", "less than or equal to 1826"),
        ({"notice_period_days": "-1"}, "notice_period_days", "greater than or equal to 0"),
        ({"value": "-1"}, "value", "greater than or equal to 0"),
        ({"value": "NaN"}, "value", "Enter a number"),
        ({"currency": "XXX"}, "currency", "Select a valid choice"),
    ],
)
def test_a_bad_contract_term_is_refused_beside_its_field_and_nothing_is_saved(
    changes: dict[str, str],
    field: str,
    message: str,
    world: World,
    client_for: Callable[[Any], Any],
    manager: Any,
) -> None:
    before = world.snapshot()
    upload = SimpleUploadedFile("amendment.pdf", PDF)

    response = client_for(manager).post(
        world.url("contract_edit"), {**contract_data(**changes), "document": upload}
    )

    assert response.status_code == 200
    assert message in field_errors(response, field)
    # Neither the other terms nor the uploaded document were kept.
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("contract.exe", b"MZ\x90\x00", "Files of this type are not accepted"),
        ("contract.pdf", b"MZ\x90\x00\x03 a program", "does not match its PDF name"),
    ],
)
def test_a_document_the_upload_checks_refuse_is_refused_beside_the_field(
    name: str,
    content: bytes,
    message: str,
    world: World,
    client_for: Callable[[Any], Any],
    manager: Any,
) -> None:
    before = world.snapshot()
    data = {**contract_data(), "document": SimpleUploadedFile(name, content)}

    response = client_for(manager).post(world.url("contract_edit"), data)

    assert response.status_code == 200
    assert message in field_errors(response, "document")
    assert world.snapshot() == before


def test_a_document_over_the_size_limit_is_refused(
    world: World, client_for: Callable[[Any], Any], manager: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_SIZE = 10
    before = world.snapshot()
    data = {**contract_data(), "document": SimpleUploadedFile("big.pdf", PDF)}

    response = client_for(manager).post(world.url("contract_edit"), data)

    assert "the largest accepted is" in field_errors(response, "document")
    assert world.snapshot() == before


def test_replacing_the_document_keeps_the_old_file_and_records_the_change(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    client = client_for(manager)
    old = str(world.contract.document.name)
    upload = SimpleUploadedFile("MSA amendment 1.pdf", PDF + b"% amended\n")

    response = client.post(world.url("contract_edit"), {**contract_data(), "document": upload})

    assert response.status_code == 302
    contract = Contract.objects.get(pk=world.contract.pk)
    assert contract.document_name == "MSA amendment 1.pdf"
    assert contract.document.name != old
    assert not str(contract.document.name).endswith("amendment 1.pdf")  # stored under a random name
    # The signed original stays on record for the history.
    assert contract.document.storage.exists(old)
    page = history_on(client, response["Location"])
    assert "Document: on file → a new file" in page
    assert "Document name: Signed MSA.pdf → MSA amendment 1.pdf" in page
    assert old not in page


def test_an_engagement_without_a_contract_gets_one_from_its_terms(
    client_for: Callable[[Any], Any], manager: Any
) -> None:
    engagement = EngagementFactory(
        owner=manager, budget=Decimal("12000.00"), currency="GBP", start_date=START, end_date=END
    )
    client = client_for(manager)
    url = reverse("engagements:contract_edit", args=[engagement.pk])

    form = client.get(url).context["form"]
    assert (form["value"].value(), form["currency"].value(), form["end_date"].value()) == (
        Decimal("12000.00"),
        "GBP",
        END,
    )
    response = client.post(
        url,
        {
            **contract_data(value="12000.00", currency="GBP", end_date="2026-12-31"),
            "document": SimpleUploadedFile("signed.pdf", PDF),
        },
    )

    assert response.status_code == 302
    contract = Contract.objects.get(engagement=engagement)
    assert (contract.value, contract.currency, contract.document_name) == (
        Decimal("12000.00"),
        "GBP",
        "signed.pdf",
    )
    assert Contract.history.get(id=contract.pk).history_user == manager


# --- the signed document --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_who_may_read_the_engagement_downloads_the_signed_document(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(world.url("contract_document"))

    assert response.status_code == READ[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if response.status_code == 200:
        assert response["Content-Disposition"] == 'attachment; filename="Signed MSA.pdf"'
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == PDF


def test_the_overview_links_the_document_instead_of_saying_it_is_on_file(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    page = client_for(viewer).get(world.url("engagement_detail")).content.decode()

    assert f'href="{world.url("contract_document")}">Signed MSA.pdf</a>' in page
    assert "document on file" not in page


def test_a_contract_without_a_document_has_nothing_to_download(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    Contract.objects.filter(pk=world.contract.pk).update(document="", document_name="")
    without_contract = EngagementFactory()
    client = client_for(viewer)

    assert client.get(world.url("contract_document")).status_code == 404
    url = reverse("engagements:contract_document", args=[without_contract.pk])
    assert client.get(url).status_code == 404


def test_a_document_missing_from_storage_is_a_404_not_a_500(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    world.contract.document.storage.delete(str(world.contract.document.name))

    assert client_for(viewer).get(world.url("contract_document")).status_code == 404


def test_the_document_view_takes_no_posts(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    assert client_for(manager).post(world.url("contract_document")).status_code == 405


def test_the_contract_page_says_which_document_is_on_file_without_linking_its_stored_name(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    page = client_for(manager).get(world.url("contract_edit")).content.decode()

    assert "Now: Signed MSA.pdf. Upload another to replace it" in page
    assert world.contract.document.name not in page
