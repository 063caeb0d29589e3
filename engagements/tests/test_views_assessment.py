"""Step 1 pages: candidates, their assessment (with the live preview) and the decision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentFactor,
    Candidate,
    Recommendation,
)
from engagements.models.assessment import FactorScore, assess
from engagements.tests import factories as ef
from outsourcing.tests import roles
from vendors.models import BusinessFunction

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


# --- helpers --------------------------------------------------------------------


@pytest.fixture
def candidate(manager: User) -> Candidate:
    """A draft owned by `manager`."""
    return ef.CandidateFactory(owner=manager, name="Invoice processing")


def factors() -> list[AssessmentFactor]:
    """The active factors the data migration provides, in page order."""
    return list(AssessmentFactor.objects.filter(is_active=True))


def answers_post(scores: dict[int, Any] | None = None, default: Any = 4) -> dict[str, Any]:
    """Form data scoring every active factor `default`, except those given by factor id."""
    scores = scores or {}
    data: dict[str, Any] = {"notes": "Asked the team lead."}
    for factor in factors():
        data[f"score_{factor.pk}"] = scores.get(factor.pk, default)
        data[f"comment_{factor.pk}"] = f"About {factor.name.lower()}"
    return data


def expected_result(data: dict[str, Any]) -> Any:
    """What assess() says about the posted answers, with each factor's weight."""
    return assess(
        FactorScore(
            name=f.name,
            score=int(data[f"score_{f.pk}"]),
            weight=f.weight,
            high_favours_outsourcing=f.high_favours_outsourcing,
        )
        for f in factors()
    )


def candidate_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Payroll runs",
        "business_function": BusinessFunction.ACCOUNTING,
        "description": "Monthly payroll for 80 staff.",
        "in_house_yearly_cost": "60000.00",
        "quoted_vendor_yearly_cost": "42000.00",
        "currency": "EUR",
        "volume": "80 payslips a month",
        "skills_needed": "Payroll law",
        "data_touched": "Salaries, bank details",
        "data_classification": "confidential",
    }
    data.update(overrides)
    return data


def snapshot() -> dict[str, list[Any]]:
    """Every step-1 row as plain values, to prove a request wrote nothing."""
    return {
        "candidates": [model_to_dict(c) for c in Candidate.objects.order_by("pk")],
        "candidate_times": list(Candidate.objects.order_by("pk").values_list("updated_at")),
        "assessments": [model_to_dict(a) for a in Assessment.objects.order_by("pk")],
        "answers": [model_to_dict(a) for a in AssessmentAnswer.objects.order_by("pk")],
    }


def url(name: str, candidate: Candidate | None = None) -> str:
    return reverse(f"engagements:{name}", args=[candidate.pk] if candidate else [])


def page_text(response: Any) -> str:
    return response.content.decode()


# --- who may open what ----------------------------------------------------------

READ, CREATE, CHANGE = "read", "create", "change"

# Each page, the rule it follows and how to call it.
ROUTES = [
    ("candidate_list", READ, "get"),
    ("candidate_detail", READ, "get"),
    ("candidate_create", CREATE, "get"),
    ("candidate_update", CHANGE, "get"),
    ("candidate_delete", CHANGE, "get"),
    ("candidate_assess", CHANGE, "get"),
    ("candidate_assess_preview", CHANGE, "post"),
    ("candidate_decide", CHANGE, "get"),
]

# Expected status per role for each rule: the shared tables, without a co-owner (anonymous
# people have their own test); here roles go by their fixtures, the owner is `manager`.
RULES = {
    rule: roles.renamed(roles.without(table, "anonymous", "co_owner"), **roles.FIXTURE_OF)
    for rule, table in {READ: roles.READ, CREATE: roles.CREATE, CHANGE: roles.CHANGE}.items()
}


