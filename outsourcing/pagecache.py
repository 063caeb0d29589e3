"""Rendered page fragments kept for a short while, and dropped by any change of data.

A page read again and again between changes (the dashboard: opened, reloaded, returned
to after every save) then costs one cache look-up instead of a dozen queries and a
render. A fragment is kept per person, variant (the dashboard's scope) and time zone,
and served only while all of these hold:

- it is younger than PAGE_CACHE_SECONDS, so what time alone changes (a check-in
  turning overdue, evidence expiring) shows within that;
- the data "generation" it was made in is still current. Every change starts a new
  one: any form or admin save by a signed-in person (PageCacheMiddleware) and the
  scheduled jobs where they write (`data_changed()`), each once it has committed;
- it was made after this browser's own last save, which a cookie remembers: a person
  sees their own save at once even if the new generation could not be told to Redis
  (a network split, a timeout). Only their own cache is at stake if they change it.

The generation is read together with the fragment (one round trip). Keys carry the
database's name, so installations (or benchmark databases) sharing a Redis never
share fragments. The cache must be shared by every process that serves pages:
PAGE_CACHE_SECONDS is 0 (off) by default without REDIS_URL. With Redis away, every
request renders afresh (django-redis ignores its errors after its short timeouts).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# The cookie noting this browser's last save (a Unix time).
SAVED_AT = "saved_at"
# Requests that change nothing.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def enabled() -> bool:
    return int(settings.PAGE_CACHE_SECONDS) > 0


def _key(*parts: object) -> str:
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]
    return ":".join(["pagecache", database, *map(str, parts)])


def data_changed() -> None:
    """Start a new generation, once what changed has committed (at once outside a
    transaction): every fragment kept so far is out of date. Runs whether or not this
    process keeps fragments itself (a worker may not), as pages elsewhere may."""
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(_key("generation"), uuid.uuid4().hex, timeout=None)


def fragment(request: HttpRequest, name: str, variant: str, render: Callable[[], str]) -> str:
    """`render()`'s HTML for this person, `variant` and time zone: kept when it was made
    in the current generation, after the person's last save, within PAGE_CACHE_SECONDS.

    `render()` returns a template's output, marked safe; it is kept with its type (the
    cache pickles), so it needs no marking again."""
    if not enabled():
        return render()
    generation_key = _key("generation")
    key = _key(name, request.user.pk, variant, timezone.get_current_timezone_name())
    found = cache.get_many([generation_key, key])
    generation = found.get(generation_key)
    kept = found.get(key)
    try:
        saved_at = float(request.COOKIES.get(SAVED_AT, 0))
    except ValueError:
        saved_at = 0.0
    if generation is not None and kept is not None:
        kept_generation, made_at, html = kept
        if kept_generation == generation and made_at > saved_at:
            made: str = html
            return made
    if generation is None:
        # First use, or the cache was emptied: start a generation. If the cache is away
        # this stores nothing (and asks nothing more), and each look renders afresh.
        generation = uuid.uuid4().hex
        if not cache.add(generation_key, generation, timeout=None):
            return render()
    made_at = time.time()
    html = render()
    cache.set(key, (generation, made_at, html), timeout=int(settings.PAGE_CACHE_SECONDS))
    return html


class PageCacheMiddleware:
    """A signed-in person's request that may have changed data (not GET, HEAD or
    OPTIONS) and was not refused starts a new generation after it has committed
    (ATOMIC_REQUESTS is off: views commit before they answer), and notes the moment in
    a cookie (no database write). Anonymous posts (signing in) change no page's data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in SAFE_METHODS or response.status_code in (401, 403, 405):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            data_changed()
            response.set_cookie(
                SAVED_AT,
                f"{time.time():.6f}",
                max_age=max(int(settings.PAGE_CACHE_SECONDS), 60),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
