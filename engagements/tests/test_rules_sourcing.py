"""Step 2 rules: the evaluation matrix and the contract's notice deadline."""

import datetime
from decimal import Decimal

import pytest

from engagements.models import Contract
from engagements.models.sourcing import CriterionScore, EvaluationResult, Ranked, evaluate
from engagements.tests.factories import (
    ContractFactory,
    CriterionFactory,
    EvaluatorFactory,
    ProposalFactory,
    ScoreFactory,
    SelectionFactory,
)

# Criterion ids and weights (summing to 100) for the pure-function tests.
PRICE, EXPERIENCE, CULTURE = 1, 2, 3
CRITERIA = [(PRICE, Decimal("50")), (EXPERIENCE, Decimal("30")), (CULTURE, Decimal("20"))]
VENDOR_A, VENDOR_B, VENDOR_C = 101, 102, 103
ALICE, BOB, CAROL = 11, 12, 13


def scores_for(proposal: int, evaluator: int, values: dict[int, int]) -> list[CriterionScore]:
    return [CriterionScore(proposal, criterion, evaluator, v) for criterion, v in values.items()]


def ranked(result: EvaluationResult, proposal_id: int) -> Ranked:
    row = result.for_proposal(proposal_id)
    assert row is not None, f"proposal {proposal_id} is not ranked"
    return row


def everywhere(value: int) -> dict[int, int]:
    return {PRICE: value, EXPERIENCE: value, CULTURE: value}


# --- evaluate() ---------------------------------------------------------------


def test_all_fives_with_weights_summing_to_100_give_100():
    result = evaluate(criteria=CRITERIA, scores=scores_for(VENDOR_A, ALICE, everywhere(5)))

    assert ranked(result, VENDOR_A).total == Decimal("100.0")


def test_all_ones_give_a_fifth_of_the_points():
    result = evaluate(criteria=CRITERIA, scores=scores_for(VENDOR_A, ALICE, everywhere(1)))

    assert ranked(result, VENDOR_A).total == Decimal("20.0")


def test_the_total_weights_each_criterion():
    # 50 * 5/5 + 30 * 3/5 + 20 * 1/5 = 50 + 18 + 4
    result = evaluate(
        criteria=CRITERIA,
        scores=scores_for(VENDOR_A, ALICE, {PRICE: 5, EXPERIENCE: 3, CULTURE: 1}),
    )

    assert ranked(result, VENDOR_A).total == Decimal("72.0")


def test_several_evaluators_are_averaged_per_criterion():
    result = evaluate(
        criteria=CRITERIA,
        scores=[
            *scores_for(VENDOR_A, ALICE, {PRICE: 4, EXPERIENCE: 5, CULTURE: 5}),
            *scores_for(VENDOR_A, BOB, {PRICE: 5, EXPERIENCE: 5, CULTURE: 5}),
        ],
    )

    row = ranked(result, VENDOR_A)
    assert row.by_criterion[PRICE] == Decimal("4.50")
    # 50 * 4.5/5 + 30 + 20
    assert row.total == Decimal("95.0")


def test_an_average_with_a_repeating_decimal_is_not_rounded_before_weighting():
    result = evaluate(
        criteria=[(PRICE, Decimal("100"))],
        scores=[
            CriterionScore(VENDOR_A, PRICE, ALICE, 4),
            CriterionScore(VENDOR_A, PRICE, BOB, 4),
            CriterionScore(VENDOR_A, PRICE, CAROL, 5),
        ],
    )

    row = ranked(result, VENDOR_A)
    assert row.by_criterion[PRICE] == Decimal("4.33")
    assert row.total == Decimal("86.7")  # 100 * 13/15, not 100 * 4.33/5 = 86.6


def test_the_ranking_puts_the_highest_total_first():
    result = evaluate(
        criteria=CRITERIA,
        scores=[
            *scores_for(VENDOR_A, ALICE, everywhere(3)),
            *scores_for(VENDOR_B, ALICE, everywhere(5)),
            *scores_for(VENDOR_C, ALICE, everywhere(4)),
        ],
    )

    assert [(r.proposal_id, r.rank) for r in result.ranking] == [
        (VENDOR_B, 1),
        (VENDOR_C, 2),
        (VENDOR_A, 3),
    ]


def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped():
    result = evaluate(
        criteria=CRITERIA,
        scores=[
            *scores_for(VENDOR_A, ALICE, everywhere(4)),
            *scores_for(VENDOR_B, ALICE, everywhere(4)),
            *scores_for(VENDOR_C, ALICE, everywhere(2)),
        ],
    )

    assert ranked(result, VENDOR_A).rank == 1
    assert ranked(result, VENDOR_B).rank == 1
    assert ranked(result, VENDOR_C).rank == 3


def test_evaluators_two_points_apart_are_flagged_as_disagreeing():
    result = evaluate(
        criteria=CRITERIA,
        scores=[
            *scores_for(VENDOR_A, ALICE, {PRICE: 3, EXPERIENCE: 4, CULTURE: 1}),
            *scores_for(VENDOR_A, BOB, {PRICE: 5, EXPERIENCE: 4, CULTURE: 5}),
        ],
    )

    assert ranked(result, VENDOR_A).disagreements == [PRICE, CULTURE]


def test_evaluators_one_point_apart_are_not_flagged():
    result = evaluate(
        criteria=CRITERIA,
        scores=[
            *scores_for(VENDOR_A, ALICE, {PRICE: 4, EXPERIENCE: 4, CULTURE: 2}),
            *scores_for(VENDOR_A, BOB, {PRICE: 5, EXPERIENCE: 3, CULTURE: 3}),
        ],
    )

    assert ranked(result, VENDOR_A).disagreements == []


