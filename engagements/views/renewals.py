"""The renewal view (/renewals/): notice deadlines coming up, with a suggestion each."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from engagements.exports import RENEWAL_COLUMNS
from engagements.permissions import can_change, can_read, require
from engagements.selectors.renewals import (
    DEFAULT_DAYS,
    MAX_DAYS,
    renewal_rows,
    renewals_for,
)
from engagements.views.dashboard import scope_of
from outsourcing.exports import export_format, export_response
from outsourcing.lists import page_of


def days_of(request: HttpRequest) -> int:
    """The window asked for (?days=), 1 to MAX_DAYS; anything else gives the default."""
    try:
        days = int(request.GET.get("days", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS
    return days if 1 <= days <= MAX_DAYS else DEFAULT_DAYS


@login_required
@require_safe
def renewal_list(request: HttpRequest) -> HttpResponseBase:
    require(can_read(request.user))
    scope, days = scope_of(request), days_of(request)
    today = timezone.localdate()
    engagements = renewals_for(request.user, scope, days=days)
    if file_format := export_format(request):
        rows = renewal_rows(list(engagements), today=today)
        return export_response(file_format, "renewals", RENEWAL_COLUMNS, rows)
    page = page_of(request, engagements)
    rows = renewal_rows(list(page.object_list), today=today)
    return render(
        request,
        "engagements/renewals/renewal_list.html",
        {
            "page": page,
            "rows": [(row, can_change(request.user, row.engagement)) for row in rows],
            "scope": scope,
            "days": days,
            "default_days": DEFAULT_DAYS,
            "today": today,
        },
    )
