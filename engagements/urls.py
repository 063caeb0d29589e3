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
