from django.urls import path  # noqa: F401  (each step's section below adds its routes)

app_name = "engagements"

urlpatterns: list = []

# --- step 1: assessment (candidates) ----------------------------------------
# --- step 2: sourcing (selections) -------------------------------------------
# --- step 3: communication (engagements) -------------------------------------
# --- across the steps: reminder preferences ----------------------------------
