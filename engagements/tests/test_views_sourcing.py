"""Step 2 pages: who may open and change each one, and what bad input leaves behind."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.forms.sourcing import CriterionFormSet
from engagements.models import (
    Candidate,
    Criterion,
    CriterionTemplate,
    Engagement,
    Evaluator,
    Proposal,
    ProposalAttachment,
    Score,
    Selection,
)
from engagements.services.sourcing import start_selection
from engagements.tests.factories import (
    CandidateFactory,
    CriterionFactory,
    CriterionTemplateFactory,
    EvaluatorFactory,
    ProposalAttachmentFactory,
    ProposalFactory,
    ScoreFactory,
    SelectionFactory,
)
from engagements.tests.worlds import SelectionWorld, world_fixture
from outsourcing.tests import roles
from outsourcing.tests.downloads import xlsx_rows
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import user_for, without
from vendors.models import BusinessFunction, Vendor
from vendors.tests.factories import ServiceCategoryFactory, VendorFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% a proposal\n"


# --- the world every access test runs in ---------------------------------------


class World(SelectionWorld):
    """The selection being evaluated, with an attachment and one more vendor to shortlist."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner)
        self.attachment = ProposalAttachmentFactory(proposal=self.proposals[0])
        self.new_vendor = VendorFactory(legal_name="Gamma Outsourcing Inc.")

    def snapshot(self) -> dict[str, Any]:
        """Everything a forbidden request might have changed."""
        self.selection.refresh_from_db()
        return {
            "selections": Selection.objects.count(),
            "title": self.selection.title,
            "status": self.selection.status,
            "proposals": list(Proposal.objects.order_by("pk").values_list("pk", "price")),
            "attachments": ProposalAttachment.objects.count(),
            "criteria": list(Criterion.objects.order_by("pk").values_list("pk", "weight")),
            "evaluators": list(Evaluator.objects.values_list("pk", "submitted_at")),
            "scores": list(Score.objects.order_by("pk").values_list("pk", "value")),
            "engagements": Engagement.objects.count(),
        }


world = world_fixture(World)


# The evaluator comes in two: invited to the world's selection, and not; no co-owner here.
EVALUATORS = ["invited_evaluator", "uninvited_evaluator"]
ROLES = [*without(roles.ROLES, "co_owner", "evaluator_user"), *EVALUATORS]

# Expected status of a GET by role.
READ = {**roles.READ, **dict.fromkeys(EVALUATORS, 200)}
CHANGE = {**roles.CHANGE, **dict.fromkeys(EVALUATORS, 403)}
CREATE = {**CHANGE, "other_manager": 200}
SCORE = {role: 403 for role in READ} | {"anonymous": 302, "invited_evaluator": 200}


def url_of(route: str, world: World) -> str:
    s = world.selection
    args: dict[str, list[int]] = {
        "selection_list": [],
        "selection_create": [world.approved_candidate.pk],
        "selection_detail": [s.pk],
        "selection_update": [s.pk],
        "shortlist": [s.pk],
        "proposal_update": [s.pk, world.proposals[0].pk],
        "attachment_create": [s.pk, world.proposals[0].pk],
        "attachment_download": [s.pk, world.attachment.pk],
        "criteria": [s.pk],
        "evaluators": [s.pk],
        "scoring": [s.pk],
        "results": [s.pk],
        "award": [s.pk],
    }
    return reverse(f"engagements:{route}", args=args[route])


