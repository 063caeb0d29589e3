"""Project-level views: the health check (no login) and the landing page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from outsourcing import roles
from outsourcing.health import report


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: each dependency, ok or down
    (outsourcing/health.py). `?strict=1` answers 503 when any of them is down."""
    body, status = report(strict=request.GET.get("strict") == "1")
    return JsonResponse(body, status=status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: the dashboard for a person with a role."""
    if roles.can_read(request.user):
        return redirect("engagements:dashboard")
    if request.user.is_staff:
        # Staff without a role run the Django admin only (users, catalogs, bulk fixes).
        return redirect("admin:index")
    raise PermissionDenied
