"""Step 1 rules: the weighted assessment, make-or-buy and the recorded decision."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from engagements.models import Candidate, Recommendation
from engagements.models.assessment import FactorScore, assess, make_or_buy_saving
from engagements.tests.factories import (
    AssessmentAnswerFactory,
    AssessmentFactorFactory,
    AssessmentFactory,
    CandidateFactory,
)
from outsourcing.tests.factories import UserFactory


def factor(
    name: str, score: int, weight: str = "1", *, high_favours_outsourcing: bool = True
) -> FactorScore:
    return FactorScore(
        name=name,
        score=score,
        weight=Decimal(weight),
        high_favours_outsourcing=high_favours_outsourcing,
    )


# --- assess() -----------------------------------------------------------------


def test_it_scores_all_fives_in_favour_as_100_and_recommends_outsourcing():
    result = assess([factor("Saving potential", 5), factor("Vendor market maturity", 5)])

    assert result.score == Decimal("100.0")
    assert result.recommendation == Recommendation.OUTSOURCE


def test_it_scores_all_ones_in_favour_as_0_and_recommends_keeping():
    result = assess([factor("Saving potential", 1), factor("Vendor market maturity", 1)])

    assert result.score == Decimal("0.0")
    assert result.recommendation == Recommendation.KEEP


def test_it_weights_the_factor_scores():
    # favour: 5 with weight 3, 1 with weight 1 -> mean 4 -> 75
    result = assess([factor("Saving potential", 5, "3"), factor("Vendor market maturity", 1, "1")])

    assert result.score == Decimal("75.0")
    assert result.recommendation == Recommendation.OUTSOURCE


def test_it_recommends_outsourcing_exactly_at_70():
    # mean (4*4 + 3*1) / 5 = 3.8 -> (3.8 - 1) / 4 = 70 %
    result = assess([factor("Saving potential", 4, "4"), factor("Vendor market maturity", 3, "1")])

    assert result.score == Decimal("70.0")
    assert result.recommendation == Recommendation.OUTSOURCE


def test_it_recommends_a_pilot_just_under_70():
    # mean (4*3 + 3*2) / 5 = 3.6 -> 65 %
    result = assess([factor("Saving potential", 4, "3"), factor("Vendor market maturity", 3, "2")])

    assert result.score == Decimal("65.0")
    assert result.recommendation == Recommendation.PILOT


def test_it_recommends_a_pilot_exactly_at_50():
    result = assess([factor("Saving potential", 3), factor("Vendor market maturity", 3)])

    assert result.score == Decimal("50.0")
    assert result.recommendation == Recommendation.PILOT


def test_it_recommends_keeping_just_under_50():
    # mean (3*4 + 2*1) / 5 = 2.8 -> 45 %
    result = assess([factor("Saving potential", 3, "4"), factor("Vendor market maturity", 2, "1")])

    assert result.score == Decimal("45.0")
    assert result.recommendation == Recommendation.KEEP


def test_a_high_score_on_a_factor_against_outsourcing_lowers_the_score():
    core = factor("How core to the business", 5, high_favours_outsourcing=False)

    result = assess([core])

    assert result.score == Decimal("0.0")
    assert result.recommendation == Recommendation.KEEP


def test_a_low_score_on_a_factor_against_outsourcing_raises_the_score():
    core = factor("How core to the business", 1, high_favours_outsourcing=False)

    result = assess([core, factor("Saving potential", 5)])

    assert result.score == Decimal("100.0")
    assert result.recommendation == Recommendation.OUTSOURCE


def test_a_factor_with_zero_weight_does_not_count():
    result = assess([factor("Saving potential", 5, "1"), factor("Data sensitivity", 1, "0")])

    assert result.score == Decimal("100.0")
    assert all("Data sensitivity" not in reason for reason in result.reasons)


def test_only_zero_weights_give_no_recommendation():
    result = assess([factor("Saving potential", 5, "0"), factor("Data sensitivity", 1, "0")])

    assert result.score is None
    assert result.recommendation is None
    assert result.reasons == []


def test_no_factors_give_no_recommendation():
    result = assess([])

    assert result.score is None
    assert result.recommendation is None
    assert result.reasons == []


def test_it_lists_reasons_heaviest_weight_first_and_skips_neutral_answers():
    result = assess(
        [
            factor("Volume variability", 4, "1"),
            factor("How core to the business", 5, "3", high_favours_outsourcing=False),
            factor("Vendor market maturity", 3, "5"),  # neutral: no reason
            factor("Saving potential", 5, "2"),
        ]
    )

    assert result.reasons == [
        "How core to the business: 5/5 argues for keeping it in-house.",
        "Saving potential: 5/5 favours outsourcing.",
        "Volume variability: 4/5 favours outsourcing.",
    ]


def test_reasons_with_equal_weight_are_listed_by_name():
    result = assess([factor("Saving potential", 5), factor("In-house skills available", 1)])

    assert result.reasons == [
        "In-house skills available: 1/5 argues for keeping it in-house.",
        "Saving potential: 5/5 favours outsourcing.",
    ]


# --- make_or_buy_saving() -----------------------------------------------------


def test_make_or_buy_gives_the_saving_and_its_share_of_the_in_house_cost():
    assert make_or_buy_saving(Decimal("120000"), Decimal("80000")) == (
        Decimal("40000"),
        Decimal("33.3"),
    )


def test_make_or_buy_gives_a_negative_saving_when_the_vendor_costs_more():
    assert make_or_buy_saving(Decimal("100000"), Decimal("125000")) == (
        Decimal("-25000"),
        Decimal("-25.0"),
    )


def test_make_or_buy_with_zero_in_house_cost_gives_no_percentage():
    assert make_or_buy_saving(Decimal("0"), Decimal("5000")) == (Decimal("-5000"), Decimal("0.0"))


@pytest.mark.parametrize(
    ("in_house", "vendor"), [(None, Decimal("80000")), (Decimal("120000"), None), (None, None)]
)
def test_make_or_buy_is_unknown_until_both_costs_are_known(in_house, vendor):
    assert make_or_buy_saving(in_house, vendor) is None


@pytest.mark.django_db
def test_candidate_make_or_buy_uses_its_own_costs():
    candidate = CandidateFactory.build(
        in_house_yearly_cost=Decimal("50000"), quoted_vendor_yearly_cost=Decimal("40000")
    )

    assert candidate.make_or_buy() == (Decimal("10000"), Decimal("20.0"))


# --- Candidate.record_decision() ----------------------------------------------

DECIDED_AT = datetime.datetime(2025, 3, 4, 15, 30, tzinfo=datetime.UTC)


@pytest.mark.django_db
@time_machine.travel(DECIDED_AT, tick=False)
@pytest.mark.parametrize("decision", [Recommendation.OUTSOURCE, Recommendation.PILOT])
def test_deciding_to_outsource_or_pilot_approves_the_candidate_for_sourcing(decision):
    candidate = CandidateFactory(status=Candidate.Status.ASSESSED)
    manager = UserFactory()

    candidate.record_decision(decision=decision, reason="Mature market, clear saving.", by=manager)

    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.APPROVED
    assert candidate.may_go_to_sourcing
    assert candidate.decision == decision
    assert candidate.decided_by == manager
    assert candidate.decided_at == DECIDED_AT
    assert candidate.decision_reason == "Mature market, clear saving."
    assert Candidate.objects.ready_for_sourcing().filter(pk=candidate.pk).exists()


@pytest.mark.django_db
@time_machine.travel(DECIDED_AT, tick=False)
def test_deciding_to_keep_closes_the_candidate_as_kept_in_house():
    candidate = CandidateFactory(status=Candidate.Status.ASSESSED)
    manager = UserFactory()

    candidate.record_decision(
        decision=Recommendation.KEEP, reason="Quality fell when we tried.", by=manager
    )

    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.KEPT_IN_HOUSE
    assert not candidate.may_go_to_sourcing
    assert candidate.decided_by == manager
    assert candidate.decided_at == DECIDED_AT
    assert candidate.decision_reason == "Quality fell when we tried."


@pytest.mark.django_db
def test_a_decision_without_a_reason_is_refused_and_nothing_changes():
    candidate = CandidateFactory(status=Candidate.Status.ASSESSED)

    with pytest.raises(ValidationError) as refused:
        candidate.record_decision(decision=Recommendation.OUTSOURCE, reason="  ", by=UserFactory())

    assert "decision_reason" in refused.value.message_dict
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.ASSESSED
    assert candidate.decision == ""


# --- Assessment.result() ------------------------------------------------------


@pytest.mark.django_db
def test_assessment_result_comes_from_the_stored_answers():
    assessment = AssessmentFactory()
    saving = AssessmentFactorFactory(name="Saving potential (test)", weight=Decimal("3"))
    core = AssessmentFactorFactory(
        name="How core (test)", weight=Decimal("1"), high_favours_outsourcing=False
    )
    AssessmentAnswerFactory(assessment=assessment, factor=saving, score=5)
    AssessmentAnswerFactory(assessment=assessment, factor=core, score=5)

    result = assessment.result()

    # favour 5 (weight 3) and 1 (weight 1): mean 4 -> 75
    assert result.score == Decimal("75.0")
    assert result.recommendation == Recommendation.OUTSOURCE
    assert result.reasons[0] == "Saving potential (test): 5/5 favours outsourcing."


@pytest.mark.django_db
def test_assessment_result_keeps_the_weight_copied_at_answer_time():
    assessment = AssessmentFactory()
    saving = AssessmentFactorFactory(name="Saving potential (copied)", weight=Decimal("3"))
    skills = AssessmentFactorFactory(name="In-house skills (copied)", weight=Decimal("1"))
    AssessmentAnswerFactory(assessment=assessment, factor=saving, score=5)
    AssessmentAnswerFactory(assessment=assessment, factor=skills, score=1)
    before = assessment.result()

    # The admin later changes the template weights; the assessment stays as assessed.
    saving.weight = Decimal("0")
    saving.save()
    skills.weight = Decimal("10")
    skills.save()

    after = assessment.result()
    assert before.score == Decimal("75.0")
    assert after == before


@pytest.mark.django_db
def test_assessment_without_answers_has_no_recommendation():
    assert AssessmentFactory().result().score is None


@pytest.mark.django_db
def test_storing_the_result_keeps_score_and_recommendation_for_the_candidate_list():
    assessment = AssessmentFactory()
    saving = AssessmentFactorFactory(name="Saving potential (kept)", weight=Decimal("1"))
    AssessmentAnswerFactory(assessment=assessment, factor=saving, score=3)

    assessment.store_result()

    assessment.refresh_from_db()
    assert assessment.score == Decimal("50.0")
    assert assessment.recommendation == Recommendation.PILOT
