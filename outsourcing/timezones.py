"""Every time is shown in the viewer's own zone: their settings, else the server's TIME_ZONE.

The zone rides in the session, so no page pays a query for it: the app that keeps people's
settings calls `remember_time_zone` when someone signs in and when they change it, and
`ViewerTimeZoneMiddleware` turns it on for each request. Forms then read typed times in the
same zone the page shows them in (Django's forms use the active zone).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from outsourcing.models import known_time_zones

SESSION_KEY = "time_zone"


def remember_time_zone(request: HttpRequest, name: str) -> None:
    """Show this session's times in `name` from its next request on.

    Only the session changes: a sign-in outside a request (a test client's login) must
    not leave the zone switched on in the thread; the middleware switches it per request.
    """
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = name


class ViewerTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if name in known_time_zones():
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
