from django.urls import path

from . import views

app_name = "vendors"

urlpatterns = [
    path("", views.vendor_list, name="vendor_list"),
    path("new/", views.vendor_create, name="vendor_create"),
    path("search/", views.vendor_search, name="vendor_search"),
    path("new/tier/", views.vendor_tier, name="vendor_create_tier"),
    path("import/", views.vendor_import, name="vendor_import"),
    path("import/template.csv", views.vendor_import_template, name="vendor_import_template"),
    path("<int:pk>/", views.vendor_detail, name="vendor_detail"),
    path("<int:pk>/edit/", views.vendor_update, name="vendor_update"),
    path("<int:pk>/edit/tier/", views.vendor_tier, name="vendor_update_tier"),
    path("<int:pk>/status/", views.vendor_status, name="vendor_status"),
    # A vendor's contacts, certifications and sub-processors: the same three pages for each.
    *(
        route
        for part, prefix in (
            (views.CONTACTS, "contacts"),
            (views.CERTIFICATIONS, "certifications"),
            (views.SUB_PROCESSORS, "sub-processors"),
        )
        for route in (
            path(
                f"<int:vendor_pk>/{prefix}/new/",
                views.part_form,
                {"part": part},
                name=f"{part.route}_create",
            ),
            path(
                f"<int:vendor_pk>/{prefix}/<int:pk>/edit/",
                views.part_form,
                {"part": part},
                name=f"{part.route}_update",
            ),
            path(
                f"<int:vendor_pk>/{prefix}/<int:pk>/delete/",
                views.part_delete,
                {"part": part},
                name=f"{part.route}_delete",
            ),
        )
    ),
    path(
        "<int:vendor_pk>/certifications/<int:pk>/document/",
        views.certification_document,
        name="certification_document",
    ),
]
