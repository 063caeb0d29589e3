"""The colours of the engagement pages' badges (outsourcing/badges.py)."""

from outsourcing.badges import register
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

register(
    "candidate_status",
    Candidate.Status,
    {"draft": "light border", "assessed": "info", "approved": "success", "outsourced": "primary"},
    default="dark",
    pill=True,
)
register(
    "recommendation",
    Recommendation,
    {Recommendation.OUTSOURCE: "success", Recommendation.PILOT: "warning"},
)
register(
    "selection_status",
    Selection.Status,
    {"draft": "light border", "open": "info", "evaluating": "warning", "awarded": "success"},
    pill=True,
)
register(
    "engagement_status",
    Engagement.Status,
    {"active": "success", "draft": "light border", "planned": "primary", "on_hold": "warning"}
    | {"offboarding": "info", "terminated": "danger"},
    pill=True,
)
# A check-in's status and a KPI's read the same way: green, amber, red.
RAG = {"green": "success", "amber": "warning", "red": "danger"}
register("rag", RagStatus, RAG)
register("kpi_status", KpiStatus, RAG, default="light border", pill=True)
register(
    "compliance_status",
    ComplianceStatus,
    {"valid": "success", "pending": "info", "expired": "danger"},
    default="warning",
    pill=True,
)
register(
    "data_classification",
    DataClassification,
    {"restricted": "danger", "confidential": "warning", "internal": "info"},
    default="light border",
)
