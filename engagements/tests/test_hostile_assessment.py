"""Hostile input to every form of step 1: candidates, their assessment and the decision.

One @given test per form or POST endpoint (issue 6, item 6), through the real
routes, signed in as the candidate's owner. The assessment's fields are named
after factor ids, which are not known when the strategies are built: the
strategies use "score_#0" … and `_factor_fields` swaps in the ids.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import Assessment, AssessmentFactor, Candidate, Recommendation
from engagements.tests.factories import (
    AssessmentAnswerFactory,
    AssessmentFactory,
    CandidateFactory,
)
from outsourcing.models import Currency
from outsourcing.tests.hostile import (
    XSS_PROBES,
    assert_escaped,
    check_get,
    check_post,
    form_data,
    hostile_choice,
    hostile_flag,
    hostile_number,
    hostile_text,
    sign_in,
)
from vendors.models import BusinessFunction, DataClassification

pytestmark = pytest.mark.hostile

PROBE = XSS_PROBES[0]
FACTOR_COUNT = 6  # the active factors the data migration provides


@dataclass
class World:
    draft: Candidate  # owned by the manager, no assessment yet
    assessed: Candidate  # owned by the manager, assessed, not decided
    factors: list[AssessmentFactor]


@pytest.fixture
def world(manager: Any) -> World:
    factors = list(AssessmentFactor.objects.filter(is_active=True))
    assert len(factors) == FACTOR_COUNT, "the data migration's factors changed; update the test"
    draft = CandidateFactory(owner=manager, name=f"Draft {PROBE}", description=XSS_PROBES[1])
    assessed = CandidateFactory(
        owner=manager, name=f"Assessed {PROBE}", status=Candidate.Status.ASSESSED
    )
    assessment = AssessmentFactory(candidate=assessed, notes=PROBE)
    for factor in factors:
        AssessmentAnswerFactory(assessment=assessment, factor=factor, score=4, comment=PROBE)
    assessment.store_result()
    return World(draft, assessed, factors)


def _text(data: Mapping[str, Any], name: str) -> str:
    return str(data.get(name, "")).strip()


def _money(data: Mapping[str, Any], name: str) -> Decimal | None:
    value = _text(data, name)
    return Decimal(value) if value else None


def _url(name: str, candidate: Candidate) -> str:
    return reverse(f"engagements:{name}", args=[candidate.pk])


def _lands_on_detail(response: Any, candidate: Candidate) -> None:
    assert response["Location"] == _url("candidate_detail", candidate)


def _choices(choices: Any) -> st.SearchStrategy[str]:
    return hostile_choice(choices.values)


# --- CandidateForm --------------------------------------------------------------------

CANDIDATE_VALID = {
    "name": "Invoice processing",
    "business_function": "accounting",
    "description": "Matching supplier invoices to orders.",
    "in_house_yearly_cost": "120000",
    "quoted_vendor_yearly_cost": "80000.50",
    "currency": "EUR",
    "volume": "400 invoices a week",
    "skills_needed": "",
    "data_touched": "",
    "data_classification": "internal",
}
CANDIDATE_HOSTILE = {
    "name": hostile_text(),
    "business_function": _choices(BusinessFunction),
    "description": hostile_text(),
    "in_house_yearly_cost": hostile_number(),
    "quoted_vendor_yearly_cost": hostile_number(),
    "currency": _choices(Currency),
    "volume": hostile_text(),
    "skills_needed": hostile_text(),
    "data_touched": hostile_text(),
    "data_classification": _choices(DataClassification),
}


def _check_candidate(candidate: Candidate, data: Mapping[str, Any]) -> None:
    """The saved candidate holds what the form was given, as Django cleans it."""
    for name in ("name", "description", "volume", "skills_needed", "data_touched"):
        assert getattr(candidate, name) == _text(data, name), name
    for name in ("business_function", "currency", "data_classification"):
        assert getattr(candidate, name) == data[name], name
    for name in ("in_house_yearly_cost", "quoted_vendor_yearly_cost"):
        assert getattr(candidate, name) == _money(data, name), name


@given(data=form_data(CANDIDATE_VALID, CANDIDATE_HOSTILE))
def test_candidate_create_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    known = {world.draft.pk, world.assessed.pk}

    def saved(response: Any, posted: dict[str, Any]) -> None:
        candidate = Candidate.objects.exclude(pk__in=known).get()
        _check_candidate(candidate, posted)
        assert (candidate.owner, candidate.status) == (manager, Candidate.Status.DRAFT)
        _lands_on_detail(response, candidate)

    check_post(
        client,
        reverse("engagements:candidate_create"),
        data,
        writes={"engagements_candidate"},
        then=saved,
    )


def test_candidate_create_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    response = client.post(reverse("engagements:candidate_create"), CANDIDATE_VALID)
    candidate = Candidate.objects.get(name="Invoice processing")
    _lands_on_detail(response, candidate)


@given(data=form_data(CANDIDATE_VALID, CANDIDATE_HOSTILE))
def test_candidate_update_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        _check_candidate(Candidate.objects.get(pk=world.draft.pk), posted)
        _lands_on_detail(response, world.draft)

    check_post(
        client,
        _url("candidate_update", world.draft),
        data,
        writes={"engagements_candidate"},
        then=saved,
    )


def test_candidate_update_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    response = client.post(_url("candidate_update", world.draft), CANDIDATE_VALID)
    _lands_on_detail(response, world.draft)
    assert Candidate.objects.get(pk=world.draft.pk).name == "Invoice processing"


# --- AssessmentForm ---------------------------------------------------------------------

SCORES = st.one_of(hostile_choice(["1", "2", "3", "4", "5"]), hostile_number())
ASSESSMENT_VALID = {
    **{f"score_#{i}": str(i % 5 + 1) for i in range(FACTOR_COUNT)},
    **{f"comment_#{i}": "" for i in range(FACTOR_COUNT)},
    "notes": "Asked the team lead.",
}
ASSESSMENT_HOSTILE = {
    **{f"score_#{i}": SCORES for i in range(FACTOR_COUNT)},
    **{f"comment_#{i}": hostile_text(max_size=600) for i in range(FACTOR_COUNT)},
    "notes": hostile_text(),
}


def _factor_fields(data: Mapping[str, Any], factors: list[AssessmentFactor]) -> dict[str, Any]:
    """The POST body with "score_#0" … renamed after the factors' ids."""
    renamed = {}
    for name, value in data.items():
        prefix, hash_, index = name.partition("_#")
        renamed[f"{prefix}_{factors[int(index)].pk}" if hash_ else name] = value
    return renamed


