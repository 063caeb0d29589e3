from django.urls import path  # noqa: F401  (each step's section below adds its routes)

app_name = "engagements"

urlpatterns: list = []

# --- step 1: assessment (candidates) ----------------------------------------
from .views import assessment as assessment_views  # noqa: E402

urlpatterns += [
    path("candidates/", assessment_views.candidate_list, name="candidate_list"),
    path("candidates/new/", assessment_views.candidate_create, name="candidate_create"),
    path("candidates/<int:pk>/", assessment_views.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/edit/", assessment_views.candidate_update, name="candidate_update"),
    path("candidates/<int:pk>/delete/", assessment_views.candidate_delete, name="candidate_delete"),
    path("candidates/<int:pk>/assess/", assessment_views.candidate_assess, name="candidate_assess"),
    path(
        "candidates/<int:pk>/assess/preview/",
        assessment_views.candidate_assess_preview,
        name="candidate_assess_preview",
    ),
    path("candidates/<int:pk>/decide/", assessment_views.candidate_decide, name="candidate_decide"),
]

# --- step 2: sourcing (selections) -------------------------------------------
from .views import sourcing as sourcing_views  # noqa: E402

urlpatterns += [
    path("selections/", sourcing_views.selection_list, name="selection_list"),
    path(
        "candidates/<int:candidate_pk>/selections/new/",
        sourcing_views.selection_create,
        name="selection_create",
    ),
    path("selections/<int:pk>/", sourcing_views.selection_detail, name="selection_detail"),
    path("selections/<int:pk>/edit/", sourcing_views.selection_update, name="selection_update"),
    path("selections/<int:pk>/shortlist/", sourcing_views.shortlist, name="shortlist"),
    path(
        "selections/<int:pk>/proposals/<int:proposal_pk>/",
        sourcing_views.proposal_update,
        name="proposal_update",
    ),
    path(
        "selections/<int:pk>/proposals/<int:proposal_pk>/attachments/",
        sourcing_views.attachment_create,
        name="attachment_create",
    ),
    path(
        "selections/<int:pk>/attachments/<int:attachment_pk>/",
        sourcing_views.attachment_download,
        name="attachment_download",
    ),
    path("selections/<int:pk>/criteria/", sourcing_views.criteria, name="criteria"),
    path("selections/<int:pk>/evaluators/", sourcing_views.evaluators, name="evaluators"),
    path("selections/<int:pk>/scoring/", sourcing_views.scoring, name="scoring"),
    path("selections/<int:pk>/results/", sourcing_views.results, name="results"),
    path("selections/<int:pk>/award/", sourcing_views.award, name="award"),
]

# --- step 3: communication (engagements) -------------------------------------
from .views import communication as communication_views  # noqa: E402

urlpatterns += [
    path("engagements/", communication_views.engagement_list, name="engagement_list"),
    path("engagements/<int:pk>/", communication_views.engagement_detail, name="engagement_detail"),
    path(
        "engagements/<int:pk>/owners/",
        communication_views.engagement_owners,
        name="engagement_owners",
    ),
]

# --- across the steps: reminder preferences ----------------------------------
from .views import notifications as notification_views  # noqa: E402

urlpatterns += [
    path(
        "account/reminders/",
        notification_views.reminder_preferences,
        name="reminder_preferences",
    ),
]

# --- dashboard and worklists --------------------------------------------------
from .views import dashboard as dashboard_views  # noqa: E402

urlpatterns += [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("work/checkins/", dashboard_views.worklist_checkins, name="worklist_checkins"),
    path("work/kpis/", dashboard_views.worklist_kpis, name="worklist_kpis"),
    path("work/reviews/", dashboard_views.worklist_reviews, name="worklist_reviews"),
    path("work/risks/", dashboard_views.worklist_risks, name="worklist_risks"),
    path("work/evidence/", dashboard_views.worklist_evidence, name="worklist_evidence"),
]

# --- step 3: communication tab, milestones and reviews -----------------------
from .views import communication as step3_views  # noqa: E402

urlpatterns += [
    path(
        "engagements/<int:pk>/communication/",
        step3_views.engagement_communication,
        name="engagement_communication",
    ),
    path(
        "engagements/<int:pk>/communication/plan/",
        step3_views.communication_plan_edit,
        name="communication_plan_edit",
    ),
    path(
        "engagements/<int:pk>/checkins/new/",
        step3_views.checkin_create,
        name="checkin_create",
    ),
    path(
        "engagements/<int:pk>/checkins/<int:checkin_pk>/",
        step3_views.checkin_record,
        name="checkin_record",
    ),
    path(
        "engagements/<int:pk>/action-items/<int:item_pk>/done/",
        step3_views.action_item_done,
        name="action_item_done",
    ),
    path(
        "engagements/<int:pk>/milestones/new/",
        step3_views.milestone_create,
        name="milestone_create",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/",
        step3_views.milestone_update,
        name="milestone_update",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/complete/",
        step3_views.milestone_complete,
        name="milestone_complete",
    ),
    path(
        "engagements/<int:pk>/reviews/",
        step3_views.engagement_reviews,
        name="engagement_reviews",
    ),
    path("engagements/<int:pk>/reviews/new/", step3_views.review_create, name="review_create"),
    path(
        "engagements/<int:pk>/reviews/<int:review_pk>/decide/",
        step3_views.review_decide,
        name="review_decide",
    ),
]
# --- step 4: monitoring (KPIs, measurements, charts) -------------------------
from .views import monitoring as monitoring_views  # noqa: E402

urlpatterns += [
    path("engagements/<int:pk>/kpis/", monitoring_views.engagement_kpis, name="engagement_kpis"),
    path(
        "engagements/<int:pk>/kpis/from-templates/",
        monitoring_views.kpi_from_templates,
        name="kpi_from_templates",
    ),
    path("engagements/<int:pk>/kpis/new/", monitoring_views.kpi_create, name="kpi_create"),
    path(
        "engagements/<int:pk>/kpis/<int:kpi_pk>/",
        monitoring_views.kpi_detail,
        name="kpi_detail",
    ),
    path(
        "engagements/<int:pk>/kpis/<int:kpi_pk>/edit/",
        monitoring_views.kpi_update,
        name="kpi_update",
    ),
    path(
        "engagements/<int:pk>/measurements/new/",
        monitoring_views.measurement_create,
        name="measurement_create",
    ),
    path(
        "engagements/<int:pk>/measurements/period/",
        monitoring_views.measurement_period,
        name="measurement_period",
    ),
    path(
        "engagements/<int:pk>/measurements/<int:measurement_pk>/edit/",
        monitoring_views.measurement_update,
        name="measurement_update",
    ),
    path(
        "engagements/<int:pk>/measurements/<int:measurement_pk>/delete/",
        monitoring_views.measurement_delete,
        name="measurement_delete",
    ),
    path(
        "engagements/<int:pk>/measurements/import/",
        monitoring_views.measurement_import,
        name="measurement_import",
    ),
    path(
        "engagements/<int:pk>/measurements/import/template.csv",
        monitoring_views.measurement_import_template,
        name="measurement_import_template",
    ),
]
# --- step 5: risk, data access, risk overview ---------------------------------
from .views import risk as risk_views  # noqa: E402

urlpatterns += [
    path("engagements/<int:pk>/risks/", risk_views.engagement_risks, name="engagement_risks"),
    path("engagements/<int:pk>/risks/new/", risk_views.risk_create, name="risk_create"),
    path(
        "engagements/<int:pk>/risks/<int:risk_pk>/edit/",
        risk_views.risk_update,
        name="risk_update",
    ),
    path(
        "engagements/<int:pk>/risks/<int:risk_pk>/review/",
        risk_views.risk_review,
        name="risk_review",
    ),
    path(
        "engagements/<int:pk>/risks/<int:risk_pk>/close/",
        risk_views.risk_close,
        name="risk_close",
    ),
    path("engagements/<int:pk>/access/", risk_views.engagement_access, name="engagement_access"),
    path(
        "engagements/<int:pk>/access/<int:grant_pk>/revoke/",
        risk_views.grant_revoke,
        name="grant_revoke",
    ),
    path("risks/", risk_views.risk_overview, name="risk_overview"),
    path("risks/export.csv", risk_views.risk_export, name="risk_export"),
]
# --- step 5: compliance, compliance matrix; leaving: offboarding --------------
from .views import compliance as compliance_views  # noqa: E402
from .views import offboarding as offboarding_views  # noqa: E402

urlpatterns += [
    path(
        "engagements/<int:pk>/compliance/",
        compliance_views.engagement_compliance,
        name="engagement_compliance",
    ),
    path(
        "engagements/<int:pk>/compliance/add/",
        compliance_views.compliance_add,
        name="compliance_add",
    ),
    path(
        "engagements/<int:pk>/compliance/<int:item_pk>/evidence/",
        compliance_views.compliance_evidence_upload,
        name="compliance_evidence_upload",
    ),
    path(
        "engagements/<int:pk>/compliance/<int:item_pk>/accept/",
        compliance_views.compliance_accept,
        name="compliance_accept",
    ),
    path(
        "engagements/<int:pk>/compliance/<int:item_pk>/expiry/",
        compliance_views.compliance_expiry,
        name="compliance_expiry",
    ),
    path(
        "engagements/<int:pk>/compliance/evidence/<int:evidence_pk>/",
        compliance_views.compliance_evidence_download,
        name="compliance_evidence_download",
    ),
    path("compliance/", compliance_views.compliance_matrix, name="compliance_matrix"),
    path("compliance/export.csv", compliance_views.compliance_export, name="compliance_export"),
    path(
        "engagements/<int:pk>/offboarding/",
        offboarding_views.engagement_offboarding,
        name="engagement_offboarding",
    ),
    path(
        "engagements/<int:pk>/offboarding/start/",
        offboarding_views.offboarding_start,
        name="offboarding_start",
    ),
    path(
        "engagements/<int:pk>/offboarding/<int:item_pk>/done/",
        offboarding_views.offboarding_item_done,
        name="offboarding_item_done",
    ),
    path(
        "engagements/<int:pk>/offboarding/close/",
        offboarding_views.offboarding_close,
        name="offboarding_close",
    ),
]
