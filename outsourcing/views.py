"""Project-level views: the health check (no login), the landing page and the people search
behind every type-ahead choice of a person."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from outsourcing import roles
from outsourcing.health import report
from outsourcing.typeahead import Search, person_name, search_view


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


# Whom a person field accepts (TypeAhead's `among`); without one, everyone, as a list's
# owner filter may name someone who has since left.
PEOPLE_AMONG = {
    "managers": roles.managers,
    "colleagues": lambda: roles.people_with_role(*roles.ROLES),
    "scorers": lambda: roles.people_with_role(roles.MANAGER, roles.VIEWER),
}


def people(among: str) -> QuerySet[Any]:
    narrowed = PEOPLE_AMONG.get(among)
    if narrowed:
        return narrowed()
    return get_user_model().objects.order_by("first_name", "last_name", "username")


people_search = search_view(
    Search(
        rows=people,
        fields=("first_name", "last_name", "username"),
        label=person_name,
        none_found="No one matches “{q}”",
    )
)
