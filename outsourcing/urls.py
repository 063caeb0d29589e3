from django.contrib import admin
from django.urls import path

from . import views

admin.site.site_header = "Outsourcing administration"
admin.site.site_title = "Outsourcing admin"
admin.site.index_title = "Users, templates, catalogs and bulk fixes"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
]
