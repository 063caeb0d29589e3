"""Hostile input to every step 2 form: selections, shortlist, proposals, criteria,
evaluators, scores and the award (issue 6, item 6)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import (
    Candidate,
    Criterion,
    CriterionCategory,
    Engagement,
    Evaluator,
    PricingModel,
    Proposal,
    ProposalAttachment,
    Score,
    Selection,
)
from engagements.tests.factories import (
    EvaluatorFactory,
    ProposalFactory,
)
from engagements.tests.worlds import SelectionWorld
from outsourcing.models import Currency
from outsourcing.tests.hostile import (
    XSS_PROBES,
    assert_escaped,
    changed_tables,
    check_get,
    check_post,
    database_state,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_flag,
    hostile_number,
    hostile_text,
    hostile_upload,
    sign_in,
)
from outsourcing.text import is_whole_number
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.hostile

CURRENCIES = [value for value, _ in Currency.choices]
STATUSES = [value for value, _ in Selection.Status.choices]
PRICING_MODELS = [value for value, _ in PricingModel.choices]
CATEGORIES = [value for value, _ in CriterionCategory.choices]
SCORES = ["1", "2", "3", "4", "5"]


class World(SelectionWorld):
    """The selection being evaluated, owned by `manager`, its names script probes:
    `evaluator` invited, one more vendor to shortlist and one more colleague to invite."""

    def __init__(self, manager: Any, evaluator: Any) -> None:
        super().__init__(
            manager,
            vendors=(XSS_PROBES[0], XSS_PROBES[1]),
            criteria=(XSS_PROBES[2], "Price"),
            first_proposal={"timeline_notes": XSS_PROBES[2], "notes": XSS_PROBES[1]},
            candidate={"name": XSS_PROBES[0]},
            title=XSS_PROBES[3],
            requirements=XSS_PROBES[1],
        )
        self.evaluator_user = evaluator
        self.invitation = EvaluatorFactory(selection=self.selection, user=evaluator)
        self.new_vendors = [
            VendorFactory(legal_name=XSS_PROBES[2]),
            VendorFactory(legal_name="Gamma Outsourcing Inc."),
            VendorFactory(legal_name="Suspended Ltd", status=Vendor.Status.SUSPENDED),
        ]
        self.elsewhere = ProposalFactory()  # on another selection


@pytest.fixture
def world(manager: Any, evaluator_user: Any) -> World:
    return World(manager, evaluator_user)


def _pages_escaped(world: World, owner: Client) -> None:
    """The selection's detail and results pages, as the owner sees them (drafts included);
    `owner` is the test's client, signed in as the selection's owner."""
    for url in (world.url("selection_detail"), world.url("results") + "?drafts=1"):
        response = owner.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url)


def _garbled_remove_is_not_found(client: Any, url: str, data: dict[str, Any]) -> bool:
    """A remove button whose value is no id at all is a 404 that changes nothing
    (test_views_sourcing.test_a_garbled_remove_button_is_not_found); True when handled."""
    value = str(data.get("remove", "0"))
    if is_whole_number(value):
        return False
    with transaction.atomic():
        before = database_state()
        response = client.post(url, data)
        assert response.status_code == 404, f"{response.status_code} for {data!r}"
        assert not changed_tables(before, database_state()) - {"django_session"}
        transaction.set_rollback(True)
    return True


def _posted(response: Any, data: dict[str, Any], name: str) -> str:
    """A text field as Django's form cleans it (stripped; missing is empty)."""
    return str(data.get(name, "")).strip()


# --- selections ------------------------------------------------------------------

SELECTION_VALID = {
    "title": "Customer support – request for proposal",
    "requirements": "24/7 coverage in English and Spanish.",
    "budget": "90000",
    "currency": "EUR",
    "deadline": "2026-06-30",
    "status": "open",
}
SELECTION_HOSTILE = {
    "title": hostile_text(),
    "requirements": hostile_text(),
    "budget": hostile_number(),
    "currency": hostile_choice(CURRENCIES),
    "deadline": hostile_date(),
    "status": hostile_choice(STATUSES),
}