@pytest.mark.parametrize(("route", "rule", "method"), ROUTES)
@pytest.mark.parametrize("role", RULES[READ])
def test_each_page_answers_each_role_by_the_permission_rules(
    request: pytest.FixtureRequest,
    client_for: Any,
    candidate: Candidate,
    route: str,
    rule: str,
    method: str,
    role: str,
) -> None:
    client = client_for(request.getfixturevalue(role))
    target = url(route, None if route in ("candidate_list", "candidate_create") else candidate)

    response = getattr(client, method)(target)

    assert response.status_code == RULES[rule][role]


@pytest.mark.parametrize(("route", "rule", "method"), ROUTES)
def test_each_page_sends_anonymous_people_to_sign_in(
    client_for: Any, candidate: Candidate, route: str, rule: str, method: str
) -> None:
    client = client_for(None)
    target = url(route, None if route in ("candidate_list", "candidate_create") else candidate)

    response = getattr(client, method)(target)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def forbidden_posts(candidate: Candidate) -> list[tuple[str, dict[str, Any]]]:
    """A valid POST for every changing route, as the owner would send it."""
    return [
        (url("candidate_create"), candidate_post()),
        (url("candidate_update", candidate), candidate_post(name="Renamed")),
        (url("candidate_delete", candidate), {}),
        (url("candidate_assess", candidate), answers_post()),
        (url("candidate_assess_preview", candidate), answers_post()),
        (
            url("candidate_decide", candidate),
            {"decision": Recommendation.OUTSOURCE, "reason": "Cheaper."},
        ),
    ]


@pytest.mark.parametrize("role", ["viewer", "evaluator_user", "no_role_user", None])
def test_a_forbidden_post_changes_nothing(
    request: pytest.FixtureRequest, client_for: Any, candidate: Candidate, role: str | None
) -> None:
    client = client_for(request.getfixturevalue(role) if role else None)
    before = snapshot()

    for target, data in forbidden_posts(candidate):
        response = client.post(target, data)
        assert response.status_code in (302, 403), target
        if response.status_code == 302:
            assert response["Location"].startswith(LOGIN_URL)

    assert snapshot() == before


def test_a_manager_who_does_not_own_it_changes_nothing(
    client_for: Any, other_manager: User, candidate: Candidate
) -> None:
    client = client_for(other_manager)
    before = snapshot()

    # Creating is open to every manager; the other routes concern the owner's candidate.
    for target, data in forbidden_posts(candidate)[1:]:
        assert client.post(target, data).status_code == 403, target

    assert snapshot() == before


# --- home -----------------------------------------------------------------------


def test_the_navigation_links_to_the_candidates(client_for: Any, viewer: User) -> None:
    response = client_for(viewer).get(url("candidate_list"))

    assert f'href="{url("candidate_list")}">Assess</a>' in page_text(response)


# --- the list -------------------------------------------------------------------


def make_assessed(owner: User, count: int, **fields: Any) -> list[Candidate]:
    made = []
    for _ in range(count):
        c = ef.CandidateFactory(owner=owner, status=Candidate.Status.ASSESSED, **fields)
        ef.AssessmentFactory(
            candidate=c, score=Decimal("72.5"), recommendation=Recommendation.OUTSOURCE
        )
        made.append(c)
    return made


def list_queries(client: Client, query: str = "") -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("candidate_list") + query)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("query", ["", "?sort=-score", "?recommendation=outsource&sort=name"])
def test_the_list_runs_as_many_queries_for_50_candidates_as_for_5(
    client_for: Any, manager: User, other_manager: User, query: str
) -> None:
    client = client_for(manager)
    make_assessed(manager, 3)
    make_assessed(other_manager, 2)
    client.get(url("candidate_list"))  # warm-up: content types, session

    few, few_page = list_queries(client, query)
    make_assessed(other_manager, 45)
    many, many_page = list_queries(client, query)

    assert few == many
    # Each row shows its badge twice: in its column, and under the name on a phone.
    assert page_text(few_page).count("Outsource</span>") == 2 * 5
    assert page_text(many_page).count("Outsource</span>") == 2 * 25  # one page


