"""The database itself refuses rows that break the hard rules.

Rows go in through `Model.objects.create` (what DjangoModelFactory calls) or
`QuerySet.update`, never through forms or `full_clean`, so each test proves the
constraint and not a validator. Each refusal runs in its own savepoint so the
test database stays usable afterwards.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import factory
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements.models import (
    Direction,
    KpiStatus,
    PerformanceReview,
    Recommendation,
    StandingBand,
)
from engagements.tests import factories as f
from vendors.models import Vendor

D = Decimal
START = f.BASE_DATE  # the factories' start date for engagements, contracts, proposals, grants
DAY_BEFORE_START = START - datetime.timedelta(days=1)
NOW = datetime.datetime(2025, 2, 3, 12, tzinfo=datetime.UTC)


@contextmanager
def refused_by_database(constraint: str | None = None) -> Iterator[None]:
    """Expect the database to refuse; a check constraint's name shows in its message."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        yield


def update(row: Any, **values: Any) -> int:
    """Change a stored row with a plain UPDATE: no save(), no validation."""
    return type(row).objects.filter(pk=row.pk).update(**values)


# --- check constraints: each bad value, on insert and on update ---------------

# (factory, what makes a valid starting row, the fields that break the rule)
BAD_VALUES = [
    # scores run 1–5
    pytest.param(
        f.AssessmentAnswerFactory,
        {},
        {"score": 0},
        "assessment_score_1_to_5",
        id="assessment-score-0",
    ),
    pytest.param(
        f.AssessmentAnswerFactory,
        {},
        {"score": 6},
        "assessment_score_1_to_5",
        id="assessment-score-6",
    ),
    pytest.param(f.ScoreFactory, {}, {"value": 0}, "score_1_to_5", id="evaluation-score-0"),
    pytest.param(f.ScoreFactory, {}, {"value": 6}, "score_1_to_5", id="evaluation-score-6"),
    # weights are never negative
    pytest.param(
        f.AssessmentFactorFactory,
        {},
        {"weight": D("-0.01")},
        "assessment_factor_weight_gte_0",
        id="factor-weight",
    ),
    pytest.param(
        f.AssessmentAnswerFactory,
        {},
        {"weight": D("-1")},
        "assessment_weight_gte_0",
        id="answer-weight",
    ),
    pytest.param(
        f.CriterionFactory, {}, {"weight": D("-1")}, "criterion_weight_gte_0", id="criterion-weight"
    ),
    pytest.param(
        f.CriterionTemplateFactory,
        {},
        {"default_weight": D("-1")},
        "criterion_template_weight_gte_0",
        id="criterion-template-weight",
    ),
    pytest.param(f.KpiFactory, {}, {"weight": D("-1")}, "kpi_weight_gte_0", id="kpi-weight"),
    pytest.param(
        f.KpiTemplateFactory,
        {},
        {"weight": D("-1")},
        "kpi_template_weight_gte_0",
        id="kpi-template-weight",
    ),
    # likelihood and impact run 1–5, before and after mitigation
    *(
        pytest.param(
            f.RiskFactory, {}, {field: value}, f"risk_{field}_1_to_5", id=f"risk-{field}-{value}"
        )
        for field in ("likelihood", "impact", "residual_likelihood", "residual_impact")
        for value in (0, 6)
    ),
    # nothing ends before it starts
    pytest.param(
        f.EngagementFactory,
        {},
        {"end_date": DAY_BEFORE_START},
        "engagement_end_after_start",
        id="engagement-dates",
    ),
    pytest.param(
        f.ContractFactory,
        {},
        {"end_date": DAY_BEFORE_START},
        "contract_end_after_start",
        id="contract-dates",
    ),
    pytest.param(
        f.ContractFactory,
        {},
        {"renewal_date": DAY_BEFORE_START},
        "contract_renewal_after_start",
        id="contract-renewal-dates",
    ),
    pytest.param(
        f.ProposalFactory,
        {},
        {"proposed_end": DAY_BEFORE_START},
        "proposal_end_after_start",
        id="proposal-dates",
    ),
    pytest.param(
        f.KpiRollupFactory,
        {"period_start": datetime.date(2025, 3, 1)},
        {"period_end": datetime.date(2025, 2, 28)},
        "rollup_end_after_start",
        id="rollup-dates",
    ),
    pytest.param(
        f.ScorecardFactory,
        {"period_start": datetime.date(2025, 3, 1)},
        {"period_end": datetime.date(2025, 2, 28)},
        "scorecard_end_after_start",
        id="scorecard-dates",
    ),
    pytest.param(
        f.DataAccessGrantFactory,
        {},
        {"revoked_on": DAY_BEFORE_START},
        "grant_revoked_after_granted",
        id="grant-revoked-before",
    ),
    # a scorecard is 0–100
    pytest.param(
        f.ScorecardFactory, {}, {"score": D("-0.1")}, "scorecard_0_to_100", id="scorecard-below-0"
    ),
    pytest.param(
        f.ScorecardFactory,
        {},
        {"score": D("100.1")},
        "scorecard_0_to_100",
        id="scorecard-above-100",
    ),
    # KPI thresholds line up with the direction: target best, red worst
    pytest.param(
        f.KpiFactory,
        {},
        {"amber_threshold": D("99")},
        "kpi_thresholds_follow_direction",
        id="kpi-higher-amber-over-target",
    ),
    pytest.param(
        f.KpiFactory,
        {},
        {"red_threshold": D("96")},
        "kpi_thresholds_follow_direction",
        id="kpi-higher-red-over-amber",
    ),
    pytest.param(
        f.KpiFactory,
        {},
        {"direction": Direction.LOWER},
        "kpi_thresholds_follow_direction",
        id="kpi-higher-turned-lower",
    ),
    pytest.param(
        f.KpiFactory,
        {"lower_is_better": True},
        {"amber_threshold": D("1")},
        "kpi_thresholds_follow_direction",
        id="kpi-lower-amber-under-target",
    ),
    pytest.param(
        f.KpiFactory,
        {"lower_is_better": True},
        {"red_threshold": D("3")},
        "kpi_thresholds_follow_direction",
        id="kpi-lower-red-under-amber",
    ),
    pytest.param(
        f.KpiFactory,
        {"lower_is_better": True},
        {"direction": Direction.HIGHER},
        "kpi_thresholds_follow_direction",
        id="kpi-lower-turned-higher",
    ),
    pytest.param(
        f.KpiTemplateFactory,
        {},
        {"amber_threshold": D("99")},
        "kpi_template_thresholds_follow_direction",
        id="kpi-template-amber-over-target",
    ),
    pytest.param(
        f.KpiTemplateFactory,
        {},
        {"direction": Direction.LOWER},
        "kpi_template_thresholds_follow_direction",
        id="kpi-template-turned-lower",
    ),
    # a decision records who, when and why
    pytest.param(
        f.CandidateFactory,
        {},
        {"decision": "outsource"},
        "candidate_decision_recorded_with_who_when_why",
        id="decision-alone",
    ),
    pytest.param(
        f.CandidateFactory,
        {"approved": True},
        {"decided_by": None},
        "candidate_decision_recorded_with_who_when_why",
        id="decision-no-who",
    ),
    pytest.param(
        f.CandidateFactory,
        {"approved": True},
        {"decided_at": None},
        "candidate_decision_recorded_with_who_when_why",
        id="decision-no-when",
    ),
    pytest.param(
        f.CandidateFactory,
        {"approved": True},
        {"decision_reason": ""},
        "candidate_decision_recorded_with_who_when_why",
        id="decision-no-why",
    ),
    pytest.param(
        f.PerformanceReviewFactory,
        {"decided": True},
        {"decision": ""},
        "decided_review_has_decision",
        id="review-decided-blank",
    ),
    # a recorded check-in has a status
    pytest.param(
        f.CheckInFactory,
        {"recorded": True},
        {"status": ""},
        "recorded_checkin_has_status",
        id="checkin-no-status",
    ),
    # a rollup has a value exactly when its status is not "no data"
    pytest.param(
        f.KpiRollupFactory,
        {},
        {"value": None, "status": KpiStatus.GREEN},
        "rollup_no_data_iff_no_value",
        id="rollup-no-value",
    ),
    pytest.param(
        f.KpiRollupFactory,
        {},
        {"status": KpiStatus.NO_DATA},
        "rollup_no_data_iff_no_value",
        id="rollup-value-no-data",
    ),
    # money is never negative
    pytest.param(
        f.CandidateFactory,
        {},
        {"in_house_yearly_cost": D("-1")},
        "candidate_in_house_cost_not_negative",
        id="in-house-cost",
    ),
    pytest.param(
        f.CandidateFactory,
        {},
        {"quoted_vendor_yearly_cost": D("-1")},
        "candidate_vendor_cost_not_negative",
        id="quote",
    ),
    pytest.param(
        f.SelectionFactory,
        {},
        {"budget": D("-1")},
        "selection_budget_not_negative",
        id="selection-budget",
    ),
    pytest.param(
        f.ProposalFactory,
        {},
        {"price": D("-1")},
        "proposal_price_not_negative",
        id="proposal-price",
    ),
    pytest.param(
        f.ContractFactory,
        {},
        {"value": D("-1")},
        "contract_value_not_negative",
        id="contract-value",
    ),
    pytest.param(
        f.EngagementFactory,
        {},
        {"budget": D("-1")},
        "engagement_budget_not_negative",
        id="engagement-budget",
    ),
    # small ranges and shapes
    pytest.param(
        f.CommunicationPlanFactory, {}, {"weekday": 7}, "plan_weekday_0_to_6", id="plan-weekday-7"
    ),
    pytest.param(
        f.EscalationLevelFactory,
        {},
        {"level": 0},
        "escalation_level_from_1",
        id="escalation-level-0",
    ),
    pytest.param(
        f.ReminderPreferenceFactory,
        {},
        {"digest_hour": 24},
        "digest_hour_0_to_23",
        id="digest-hour-24",
    ),
    pytest.param(
        f.ReminderPreferenceFactory,
        {},
        {"digest_weekday": 7},
        "digest_weekday_0_to_6",
        id="digest-weekday-7",
    ),
    pytest.param(
        f.OffboardingItemFactory,
        {"kind": "revoke_access", "grant": factory.SubFactory(f.DataAccessGrantFactory)},
        {"kind": "other"},
        "only_revoke_items_name_a_grant",
        id="grant-on-non-revoke-item",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("factory_class", "valid", "bad", "constraint"), BAD_VALUES)
def test_the_database_refuses_to_insert_a_row_breaking_a_check(
    factory_class, valid, bad, constraint
):
    model = factory_class._meta.model
    rows_before = model.objects.count()

    with refused_by_database(constraint):
        factory_class(**{**valid, **bad})

    assert model.objects.count() == rows_before


@pytest.mark.django_db
@pytest.mark.parametrize(("factory_class", "valid", "bad", "constraint"), BAD_VALUES)
def test_the_database_refuses_to_update_a_row_into_breaking_a_check(
    factory_class, valid, bad, constraint
):
    row = factory_class(**valid)
    stored = type(row).objects.filter(pk=row.pk)
    before = list(stored.values(*bad))

    with refused_by_database(constraint):
        update(row, **bad)

    assert list(stored.values(*bad)) == before


# --- check constraints: valid boundary rows are accepted ----------------------

BOUNDARY_VALUES = [
    pytest.param(f.AssessmentAnswerFactory, {"score": 1, "weight": D("0")}, id="answer-1-weight-0"),
    pytest.param(f.AssessmentAnswerFactory, {"score": 5}, id="answer-5"),
    pytest.param(f.ScoreFactory, {"value": 1}, id="evaluation-score-1"),
    pytest.param(f.ScoreFactory, {"value": 5}, id="evaluation-score-5"),
    pytest.param(f.AssessmentFactorFactory, {"weight": D("0")}, id="factor-weight-0"),
    pytest.param(f.CriterionFactory, {"weight": D("0")}, id="criterion-weight-0"),
    pytest.param(
        f.CriterionTemplateFactory, {"default_weight": D("0")}, id="criterion-template-weight-0"
    ),
    pytest.param(f.KpiFactory, {"weight": D("0")}, id="kpi-weight-0"),
    pytest.param(f.KpiTemplateFactory, {"weight": D("0")}, id="kpi-template-weight-0"),
    pytest.param(
        f.RiskFactory,
        {"likelihood": 1, "impact": 1, "residual_likelihood": 1, "residual_impact": 1},
        id="risk-all-1",
    ),
    pytest.param(
        f.RiskFactory,
        {"likelihood": 5, "impact": 5, "residual_likelihood": 5, "residual_impact": 5},
        id="risk-all-5",
    ),
    pytest.param(f.EngagementFactory, {"end_date": START}, id="engagement-one-day"),
    pytest.param(f.EngagementFactory, {"end_date": None}, id="engagement-open-ended"),
    pytest.param(
        f.ContractFactory, {"end_date": START, "renewal_date": START}, id="contract-one-day"
    ),
    pytest.param(f.ProposalFactory, {"proposed_end": START}, id="proposal-one-day"),
    pytest.param(
        f.KpiRollupFactory,
        {"period_start": datetime.date(2025, 3, 1), "period_end": datetime.date(2025, 3, 1)},
        id="rollup-one-day",
    ),
    pytest.param(
        f.KpiRollupFactory, {"value": None, "status": KpiStatus.NO_DATA}, id="rollup-no-data"
    ),
    pytest.param(
        f.ScorecardFactory,
        {"period_start": datetime.date(2025, 3, 1), "period_end": datetime.date(2025, 3, 1)},
        id="scorecard-one-day",
    ),
    pytest.param(f.DataAccessGrantFactory, {"revoked_on": START}, id="grant-revoked-same-day"),
    pytest.param(f.ScorecardFactory, {"score": D("0")}, id="scorecard-0"),
    pytest.param(f.ScorecardFactory, {"score": D("100")}, id="scorecard-100"),
    pytest.param(f.ScorecardFactory, {"score": None}, id="scorecard-no-data"),
    pytest.param(
        f.KpiFactory,
        {"target": D("95"), "amber_threshold": D("95"), "red_threshold": D("95")},
        id="kpi-higher-all-equal",
    ),
    pytest.param(
        f.KpiFactory,
        {
            "lower_is_better": True,
            "target": D("8"),
            "amber_threshold": D("8"),
            "red_threshold": D("8"),
        },
        id="kpi-lower-all-equal",
    ),
    pytest.param(
        f.KpiFactory,
        {"direction": Direction.LOWER, "target": D("0"), "amber_threshold": D("0")},
        id="kpi-lower-negative-free",
    ),
    pytest.param(f.CandidateFactory, {"approved": True}, id="decision-with-who-when-why"),
    pytest.param(f.PerformanceReviewFactory, {"decided": True}, id="review-decided"),
    pytest.param(f.CheckInFactory, {"recorded": True}, id="recorded-checkin"),
    pytest.param(f.CommunicationPlanFactory, {"weekday": 6}, id="plan-weekday-6"),
    pytest.param(
        f.ReminderPreferenceFactory, {"digest_hour": 0, "digest_weekday": 0}, id="digest-0-0"
    ),
    pytest.param(
        f.ReminderPreferenceFactory, {"digest_hour": 23, "digest_weekday": 6}, id="digest-23-6"
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("factory_class", "good"), BOUNDARY_VALUES)
def test_the_database_accepts_a_row_on_the_boundary(factory_class, good):
    row = factory_class(**good)

    assert factory_class._meta.model.objects.filter(pk=row.pk).exists()


# --- unique constraints -------------------------------------------------------


@pytest.mark.django_db
def test_one_measurement_per_kpi_per_date():
    first = f.MeasurementFactory(measured_on=datetime.date(2025, 2, 3))

    with refused_by_database():
        f.MeasurementFactory(kpi=first.kpi, measured_on=first.measured_on, value=D("50"))

    f.MeasurementFactory(kpi=first.kpi, measured_on=datetime.date(2025, 2, 4))
    f.MeasurementFactory(measured_on=first.measured_on)  # another KPI, same day
    assert first.kpi.measurements.count() == 2


@pytest.mark.django_db
def test_a_measurement_cannot_be_moved_onto_another_of_the_same_kpi():
    first = f.MeasurementFactory(measured_on=datetime.date(2025, 2, 3))
    second = f.MeasurementFactory(kpi=first.kpi, measured_on=datetime.date(2025, 2, 4))

    with refused_by_database():
        update(second, measured_on=first.measured_on)


@pytest.mark.django_db
def test_one_rollup_per_kpi_per_period():
    first = f.KpiRollupFactory(period_start=datetime.date(2025, 2, 1))

    with refused_by_database():
        f.KpiRollupFactory(kpi=first.kpi, period_start=first.period_start, value=D("80"))

    f.KpiRollupFactory(kpi=first.kpi, period_start=datetime.date(2025, 3, 1))
    assert first.kpi.rollups.count() == 2


@pytest.mark.django_db
def test_one_scorecard_per_engagement_per_period():
    first = f.ScorecardFactory(period_start=datetime.date(2025, 2, 1))

    with refused_by_database():
        f.ScorecardFactory(engagement=first.engagement, period_start=first.period_start)


@pytest.mark.django_db
def test_one_score_per_evaluator_proposal_and_criterion():
    first = f.ScoreFactory(value=4)

    with refused_by_database():
        f.ScoreFactory(
            evaluator=first.evaluator, proposal=first.proposal, criterion=first.criterion, value=2
        )

    # Another evaluator may score the same cell.
    other = f.EvaluatorFactory(selection=first.evaluator.selection)
    f.ScoreFactory(evaluator=other, proposal=first.proposal, criterion=first.criterion)


@pytest.mark.django_db
def test_one_proposal_per_vendor_per_selection():
    first = f.ProposalFactory()

    with refused_by_database():
        f.ProposalFactory(selection=first.selection, vendor=first.vendor)

    f.ProposalFactory(vendor=first.vendor)  # the same vendor in another selection


@pytest.mark.django_db
def test_one_answer_per_factor_per_assessment():
    first = f.AssessmentAnswerFactory()

    with refused_by_database():
        f.AssessmentAnswerFactory(assessment=first.assessment, factor=first.factor)


@pytest.mark.django_db
def test_one_invitation_per_user_per_selection():
    first = f.EvaluatorFactory()

    with refused_by_database():
        f.EvaluatorFactory(selection=first.selection, user=first.user)


@pytest.mark.django_db
def test_criterion_names_are_unique_within_a_selection():
    first = f.CriterionFactory(name="Price")

    with refused_by_database():
        f.CriterionFactory(selection=first.selection, name="Price")

    f.CriterionFactory(name="Price")  # another selection


@pytest.mark.django_db
def test_kpi_names_are_unique_within_an_engagement():
    first = f.KpiFactory(name="Uptime")

    with refused_by_database():
        f.KpiFactory(engagement=first.engagement, name="Uptime")

    f.KpiFactory(name="Uptime")  # another engagement


@pytest.mark.django_db
def test_one_check_in_per_slot():
    first = f.CheckInFactory(scheduled_for=NOW)

    with refused_by_database():
        f.CheckInFactory(engagement=first.engagement, scheduled_for=NOW)

    f.CheckInFactory(scheduled_for=NOW)  # another engagement at the same time


@pytest.mark.django_db
def test_a_check_in_cannot_be_moved_onto_another_slot_of_its_engagement():
    first = f.CheckInFactory(scheduled_for=NOW)
    second = f.CheckInFactory(
        engagement=first.engagement, scheduled_for=NOW + datetime.timedelta(weeks=1)
    )

    with refused_by_database():
        update(second, scheduled_for=NOW)


@pytest.mark.django_db
def test_one_open_performance_review_per_kpi():
    kpi = f.KpiFactory()
    first = f.PerformanceReviewFactory(
        engagement=kpi.engagement, kpi=kpi, trigger=PerformanceReview.Trigger.KPI_RED_STREAK
    )

    with refused_by_database():
        f.PerformanceReviewFactory(
            engagement=kpi.engagement, kpi=kpi, trigger=PerformanceReview.Trigger.KPI_RED_STREAK
        )

    update(
        first,
        decision=PerformanceReview.Decision.CONTINUE,
        decided_at=timezone.now(),
    )
    again = f.PerformanceReviewFactory(
        engagement=kpi.engagement, kpi=kpi, trigger=PerformanceReview.Trigger.KPI_RED_STREAK
    )
    assert again.is_open
    assert PerformanceReview.objects.filter(kpi=kpi).count() == 2


@pytest.mark.django_db
def test_a_decided_review_cannot_be_reopened_beside_an_open_one():
    kpi = f.KpiFactory()
    decided = f.PerformanceReviewFactory(engagement=kpi.engagement, kpi=kpi, decided=True)
    f.PerformanceReviewFactory(engagement=kpi.engagement, kpi=kpi)

    with refused_by_database():
        update(decided, decided_at=None, decision="")


@pytest.mark.django_db
def test_one_open_performance_review_per_trigger_but_manual_ones_may_pile_up():
    engagement = f.EngagementFactory()
    f.PerformanceReviewFactory(
        engagement=engagement, trigger=PerformanceReview.Trigger.LOW_SCORECARD
    )

    with refused_by_database():
        f.PerformanceReviewFactory(
            engagement=engagement, trigger=PerformanceReview.Trigger.LOW_SCORECARD
        )

    f.PerformanceReviewFactory(engagement=engagement, trigger=PerformanceReview.Trigger.MANUAL)
    f.PerformanceReviewFactory(engagement=engagement, trigger=PerformanceReview.Trigger.MANUAL)
    assert engagement.reviews.count() == 3


@pytest.mark.django_db
def test_a_candidate_decision_cannot_be_set_by_update_without_who_when_why():
    candidate = f.CandidateFactory()

    with refused_by_database():
        update(candidate, decision=Recommendation.OUTSOURCE)


@pytest.mark.django_db
def test_one_compliance_item_per_requirement_per_engagement():
    first = f.ComplianceItemFactory()

    with refused_by_database():
        f.ComplianceItemFactory(engagement=first.engagement, requirement=first.requirement)


@pytest.mark.django_db
def test_one_escalation_contact_per_level():
    first = f.EscalationLevelFactory(level=1)

    with refused_by_database():
        f.EscalationLevelFactory(plan=first.plan, level=1)


@pytest.mark.django_db
def test_starting_offboarding_twice_does_not_double_the_checklist():
    grant = f.DataAccessGrantFactory()
    f.OffboardingItemFactory(engagement=grant.engagement, kind="revoke_access", grant=grant)
    f.OffboardingItemFactory(engagement=grant.engagement, kind="knowledge_handover")

    with refused_by_database():
        f.OffboardingItemFactory(engagement=grant.engagement, kind="revoke_access", grant=grant)
    with refused_by_database():
        f.OffboardingItemFactory(engagement=grant.engagement, kind="knowledge_handover")

    f.OffboardingItemFactory(engagement=grant.engagement, kind="other")
    f.OffboardingItemFactory(engagement=grant.engagement, kind="other")
    assert grant.engagement.offboarding_items.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("min_score", [D("-0.1"), D("100.1")])
def test_a_standing_band_minimum_lies_within_0_to_100(min_score):
    # A data migration pre-fills the bands; start from none to prove the insert.
    StandingBand.objects.all().delete()
    with refused_by_database():
        StandingBand.objects.create(standing=Vendor.Standing.GOOD, min_score=min_score)

    band = StandingBand.objects.create(standing=Vendor.Standing.GOOD, min_score=D("100"))
    StandingBand.objects.create(standing=Vendor.Standing.POOR, min_score=D("0"))
    with refused_by_database():
        update(band, min_score=min_score)


@pytest.mark.django_db
def test_one_band_per_standing():
    StandingBand.objects.all().delete()
    StandingBand.objects.create(standing=Vendor.Standing.GOOD, min_score=D("70"))

    with refused_by_database():
        StandingBand.objects.create(standing=Vendor.Standing.GOOD, min_score=D("75"))


@pytest.mark.django_db
def test_the_same_email_is_never_queued_twice():
    first = f.OutboundEmailFactory()

    with refused_by_database():
        f.OutboundEmailFactory(recipient=first.recipient, kind=first.kind, key=first.key)


@pytest.mark.django_db
def test_the_same_key_may_be_queued_for_another_recipient_or_kind():
    first = f.OutboundEmailFactory()

    f.OutboundEmailFactory(kind=first.kind, key=first.key)
    f.OutboundEmailFactory(recipient=first.recipient, kind="checkin", key=first.key)


@pytest.mark.django_db
def test_kpi_template_names_are_unique():
    first = f.KpiTemplateFactory()

    with refused_by_database():
        f.KpiTemplateFactory(name=first.name)


# --- every factory builds a row the model accepts -----------------------------

ALL_FACTORIES = [
    value
    for value in vars(f).values()
    if isinstance(value, type)
    and issubclass(value, factory.django.DjangoModelFactory)
    and value.__module__ == f.__name__
    and not value._meta.abstract
]


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", ALL_FACTORIES, ids=lambda c: c.__name__)
def test_each_factory_makes_a_valid_row(factory_class):
    row = factory_class()

    row.full_clean()
    assert factory_class._meta.model.objects.filter(pk=row.pk).exists()