def test_selection_create_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    url = reverse("engagements:selection_create", args=[world.approved_candidate.pk])
    response = client.post(url, SELECTION_VALID)
    assert response.status_code == 302
    assert Selection.objects.filter(candidate=world.approved_candidate).count() == 1


@given(data=form_data(SELECTION_VALID, SELECTION_HOSTILE))
def test_selection_create_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    sign_in(client, world.owner)

    def saved(response: Any, data: dict[str, Any]) -> None:
        selection = Selection.objects.get(candidate=world.approved_candidate)
        assert selection.title == _posted(response, data, "title")
        assert selection.requirements == _posted(response, data, "requirements")
        assert selection.status == data["status"]
        assert selection.owner == world.owner

    check_post(
        client,
        reverse("engagements:selection_create", args=[world.approved_candidate.pk]),
        data,
        writes={"engagements_selection", "engagements_criterion"},
        then=saved,
    )


UPDATE_VALID = {**SELECTION_VALID, "negotiation_notes": "Asked for a 5% discount."}
UPDATE_HOSTILE = {**SELECTION_HOSTILE, "negotiation_notes": hostile_text()}


def test_selection_update_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    response = client.post(world.url("selection_update"), UPDATE_VALID)
    assert response.status_code == 302
    world.selection.refresh_from_db()
    assert world.selection.negotiation_notes == UPDATE_VALID["negotiation_notes"]


@given(data=form_data(UPDATE_VALID, UPDATE_HOSTILE))
def test_selection_update_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    sign_in(client, world.owner)

    def saved(response: Any, data: dict[str, Any]) -> None:
        selection = Selection.objects.get(pk=world.selection.pk)
        assert selection.title == _posted(response, data, "title")
        assert selection.negotiation_notes == _posted(response, data, "negotiation_notes")
        assert selection.status == data["status"] != Selection.Status.AWARDED
        _pages_escaped(world, client)

    check_post(
        client,
        world.url("selection_update"),
        data,
        writes={"engagements_selection"},
        then=saved,
    )