GET_ROUTES = {
    "selection_list": READ,
    "selection_create": CREATE,
    "selection_detail": READ,
    "selection_update": CHANGE,
    "shortlist": CHANGE,
    "proposal_update": CHANGE,
    "attachment_download": READ,
    "criteria": CHANGE,
    "evaluators": CHANGE,
    "scoring": SCORE,
    "results": READ,
    "award": CHANGE,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", GET_ROUTES)
def test_each_page_opens_only_for_the_roles_allowed_to_see_it(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(url_of(route, world))

    assert response.status_code == GET_ROUTES[route][role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def formset_data(world: World, weights: list[str]) -> dict[str, str]:
    prefix = CriterionFormSet.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(world.criteria)),
        f"{prefix}-INITIAL_FORMS": str(len(world.criteria)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, (criterion, weight) in enumerate(zip(world.criteria, weights, strict=True)):
        data |= {
            f"{prefix}-{i}-id": str(criterion.pk),
            f"{prefix}-{i}-selection": str(world.selection.pk),
            f"{prefix}-{i}-name": criterion.name,
            f"{prefix}-{i}-category": criterion.category,
            f"{prefix}-{i}-guidance": criterion.guidance,
            f"{prefix}-{i}-weight": weight,
            f"{prefix}-{i}-order": str(criterion.order),
        }
    return data


def scores_data(world: World, value: int, *, submit: bool = False) -> dict[str, str]:
    data = {f"score-{p.pk}-{c.pk}": str(value) for p in world.proposals for c in world.criteria}
    data |= {f"comment-{p.pk}-{c.pk}": "Seen it." for p in world.proposals for c in world.criteria}
    data["submit" if submit else "save"] = "1"
    if submit:
        data["confirmed"] = "1"  # the second press, on the page that asks to confirm
    return data


def post_payload(route: str, world: World) -> dict[str, Any]:
    """A valid POST to each changing route."""
    if route == "selection_create":
        return {"title": "New RFP", "currency": "EUR", "status": "open"}
    if route == "selection_update":
        return {"title": "Renamed", "currency": "EUR", "status": "evaluating"}
    if route == "shortlist":
        return {"vendors": [world.new_vendor.pk], "add": "1"}
    if route == "proposal_update":
        return {"price": "1.00", "pricing_model": "fixed", "currency": "EUR"}
    if route == "attachment_create":
        return {"file": SimpleUploadedFile("offer.pdf", PDF)}
    if route == "criteria":
        return formset_data(world, ["50", "50"])
    if route == "evaluators":
        invitee = UserFactory(username="invitee")
        invitee.groups.add(viewer_group())
        return {"user": invitee.pk, "invite": "1"}
    if route == "scoring":
        return scores_data(world, 4)
    if route == "award":
        proposal = world.proposals[0]
        yearly = proposal.yearly_equivalent().amount
        return {
            "proposal": proposal.pk,
            "prefilled_for": proposal.pk,
            "contract_value": yearly,
            "budget": yearly,
        }
    raise AssertionError(route)


def viewer_group() -> Group:
    return Group.objects.get_or_create(name="Viewer")[0]


POST_ROUTES = {
    "selection_create": CREATE,
    "selection_update": CHANGE,
    "shortlist": CHANGE,
    "proposal_update": CHANGE,
    "attachment_create": CHANGE,
    "criteria": CHANGE,
    "evaluators": CHANGE,
    "scoring": SCORE,
    "award": CHANGE,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_a_post_changes_things_only_for_the_roles_allowed_to(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))
    payload = post_payload(route, world)
    before = world.snapshot()

    response = client.post(url_of(route, world), payload)

    allowed = POST_ROUTES[route][role] == 200
    if allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert world.snapshot() != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert world.snapshot() == before


# --- lists ------------------------------------------------------------------------


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_selections(count: int, owner: Any) -> None:
    for _ in range(count):
        selection = SelectionFactory(candidate__owner=owner)
        ProposalFactory(selection=selection)
        EvaluatorFactory(selection=selection, submitted=True)
        CandidateFactory(approved=True, owner=owner)


def test_the_selection_list_runs_the_same_queries_for_5_and_50_rows(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    url = reverse("engagements:selection_list")
    add_selections(5, manager)
    EvaluatorFactory(user=manager, selection=Selection.objects.first())
    few = queries_for(client, url)

    add_selections(45, manager)
    EvaluatorFactory(user=manager, selection=Selection.objects.last())

    assert queries_for(client, url) == few
    assert queries_for(client, url + "?page=2&sort=title") == few


def test_the_selection_list_filters_by_status_owner_and_search(
    manager: Any, other_manager: Any, client_for: Callable[[Any], Any]
) -> None:
    SelectionFactory(title="Payroll RFP", candidate__owner=manager, status="open")
    SelectionFactory(title="Helpdesk RFP", candidate__owner=other_manager, status="awarded")
    client = client_for(manager)
    url = reverse("engagements:selection_list")

    assert "Helpdesk RFP" not in client.get(url, {"status": "open"}).content.decode()
    by_owner = client.get(url, {"owner": other_manager.pk}).content.decode()
    assert "Helpdesk RFP" in by_owner and "Payroll RFP" not in by_owner
    found = client.get(url, {"q": "payroll"}).content.decode()
    assert "Payroll RFP" in found and "Helpdesk RFP" not in found


def test_an_evaluator_sees_the_selections_waiting_for_their_scores(
    evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    waiting = EvaluatorFactory(user=evaluator_user, selection__title="Bookkeeping RFP")

    page = client_for(evaluator_user).get(reverse("engagements:selection_list")).content.decode()

    assert "Waiting for your scores" in page
    assert reverse("engagements:scoring", args=[waiting.selection.pk]) in page


# --- starting a selection -----------------------------------------------------------


def test_a_selection_starts_from_an_approved_candidate_with_the_active_criteria(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    candidate = CandidateFactory(approved=True, owner=manager, name="Payroll")
    CriterionTemplateFactory(name="Retired criterion", is_active=False)
    active = list(CriterionTemplate.objects.filter(is_active=True))

    response = client_for(manager).post(
        reverse("engagements:selection_create", args=[candidate.pk]),
        {"title": "Payroll RFP", "currency": "EUR", "status": "open", "budget": "50000"},
        follow=True,
    )

    selection = Selection.objects.get(title="Payroll RFP")
    assert selection.owner == manager and selection.candidate == candidate
    assert sorted(selection.criteria.values_list("name", "weight")) == sorted(
        (t.name, t.default_weight) for t in active
    )
    assert not selection.criteria.filter(name="Retired criterion").exists()
    assert "Selection started with" in response.content.decode()


@pytest.mark.parametrize(
    "status", [Candidate.Status.DRAFT, Candidate.Status.ASSESSED, Candidate.Status.KEPT_IN_HOUSE]
)
def test_a_candidate_not_approved_cannot_go_to_sourcing(
    status: str, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    candidate = CandidateFactory(status=status, owner=manager)
    url = reverse("engagements:selection_create", args=[candidate.pk])

    response = client_for(manager).post(
        url, {"title": "Too early", "currency": "EUR", "status": "open"}, follow=True
    )

    assert not Selection.objects.exists()
    assert "Only a candidate approved for sourcing" in response.content.decode()


def test_a_candidate_gets_one_selection_at_a_time(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    running = SelectionFactory(candidate__owner=manager, status=Selection.Status.OPEN)
    url = reverse("engagements:selection_create", args=[running.candidate.pk])
    client = client_for(manager)
    payload = {"title": "Second go", "currency": "EUR", "status": "open"}

    assert client.get(url)["Location"] == url_of_selection(running)
    client.post(url, payload)
    assert Selection.objects.count() == 1

    Selection.objects.filter(pk=running.pk).update(status=Selection.Status.CANCELLED)
    client.post(url, payload)
    assert Selection.objects.filter(title="Second go").exists()


def test_starting_a_selection_twice_at_once_opens_only_one(manager: Any) -> None:
    candidate = CandidateFactory(approved=True, owner=manager)
    start_selection(candidate=candidate, by=manager, title="First")

    with pytest.raises(ValidationError, match="already has a selection in progress"):
        start_selection(candidate=candidate, by=manager, title="Double click")

    assert Selection.objects.count() == 1


def url_of_selection(selection: Selection) -> str:
    return reverse("engagements:selection_detail", args=[selection.pk])


# --- shortlist and proposals ----------------------------------------------------------


def test_shortlisting_creates_one_proposal_per_vendor(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(
        url_of("shortlist", world), {"vendors": [world.new_vendor.pk], "add": "1"}, follow=True
    )

    assert world.selection.proposals.filter(vendor=world.new_vendor).count() == 1
    assert "Shortlisted Gamma Outsourcing Inc." in response.content.decode()


def test_the_shortlist_offers_vendors_of_the_works_function_first(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    support = ServiceCategoryFactory(business_function=BusinessFunction.CUSTOMER_SERVICE)
    books = ServiceCategoryFactory(business_function=BusinessFunction.ACCOUNTING)
    VendorFactory(legal_name="Helpdesk Co").services.add(support)
    ledger = VendorFactory(legal_name="Ledger Co")
    ledger.services.add(books)
    client = client_for(manager)

    first = client.get(url_of("shortlist", world)).content.decode()
    every = client.get(url_of("shortlist", world) + "?vendors=all").content.decode()
    response = client.post(url_of("shortlist", world), {"vendors": [ledger.pk], "add": "1"})

    assert "Helpdesk Co" in first and "Ledger Co" not in first
    assert "Vendors offering customer service, not on the shortlist yet." in first
    assert "other vendors too" in first
    assert "Helpdesk Co" in every and "Ledger Co" in every
    # Chosen from the longer list, a vendor outside the function is shortlisted all the same.
    assert response.status_code == 302
    assert world.selection.proposals.filter(vendor=ledger).exists()


def vendors_offering(function: str, *names: str) -> list[Vendor]:
    service = ServiceCategoryFactory(business_function=function)
    vendors = [VendorFactory(legal_name=name) for name in names]
    for vendor in vendors:
        vendor.services.add(service)
    return vendors


def shown_vendors(response: Any) -> list[str]:
    """The vendors offered with a box to tick, in order."""
    return [vendor.legal_name for vendor, _ in response.context["form"].vendor_choices()]


def test_the_shortlist_searches_offered_vendors_by_name(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    vendors_offering(BusinessFunction.CUSTOMER_SERVICE, "Helpdesk Co", "Help Center Ltd", "Acme")
    vendors_offering(BusinessFunction.ACCOUNTING, "Helpful Ledgers")
    client = client_for(manager)
    url = url_of("shortlist", world)

    matching = client.get(url, {"q": " help "})
    every = client.get(url, {"q": "HELP", "vendors": "all"})

    assert shown_vendors(matching) == ["Help Center Ltd", "Helpdesk Co"]
    assert "Show 1 other vendor too" in matching.content.decode()
    assert shown_vendors(every) == ["Help Center Ltd", "Helpdesk Co", "Helpful Ledgers"]


def test_the_shortlist_offers_one_page_of_vendors_at_a_time(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    names = [f"Support vendor {n:02}" for n in range(30)]
    vendors_offering(BusinessFunction.CUSTOMER_SERVICE, *names)
    client = client_for(manager)
    url = url_of("shortlist", world)

    first = client.get(url)
    second = client.get(url, {"page": "2"})

    assert shown_vendors(first) == names[:25]
    assert shown_vendors(second) == names[25:]
    assert "Page 2 of 2 · 26–30 of 30 vendors" in second.content.decode()
    assert "Adds the vendors ticked on this page." in second.content.decode()


def test_a_vendor_ticked_on_another_page_is_shortlisted_and_the_page_kept(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    vendors = vendors_offering(
        BusinessFunction.CUSTOMER_SERVICE, *(f"Support vendor {n:02}" for n in range(30))
    )
    far = vendors[-1]  # on page 2
    url = url_of("shortlist", world)

    response = client_for(manager).post(f"{url}?q=support&page=1", {"vendors": [far.pk]})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?q=support&page=1"
    assert world.selection.proposals.filter(vendor=far).exists()


def test_removing_a_vendor_keeps_the_search_and_choice_but_not_a_broken_page_number(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    proposal = world.proposals[1]
    url = url_of("shortlist", world)

    response = client_for(manager).post(
        f"{url}?q=+gamma+&vendors=all&page=x&other=1", {"remove": proposal.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{url}?q=gamma&vendors=all"
    assert not Proposal.objects.filter(pk=proposal.pk).exists()


def test_a_post_with_nothing_ticked_shows_the_same_search_and_page_with_the_error(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    vendors_offering(BusinessFunction.CUSTOMER_SERVICE, "Helpdesk Co", "Acme")
    vendors_offering(BusinessFunction.ACCOUNTING, "Helpful Ledgers")
    url = url_of("shortlist", world)

    response = client_for(manager).post(f"{url}?q=help", {"add": "1"})

    assert response.status_code == 200
    assert shown_vendors(response) == ["Helpdesk Co"]
    page = response.content.decode()
    assert 'id="vendors-error">Choose at least one vendor to shortlist.' in page
    assert 'value="help"' in page  # the search box keeps the search
    assert not world.selection.proposals.filter(vendor__legal_name="Helpdesk Co").exists()


def test_a_vendor_already_on_the_shortlist_is_neither_offered_nor_added_twice(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    on_it = world.proposals[0].vendor
    client = client_for(manager)

    offered = client.get(url_of("shortlist", world), {"vendors": "all"})
    response = client.post(url_of("shortlist", world), {"vendors": [on_it.pk], "add": "1"})

    assert on_it.legal_name not in shown_vendors(offered)
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert world.selection.proposals.filter(vendor=on_it).count() == 1


def test_a_search_that_finds_no_vendor_says_so_and_how_to_widen_it(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    vendors_offering(BusinessFunction.CUSTOMER_SERVICE, "Helpdesk Co")
    vendors_offering(BusinessFunction.ACCOUNTING, "Ledger Co")
    client = client_for(manager)
    url = url_of("shortlist", world)

    nothing = client.get(url, {"q": "xyz"}).content.decode()
    elsewhere = client.get(url, {"q": "ledger"}).content.decode()
    nothing_at_all = client.get(url, {"q": "xyz", "vendors": "all"}).content.decode()

    assert "No vendor matches “xyz”. " in nothing
    assert 'Clear the search</a> or <a href="?vendors=all#add">show all vendors</a>.' in nothing
    widen = "No vendor offering customer service matches “ledger”, but 1 other vendor does."
    assert widen in elsewhere
    assert "No vendor matches “xyz”." in nothing_at_all
    assert "show all vendors" not in nothing_at_all


def test_a_shortlist_with_every_vendor_on_it_says_so(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    Vendor.objects.exclude(proposals__selection=world.selection).delete()
    (helpdesk,) = vendors_offering(BusinessFunction.CUSTOMER_SERVICE, "Helpdesk Co")
    ProposalFactory(selection=world.selection, vendor=helpdesk)
    VendorFactory(legal_name="Ledger Co")
    client = client_for(manager)
    url = url_of("shortlist", world)

    matching = client.get(url).content.decode()
    Vendor.objects.filter(legal_name="Ledger Co").delete()
    every = client.get(url).content.decode()

    assert "No vendor offering customer service is left to add." in matching
    assert "Show the 1 other vendor</a>" in matching
    assert "Every vendor that may be awarded work is on the shortlist already." in every


@pytest.mark.parametrize("status", [Vendor.Status.SUSPENDED, Vendor.Status.OFFBOARDED])
def test_a_suspended_or_offboarded_vendor_cannot_be_shortlisted(
    status: str, world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    barred = VendorFactory(legal_name="Barred Ltd", status=status)
    client = client_for(manager)

    shortlist = client.get(url_of("shortlist", world) + "?vendors=all").content.decode()
    assert "Barred Ltd" not in shortlist
    response = client.post(url_of("shortlist", world), {"vendors": [barred.pk], "add": "1"})

    assert response.status_code == 200
    assert not Proposal.objects.filter(vendor=barred).exists()


def test_a_vendor_on_watch_shows_a_warning_where_it_is_chosen(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    VendorFactory(legal_name="Wobbly Ltd", standing=Vendor.Standing.WATCH)
    Vendor.objects.filter(pk=world.proposals[1].vendor_id).update(standing="watch")
    client = client_for(manager)

    for route in ("shortlist", "selection_detail", "award", "results"):
        assert "On watch" in client.get(url_of(route, world)).content.decode(), route


def test_a_proposal_with_an_end_before_its_start_is_refused_at_the_field(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    proposal = world.proposals[0]
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("proposal_update", world),
        {
            "price": "5000",
            "pricing_model": "fixed",
            "currency": "EUR",
            "proposed_start": "2025-06-01",
            "proposed_end": "2025-05-01",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["proposed_end"] == [
        "The proposed end is before the proposed start."
    ]
    assert world.snapshot() == before
    proposal.refresh_from_db()
    assert proposal.price == Decimal("85000.00")


def test_a_proposal_is_recorded(world: World, manager: Any, client_for: Callable[[Any], Any]):
    response = client_for(manager).post(
        url_of("proposal_update", world),
        {
            "price": "4200.50",
            "pricing_model": "hourly",
            "currency": "USD",
            "proposed_start": "2025-06-01",
            "proposed_end": "2025-12-31",
            "timeline_notes": "Two weeks onboarding.",
            "received_on": "2025-05-10",
        },
        follow=True,
    )

    proposal = Proposal.objects.get(pk=world.proposals[0].pk)
    assert (proposal.price, proposal.pricing_model, proposal.currency) == (
        Decimal("4200.50"),
        "hourly",
        "USD",
    )
    assert proposal.received_on == datetime.date(2025, 5, 10)
    assert "Proposal of Alpha Services Ltd saved." in response.content.decode()


def test_an_attachment_keeps_its_name_size_and_type_and_downloads_after_a_check(
    world: World, manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    client_for(manager).post(
        url_of("attachment_create", world), {"file": SimpleUploadedFile("Offer 2025.pdf", PDF)}
    )
    attachment = ProposalAttachment.objects.get(original_name="Offer 2025.pdf")
    assert (attachment.size, attachment.content_type) == (len(PDF), "application/pdf")
    assert attachment.uploaded_by == manager
    assert "Offer" not in str(attachment.file.name)  # stored under a random name

    response = client_for(viewer).get(
        reverse("engagements:attachment_download", args=[world.selection.pk, attachment.pk])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF


def test_an_attachment_is_not_found_through_another_selection(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    other = SelectionFactory()

    response = client_for(viewer).get(
        reverse("engagements:attachment_download", args=[other.pk, world.attachment.pk])
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00 a program", "does not match its PDF name"),
        ("setup.exe", b"MZ\x90\x00", "Files of this type are not accepted"),
        ("huge.pdf", PDF + b"x" * 4096, "the largest accepted is"),
    ],
)
def test_a_bad_upload_is_refused_at_the_field_and_nothing_is_stored(
    name: str,
    content: bytes,
    message: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
    settings: Any,
) -> None:
    # Stands in for a 50 MB upload: the limit is what is checked, not the bytes.
    settings.MAX_UPLOAD_SIZE = 2048
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("attachment_create", world), {"file": SimpleUploadedFile(name, content)}
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["attachment_form"].errors["file"])
    assert world.snapshot() == before
    # Only the attachment the world started with is on disk.
    assert len(list((settings.PRIVATE_MEDIA_ROOT / "proposals").iterdir())) == 1


# --- criteria ----------------------------------------------------------------------------


def test_weights_that_do_not_add_up_to_100_are_refused_with_the_sum(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("criteria", world), formset_data(world, ["60", "35"])
    )

    assert response.status_code == 200
    assert "Weights add up to 95; they must add up to 100." in response.content.decode()
    assert world.snapshot() == before


def test_criteria_and_weights_are_saved_together(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    data = formset_data(world, ["70", "30"])
    prefix = CriterionFormSet.get_default_prefix()
    data[f"{prefix}-1-DELETE"] = "on"
    data[f"{prefix}-0-weight"] = "100"

    response = client_for(manager).post(url_of("criteria", world), data, follow=True)

    assert list(world.selection.criteria.values_list("name", "weight")) == [
        ("Experience", Decimal("100.00"))
    ]
    assert "weights add up to 100" in response.content.decode()


def test_a_selection_with_more_criteria_than_the_cap_stays_editable(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    """Forty criteria is the cap on a tampered form count, not a trap: a selection that
    already holds more (from many criterion templates) shows them all and can drop one."""
    for criterion in world.criteria:
        criterion.delete()
    world.criteria = [
        CriterionFactory(
            selection=world.selection, name=f"Criterion {i}", weight=Decimal(51 if i == 0 else 1)
        )
        for i in range(50)
    ]
    client = client_for(manager)
    page = client.get(url_of("criteria", world)).content.decode()
    assert "Criterion 49" in page

    data = formset_data(world, ["52"] + ["1"] * 49)
    data[f"{CriterionFormSet.get_default_prefix()}-49-DELETE"] = "on"
    response = client.post(url_of("criteria", world), data)

    assert response.status_code == 302
    assert world.selection.criteria.count() == 49
    assert not world.selection.criteria.filter(name="Criterion 49").exists()


# --- evaluators ------------------------------------------------------------------------------


def test_only_managers_and_viewers_can_be_invited(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    outsider = UserFactory(username="outsider")

    response = client_for(manager).post(
        url_of("evaluators", world), {"user": outsider.pk, "invite": "1"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["user"]
    assert not Evaluator.objects.exists()


def test_an_evaluator_who_has_not_submitted_can_be_removed_but_not_one_who_has(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    drafting = EvaluatorFactory(selection=world.selection)
    done = EvaluatorFactory(selection=world.selection, submitted=True)
    client = client_for(manager)

    client.post(url_of("evaluators", world), {"remove": drafting.pk})
    response = client.post(url_of("evaluators", world), {"remove": done.pk}, follow=True)

    assert list(Evaluator.objects.all()) == [done]
    assert "they stay in the evaluation" in response.content.decode()


# --- scoring ---------------------------------------------------------------------------------


@pytest.fixture
def invited(world: World, evaluator_user: Any) -> Evaluator:
    return EvaluatorFactory(selection=world.selection, user=evaluator_user)


def test_a_draft_is_saved_and_stays_editable(
    world: World, invited: Evaluator, evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(evaluator_user)
    client.post(url_of("scoring", world), scores_data(world, 3))

    response = client.post(url_of("scoring", world), scores_data(world, 4), follow=True)

    invited.refresh_from_db()
    assert invited.submitted_at is None
    assert set(invited.scores.values_list("value", flat=True)) == {4}
    assert invited.scores.count() == 4
    assert "Draft saved: 4 of 4 scores." in response.content.decode()


def test_submitting_locks_the_scores(
    world: World, invited: Evaluator, evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(evaluator_user)
    client.post(url_of("scoring", world), scores_data(world, 5, submit=True))
    invited.refresh_from_db()
    assert invited.submitted_at is not None

    response = client.post(url_of("scoring", world), scores_data(world, 1), follow=True)

    assert set(invited.scores.values_list("value", flat=True)) == {5}
    assert "can no longer be changed" in response.content.decode()
    page = client.get(url_of("scoring", world)).content.decode()
    assert "You submitted these scores" in page
    assert "Save draft" not in page


def test_submitting_scores_asks_to_confirm_and_writes_nothing_until_then(
    world: World, invited: Evaluator, evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    data = scores_data(world, 4, submit=True)
    del data["confirmed"]  # the first press of "Submit…"
    client = client_for(evaluator_user)

    asked = client.post(url_of("scoring", world), data)

    invited.refresh_from_db()
    assert asked.status_code == 200
    assert "Submit your scores for good?" in asked.content.decode()
    assert invited.submitted_at is None
    assert not invited.scores.exists()
    assert 'value="4" selected' in asked.content.decode()  # what was typed is still there

    client.post(url_of("scoring", world), data | {"confirmed": "1"})

    invited.refresh_from_db()
    assert invited.submitted_at is not None


def test_submitting_needs_every_cell_scored(
    world: World, invited: Evaluator, evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    data = scores_data(world, 4, submit=True)
    data[f"score-{world.proposals[0].pk}-{world.criteria[0].pk}"] = ""

    response = client_for(evaluator_user).post(url_of("scoring", world), data)

    invited.refresh_from_db()
    assert invited.submitted_at is None
    assert not invited.scores.exists()
    assert "Score every vendor on every criterion before submitting." in response.content.decode()


@pytest.mark.parametrize("value", [0, 6])
def test_a_score_outside_1_to_5_is_refused_at_the_field_and_nothing_is_written(
    value: int,
    world: World,
    invited: Evaluator,
    evaluator_user: Any,
    client_for: Callable[[Any], Any],
) -> None:
    data = scores_data(world, 3)
    bad = f"score-{world.proposals[1].pk}-{world.criteria[1].pk}"
    data[bad] = str(value)

    response = client_for(evaluator_user).post(url_of("scoring", world), data)

    assert response.status_code == 200
    assert response.context["form"].errors[bad] == ["Score 1 to 5."]
    assert not Score.objects.exists()


def test_an_evaluator_writes_only_their_own_scores(
    world: World, invited: Evaluator, evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    colleague = ScoreFactory(
        selection=world.selection,
        proposal=world.proposals[0],
        criterion=world.criteria[0],
        value=2,
    )

    client_for(evaluator_user).post(url_of("scoring", world), scores_data(world, 5))

    colleague.refresh_from_db()
    assert colleague.value == 2
    assert invited.scores.count() == 4


def test_scoring_is_closed_once_the_selection_is_awarded(
    world: World, invited: Evaluator, evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    Selection.objects.filter(pk=world.selection.pk).update(status=Selection.Status.AWARDED)

    response = client_for(evaluator_user).post(url_of("scoring", world), scores_data(world, 5))

    assert response.status_code == 403
    assert not Score.objects.exists()


# --- results ---------------------------------------------------------------------------------


def score_all(evaluator: Evaluator, world: World, values: dict[int, int]) -> None:
    """values: proposal index -> the same score on every criterion."""
    for index, value in values.items():
        for criterion in world.criteria:
            ScoreFactory(
                evaluator=evaluator,
                proposal=world.proposals[index],
                criterion=criterion,
                value=value,
                selection=world.selection,
            )


def test_results_rank_by_weighted_total_and_flag_disagreements(
    world: World, manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    alice = EvaluatorFactory(selection=world.selection, submitted=True, user__first_name="Alice")
    bob = EvaluatorFactory(selection=world.selection, submitted=True, user__first_name="Bob")
    carol = EvaluatorFactory(selection=world.selection, user__first_name="Carol")
    score_all(alice, world, {0: 5, 1: 2})
    score_all(bob, world, {0: 5, 1: 4})
    score_all(carol, world, {0: 1, 1: 1})

    response = client_for(viewer).get(url_of("results", world), {"drafts": "1"})

    rows = response.context["rows"]
    assert [(r.proposal.vendor.legal_name, r.ranked.total, r.ranked.rank) for r in rows] == [
        ("Alpha Services Ltd", Decimal("100.0"), 1),
        ("Beta Partners LLP", Decimal("60.0"), 2),
    ]
    assert [cell.disagreement for cell in rows[1].cells] == [True, True]
    page = response.content.decode()
    assert "Not submitted yet:" in page and "Carol" in page
    assert "scores 2, 4" in page
    assert "Include drafts" not in page  # the toggle is the owner's


def test_the_owner_can_include_drafts(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    drafting = EvaluatorFactory(selection=world.selection)
    score_all(drafting, world, {0: 5})
    client = client_for(manager)

    assert client.get(url_of("results", world)).context["rows"][0].ranked is None
    with_drafts = client.get(url_of("results", world), {"drafts": "1"})

    assert with_drafts.context["rows"][0].ranked.total == Decimal("100.0")
    assert "including drafts" in with_drafts.content.decode()


def test_the_results_download_as_a_spreadsheet_with_a_column_per_criterion(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    alice = EvaluatorFactory(selection=world.selection, submitted=True)
    score_all(alice, world, {0: 5, 1: 2})
    Proposal.objects.filter(pk=world.proposals[1].pk).update(currency="XYZ")  # no rate kept

    rows = xlsx_rows(client_for(viewer).get(url_of("results", world), {"export": "xlsx"}))

    criteria = [f"{c.name} (weight {c.weight.normalize():f})" for c in world.criteria]
    assert rows[0] == [
        "Rank",
        "Vendor",
        "Points (of 100)",
        *criteria,
        "Yearly equivalent",
        "Currency",
        "Yearly in EUR",
        "Price rank",
    ]
    assert [row[:3] for row in rows[1:]] == [
        [1, "Alpha Services Ltd", 100],
        [2, "Beta Partners LLP", 40],
    ]
    assert rows[2][-2] is None  # the missing rate is left empty, never zero


def test_results_show_prices_side_by_side_with_currency_and_pricing_model(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    Proposal.objects.filter(pk=world.proposals[1].pk).update(
        price=Decimal("24.00"), currency="USD", pricing_model="hourly"
    )

    page = client_for(viewer).get(url_of("results", world)).content.decode()

    assert "85,000.00 EUR" in page and "Monthly retainer" in page
    assert "24.00 USD" in page and "Hourly rate" in page


def test_the_selection_page_shows_weights_evaluators_and_who_submitted(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    EvaluatorFactory(selection=world.selection, submitted=True, user__first_name="Alice")
    EvaluatorFactory(selection=world.selection, user__first_name="Bob")

    page = client_for(manager).get(url_of("selection_detail", world)).content.decode()

    assert "1 of 2 submitted" in page
    assert ">100<" in page.replace(" ", "")
    assert world.selection.requirements in page
    assert reverse("engagements:award", args=[world.selection.pk]) in page


def test_a_selection_with_nothing_to_score_cannot_be_submitted(
    evaluator_user: Any, client_for: Callable[[Any], Any]
) -> None:
    invitation = EvaluatorFactory(user=evaluator_user, selection__status=Selection.Status.OPEN)

    response = client_for(evaluator_user).post(
        reverse("engagements:scoring", args=[invitation.selection_id]), {"submit": "1"}
    )

    invitation.refresh_from_db()
    assert invitation.submitted_at is None
    assert "There is nothing to score yet." in response.content.decode()


@pytest.mark.parametrize("route", ["shortlist", "evaluators"])
def test_a_garbled_remove_button_is_not_found(
    route: str, world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(url_of(route, world), {"remove": "1 OR 1=1"})

    assert response.status_code == 404
    assert world.snapshot() == before
