"""Routes, one short list per step, joined below with include()."""

from django.urls import include, path

from .views import (
    assessment,
    communication,
    compliance,
    credits,
    dashboard,
    engagement,
    evaluation,
    monitoring,
    notifications,
    offboarding,
    renewals,
    risk,
    sourcing,
    spend,
)

app_name = "engagements"

# --- step 1: assessment, under candidates/ ----------------------------------------------
assessment_patterns = [
    path("", assessment.candidate_list, name="candidate_list"),
    path("new/", assessment.candidate_create, name="candidate_create"),
    path("<int:pk>/", assessment.candidate_detail, name="candidate_detail"),
    path("<int:pk>/edit/", assessment.candidate_update, name="candidate_update"),
    path("<int:pk>/delete/", assessment.candidate_delete, name="candidate_delete"),
    path("<int:pk>/assess/", assessment.candidate_assess, name="candidate_assess"),
    path(
        "<int:pk>/assess/preview/",
        assessment.candidate_assess_preview,
        name="candidate_assess_preview",
    ),
    path("<int:pk>/decide/", assessment.candidate_decide, name="candidate_decide"),
    path("<int:candidate_pk>/selections/new/", sourcing.selection_create, name="selection_create"),
]

# --- step 2: sourcing, under selections/ ---------------------------------------------------
sourcing_patterns = [
    path("", sourcing.selection_list, name="selection_list"),
    path("<int:pk>/", sourcing.selection_detail, name="selection_detail"),
    path("<int:pk>/edit/", sourcing.selection_update, name="selection_update"),
    path("<int:pk>/shortlist/", sourcing.shortlist, name="shortlist"),
    path("<int:pk>/proposals/<int:proposal_pk>/", sourcing.proposal_update, name="proposal_update"),
    path(
        "<int:pk>/proposals/<int:proposal_pk>/attachments/",
        sourcing.attachment_create,
        name="attachment_create",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        sourcing.attachment_download,
        name="attachment_download",
    ),
    path("<int:pk>/criteria/", sourcing.criteria, name="criteria"),
    path("<int:pk>/evaluators/", sourcing.evaluators, name="evaluators"),
    path("<int:pk>/scoring/", evaluation.scoring, name="scoring"),
    path("<int:pk>/results/", evaluation.results, name="results"),
    path("<int:pk>/award/", evaluation.award, name="award"),
]

# --- one engagement, under engagements/<pk>/: its overview and a tab per step -------------
overview_patterns = [
    path("", engagement.engagement_detail, name="engagement_detail"),
    path("owners/", engagement.engagement_owners, name="engagement_owners"),
    path("terms/", engagement.engagement_terms, name="engagement_terms"),
    path("contract/", engagement.contract_edit, name="contract_edit"),
    path("contract/document/", engagement.contract_document, name="contract_document"),
    path("contract/history/", engagement.contract_history, name="contract_history"),
    path("contract/notice/", engagement.contract_notice, name="contract_notice"),
    path("contract/decision/", renewals.renewal_decision, name="renewal_decision"),
    path("contract/amendments/new/", engagement.amendment_create, name="amendment_create"),
    path(
        "contract/amendments/<int:amendment_pk>/document/",
        engagement.amendment_document,
        name="amendment_document",
    ),
    path("milestones/new/", engagement.milestone_create, name="milestone_create"),
    path("milestones/<int:milestone_pk>/", engagement.milestone_update, name="milestone_update"),
    path(
        "milestones/<int:milestone_pk>/complete/",
        engagement.milestone_complete,
        name="milestone_complete",
    ),
]

communication_patterns = [
    path("communication/", communication.engagement_communication, name="engagement_communication"),
    path(
        "communication/plan/",
        communication.communication_plan_edit,
        name="communication_plan_edit",
    ),
    path("checkins/new/", communication.checkin_create, name="checkin_create"),
    path("checkins/<int:checkin_pk>/", communication.checkin_record, name="checkin_record"),
    path("checkins/<int:checkin_pk>/change/", communication.checkin_change, name="checkin_change"),
    path(
        "checkins/<int:checkin_pk>/action-row/",
        communication.action_item_row,
        name="action_item_row",
    ),
    path(
        "action-items/<int:item_pk>/done/",
        communication.action_item_done,
        name="action_item_done",
    ),
]