def test_the_list_shows_owner_status_and_score_badge(
    client_for: Any, viewer: User, manager: User
) -> None:
    manager.first_name, manager.last_name = "Maria", "Lindqvist"
    manager.save()
    (assessed,) = make_assessed(manager, 1, name="Chat support")
    ef.CandidateFactory(owner=manager, name="Bookkeeping")

    response = client_for(viewer).get(url("candidate_list"))
    text = page_text(response)

    assert "Maria Lindqvist" in text
    assert "72.5" in text
    assert "Outsource</span>" in text
    assert "Not assessed</span>" in text
    assert "Assessed</span>" in text and "Draft</span>" in text
    assert url("candidate_detail", assessed) in text
    assert "<title>Candidates · Outsourcing</title>" in text


def test_the_list_filters_by_function_status_recommendation_and_search(
    client_for: Any, manager: User
) -> None:
    client = client_for(manager)
    ef.CandidateFactory(
        owner=manager, name="Ledger upkeep", business_function=BusinessFunction.ACCOUNTING
    )
    ef.CandidateFactory(owner=manager, name="Helpdesk", description="Password resets at night")
    (pilot,) = make_assessed(manager, 1, name="Payroll")
    pilot.assessment.recommendation = Recommendation.PILOT
    pilot.assessment.save()
    make_assessed(manager, 1, name="Chat")

    def names(query: str) -> set[str]:
        response = client.get(url("candidate_list") + query)
        return {c.name for c in response.context["page"]}

    assert names("?business_function=accounting") == {"Ledger upkeep"}
    assert names("?status=assessed") == {"Payroll", "Chat"}
    assert names("?recommendation=pilot") == {"Payroll"}
    assert names("?recommendation=none") == {"Ledger upkeep", "Helpdesk"}
    assert names("?q=password") == {"Helpdesk"}
    assert names("?q=LEDGER") == {"Ledger upkeep"}
    # A value that is no choice is not applied rather than failing the page.
    assert len(names("?status=bogus&sort=nonsense")) == 4


def test_the_list_filters_to_my_candidates(
    client_for: Any, manager: User, other_manager: User
) -> None:
    ef.CandidateFactory(owner=manager, name="Mine")
    ef.CandidateFactory(owner=other_manager, name="Theirs")

    response = client_for(manager).get(url("candidate_list") + "?mine=on")

    assert [c.name for c in response.context["page"]] == ["Mine"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("-score", ["Bravo", "Alpha", "Charlie"]),
        ("score", ["Alpha", "Bravo", "Charlie"]),
        ("function", ["Charlie", "Bravo", "Alpha"]),
        ("status", ["Alpha", "Bravo", "Charlie"]),
    ],
)
def test_the_list_sorts(client_for: Any, manager: User, sort: str, expected: list[str]) -> None:
    a, b = make_assessed(manager, 1, name="Alpha", business_function="it_support") + make_assessed(
        manager, 1, name="Bravo", business_function="customer_service"
    )
    Assessment.objects.filter(candidate=a).update(score=Decimal("40"))
    Assessment.objects.filter(candidate=b).update(score=Decimal("90"))
    ef.CandidateFactory(owner=manager, name="Charlie", business_function="accounting")

    response = client_for(manager).get(url("candidate_list") + f"?sort={sort}")

    # Unscored candidates come last whichever way the score is sorted.
    assert [c.name for c in response.context["page"]] == expected


def test_the_list_shows_25_a_page_and_keeps_the_filters_in_page_links(
    client_for: Any, manager: User
) -> None:
    ef.CandidateFactory.create_batch(30, owner=manager, business_function="marketing")
    client = client_for(manager)

    first = client.get(url("candidate_list") + "?business_function=marketing")
    second = client.get(url("candidate_list") + "?business_function=marketing&page=2")

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert "?business_function=marketing&amp;page=2" in page_text(first)


def test_an_empty_list_says_what_to_do_next(client_for: Any, manager: User, viewer: User) -> None:
    as_manager = page_text(client_for(manager).get(url("candidate_list")))
    as_viewer = page_text(client_for(viewer).get(url("candidate_list")))

    assert "No candidates yet" in as_manager
    assert "Add the first candidate" in as_manager
    assert "No candidates yet" in as_viewer
    assert url("candidate_create") not in as_viewer


