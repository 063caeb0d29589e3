"""The app's URLs plus the minimal signed-in page, for the benchmark's server only."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from outsourcing.urls import urlpatterns as app_urlpatterns


@login_required
@require_safe
def minimal(request: HttpRequest) -> HttpResponse:
    """What any signed-in page costs before it asks anything: the session, the user
    and a small template, through the same middleware as every page."""
    return render(request, "bench/minimal.html", {"user": request.user})


urlpatterns = [path("bench/minimal/", minimal, name="bench_minimal"), *app_urlpatterns]