@given(data=form_data(ASSESSMENT_VALID, ASSESSMENT_HOSTILE))
def test_candidate_assess_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    candidate = world.draft

    def saved(response: Any, posted: dict[str, Any]) -> None:
        assessment = Assessment.objects.get(candidate=candidate)
        answers = {answer.factor_id: answer for answer in assessment.answers.all()}
        assert set(answers) == {factor.pk for factor in world.factors}
        for factor in world.factors:
            answer = answers[factor.pk]
            assert answer.score == int(posted[f"score_{factor.pk}"])
            assert answer.comment == _text(posted, f"comment_{factor.pk}")
            assert answer.weight == factor.weight
        assert assessment.notes == _text(posted, "notes")
        assert assessment.assessed_by == manager
        result = assessment.result()
        assert (assessment.score, assessment.recommendation) == (
            result.score,
            result.recommendation,
        )
        assert Candidate.objects.get(pk=candidate.pk).status == Candidate.Status.ASSESSED
        _lands_on_detail(response, candidate)

    check_post(
        client,
        _url("candidate_assess", candidate),
        _factor_fields(data, world.factors),
        writes={"engagements_assessment", "engagements_assessmentanswer", "engagements_candidate"},
        then=saved,
    )


def test_candidate_assess_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    data = _factor_fields(ASSESSMENT_VALID, world.factors)
    response = client.post(_url("candidate_assess", world.draft), data)
    _lands_on_detail(response, world.draft)
    assert Assessment.objects.get(candidate=world.draft).answers.count() == FACTOR_COUNT


# --- the htmx preview: a partial, never a write ------------------------------------------


@given(data=form_data(ASSESSMENT_VALID, ASSESSMENT_HOSTILE))
def test_candidate_assess_preview_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    client.defaults["HTTP_HX_REQUEST"] = "true"
    status = check_post(
        client, _url("candidate_assess_preview", world.draft), _factor_fields(data, world.factors)
    )
    assert status == 200