def test_a_filter_that_finds_nothing_offers_to_clear_it(client_for: Any, manager: User) -> None:
    ef.CandidateFactory(owner=manager)

    text = page_text(client_for(manager).get(url("candidate_list") + "?q=nothing-like-this"))

    assert "No candidate matches these filters" in text


@pytest.mark.parametrize(("role", "shown"), [("manager", True), ("viewer", False)])
def test_the_new_candidate_button_shows_only_to_those_who_may_create(
    request: pytest.FixtureRequest, client_for: Any, role: str, shown: bool
) -> None:
    ef.CandidateFactory()

    text = page_text(client_for(request.getfixturevalue(role)).get(url("candidate_list")))

    assert ("New candidate</a>" in text) is shown


# --- create, edit, delete -------------------------------------------------------


def test_a_manager_creates_a_candidate_and_owns_it(client_for: Any, other_manager: User) -> None:
    response = client_for(other_manager).post(
        url("candidate_create"), candidate_post(), follow=True
    )

    created = Candidate.objects.get(name="Payroll runs")
    assert created.owner == other_manager
    assert created.status == Candidate.Status.DRAFT
    assert created.in_house_yearly_cost == Decimal("60000.00")
    assert response.redirect_chain[-1][0] == url("candidate_detail", created)
    assert "Candidate “Payroll runs” added" in page_text(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("in_house_yearly_cost", "-1", "A cost cannot be negative"),
        ("quoted_vendor_yearly_cost", "-0.01", "A cost cannot be negative"),
        ("in_house_yearly_cost", "lots", "Enter a number."),
        ("name", "", "This field is required."),
        ("business_function", "", "This field is required."),
        ("business_function", "astrology", "Select a valid choice."),
    ],
)
def test_a_bad_candidate_form_shows_the_message_at_the_field_and_saves_nothing(
    client_for: Any, manager: User, candidate: Candidate, field: str, value: str, message: str
) -> None:
    client = client_for(manager)
    before = snapshot()

    created = client.post(url("candidate_create"), candidate_post(**{field: value}))
    edited = client.post(url("candidate_update", candidate), candidate_post(**{field: value}))

    for response in (created, edited):
        assert response.status_code == 200
        assert any(message in error for error in response.context["form"].errors[field])
        assert f'id="error_1_id_{field}"' in page_text(response)
    assert snapshot() == before


def test_the_owner_edits_a_candidate(client_for: Any, manager: User, candidate: Candidate) -> None:
    response = client_for(manager).post(
        url("candidate_update", candidate),
        candidate_post(name="Invoice matching", in_house_yearly_cost="0"),
        follow=True,
    )

    candidate.refresh_from_db()
    assert candidate.name == "Invoice matching"
    assert candidate.in_house_yearly_cost == Decimal("0")
    assert candidate.owner == manager
    assert "Candidate “Invoice matching” saved." in page_text(response)


def test_an_admin_edits_someone_elses_candidate(
    client_for: Any, role_admin: User, candidate: Candidate
) -> None:
    client_for(role_admin).post(url("candidate_update", candidate), candidate_post(name="Fixed"))

    candidate.refresh_from_db()
    assert candidate.name == "Fixed"


