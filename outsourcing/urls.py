from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

admin.site.site_header = "Outsourcing administration"
admin.site.site_title = "Outsourcing admin"
admin.site.index_title = "Users, templates, catalogs and bulk fixes"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("people/search/", views.people_search, name="people_search"),
    path("vendors/", include("vendors.urls")),
    path("", include("engagements.urls")),
    path("", views.home, name="home"),
]