def test_candidate_assess_preview_valid_baseline_answers_with_the_result_partial(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    data = _factor_fields(ASSESSMENT_VALID, world.factors)
    response = client.post(
        _url("candidate_assess_preview", world.draft), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="assessment-result"')
    assert "<html" not in html and "data-score" in html
    assert not Assessment.objects.filter(candidate=world.draft).exists()


# --- DecisionForm ---------------------------------------------------------------------

DECISION_VALID = {"decision": "pilot", "reason": "A pilot first: the market is young."}


@given(
    data=form_data(DECISION_VALID, {"decision": _choices(Recommendation), "reason": hostile_text()})
)
def test_candidate_decide_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    candidate = world.assessed

    def saved(response: Any, posted: dict[str, Any]) -> None:
        decided = Candidate.objects.get(pk=candidate.pk)
        assert decided.decision == posted["decision"]
        assert decided.decision_reason == _text(posted, "reason")
        assert decided.decided_by == manager and decided.decided_at is not None
        expected = (
            Candidate.Status.KEPT_IN_HOUSE
            if posted["decision"] == Recommendation.KEEP
            else Candidate.Status.APPROVED
        )
        assert decided.status == expected
        _lands_on_detail(response, candidate)

    check_post(
        client,
        _url("candidate_decide", candidate),
        data,
        writes={"engagements_candidate"},
        then=saved,
    )


def test_candidate_decide_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    response = client.post(_url("candidate_decide", world.assessed), DECISION_VALID)
    _lands_on_detail(response, world.assessed)
    assert Candidate.objects.get(pk=world.assessed.pk).status == Candidate.Status.APPROVED


# --- delete: extra fields are ignored ----------------------------------------------------

FIELD_NAMES = st.one_of(
    st.sampled_from(["pk", "id", "owner", "status", "next", "confirm", "delete"]),
    st.text(alphabet=string.ascii_letters + string.digits + "_-[].", min_size=1, max_size=20),
)


@given(extra=st.dictionaries(FIELD_NAMES, hostile_text(max_size=50), max_size=5))
def test_candidate_delete_ignores_hostile_extra_fields(
    extra: dict[str, str], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def deleted(response: Any, posted: dict[str, Any]) -> None:
        assert not Candidate.objects.filter(pk=world.draft.pk).exists()
        assert Candidate.objects.filter(pk=world.assessed.pk).exists()
        assert response["Location"] == reverse("engagements:candidate_list")

    url = _url("candidate_delete", world.draft)
    assert check_post(client, url, extra, writes={"engagements_candidate"}, then=deleted) == 302


# --- the list's filters, search, sort and page --------------------------------------------

SORTS = ["-updated", "name", "-name", "function", "-function", "status", "-status"]
SORTS += ["-score", "score", "updated"]
PAGES = st.one_of(
    st.sampled_from(["-1", "0", "1", "2", "99999999999999999999", "abc", "1e3", "", "½"]),
    hostile_number(),
)


@given(
    params=form_data(
        {},
        {
            "q": hostile_text(),
            "business_function": _choices(BusinessFunction),
            "status": _choices(Candidate.Status),
            "recommendation": hostile_choice([*Recommendation.values, "none"]),
            "mine": hostile_flag(),
            "sort": hostile_choice(SORTS),
            "page": PAGES,
        },
    )
)
def test_candidate_list_survives_hostile_query(
    params: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    assert check_get(client, reverse("engagements:candidate_list"), params) == 200


# --- what was saved is shown escaped on the candidate page ----------------------------------


def test_a_candidate_with_script_in_every_text_field_is_shown_escaped(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    texts = ("name", "description", "volume", "skills_needed", "data_touched")
    data = {**CANDIDATE_VALID, **{name: PROBE for name in texts}}
    response = client.post(reverse("engagements:candidate_create"), data, follow=True)
    candidate = Candidate.objects.get(name=PROBE)
    assert response.redirect_chain == [(_url("candidate_detail", candidate), 302)]
    html = response.content.decode()
    assert_escaped(html, "the candidate page")
    assert "&lt;script&gt;alert(&#x27;xss-probe&#x27;)&lt;/script&gt;" in html

    answers = {name: PROBE for name in ASSESSMENT_VALID if name.startswith("comment")}
    data = _factor_fields({**ASSESSMENT_VALID, **answers, "notes": PROBE}, world.factors)
    response = client.post(_url("candidate_assess", candidate), data, follow=True)
    assert response.redirect_chain == [(_url("candidate_detail", candidate), 302)]
    assert_escaped(response.content.decode(), "the candidate page after assessing")
