"""The project's URLs plus views that misbehave on purpose, for the hostile-input harness's
own tests (test_hostile_harness.py): each breaks one promise `check_post` or `check_get`
must catch."""

from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path

from outsourcing.urls import urlpatterns as project_urlpatterns


def landing(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Saved.")


def refuse_but_write(request: HttpRequest) -> HttpResponse:
    Group.objects.create(name="written by a refused request")
    return HttpResponse("Please correct the errors below.")


def refuse_after_rewriting_a_row_unchanged(request: HttpRequest) -> HttpResponse:
    group = Group.objects.get(name="Harness group")
    group.save()  # an UPDATE that leaves the row as it was
    return HttpResponse("Please correct the errors below.")


def accept_and_write_a_group(request: HttpRequest) -> HttpResponse:
    Group.objects.create(name=request.POST.get("name", "new group"))
    return redirect("harness_landing")


def echo_unescaped(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<p>{request.POST.get('name') or request.GET.get('name')}</p>")  # nosec


def fail(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug")


def to_the_sign_in_page(request: HttpRequest) -> HttpResponse:
    return redirect("login")


def to_a_broken_page(request: HttpRequest) -> HttpResponse:
    return redirect("harness_fail")


urlpatterns = [
    *project_urlpatterns,
    path("harness/landing/", landing, name="harness_landing"),
    path("harness/refuse-but-write/", refuse_but_write),
    path("harness/refuse-unchanged/", refuse_after_rewriting_a_row_unchanged),
    path("harness/accept/", accept_and_write_a_group),
    path("harness/echo/", echo_unescaped),
    path("harness/fail/", fail, name="harness_fail"),
    path("harness/sign-in/", to_the_sign_in_page),
    path("harness/broken-landing/", to_a_broken_page),
]
