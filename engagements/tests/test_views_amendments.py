"""The contract section after signing: amendments with their documents, notice given, the
automatic renewal and every version of the terms."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagements.models import Amendment, Contract
from engagements.services.engagement import renew_contracts
from engagements.tests.factories import AmendmentFactory, ContractFactory, EngagementFactory
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% amendment no. 1\n"
START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 12, 31)
TODAY = datetime.datetime(2026, 6, 10, 10, tzinfo=datetime.UTC)


class World(EngagementWorld):
    """An active engagement of `manager` with an automatically renewing contract and one
    amendment with its signed document on file."""

    def __init__(self, owner: Any) -> None:
        super().__init__(
            owner,
            title="Payroll processing",
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
            auto_renews=True,
            renewal_term_months=12,
        )
        self.amendment = AmendmentFactory(
            contract=self.contract,
            effective_on=datetime.date(2026, 4, 1),
            summary="Chat support added",
            document=ContentFile(PDF, name="a1.pdf"),
            document_name="Amendment 1.pdf",
        )

    def url(self, route: str, *args: Any) -> str:
        return reverse(f"engagements:{route}", args=[self.engagement.pk, *args])

    def snapshot(self) -> tuple[Any, ...]:
        return (
            Contract.objects.values().get(pk=self.contract.pk),
            list(Amendment.objects.values()),
            Contract.history.count(),
            Amendment.history.count(),
        )


world = world_fixture(World)


def amendment_data(**changes: Any) -> dict[str, Any]:
    return {
        "effective_on": "2026-06-01",
        "summary": "Notice period cut to 60 days",
        "note": "Agreed at the June review.",
        **changes,
    }


def notice_data(**changes: Any) -> dict[str, Any]:
    return {"given_on": "2026-06-09", "reason": "Bringing payroll in-house next year.", **changes}


def field_errors(response: Any, name: str) -> str:
    html = response.content.decode()
    found = re.findall(rf'id="error_\d+_id_{name}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    return " ".join(found)


# --- who may open and use the pages ---------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ["amendment_create", "contract_notice"])
def test_the_amendment_and_notice_pages_open_for_owners_co_owners_and_admins_only(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(world.url(route))

    assert response.status_code == CHANGE[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ["amendment_create", "contract_notice"])
@time_machine.travel(TODAY, tick=False)
def test_a_post_records_an_amendment_or_notice_only_for_owners_co_owners_and_admins(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))
    before = world.snapshot()
    data = amendment_data() if route == "amendment_create" else notice_data()

    response = client.post(world.url(route), data)

    if CHANGE[role] == 200:
        assert response.status_code == 302
        assert world.snapshot() != before
    else:
        assert response.status_code == CHANGE[role]
        assert world.snapshot() == before


@pytest.mark.parametrize("route", ["amendment_create", "contract_notice", "contract_history"])
def test_an_engagement_without_a_contract_has_no_amendments_notice_or_history(
    route: str, client_for: Callable[[Any], Any], manager: Any
) -> None:
    engagement = EngagementFactory(owner=manager)

    response = client_for(manager).get(reverse(f"engagements:{route}", args=[engagement.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_amendment_document_downloads_for_everyone_who_may_read(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(world.url("amendment_document", world.amendment.pk))

    assert response.status_code == READ[role]
    if response.status_code == 200:
        assert response["Content-Disposition"] == 'attachment; filename="Amendment 1.pdf"'
        assert b"".join(response.streaming_content) == PDF


def test_an_amendment_is_not_reached_through_another_engagement(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    other = ContractFactory(engagement=EngagementFactory(owner=manager))
    url = reverse("engagements:amendment_document", args=[other.engagement.pk, world.amendment.pk])

    assert client_for(manager).get(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_term_history_is_read_by_everyone_who_may_read(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    assert client.get(world.url("contract_history")).status_code == READ[role]


def test_the_overview_offers_amendment_and_notice_to_those_who_may_change_only(
    world: World, client_for: Callable[[Any], Any], manager: Any, other_manager: Any
) -> None:
    amend = f'href="{world.url("amendment_create")}"'
    notice = f'href="{world.url("contract_notice")}"'
    history = f'href="{world.url("contract_history")}"'

    owner_page = client_for(manager).get(world.url("engagement_detail")).content.decode()
    reader_page = client_for(other_manager).get(world.url("engagement_detail")).content.decode()

    assert amend in owner_page and notice in owner_page and history in owner_page
    assert amend not in reader_page and notice not in reader_page
    assert history in reader_page


# --- amendments ----------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_an_owner_records_an_amendment_with_its_document_and_it_is_listed_newest_first(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    client = client_for(manager)
    upload = SimpleUploadedFile("amendment-2.pdf", PDF, content_type="application/pdf")

    response = client.post(world.url("amendment_create"), {**amendment_data(), "document": upload})

    assert response.status_code == 302
    assert response["Location"].endswith("#amendments")
    amendment = Amendment.objects.get(summary="Notice period cut to 60 days")
    assert (amendment.recorded_by, amendment.document_name) == (manager, "amendment-2.pdf")
    page = client.get(world.url("engagement_detail")).content.decode()
    assert page.index("Notice period cut to 60 days") < page.index("Chat support added")
    assert world.url("amendment_document", amendment.pk) in page
    assert "Amendment “Notice period cut to 60 days” recorded." in page
    history = page.split('id="change-history"')[1]
    assert "Amendment “Notice period cut to 60 days”</span> created" in history


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"effective_on": "2025-12-31"}, "effective_on", "before the contract starts"),
        ({"effective_on": "31/02/2026"}, "effective_on", "Enter a valid date"),
        ({"effective_on": "0001-01-01"}, "effective_on", "Enter a date between"),
        ({"summary": ""}, "summary", "This field is required"),
        ({"summary": "x" * 201}, "summary", "at most 200 characters"),
    ],
)
def test_a_bad_amendment_is_refused_beside_the_field_and_nothing_is_saved(
    changes: dict[str, Any],
    field: str,
    message: str,
    world: World,
    client_for: Callable[[Any], Any],
    manager: Any,
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(world.url("amendment_create"), amendment_data(**changes))

    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert world.snapshot() == before


def test_an_amendment_document_that_is_not_what_its_name_says_is_refused(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    before = world.snapshot()
    upload = SimpleUploadedFile("amendment.pdf", b"MZ\x90\x00 not a pdf")

    response = client_for(manager).post(
        world.url("amendment_create"), {**amendment_data(), "document": upload}
    )

    assert response.status_code == 200
    assert "does not match its PDF name" in field_errors(response, "document")
    assert world.snapshot() == before


# --- notice --------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_the_notice_form_starts_at_today_and_records_who_when_and_why(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    client = client_for(manager)
    assert 'value="2026-06-10"' in client.get(world.url("contract_notice")).content.decode()

    response = client.post(world.url("contract_notice"), notice_data())

    assert response.status_code == 302
    contract = Contract.objects.get(pk=world.contract.pk)
    assert (contract.notice_given_on, contract.notice_given_by, contract.notice_reason) == (
        datetime.date(2026, 6, 9),
        manager,
        "Bringing payroll in-house next year.",
    )
    page = client.get(world.url("engagement_detail")).content.decode()
    assert "Notice given on 9 Jun 2026" in page
    assert "it no longer renews and ends on 31 Dec 2026" in page
    assert f'href="{world.url("contract_notice")}"' not in page
    # Given once: a second post changes nothing.
    before = world.snapshot()
    again = client.post(world.url("contract_notice"), notice_data(given_on="2026-06-10"))
    assert again.status_code == 302
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": ""}, "reason", "This field is required"),
        ({"reason": "   "}, "reason", "This field is required"),
        ({"given_on": ""}, "given_on", "This field is required"),
        ({"given_on": "2026-06-11"}, "given_on", "cannot be in the future"),
        ({"given_on": "2025-12-31"}, "given_on", "before the contract starts"),
        ({"given_on": "not a date"}, "given_on", "Enter a valid date"),
    ],
)
@time_machine.travel(TODAY, tick=False)
def test_bad_notice_is_refused_beside_the_field_and_the_contract_keeps_rolling(
    changes: dict[str, Any],
    field: str,
    message: str,
    world: World,
    client_for: Callable[[Any], Any],
    manager: Any,
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(world.url("contract_notice"), notice_data(**changes))

    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert world.snapshot() == before


def test_a_get_of_the_notice_page_changes_nothing(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    before = world.snapshot()
    client_for(manager).get(world.url("contract_notice"))
    assert world.snapshot() == before


# --- the renewal terms on the contract form --------------------------------------------------


def contract_data(**changes: Any) -> dict[str, Any]:
    return {
        "reference": "MSA-7",
        "value": "60000.00",
        "currency": "EUR",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "renewal_date": "",
        "auto_renews": "on",
        "renewal_term_months": "12",
        "notice_period_days": "90",
        "service_levels": "",
        "termination_terms": "",
        "signed_on": "",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"renewal_term_months": ""}, "Say how many months each automatic renewal runs."),
        ({"renewal_term_months": "0"}, "A renewal term is at least one month."),
        ({"renewal_term_months": "-6"}, "at least"),
        ({"renewal_term_months": "121"}, "at most 120 months"),
        ({"renewal_term_months": "1e9"}, "Enter a whole number"),
        ({"renewal_term_months": "99999999999999999999"}, "at most 120 months"),
    ],
)
def test_a_bad_renewal_term_is_refused_beside_the_field(
    changes: dict[str, Any],
    message: str,
    world: World,
    client_for: Callable[[Any], Any],
    manager: Any,
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(world.url("contract_edit"), contract_data(**changes))

    assert response.status_code == 200
    assert message in field_errors(response, "renewal_term_months")
    assert world.snapshot() == before


def test_a_contract_without_automatic_renewal_needs_no_term(
    world: World, client_for: Callable[[Any], Any], manager: Any
) -> None:
    data = contract_data(renewal_term_months="")
    del data["auto_renews"]

    response = client_for(manager).post(world.url("contract_edit"), data)

    assert response.status_code == 302
    contract = Contract.objects.get(pk=world.contract.pk)
    assert (contract.auto_renews, contract.renewal_term_months) == (False, None)


def test_the_overview_says_how_it_renews_and_the_history_page_shows_the_roll(
    world: World, client_for: Callable[[Any], Any], viewer: Any
) -> None:
    client = client_for(viewer)
    page = client.get(world.url("engagement_detail")).content.decode()
    assert "Automatically for 12 months on 31 Dec 2026, unless notice is given" in page

    renew_contracts(today=datetime.date(2027, 1, 2))

    history = client.get(world.url("contract_history")).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", history).split())
    assert "Terms changed · Renewed automatically for 12 months" in text
    assert "Amendment “Chat support added” created" in text
    assert "system" in text