@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "q": hostile_text(),
            "status": hostile_choice(STATUSES),
            "owner": hostile_choice(["1", "2"]),
            "sort": hostile_choice(["-created", "deadline", "title", "status", "-title"]),
            "page": hostile_number(),
        },
    )
)
def test_selection_list_filters_survive_hostile_query(
    params: dict, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    assert check_get(client, reverse("engagements:selection_list"), params) == 200


# --- shortlist and proposals -----------------------------------------------------


def test_shortlist_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    vendor = world.new_vendors[0]
    response = client.post(world.url("shortlist"), {"vendors": [str(vendor.pk)]})
    assert response.status_code == 302
    assert world.selection.proposals.filter(vendor=vendor).exists()


@given(
    data=st.one_of(
        st.fixed_dictionaries(
            {
                "vendors": st.lists(
                    hostile_choice(["1", "2", "3", "4", "5", "6", "7"]), min_size=0, max_size=4
                )
            }
        ),
        st.fixed_dictionaries({"remove": hostile_choice(["1", "2", "3", "4", "5"])}),
    )
)
def test_shortlist_survives_hostile_vendor_ids_and_removals(
    data: dict, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    # The ids Hypothesis picks among are small; point them at this world's rows.
    offset = min(v.pk for v in Vendor.objects.all()) - 1
    vendors = [
        str(int(v) + offset) if is_whole_number(v) and len(v) == 1 else v
        for v in data.get("vendors", [])
    ]
    if "vendors" in data:
        data = {"vendors": vendors}
    before = set(world.selection.proposals.values_list("vendor_id", flat=True))

    def saved(response: Any, data: dict[str, Any]) -> None:
        after = set(world.selection.proposals.values_list("vendor_id", flat=True))
        if "remove" in data:
            assert after <= before
            return
        added = after - before
        assert added, "an accepted shortlist adds vendors"
        assert {str(pk) for pk in added} <= set(data["vendors"])
        assert not Vendor.objects.filter(pk__in=added, status=Vendor.Status.SUSPENDED).exists()

    if _garbled_remove_is_not_found(client, world.url("shortlist"), data):
        return
    check_post(
        client,
        world.url("shortlist"),
        data,
        writes={"engagements_proposal", "engagements_score"},
        then=saved,
    )


SHORTLIST_QUERY = st.fixed_dictionaries(
    {},
    optional={
        "q": hostile_text(),
        "vendors": hostile_choice(["all"]),
        "page": hostile_number(),
    },
)


@given(params=SHORTLIST_QUERY)
def test_shortlist_search_and_pages_survive_hostile_query(
    params: dict, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    assert check_get(client, world.url("shortlist"), params) == 200


@given(params=SHORTLIST_QUERY, tick=st.booleans())
def test_shortlist_add_under_a_hostile_search_and_page_adds_or_shows_the_error(
    params: dict, tick: bool, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    vendor = world.new_vendors[1]
    url = world.url("shortlist") + (f"?{urlencode(params)}" if params else "")
    data = {"vendors": [str(vendor.pk)], "add": "1"} if tick else {"add": "1"}

    def saved(response: Any, data: dict[str, Any]) -> None:
        assert world.selection.proposals.filter(vendor=vendor).exists()
        # Back to the same search and page, as far as they are valid.
        assert response["Location"].startswith(world.url("shortlist"))

    status = check_post(client, url, data, writes={"engagements_proposal"}, then=saved)

    assert status == (302 if tick else 200)


PROPOSAL_VALID = {
    "price": "85000.50",
    "pricing_model": "fixed",
    "currency": "USD",
    "proposed_start": "2026-03-01",
    "proposed_end": "2027-02-28",
    "timeline_notes": "Ramp-up in four weeks.",
    "received_on": "2026-01-15",
    "notes": "Includes weekend cover.",
}
PROPOSAL_HOSTILE = {
    "price": hostile_number(),
    "pricing_model": hostile_choice(PRICING_MODELS),
    "currency": hostile_choice(CURRENCIES),
    "proposed_start": hostile_date(),
    "proposed_end": hostile_date(),
    "timeline_notes": hostile_text(),
    "received_on": hostile_date(),
    "notes": hostile_text(),
}


def test_proposal_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    proposal = world.proposals[0]
    response = client.post(world.url("proposal_update", proposal_pk=proposal.pk), PROPOSAL_VALID)
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.price == Decimal("85000.50")


@given(data=form_data(PROPOSAL_VALID, PROPOSAL_HOSTILE))
def test_proposal_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    sign_in(client, world.owner)
    proposal = world.proposals[0]

    def saved(response: Any, data: dict[str, Any]) -> None:
        row = Proposal.objects.get(pk=proposal.pk)
        assert row.timeline_notes == _posted(response, data, "timeline_notes")
        assert row.notes == _posted(response, data, "notes")
        assert row.currency == data["currency"]
        assert row.price is None or row.price >= 0
        if row.proposed_start and row.proposed_end:
            assert row.proposed_end >= row.proposed_start
        _pages_escaped(world, client)

    check_post(
        client,
        world.url("proposal_update", proposal_pk=proposal.pk),
        data,
        writes={"engagements_proposal"},
        then=saved,
    )


def test_attachment_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    proposal = world.proposals[0]
    upload = SimpleUploadedFile("offer.pdf", b"%PDF-1.7\n% offer\n", "application/pdf")
    response = client.post(
        world.url("attachment_create", proposal_pk=proposal.pk), {"file": upload}
    )
    assert response.status_code == 302
    assert proposal.attachments.get().original_name == "offer.pdf"


@given(upload=hostile_upload())
def test_attachment_survives_hostile_uploads(
    upload: SimpleUploadedFile, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    proposal = world.proposals[0]

    def saved(response: Any, data: dict[str, Any]) -> None:
        attachment = ProposalAttachment.objects.get(proposal=proposal)
        assert 0 < len(attachment.original_name) <= 255
        assert "/" not in attachment.original_name and "\x00" not in attachment.original_name
        assert attachment.size > 0

    check_post(
        client,
        world.url("attachment_create", proposal_pk=proposal.pk),
        {"file": upload},
        writes={"engagements_proposalattachment"},
        then=saved,
    )


# --- criteria --------------------------------------------------------------------


def _criteria_valid(world: World) -> dict[str, str]:
    first, second = world.criteria
    return {
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "2",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "criteria-0-id": str(first.pk),
        "criteria-0-name": "Experience",
        "criteria-0-category": "experience",
        "criteria-0-guidance": "Years in the field.",
        "criteria-0-weight": "50",
        "criteria-0-order": "1",
        "criteria-1-id": str(second.pk),
        "criteria-1-name": "Price",
        "criteria-1-category": "price",
        "criteria-1-guidance": "",
        "criteria-1-weight": "30",
        "criteria-1-order": "2",
        "criteria-2-name": "Cultural fit",
        "criteria-2-category": "cultural_fit",
        "criteria-2-guidance": "",
        "criteria-2-weight": "20",
        "criteria-2-order": "3",
    }


CRITERIA_HOSTILE = {
    "criteria-TOTAL_FORMS": st.one_of(
        st.sampled_from(["3", "2", "4", "0", "-1", "1001", "2001", "99999999999999999999"]),
        hostile_number(),
    ),
    "criteria-INITIAL_FORMS": st.one_of(st.sampled_from(["2", "3", "5", "-1"]), hostile_number()),
    "criteria-MAX_NUM_FORMS": hostile_number(),
    "criteria-MIN_NUM_FORMS": hostile_number(),
    "criteria-0-id": hostile_choice(["1", "2", "3"]),
    "criteria-0-name": hostile_text(),
    "criteria-0-category": hostile_choice(CATEGORIES),
    "criteria-0-weight": st.one_of(st.sampled_from(["60", "50.00", "0", "100"]), hostile_number()),
    "criteria-0-DELETE": hostile_flag(),
    "criteria-1-name": hostile_text(),
    "criteria-1-guidance": hostile_text(),
    "criteria-1-weight": st.one_of(st.sampled_from(["30", "50", "40"]), hostile_number()),
    "criteria-1-order": hostile_number(),
    "criteria-2-name": hostile_text(),
    "criteria-2-weight": st.one_of(st.sampled_from(["20", "0", "10"]), hostile_number()),
    "criteria-2-DELETE": hostile_flag(),
}


def test_criteria_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    response = client.post(world.url("criteria"), _criteria_valid(world))
    assert response.status_code == 302
    assert sorted(world.selection.criteria.values_list("name", "weight")) == [
        ("Cultural fit", Decimal("20")),
        ("Experience", Decimal("50")),
        ("Price", Decimal("30")),
    ]


def test_criteria_refuse_a_tampered_number_of_forms(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    before = list(world.selection.criteria.values_list("pk", "name", "weight"))
    body = {**_criteria_valid(world), "criteria-TOTAL_FORMS": "1000000000"}
    response = client.post(world.url("criteria"), body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "A selection has at most 40 criteria." in page
    assert page.count('name="criteria-') < 41 * 8  # forty rows at most, not Django's 2,000
    assert list(world.selection.criteria.values_list("pk", "name", "weight")) == before


@given(seed=st.data())
def test_criteria_formset_survives_hostile_input(seed: Any, world: World, client: Any) -> None:
    sign_in(client, world.owner)
    data = seed.draw(form_data(_criteria_valid(world), CRITERIA_HOSTILE))
    others = Criterion.objects.exclude(selection=world.selection).count()
    # hostile_choice's "1".."3" are the first rows of some table; make "1" this world's.
    if data.get("criteria-0-id") == "1":
        data["criteria-0-id"] = str(world.criteria[0].pk)

    def saved(response: Any, data: dict[str, Any]) -> None:
        criteria = list(world.selection.criteria.all())
        assert sum(c.weight for c in criteria) == 100
        names = {c.name for c in criteria}
        for index in range(3):
            deleted = data.get(f"criteria-{index}-DELETE", "") not in ("", "false")
            name = str(data.get(f"criteria-{index}-name", "")).strip()
            if name and not deleted:
                assert name in names
        assert Criterion.objects.exclude(selection=world.selection).count() == others
        _pages_escaped(world, client)

    check_post(
        client,
        world.url("criteria"),
        data,
        writes={"engagements_criterion", "engagements_score", "engagements_selection"},
        then=saved,
    )


# --- evaluators ------------------------------------------------------------------


@pytest.fixture
def colleague(db: None) -> Any:
    from conftest import user_with_role

    return user_with_role("Viewer", "colleague")


def test_invite_evaluator_valid_baseline_is_accepted(
    world: World, colleague: Any, client: Any
) -> None:
    sign_in(client, world.owner)
    response = client.post(world.url("evaluators"), {"user": str(colleague.pk)})
    assert response.status_code == 302
    assert world.selection.evaluators.filter(user=colleague).exists()


@given(
    choice=st.one_of(
        st.fixed_dictionaries({"user": hostile_choice(["colleague", "evaluator", "manager"])}),
        st.fixed_dictionaries({"remove": hostile_choice(["invitation", "other"])}),
    )
)
def test_evaluators_survive_hostile_invites_and_removals(
    choice: dict, world: World, colleague: Any, client: Any
) -> None:
    sign_in(client, world.owner)
    ids = {
        "colleague": str(colleague.pk),
        "evaluator": str(world.evaluator_user.pk),
        "manager": str(world.owner.pk),
        "invitation": str(world.invitation.pk),
        "other": str(world.invitation.pk + 1000),
    }
    data = {name: ids.get(value, value) for name, value in choice.items()}
    before = set(world.selection.evaluators.values_list("user_id", flat=True))

    def saved(response: Any, data: dict[str, Any]) -> None:
        after = set(world.selection.evaluators.values_list("user_id", flat=True))
        if "remove" in data:
            assert after <= before
        else:
            assert after - before == {int(data["user"])}
            assert data["user"] in (ids["colleague"], ids["manager"])

    if _garbled_remove_is_not_found(client, world.url("evaluators"), data):
        return
    check_post(
        client,
        world.url("evaluators"),
        data,
        writes={"engagements_evaluator", "engagements_score"},
        then=saved,
    )


# --- scoring ---------------------------------------------------------------------


def _scoring_valid(world: World) -> dict[str, str]:
    data = {}
    for proposal in world.proposals:
        for criterion in world.criteria:
            data[f"score-{proposal.pk}-{criterion.pk}"] = "4"
            data[f"comment-{proposal.pk}-{criterion.pk}"] = "Solid references."
    return data


HOSTILE_KEYS = st.one_of(
    st.sampled_from(
        [
            "score-0-0",
            "score-999999-999999",
            "score--1--1",
            "score-<script>",
            "comment-1-1",
            "score-" + "9" * 30 + "-1",
            "score",
            "submit",
            "save",
        ]
    ),
    # Not ADVERSARIAL_TEXT's 1,000+ character strings: a field name that long overflows
    # Django's 1 KiB multipart header limit and is a 400 before any view runs.
    hostile_text(max_size=30).filter(lambda key: len(key) < 200),
)


def _scoring_hostile(world: World) -> dict[str, st.SearchStrategy[Any]]:
    hostile: dict[str, st.SearchStrategy[Any]] = {}
    for proposal in world.proposals:
        for criterion in world.criteria:
            hostile[f"score-{proposal.pk}-{criterion.pk}"] = hostile_choice(SCORES)
            hostile[f"comment-{proposal.pk}-{criterion.pk}"] = hostile_text()
    hostile["submit"] = hostile_flag()
    hostile["confirmed"] = hostile_flag()
    return hostile


def test_scoring_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.evaluator_user)
    response = client.post(
        world.url("scoring"), {**_scoring_valid(world), "submit": "", "confirmed": "1"}
    )
    assert response.status_code == 302
    world.invitation.refresh_from_db()
    assert world.invitation.submitted_at is not None
    assert Score.objects.filter(evaluator=world.invitation, value=4).count() == 4


@pytest.fixture
def owner_client(world: World) -> Client:
    """A second browser, the selection's owner's, to look at the results of a scoring."""
    owner = Client()
    sign_in(owner, world.owner)
    return owner


@given(seed=st.data())
def test_scoring_survives_hostile_input(
    seed: Any, world: World, client: Any, owner_client: Client
) -> None:
    sign_in(client, world.evaluator_user)
    data = seed.draw(form_data(_scoring_valid(world), _scoring_hostile(world)))
    data.update(seed.draw(st.dictionaries(HOSTILE_KEYS, hostile_text(max_size=20), max_size=3)))

    def saved(response: Any, data: dict[str, Any]) -> None:
        invitation = Evaluator.objects.get(pk=world.invitation.pk)
        submitted = "submit" in data and "confirmed" in data
        assert (invitation.submitted_at is not None) == submitted
        scores = {(s.proposal_id, s.criterion_id): s for s in invitation.scores.all()}
        for proposal in world.proposals:
            for criterion in world.criteria:
                value = str(data.get(f"score-{proposal.pk}-{criterion.pk}", "")).strip()
                score = scores.get((proposal.pk, criterion.pk))
                if not value:
                    assert score is None
                    continue
                # As the form reads it: " 4 ", "4.0" and "٤" are all a 4.
                assert score is not None and score.value == forms.IntegerField().clean(value)
                comment = _posted(response, data, f"comment-{proposal.pk}-{criterion.pk}")
                assert score.comment == comment
        assert Score.objects.exclude(evaluator=invitation).count() == 0
        _pages_escaped(world, owner_client)

    check_post(
        client,
        world.url("scoring"),
        data,
        writes={"engagements_score", "engagements_evaluator"},
        then=saved,
    )


# --- award -----------------------------------------------------------------------


def test_award_valid_baseline_is_accepted(world: World, client: Any) -> None:
    sign_in(client, world.owner)
    proposal = world.proposals[1]
    yearly = str(proposal.yearly_equivalent().amount)
    response = client.post(
        world.url("award"),
        {
            "proposal": str(proposal.pk),
            "prefilled_for": str(proposal.pk),
            "contract_value": yearly,
            "budget": yearly,
        },
    )
    assert response.status_code == 302
    world.selection.refresh_from_db()
    assert world.selection.awarded_proposal == proposal


@given(
    data=form_data(
        {"proposal": "second", "prefilled_for": "second", "contract_value": "90000.00"}
        | {"budget": "85000.00"},
        {
            "proposal": hostile_choice(["first", "second", "elsewhere"]),
            "prefilled_for": hostile_choice(["first", "second", "elsewhere"]),
            "contract_value": hostile_number(),
            "budget": hostile_number(),
            "override_reason": hostile_text(),
        },
    )
)
def test_award_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    sign_in(client, world.owner)
    ids = {
        "first": str(world.proposals[0].pk),
        "second": str(world.proposals[1].pk),
        "elsewhere": str(world.elsewhere.pk),
    }
    data = {name: ids.get(value, value) for name, value in data.items()}

    def saved(response: Any, data: dict[str, Any]) -> None:
        selection = Selection.objects.get(pk=world.selection.pk)
        assert selection.status == Selection.Status.AWARDED
        assert str(selection.awarded_proposal_id) == data["proposal"].strip()
        assert data["prefilled_for"].strip() == data["proposal"].strip()
        awarded = Proposal.objects.get(pk=int(data["proposal"]))
        engagement = Engagement.objects.get(selection=selection)
        # What the manager confirmed, as the form reads it.
        budget = forms.DecimalField().clean(data["budget"])
        value = forms.DecimalField().clean(data["contract_value"])
        assert (engagement.vendor_id, engagement.budget) == (awarded.vendor_id, budget)
        assert engagement.contract.value == value
        assert Candidate.objects.get(pk=selection.candidate_id).status == "outsourced"
        _pages_escaped(world, client)

    check_post(
        client,
        world.url("award"),
        data,
        writes={
            "engagements_selection",
            "engagements_candidate",
            "engagements_engagement",
            "engagements_historicalengagement",
            "engagements_contract",
            "engagements_historicalcontract",
            "vendors_vendor",
            "vendors_historicalvendor",
            "vendors_vendorstatuschange",
        },
        then=saved,
    )


# --- regressions: what the examples above found ------------------------------------


@pytest.mark.parametrize("route", ["shortlist", "evaluators"])
def test_a_remove_button_for_a_row_already_gone_redirects_with_a_message(
    route: str, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    gone = str(max(world.invitation.pk, *(p.pk for p in world.proposals)) + 1000)

    response = client.post(world.url(route), {"remove": gone}, follow=True)

    assert response.status_code == 200
    assert "no longer" in response.content.decode()


@pytest.mark.parametrize("route", ["shortlist", "evaluators"])
def test_a_remove_button_with_a_superscript_digit_is_not_found_not_a_crash(
    route: str, world: World, client: Any
) -> None:
    sign_in(client, world.owner)

    response = client.post(world.url(route), {"remove": "²"})

    assert response.status_code == 404


@pytest.mark.parametrize("field", ["proposed_start", "proposed_end", "received_on"])
@pytest.mark.parametrize("far", ["0001-01-01", "9999-12-31"])
def test_a_proposal_date_far_in_the_past_or_future_is_refused_beside_the_field(
    field: str, far: str, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    proposal = world.proposals[0]
    data = {**PROPOSAL_VALID, "proposed_start": "", "proposed_end": "", field: far}

    response = client.post(world.url("proposal_update", proposal_pk=proposal.pk), data)

    assert response.status_code == 200
    assert "Enter a date between 2000 and 2099." in response.context["form"].errors[field]
    proposal.refresh_from_db()
    assert str(getattr(proposal, field)) != far


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(9999, 12, 31), None),
        (datetime.date(1, 1, 1), datetime.date(1, 1, 2)),
    ],
)
def test_awarding_a_proposal_with_far_dates_asks_to_correct_them_instead_of_crashing(
    start: datetime.date, end: datetime.date | None, world: World, client: Any
) -> None:
    # Saved before the form checked the dates.
    proposal = world.proposals[1]
    Proposal.objects.filter(pk=proposal.pk).update(proposed_start=start, proposed_end=end)
    sign_in(client, world.owner)

    response = client.post(world.url("award"), {"proposal": str(proposal.pk)})

    assert response.status_code == 200
    assert "proposed dates" in response.content.decode()
    assert not Engagement.objects.filter(selection=world.selection).exists()


def test_the_criteria_page_leaves_an_absurd_weight_out_of_the_running_total(
    world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    data = {**_criteria_valid(world), "criteria-2-weight": "1E+999990"}

    response = client.post(world.url("criteria"), data)

    assert response.status_code == 200
    assert response.context["weight_total"] == "80"
    assert len(response.content) < 200_000


@pytest.mark.parametrize(
    ("initial", "message"),
    [
        ("0", "this page is out of date"),  # three new rows next to the two kept: 200 in all
        ("1", "already has one of these names"),  # a second "Price" beside the kept one
    ],
)
def test_criteria_with_a_tampered_initial_form_count_write_nothing_and_say_why(
    initial: str, message: str, world: World, client: Any
) -> None:
    sign_in(client, world.owner)
    before = sorted(world.selection.criteria.values_list("pk", "name", "weight"))
    data = {**_criteria_valid(world), "criteria-INITIAL_FORMS": initial}
    if initial == "0":
        data["criteria-1-name"] = "Delivery"  # no name clash: only the weights give it away

    response = client.post(world.url("criteria"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert sorted(world.selection.criteria.values_list("pk", "name", "weight")) == before