monitoring_patterns = [
    path("reviews/", monitoring.engagement_reviews, name="engagement_reviews"),
    path("reviews/new/", monitoring.review_create, name="review_create"),
    path("reviews/<int:review_pk>/decide/", monitoring.review_decide, name="review_decide"),
    path("kpis/", monitoring.engagement_kpis, name="engagement_kpis"),
    path("kpis/from-templates/", monitoring.kpi_from_templates, name="kpi_from_templates"),
    path("kpis/new/", monitoring.kpi_create, name="kpi_create"),
    path("kpis/<int:kpi_pk>/", monitoring.kpi_detail, name="kpi_detail"),
    path("kpis/<int:kpi_pk>/edit/", monitoring.kpi_update, name="kpi_update"),
    path("credits/", credits.engagement_credits, name="engagement_credits"),
    path("credits/<int:credit_pk>/", credits.credit_update, name="credit_update"),
    path("measurements/new/", monitoring.measurement_create, name="measurement_create"),
    path("measurements/period/", monitoring.measurement_period, name="measurement_period"),
    path(
        "measurements/<int:measurement_pk>/edit/",
        monitoring.measurement_update,
        name="measurement_update",
    ),
    path(
        "measurements/<int:measurement_pk>/delete/",
        monitoring.measurement_delete,
        name="measurement_delete",
    ),
    path("measurements/import/", monitoring.measurement_import, name="measurement_import"),
    path(
        "measurements/import/template.csv",
        monitoring.measurement_import_template,
        name="measurement_import_template",
    ),
]

risk_patterns = [
    path("risks/", risk.engagement_risks, name="engagement_risks"),
    path("risks/new/", risk.risk_create, name="risk_create"),
    path("risks/<int:risk_pk>/edit/", risk.risk_update, name="risk_update"),
    path("risks/<int:risk_pk>/review/", risk.risk_review, name="risk_review"),
    path("risks/<int:risk_pk>/close/", risk.risk_close, name="risk_close"),
    path("access/", risk.engagement_access, name="engagement_access"),
    path("access/<int:grant_pk>/revoke/", risk.grant_revoke, name="grant_revoke"),
]

compliance_patterns = [
    path("compliance/", compliance.engagement_compliance, name="engagement_compliance"),
    path("compliance/add/", compliance.compliance_add, name="compliance_add"),
    path(
        "compliance/<int:item_pk>/evidence/",
        compliance.compliance_evidence_upload,
        name="compliance_evidence_upload",
    ),
    path(
        "compliance/<int:item_pk>/accept/", compliance.compliance_accept, name="compliance_accept"
    ),
    path(
        "compliance/<int:item_pk>/expiry/", compliance.compliance_expiry, name="compliance_expiry"
    ),
    path(
        "compliance/evidence/<int:evidence_pk>/",
        compliance.compliance_evidence_download,
        name="compliance_evidence_download",
    ),
]

spend_patterns = [
    path("spend/", spend.engagement_spend, name="engagement_spend"),
    path("spend/new/", spend.spend_create, name="spend_create"),
    path("spend/import/", spend.spend_import, name="spend_import"),
    path("spend/import/template.csv", spend.spend_import_template, name="spend_import_template"),
    path("spend/<int:entry_pk>/", spend.spend_update, name="spend_update"),
    path("spend/<int:entry_pk>/delete/", spend.spend_delete, name="spend_delete"),
]

offboarding_patterns = [
    path("offboarding/", offboarding.engagement_offboarding, name="engagement_offboarding"),
    path("offboarding/start/", offboarding.offboarding_start, name="offboarding_start"),
    path(
        "offboarding/<int:item_pk>/done/",
        offboarding.offboarding_item_done,
        name="offboarding_item_done",
    ),
    path(
        "offboarding/<int:item_pk>/evidence/",
        offboarding.offboarding_evidence,
        name="offboarding_evidence",
    ),
    path(
        "offboarding/actions/<int:item_pk>/settle/",
        offboarding.action_item_settle,
        name="action_item_settle",
    ),
    path("offboarding/risks/<int:risk_pk>/settle/", offboarding.risk_settle, name="risk_settle"),
    path("offboarding/close/", offboarding.offboarding_close, name="offboarding_close"),
]

# --- across engagements: the dashboard, its worklists, overviews and exports ---------------
across_patterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    *(
        path(f"work/{kind}/", dashboard.worklist, {"kind": kind}, name=f"worklist_{kind}")
        for kind in (
            "checkins",
            "kpis",
            "reviews",
            "risks",
            "evidence",
            "actions",
            "credits",
            "notices",
            "risk_reviews",
            "spend",
        )
    ),
    path("renewals/", renewals.renewal_list, name="renewals"),
    path("risks/", risk.risk_overview, name="risk_overview"),
    path("risks/export/", risk.risk_export, name="risk_export"),
    path("compliance/", compliance.compliance_matrix, name="compliance_matrix"),
    path("compliance/export/", compliance.compliance_export, name="compliance_export"),
    path("account/reminders/", notifications.reminder_preferences, name="reminder_preferences"),
]

urlpatterns = [
    path("candidates/", include(assessment_patterns)),
    path("selections/", include(sourcing_patterns)),
    path("engagements/", engagement.engagement_list, name="engagement_list"),
    path("engagements/search/", engagement.engagement_search, name="engagement_search"),
    path(
        "engagements/<int:pk>/",
        include(
            overview_patterns
            + communication_patterns
            + monitoring_patterns
            + risk_patterns
            + compliance_patterns
            + spend_patterns
            + offboarding_patterns
        ),
    ),
    path("", include(across_patterns)),
]
