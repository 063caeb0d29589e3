"""Factories for every engagement model, one block per step.

Catalog rows (factors, criterion templates, KPI templates, compliance
requirements) get sequenced names: data migrations pre-fill those tables.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from engagements.models import (
    ActionItem,
    Aggregation,
    Amendment,
    Assessment,
    AssessmentAnswer,
    AssessmentFactor,
    Cadence,
    Candidate,
    CheckIn,
    CommunicationPlan,
    ComplianceItem,
    ComplianceRequirement,
    Contract,
    Criterion,
    CriterionCategory,
    CriterionTemplate,
    DataAccessGrant,
    Direction,
    Engagement,
    EscalationLevel,
    Evaluator,
    Evidence,
    ExchangeRate,
    JobRun,
    Kpi,
    KpiRollup,
    KpiStatus,
    KpiTemplate,
    Measurement,
    Milestone,
    OffboardingItem,
    OutboundEmail,
    PerformanceReview,
    Period,
    PricingModel,
    Proposal,
    ProposalAttachment,
    ReminderPreference,
    RenewalAction,
    RenewalDecision,
    Risk,
    Score,
    Scorecard,
    Selection,
    ServiceCredit,
    SpendEntry,
    StandingBand,
    Weekday,
)
from engagements.models.monitoring import period_bounds
from outsourcing.tests.factories import ModelFactory, UserFactory
from vendors.models import BusinessFunction, DataClassification, Vendor
from vendors.tests.factories import VendorFactory

# A Monday, so weekly periods and slots built from it line up.
BASE_DATE = datetime.date(2025, 1, 6)


def _month_start(n: int) -> datetime.date:
    return datetime.date(2024 + n // 12, n % 12 + 1, 1)


# --- Step 1: assessment -------------------------------------------------------


class AssessmentFactorFactory(ModelFactory[AssessmentFactor]):
    class Meta:
        model = AssessmentFactor

    name = factory.Sequence(lambda n: f"Factor {n}")
    question = factory.LazyAttribute(lambda o: f"How does the work score on {o.name.lower()}?")
    weight = Decimal("1")
    high_favours_outsourcing = True
    order = factory.Sequence(lambda n: n)


class CandidateFactory(ModelFactory[Candidate]):
    class Meta:
        model = Candidate

    name = factory.Sequence(lambda n: f"Candidate work {n}")
    business_function = BusinessFunction.CUSTOMER_SERVICE
    description = "First-line support by phone and chat."
    owner = factory.SubFactory(UserFactory)
    in_house_yearly_cost = Decimal("120000.00")
    quoted_vendor_yearly_cost = Decimal("80000.00")
    volume = "1,200 tickets a month"
    data_classification = DataClassification.INTERNAL
    status = Candidate.Status.DRAFT

    class Params:
        # CandidateFactory(approved=True): decided to outsource, ready for sourcing.
        approved = factory.Trait(
            status=Candidate.Status.APPROVED,
            decision="outsource",
            decided_by=factory.SubFactory(UserFactory),
            decided_at=factory.LazyFunction(timezone.now),
            decision_reason="Cheaper and the market is mature.",
        )


class AssessmentFactory(ModelFactory[Assessment]):
    class Meta:
        model = Assessment

    candidate = factory.SubFactory(CandidateFactory)
    assessed_by = factory.SelfAttribute("candidate.owner")


class AssessmentAnswerFactory(ModelFactory[AssessmentAnswer]):
    class Meta:
        model = AssessmentAnswer

    assessment = factory.SubFactory(AssessmentFactory)
    factor = factory.SubFactory(AssessmentFactorFactory)
    score = 3
    weight = factory.SelfAttribute("factor.weight")


# --- Step 2: sourcing ---------------------------------------------------------


class CriterionTemplateFactory(ModelFactory[CriterionTemplate]):
    class Meta:
        model = CriterionTemplate

    name = factory.Sequence(lambda n: f"Criterion template {n}")
    category = CriterionCategory.EXPERIENCE
    default_weight = Decimal("10")
    order = factory.Sequence(lambda n: n)


class SelectionFactory(ModelFactory[Selection]):
    class Meta:
        model = Selection

    candidate = factory.SubFactory(CandidateFactory, approved=True)
    title = factory.Sequence(lambda n: f"Request for proposal {n}")
    requirements = "24/7 coverage in English."
    budget = Decimal("90000.00")
    owner = factory.SelfAttribute("candidate.owner")
    status = Selection.Status.OPEN
    deadline = factory.LazyAttribute(lambda o: BASE_DATE + datetime.timedelta(days=30))


class ProposalFactory(ModelFactory[Proposal]):
    class Meta:
        model = Proposal

    selection = factory.SubFactory(SelectionFactory)
    vendor = factory.SubFactory(VendorFactory)
    price = Decimal("85000.00")
    pricing_model = PricingModel.RETAINER
    proposed_start = BASE_DATE
    proposed_end = factory.LazyAttribute(lambda o: o.proposed_start + datetime.timedelta(days=364))
    received_on = BASE_DATE


class ExchangeRateFactory(ModelFactory[ExchangeRate]):
    class Meta:
        model = ExchangeRate

    currency = "USD"
    rate = Decimal("0.92")
    valid_from = BASE_DATE


class ProposalAttachmentFactory(ModelFactory[ProposalAttachment]):
    class Meta:
        model = ProposalAttachment

    proposal = factory.SubFactory(ProposalFactory)
    file = factory.django.FileField(filename="proposal.pdf", data=b"%PDF-1.4 proposal")
    original_name = "proposal.pdf"
    content_type = "application/pdf"
    size = 17
    uploaded_by = factory.SubFactory(UserFactory)


class CriterionFactory(ModelFactory[Criterion]):
    class Meta:
        model = Criterion

    selection = factory.SubFactory(SelectionFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    category = CriterionCategory.EXPERIENCE
    weight = Decimal("25")
    order = factory.Sequence(lambda n: n)


class EvaluatorFactory(ModelFactory[Evaluator]):
    class Meta:
        model = Evaluator

    selection = factory.SubFactory(SelectionFactory)
    user = factory.SubFactory(UserFactory)
    invited_by = factory.SelfAttribute("selection.owner")
    submitted_at = None

    class Params:
        submitted = factory.Trait(submitted_at=factory.LazyFunction(timezone.now))


class ScoreFactory(ModelFactory[Score]):
    """A score whose evaluator, proposal and criterion belong to one selection."""

    class Meta:
        model = Score

    class Params:
        selection = factory.SubFactory(SelectionFactory)

    evaluator = factory.SubFactory(EvaluatorFactory, selection=factory.SelfAttribute("..selection"))
    proposal = factory.SubFactory(ProposalFactory, selection=factory.SelfAttribute("..selection"))
    criterion = factory.SubFactory(CriterionFactory, selection=factory.SelfAttribute("..selection"))
    value = 3


# --- Step 3: communication ----------------------------------------------------


class EngagementFactory(ModelFactory[Engagement]):
    class Meta:
        model = Engagement

    title = factory.Sequence(lambda n: f"Engagement {n}")
    vendor = factory.SubFactory(VendorFactory, status=Vendor.Status.ACTIVE)
    owner = factory.SubFactory(UserFactory)
    scope = "First-line support by phone and chat."
    budget = Decimal("85000.00")
    start_date = BASE_DATE
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=364))
    status = Engagement.Status.ACTIVE


class ContractFactory(ModelFactory[Contract]):
    class Meta:
        model = Contract

    engagement = factory.SubFactory(EngagementFactory)
    reference = factory.Sequence(lambda n: f"C-{n:04d}")
    value = Decimal("85000.00")
    start_date = factory.SelfAttribute("engagement.start_date")
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=364))
    renewal_date = None
    notice_period_days = 90


class AmendmentFactory(ModelFactory[Amendment]):
    class Meta:
        model = Amendment

    contract = factory.SubFactory(ContractFactory)
    effective_on = factory.LazyAttribute(
        lambda o: o.contract.start_date + datetime.timedelta(days=90)
    )
    summary = factory.Sequence(lambda n: f"Amendment {n}: notice period cut to 60 days")


class RenewalDecisionFactory(ModelFactory[RenewalDecision]):
    class Meta:
        model = RenewalDecision

    contract = factory.SubFactory(ContractFactory)
    decision = RenewalAction.RENEGOTIATE
    suggestion = RenewalAction.RENEGOTIATE
    suggestion_reasons = factory.LazyFunction(lambda: ["spend is 104% of the contract's value"])
    note = "Ask for a lower rate before the deadline."
    decided_by = factory.SubFactory(UserFactory)


class MilestoneFactory(ModelFactory[Milestone]):
    class Meta:
        model = Milestone

    engagement = factory.SubFactory(EngagementFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = factory.LazyAttribute(
        lambda o: o.engagement.start_date + datetime.timedelta(days=30)
    )


class CommunicationPlanFactory(ModelFactory[CommunicationPlan]):
    class Meta:
        model = CommunicationPlan

    engagement = factory.SubFactory(EngagementFactory)
    channels = "Weekly video call, shared Slack channel"
    cadence = Cadence.WEEKLY
    weekday = Weekday.TUESDAY
    time = datetime.time(10, 0)
    time_zone = "Europe/London"
    starts_on = factory.SelfAttribute("engagement.start_date")


class EscalationLevelFactory(ModelFactory[EscalationLevel]):
    class Meta:
        model = EscalationLevel

    plan = factory.SubFactory(CommunicationPlanFactory)
    level = factory.Sequence(lambda n: n % 9 + 1)
    who = factory.Faker("name")
    response_time_hours = 24


class CheckInFactory(ModelFactory[CheckIn]):
    class Meta:
        model = CheckIn

    engagement = factory.SubFactory(EngagementFactory)
    scheduled_for = factory.Sequence(
        lambda n: (
            datetime.datetime(2025, 1, 7, 10, tzinfo=datetime.UTC) + datetime.timedelta(weeks=n)
        )
    )

    class Params:
        # CheckInFactory(recorded=True): held on its day, with a status.
        recorded = factory.Trait(
            held_on=factory.LazyAttribute(lambda o: o.scheduled_for.date()),
            status="green",
            progress_summary="On track.",
            recorded_by=factory.SelfAttribute("engagement.owner"),
        )


class ActionItemFactory(ModelFactory[ActionItem]):
    class Meta:
        model = ActionItem

    checkin = factory.SubFactory(CheckInFactory)
    description = factory.Sequence(lambda n: f"Follow up on item {n}")
    owner = factory.SelfAttribute("checkin.engagement.owner")
    due_date = factory.LazyAttribute(
        lambda o: o.checkin.scheduled_for.date() + datetime.timedelta(days=7)
    )


# --- Step 4: monitoring -------------------------------------------------------


class KpiTemplateFactory(ModelFactory[KpiTemplate]):
    """Higher is better: target 98, green from 95, amber from 90, red below."""

    class Meta:
        model = KpiTemplate

    name = factory.Sequence(lambda n: f"KPI template {n}")
    unit = "%"
    direction = Direction.HIGHER
    target = Decimal("98")
    amber_threshold = Decimal("95")
    red_threshold = Decimal("90")
    aggregation = Aggregation.AVERAGE
    period = Period.MONTH
    weight = Decimal("1")


class KpiFactory(ModelFactory[Kpi]):
    """Higher is better: target 98, green from 95, amber from 90, red below."""

    class Meta:
        model = Kpi

    engagement = factory.SubFactory(EngagementFactory)
    template = None
    name = factory.Sequence(lambda n: f"KPI {n}")
    unit = "%"
    direction = Direction.HIGHER
    target = Decimal("98")
    amber_threshold = Decimal("95")
    red_threshold = Decimal("90")
    aggregation = Aggregation.AVERAGE
    period = Period.MONTH
    weight = Decimal("1")

    class Params:
        # KpiFactory(lower_is_better=True): response hours, target 2, green to 4, amber to 8.
        lower_is_better = factory.Trait(
            unit="hours",
            direction=Direction.LOWER,
            target=Decimal("2"),
            amber_threshold=Decimal("4"),
            red_threshold=Decimal("8"),
        )


class MeasurementFactory(ModelFactory[Measurement]):
    class Meta:
        model = Measurement

    kpi = factory.SubFactory(KpiFactory)
    measured_on = factory.Sequence(lambda n: BASE_DATE + datetime.timedelta(days=n))
    value = Decimal("96")
    source = Measurement.Source.MANUAL
    entered_by = factory.SelfAttribute("kpi.engagement.owner")


class KpiRollupFactory(ModelFactory[KpiRollup]):
    class Meta:
        model = KpiRollup

    kpi = factory.SubFactory(KpiFactory)
    period_start = factory.Sequence(_month_start)
    period_end = factory.LazyAttribute(lambda o: period_bounds(Period.MONTH, o.period_start)[1])
    value = Decimal("96")
    status = factory.LazyAttribute(
        lambda o: KpiStatus.NO_DATA if o.value is None else o.kpi.status_for(o.value)
    )
    measurement_count = factory.LazyAttribute(lambda o: 0 if o.value is None else 4)
    computed_at = factory.LazyFunction(timezone.now)


class ServiceCreditFactory(ModelFactory[ServiceCredit]):
    class Meta:
        model = ServiceCredit

    kpi = factory.SubFactory(
        KpiFactory, credit_threshold=Decimal("99"), credit_percent=Decimal("5")
    )
    period_start = factory.Sequence(_month_start)
    period_end = factory.LazyAttribute(lambda o: period_bounds(Period.MONTH, o.period_start)[1])
    kpi_value = Decimal("97.5")
    amount = Decimal("250.00")
    computed_at = factory.LazyFunction(timezone.now)


class ScorecardFactory(ModelFactory[Scorecard]):
    class Meta:
        model = Scorecard

    engagement = factory.SubFactory(EngagementFactory)
    period = Period.MONTH
    period_start = factory.Sequence(_month_start)
    period_end = factory.LazyAttribute(lambda o: period_bounds(Period.MONTH, o.period_start)[1])
    score = Decimal("82.5")
    kpis_counted = 1
    computed_at = factory.LazyFunction(timezone.now)


class SpendEntryFactory(ModelFactory[SpendEntry]):
    """A month's invoice in the base currency."""

    class Meta:
        model = SpendEntry

    engagement = factory.SubFactory(EngagementFactory)
    spent_on = factory.LazyAttribute(lambda o: o.period_end)
    period_start = factory.Sequence(_month_start)
    period_end = factory.LazyAttribute(lambda o: period_bounds(Period.MONTH, o.period_start)[1])
    amount = Decimal("7000.00")
    currency = "EUR"
    invoice_number = factory.Sequence(lambda n: f"INV-{n:05d}")
    entered_by = factory.SelfAttribute("engagement.owner")


