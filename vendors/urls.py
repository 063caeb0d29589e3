from django.urls import path

from . import views

app_name = "vendors"

urlpatterns = [
    path("", views.vendor_list, name="vendor_list"),
    path("new/", views.vendor_create, name="vendor_create"),
    path("import/", views.vendor_import, name="vendor_import"),
    path("import/template.csv", views.vendor_import_template, name="vendor_import_template"),
    path("<int:pk>/", views.vendor_detail, name="vendor_detail"),
    path("<int:pk>/edit/", views.vendor_update, name="vendor_update"),
    path("<int:pk>/status/", views.vendor_status, name="vendor_status"),
    path("<int:vendor_pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:vendor_pk>/contacts/<int:pk>/edit/", views.contact_update, name="contact_update"),
    path("<int:vendor_pk>/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path(
        "<int:vendor_pk>/certifications/new/",
        views.certification_create,
        name="certification_create",
    ),
    path(
        "<int:vendor_pk>/certifications/<int:pk>/edit/",
        views.certification_update,
        name="certification_update",
    ),
    path(
        "<int:vendor_pk>/certifications/<int:pk>/delete/",
        views.certification_delete,
        name="certification_delete",
    ),
    path(
        "<int:vendor_pk>/certifications/<int:pk>/document/",
        views.certification_document,
        name="certification_document",
    ),
]