def test_disagreement_looks_at_the_extremes_among_several_evaluators():
    result = evaluate(
        criteria=CRITERIA,
        scores=[
            CriterionScore(VENDOR_A, PRICE, ALICE, 3),
            CriterionScore(VENDOR_A, PRICE, BOB, 4),
            CriterionScore(VENDOR_A, PRICE, CAROL, 5),
        ],
    )

    assert ranked(result, VENDOR_A).disagreements == [PRICE]


def test_a_criterion_nobody_scored_counts_as_zero_and_has_no_average():
    result = evaluate(
        criteria=CRITERIA, scores=scores_for(VENDOR_A, ALICE, {PRICE: 5, EXPERIENCE: 5})
    )

    row = ranked(result, VENDOR_A)
    assert row.total == Decimal("80.0")
    assert CULTURE not in row.by_criterion


def test_scores_on_criteria_outside_the_matrix_are_ignored():
    result = evaluate(
        criteria=[(PRICE, Decimal("100"))],
        scores=[CriterionScore(VENDOR_A, PRICE, ALICE, 5), CriterionScore(VENDOR_A, 99, ALICE, 1)],
    )

    assert ranked(result, VENDOR_A).total == Decimal("100.0")


def test_a_proposal_nobody_scored_is_not_ranked():
    result = evaluate(criteria=CRITERIA, scores=scores_for(VENDOR_A, ALICE, everywhere(4)))

    assert result.for_proposal(VENDOR_B) is None
    assert [r.proposal_id for r in result.ranking] == [VENDOR_A]


def test_no_scores_give_an_empty_ranking():
    assert evaluate(criteria=CRITERIA, scores=[]).ranking == []


# --- Selection.evaluation() ---------------------------------------------------


@pytest.mark.django_db
def test_selection_evaluation_ignores_drafts_of_evaluators_who_have_not_submitted():
    selection = SelectionFactory()
    price = CriterionFactory(selection=selection, weight=Decimal("100"))
    proposal = ProposalFactory(selection=selection)
    submitted = EvaluatorFactory(selection=selection, submitted=True)
    drafting = EvaluatorFactory(selection=selection)
    ScoreFactory(evaluator=submitted, proposal=proposal, criterion=price, value=5)
    ScoreFactory(evaluator=drafting, proposal=proposal, criterion=price, value=1)

    counted = ranked(selection.evaluation(), proposal.pk)
    everything = ranked(selection.evaluation(submitted_only=False), proposal.pk)

    assert counted.total == Decimal("100.0")
    assert counted.disagreements == []
    assert everything.total == Decimal("60.0")
    assert everything.disagreements == [price.pk]


@pytest.mark.django_db
def test_selection_evaluation_only_counts_its_own_scores():
    selection = SelectionFactory()
    criterion = CriterionFactory(selection=selection, weight=Decimal("100"))
    proposal = ProposalFactory(selection=selection)
    ScoreFactory(
        evaluator=EvaluatorFactory(selection=selection, submitted=True),
        proposal=proposal,
        criterion=criterion,
        value=4,
    )
    ScoreFactory(
        value=1, evaluator__submitted_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )

    result = selection.evaluation()

    assert [(r.proposal_id, r.total) for r in result.ranking] == [(proposal.pk, Decimal("80.0"))]


# --- Contract notice deadline -------------------------------------------------


@pytest.mark.django_db
def test_notice_deadline_is_the_end_date_minus_the_notice_period():
    contract = ContractFactory(
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        renewal_date=None,
        notice_period_days=90,
    )

    contract.refresh_from_db()
    assert contract.notice_deadline == datetime.date(2025, 10, 2)


@pytest.mark.django_db
def test_notice_deadline_counts_back_from_the_renewal_date_when_there_is_one():
    contract = ContractFactory(
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        renewal_date=datetime.date(2025, 12, 31),
        notice_period_days=30,
    )

    contract.refresh_from_db()
    assert contract.notice_deadline == datetime.date(2025, 12, 1)


@pytest.mark.django_db
def test_a_zero_notice_period_puts_the_deadline_on_the_end_date():
    contract = ContractFactory(end_date=datetime.date(2025, 12, 31), notice_period_days=0)

    assert Contract.objects.get(pk=contract.pk).notice_deadline == datetime.date(2025, 12, 31)


@pytest.mark.django_db
def test_notice_deadline_is_recomputed_when_the_contract_is_saved_again():
    contract = ContractFactory(
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        notice_period_days=90,
    )

    contract.notice_period_days = 60
    contract.renewal_date = datetime.date(2025, 6, 30)
    contract.save()

    assert Contract.objects.get(pk=contract.pk).notice_deadline == datetime.date(2025, 5, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("notice_period_days", 30, datetime.date(2025, 12, 1)),
        ("end_date", datetime.date(2026, 3, 31), datetime.date(2025, 12, 31)),
        ("renewal_date", datetime.date(2025, 9, 30), datetime.date(2025, 7, 2)),
    ],
)
def test_notice_deadline_is_recomputed_when_saving_only_the_changed_field(field, value, expected):
    contract = ContractFactory(
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        notice_period_days=90,
    )

    setattr(contract, field, value)
    contract.save(update_fields=[field])

    assert Contract.objects.get(pk=contract.pk).notice_deadline == expected