class JobRunFactory(ModelFactory[JobRun]):
    class Meta:
        model = JobRun

    name = factory.Sequence(lambda n: f"job-{n}")


class StandingBandFactory(ModelFactory[StandingBand]):
    """The band of a standing with the given minimum.

    A data migration pre-fills one band per standing (the field is unique), so
    an existing band is updated to the asked-for minimum rather than duplicated.
    """

    class Meta:
        model = StandingBand

    standing = Vendor.Standing.GOOD
    min_score = Decimal("70")

    @classmethod
    def _create(cls, model_class: type[StandingBand], *args: Any, **kwargs: Any) -> StandingBand:
        standing = kwargs.pop("standing")
        band, _ = model_class.objects.update_or_create(standing=standing, defaults=kwargs)
        return band


class PerformanceReviewFactory(ModelFactory[PerformanceReview]):
    class Meta:
        model = PerformanceReview

    engagement = factory.SubFactory(EngagementFactory)
    trigger = PerformanceReview.Trigger.MANUAL
    summary = "Quality dropped for two months."

    class Params:
        decided = factory.Trait(
            decision=PerformanceReview.Decision.IMPROVEMENT_PLAN,
            decision_notes="Thirty-day plan agreed.",
            decided_by=factory.SelfAttribute("engagement.owner"),
            decided_at=factory.LazyFunction(timezone.now),
        )


