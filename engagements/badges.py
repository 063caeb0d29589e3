"""The colours of the engagement pages' badges (outsourcing/badges.py).

Statuses wear the tones of the one status scale (outsourcing/status.py), which the
heat map, the compliance matrix and the charts read through `tone_of`.
"""

from outsourcing.badges import register
from outsourcing.status import BAD, GOOD, NONE, OK, WARN
from vendors.models import DataClassification

from .models import (
    Candidate,
    ComplianceStatus,
    Engagement,
    KpiStatus,
    RagStatus,
    Recommendation,
    Selection,
)
from .models.risk import RiskLevel

register(
    "candidate_status",
    Candidate.Status,
    {"draft": "light border", "assessed": "info", "approved": GOOD, "outsourced": "primary"},
    default="dark",
    pill=True,
)
register(
    "recommendation",
    Recommendation,
    {Recommendation.OUTSOURCE: GOOD, Recommendation.PILOT: WARN},
)
register(
    "selection_status",
    Selection.Status,
    {"draft": "light border", "open": "info", "evaluating": WARN, "awarded": GOOD},
    pill=True,
)
register(
    "engagement_status",
    Engagement.Status,
    {
        "active": GOOD,
        "draft": "light border",
        "planned": "primary",
        "on_hold": WARN,
        "offboarding": "info",
        "terminated": BAD,
    },
    pill=True,
)
# A check-in's status and a KPI's read the same way: green, amber, red.
RAG = {"green": GOOD, "amber": WARN, "red": BAD}
register("rag", RagStatus, RAG)
register("kpi_status", KpiStatus, RAG | {"no_data": NONE}, default=NONE, pill=True)
# Evidence that is not there is as bad as evidence that ran out.
register(
    "compliance_status",
    ComplianceStatus,
    {"valid": GOOD, "pending": WARN, "missing": BAD, "expired": BAD},
    default=NONE,
    pill=True,
)
register("risk_level", RiskLevel, {"low": GOOD, "medium": OK, "high": WARN, "critical": BAD})
register(
    "data_classification",
    DataClassification,
    {"restricted": BAD, "confidential": WARN, "internal": OK},
    default="light border",
)
