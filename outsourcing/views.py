"""Project-level views: the health check (no login) and the landing page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from outsourcing import roles


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: the dashboard for a person with a role."""
    if roles.can_read(request.user):
        return redirect("engagements:dashboard")
    if request.user.is_staff:
        # Staff without a role run the Django admin only (users, catalogs, bulk fixes).
        return redirect("admin:index")
    raise PermissionDenied