# --- Step 5: risk and compliance ----------------------------------------------


class RiskFactory(ModelFactory[Risk]):
    """Inherent 4×4, residual 2×3 (6, medium)."""

    class Meta:
        model = Risk

    engagement = factory.SubFactory(EngagementFactory)
    title = factory.Sequence(lambda n: f"Risk {n}")
    category = Risk.Category.DATA_BREACH
    likelihood = 4
    impact = 4
    mitigation = "Access through our VPN only."
    residual_likelihood = 2
    residual_impact = 3
    owner = factory.SelfAttribute("engagement.owner")
    status = Risk.Status.OPEN


class DataAccessGrantFactory(ModelFactory[DataAccessGrant]):
    class Meta:
        model = DataAccessGrant

    engagement = factory.SubFactory(EngagementFactory)
    system = factory.Sequence(lambda n: f"System {n}")
    classification = DataClassification.CONFIDENTIAL
    personal_data = True
    access_level = DataAccessGrant.AccessLevel.READ
    granted_on = factory.SelfAttribute("engagement.start_date")
    granted_by = factory.SelfAttribute("engagement.owner")


class ComplianceRequirementFactory(ModelFactory[ComplianceRequirement]):
    class Meta:
        model = ComplianceRequirement

    name = factory.Sequence(lambda n: f"Compliance requirement {n}")
    expires = True
    validity_months = 12
    required_by_default = False
    order = factory.Sequence(lambda n: n)