def test_the_owner_deletes_a_draft_after_confirming(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    client = client_for(manager)

    confirm = client.get(url("candidate_delete", candidate))
    response = client.post(url("candidate_delete", candidate), follow=True)

    assert "Delete “Invoice processing”?" in page_text(confirm)
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert "Candidate “Invoice processing” deleted." in page_text(response)


def test_a_candidate_with_selections_is_not_deleted(client_for: Any, manager: User) -> None:
    selection = ef.SelectionFactory(candidate__owner=manager)
    candidate = selection.candidate
    Candidate.objects.filter(pk=candidate.pk).update(status=Candidate.Status.DRAFT)

    response = client_for(manager).post(url("candidate_delete", candidate), follow=True)

    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert "cannot be deleted. It has selections" in page_text(response)


def test_an_assessed_candidate_is_not_deleted(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    Candidate.objects.filter(pk=candidate.pk).update(status=Candidate.Status.ASSESSED)

    response = client_for(manager).post(url("candidate_delete", candidate), follow=True)

    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert "Only a draft can be deleted" in page_text(response)


# --- the candidate page ---------------------------------------------------------


def test_the_candidate_page_shows_the_saving_the_result_and_the_decision(
    client_for: Any, viewer: User, manager: User, candidate: Candidate
) -> None:
    manager.first_name, manager.last_name = "Maria", "Lindqvist"
    manager.save()
    client = client_for(manager)
    data = answers_post()
    client.post(url("candidate_assess", candidate), data)
    client.post(
        url("candidate_decide", candidate),
        {"decision": Recommendation.PILOT, "reason": "Payroll data is sensitive."},
    )
    result = expected_result(data)

    response = client_for(viewer).get(url("candidate_detail", candidate))
    text = page_text(response)

    assert "<title>Invoice processing · Outsourcing</title>" in text
    assert "40,000.00" in text and "33.3 %" in text  # 120,000 in-house against 80,000 quoted
    assert str(result.score) in text
    for reason in result.reasons:
        assert reason in text
    assert "Payroll data is sensitive." in text
    assert "by Maria Lindqvist on" in text
    # A viewer reads it all but gets no buttons to change it.
    assert url("candidate_assess", candidate) not in text
    assert url("candidate_decide", candidate) not in text


def test_the_owner_sees_the_assess_and_decide_buttons(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    text = page_text(client_for(manager).get(url("candidate_detail", candidate)))

    assert url("candidate_assess", candidate) in text
    assert url("candidate_decide", candidate) in text
    assert url("candidate_delete", candidate) in text


def test_the_candidate_page_lists_the_selections_started_from_it(
    client_for: Any, viewer: User, manager: User
) -> None:
    selection = ef.SelectionFactory(candidate__owner=manager, title="RFP for chat support")

    text = page_text(client_for(viewer).get(url("candidate_detail", selection.candidate)))

    assert "RFP for chat support" in text


def test_the_make_or_buy_waits_for_both_costs(client_for: Any, manager: User) -> None:
    candidate = ef.CandidateFactory(owner=manager, quoted_vendor_yearly_cost=None)

    text = page_text(client_for(manager).get(url("candidate_detail", candidate)))

    assert "Enter both the in-house cost and a vendor quote" in text


# --- the assessment -------------------------------------------------------------


def test_the_assessment_page_has_one_row_per_active_factor_in_order(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    retired = ef.AssessmentFactorFactory(name="Retired factor", is_active=False)

    response = client_for(manager).get(url("candidate_assess", candidate))
    text = page_text(response)

    assert [row.factor for row in response.context["form"].rows()] == factors()
    positions = [text.index(f.question) for f in factors()]
    assert positions == sorted(positions)
    assert retired.question not in text
    assert "<title>Assess: Invoice processing · Outsourcing</title>" in text
    assert url("candidate_assess_preview", candidate) in text


def test_saving_the_assessment_keeps_answers_with_the_factor_weights_and_the_result(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    first, second = factors()[:2]
    data = answers_post({first.pk: 1, second.pk: 5})

    response = client_for(manager).post(url("candidate_assess", candidate), data, follow=True)

    assessment = Assessment.objects.get(candidate=candidate)
    answers = {a.factor_id: a for a in assessment.answers.all()}
    assert set(answers) == {f.pk for f in factors()}
    for factor in factors():
        assert answers[factor.pk].weight == factor.weight
        assert answers[factor.pk].score == int(data[f"score_{factor.pk}"])
        assert answers[factor.pk].comment == f"About {factor.name.lower()}"
    result = expected_result(data)
    assert assessment.score == result.score
    assert assessment.recommendation == result.recommendation
    assert assessment.assessed_by == manager
    assert assessment.notes == "Asked the team lead."
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.ASSESSED
    assert f"Assessment of “Invoice processing” saved: {result.score}/100" in page_text(response)


def test_re_assessing_overwrites_the_answers_and_keeps_a_decided_status(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    client = client_for(manager)
    client.post(url("candidate_assess", candidate), answers_post(default=1))
    Candidate.objects.filter(pk=candidate.pk).update(status=Candidate.Status.APPROVED)
    factor = factors()[0]
    AssessmentFactor.objects.filter(pk=factor.pk).update(weight=Decimal("7"))

    client.post(url("candidate_assess", candidate), answers_post(default=5))

    assert AssessmentAnswer.objects.filter(assessment__candidate=candidate).count() == len(
        factors()
    )
    assert set(AssessmentAnswer.objects.values_list("score", flat=True)) == {5}
    assert AssessmentAnswer.objects.get(factor=factor).weight == Decimal("7")
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.APPROVED
    assert candidate.assessment.score == expected_result(answers_post(default=5)).score


def test_re_assessing_drops_the_answer_to_a_retired_factor(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    client = client_for(manager)
    client.post(url("candidate_assess", candidate), answers_post())
    retired = factors()[-1]
    AssessmentFactor.objects.filter(pk=retired.pk).update(is_active=False)

    client.post(url("candidate_assess", candidate), answers_post())

    assessment = Assessment.objects.get(candidate=candidate)
    assert not assessment.answers.filter(factor=retired).exists()
    assert assessment.score == expected_result(answers_post()).score


def test_the_assessment_form_shows_the_saved_answers(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    client = client_for(manager)
    first = factors()[0]
    client.post(url("candidate_assess", candidate), answers_post({first.pk: 2}))

    text = page_text(client.get(url("candidate_assess", candidate)))

    assert (
        f'name="score_{first.pk}" id="id_score_{first.pk}_1" value="2" autocomplete="off" checked'
        in text
    )
    assert f'value="About {first.name.lower()}"' in text


@pytest.mark.parametrize("bad", [0, 6, "", "x", 2.5])
def test_a_score_outside_1_to_5_is_refused_at_the_factor_and_saves_nothing(
    client_for: Any, manager: User, candidate: Candidate, bad: Any
) -> None:
    factor = factors()[2]
    before = snapshot()

    response = client_for(manager).post(
        url("candidate_assess", candidate), answers_post({factor.pk: bad})
    )

    assert response.status_code == 200
    assert response.context["form"].errors[f"score_{factor.pk}"] == ["Choose a score from 1 to 5."]
    assert "Choose a score from 1 to 5." in page_text(response)
    assert snapshot() == before


def test_a_missing_answer_is_refused_and_saves_nothing(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    data = answers_post()
    factor = factors()[0]
    del data[f"score_{factor.pk}"]
    before = snapshot()

    response = client_for(manager).post(url("candidate_assess", candidate), data)

    assert list(response.context["form"].errors) == [f"score_{factor.pk}"]
    assert snapshot() == before


def test_the_preview_returns_the_result_partial_with_the_servers_score_and_saves_nothing(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    first, second, third = factors()[:3]
    data = answers_post({first.pk: 1, second.pk: 2, third.pk: 5})
    result = expected_result(data)
    before = snapshot()

    response = client_for(manager).post(
        url("candidate_assess_preview", candidate), data, headers={"HX-Request": "true"}
    )
    text = page_text(response)

    assert response.status_code == 200
    assert text.lstrip().startswith("<div") and "<html" not in text  # the partial only
    assert 'id="assessment-result"' in text
    assert f"data-score>{result.score}<" in text
    assert Recommendation(result.recommendation).label in text
    for reason in result.reasons:
        assert reason in text
    assert snapshot() == before


def test_the_preview_scores_only_what_has_been_answered_so_far(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    first = factors()[0]
    partial = {f"score_{first.pk}": 5}

    response = client_for(manager).post(url("candidate_assess_preview", candidate), partial)

    expected = assess([FactorScore(first.name, 5, first.weight, first.high_favours_outsourcing)])
    assert f"data-score>{expected.score}<" in page_text(response)
    assert f"1 of {len(factors())} factors answered" in page_text(response)


def test_the_preview_leaves_saved_answers_alone(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    client = client_for(manager)
    client.post(url("candidate_assess", candidate), answers_post(default=2))
    before = snapshot()

    client.post(url("candidate_assess_preview", candidate), answers_post(default=5))

    assert snapshot() == before


def test_the_preview_only_answers_posts(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    response = client_for(manager).get(url("candidate_assess_preview", candidate))

    assert response.status_code == 405


# --- the decision ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        (Recommendation.OUTSOURCE, Candidate.Status.APPROVED),
        (Recommendation.PILOT, Candidate.Status.APPROVED),
        (Recommendation.KEEP, Candidate.Status.KEPT_IN_HOUSE),
    ],
)
def test_the_decision_approves_for_sourcing_or_keeps_it_in_house(
    client_for: Any, manager: User, candidate: Candidate, decision: str, status: str
) -> None:
    response = client_for(manager).post(
        url("candidate_decide", candidate),
        {"decision": decision, "reason": "The numbers say so."},
        follow=True,
    )

    candidate.refresh_from_db()
    assert candidate.status == status
    assert candidate.may_go_to_sourcing is (status == Candidate.Status.APPROVED)
    assert candidate.decision == decision
    assert candidate.decided_by == manager
    assert candidate.decided_at is not None
    assert candidate.decision_reason == "The numbers say so."
    assert "Decision recorded" in page_text(response)


def test_the_decide_page_shows_the_recommendation_and_allows_deciding_against_it(
    client_for: Any, manager: User, candidate: Candidate
) -> None:
    client = client_for(manager)
    data = answers_post(default=5)
    client.post(url("candidate_assess", candidate), data)
    label = Recommendation(expected_result(data).recommendation).label

    page = client.get(url("candidate_decide", candidate))
    client.post(
        url("candidate_decide", candidate),
        {"decision": Recommendation.KEEP, "reason": "The team wants to keep it."},
    )

    assert f"The assessment recommends “{label}”. You may decide otherwise" in page_text(page)
    assert "<title>Decide: Invoice processing · Outsourcing</title>" in page_text(page)
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.KEPT_IN_HOUSE


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "outsource", "reason": ""}, "reason", "Say why you decided this."),
        ({"decision": "outsource", "reason": "   "}, "reason", "Say why you decided this."),
        ({"decision": "outsource"}, "reason", "Say why you decided this."),
        ({"reason": "Cheaper."}, "decision", "Choose outsource, pilot or keep in-house."),
        ({"decision": "maybe", "reason": "Cheaper."}, "decision", "Select a valid choice."),
    ],
)
def test_a_bad_decision_is_refused_at_the_field_and_records_nothing(
    client_for: Any,
    manager: User,
    candidate: Candidate,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = snapshot()

    response = client_for(manager).post(url("candidate_decide", candidate), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in page_text(response)
    assert snapshot() == before


def test_a_decision_is_settled_once_a_selection_started_from_it(
    client_for: Any, manager: User
) -> None:
    candidate = ef.SelectionFactory(candidate__owner=manager).candidate
    before = snapshot()

    response = client_for(manager).post(
        url("candidate_decide", candidate),
        {"decision": Recommendation.KEEP, "reason": "Changed our mind."},
        follow=True,
    )

    assert snapshot() == before
    assert "is settled: sourcing has already started" in page_text(response)


def test_an_approved_candidate_offers_to_start_a_vendor_selection(client_for, manager, viewer):
    candidate = ef.CandidateFactory(owner=manager, approved=True)
    start = reverse("engagements:selection_create", args=[candidate.pk])
    page = reverse("engagements:candidate_detail", args=[candidate.pk])

    for_manager = client_for(manager).get(page)
    for_viewer = client_for(viewer).get(page)

    assert start in for_manager.content.decode()
    assert start not in for_viewer.content.decode()


def test_a_candidate_still_being_assessed_offers_no_selection(client_for, manager):
    candidate = ef.CandidateFactory(owner=manager)

    page = client_for(manager).get(reverse("engagements:candidate_detail", args=[candidate.pk]))

    assert reverse("engagements:selection_create", args=[candidate.pk]) not in page.content.decode()
