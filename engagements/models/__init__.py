"""The engagement domain, one module per step of PRODUCT.md plus offboarding."""

from .assessment import (
    Assessment,
    AssessmentAnswer,
    AssessmentFactor,
    Candidate,
    Recommendation,
)
from .communication import (
    ActionItem,
    Cadence,
    CheckIn,
    CommunicationPlan,
    EscalationLevel,
    Milestone,
    RagStatus,
    Weekday,
)
from .compliance import ComplianceItem, ComplianceRequirement, ComplianceStatus, Evidence
from .credits import ServiceCredit
from .engagement import Amendment, Contract, Engagement, RenewalAction, RenewalDecision
from .jobs import JobRun
from .monitoring import (
    Aggregation,
    CreditProblem,
    Direction,
    Kpi,
    KpiRollup,
    KpiStatus,
    KpiTemplate,
    Measurement,
    PerformanceReview,
    Period,
    Scorecard,
    StandingBand,
)
from .notifications import OutboundEmail, ReminderPreference
from .offboarding import OffboardingItem
from .risk import DataAccessGrant, Risk
from .sourcing import (
    Criterion,
    CriterionCategory,
    CriterionTemplate,
    Evaluator,
    ExchangeRate,
    PricingModel,
    Proposal,
    ProposalAttachment,
    Score,
    Selection,
)
from .spend import SpendEntry

__all__ = [
    "ActionItem",
    "Aggregation",
    "Assessment",
    "AssessmentAnswer",
    "AssessmentFactor",
    "Cadence",
    "Candidate",
    "CheckIn",
    "CommunicationPlan",
    "ComplianceItem",
    "ComplianceRequirement",
    "ComplianceStatus",
    "Amendment",
    "Contract",
    "CreditProblem",
    "Criterion",
    "CriterionCategory",
    "CriterionTemplate",
    "DataAccessGrant",
    "Direction",
    "Engagement",
    "EscalationLevel",
    "Evaluator",
    "Evidence",
    "ExchangeRate",
    "JobRun",
    "Kpi",
    "KpiRollup",
    "KpiStatus",
    "KpiTemplate",
    "Measurement",
    "Milestone",
    "OffboardingItem",
    "OutboundEmail",
    "PerformanceReview",
    "Period",
    "PricingModel",
    "Proposal",
    "ProposalAttachment",
    "RagStatus",
    "Recommendation",
    "ReminderPreference",
    "RenewalAction",
    "RenewalDecision",
    "Risk",
    "Score",
    "Scorecard",
    "Selection",
    "ServiceCredit",
    "SpendEntry",
    "StandingBand",
    "Weekday",
]