class ComplianceItemFactory(ModelFactory[ComplianceItem]):
    class Meta:
        model = ComplianceItem

    engagement = factory.SubFactory(EngagementFactory)
    requirement = factory.SubFactory(ComplianceRequirementFactory)
    expires_on = None


class EvidenceFactory(ModelFactory[Evidence]):
    class Meta:
        model = Evidence

    item = factory.SubFactory(ComplianceItemFactory)
    file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4 evidence")
    original_name = "evidence.pdf"
    content_type = "application/pdf"
    size = 17
    uploaded_by = factory.SelfAttribute("item.engagement.owner")


# --- Leaving ------------------------------------------------------------------


class OffboardingItemFactory(ModelFactory[OffboardingItem]):
    class Meta:
        model = OffboardingItem

    engagement = factory.SubFactory(EngagementFactory)
    kind = OffboardingItem.Kind.OTHER
    title = factory.Sequence(lambda n: f"Offboarding step {n}")
    owner = factory.SelfAttribute("engagement.owner")


# --- Across the steps: reminders ----------------------------------------------


class ReminderPreferenceFactory(ModelFactory[ReminderPreference]):
    class Meta:
        model = ReminderPreference

    user = factory.SubFactory(UserFactory)
    time_zone = "Europe/Berlin"
    digest_weekday = Weekday.MONDAY
    digest_hour = 8


class OutboundEmailFactory(ModelFactory[OutboundEmail]):
    class Meta:
        model = OutboundEmail

    recipient = factory.SubFactory(UserFactory)
    kind = "digest"
    key = factory.Sequence(lambda n: f"2025-W{n % 52 + 1:02d}")
    to_address = factory.SelfAttribute("recipient.email")
    subject = "Your week in outsourcing"
    text_body = "Two check-ins are due this week."
