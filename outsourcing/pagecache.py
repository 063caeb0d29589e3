"""Rendered page fragments kept for a short while, and dropped by any change of data.

A page read again and again between changes (the dashboard: opened, reloaded, returned
to after every save) then costs one cache look-up instead of a dozen queries and a
render. A fragment is served only while both hold:

- it is younger than PAGE_CACHE_SECONDS, so what time alone changes (a check-in
  turning overdue, evidence expiring) shows within that;
- the data "generation" it was made in is still current. Every successful change
  starts a new one: any form, admin or API write (PageCacheMiddleware) and the
  scheduled jobs that change what pages show (`data_changed()` where they write). So
  a person sees their own save at once, and anyone else's on their next request.

The generation is read together with the fragment (one round trip), and is started
only after a change has committed, so a fragment rendered from data older than the
current generation is never served. The cache must be shared by every process that
serves pages (Redis): PAGE_CACHE_SECONDS is 0 (off) by default without REDIS_URL. With
Redis away, every request renders afresh (django-redis ignores its errors).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

GENERATION_KEY = "pagecache:generation"


def enabled() -> bool:
    return int(settings.PAGE_CACHE_SECONDS) > 0


def data_changed() -> None:
    """Start a new generation, once what changed has committed (at once outside a
    transaction): every fragment cached so far is out of date."""
    if enabled():
        transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def fragment(request: HttpRequest, name: str, render: Callable[[], str]) -> str:
    """`render()`'s HTML for this person and this URL (path and query), from the cache
    when it was made in the current generation, within PAGE_CACHE_SECONDS.

    What `render()` returns is kept as it is: a template's output stays marked safe
    through the cache (pickled with its type), anything else is escaped where shown."""
    if not enabled():
        return render()
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    key = f"pagecache:{name}:{request.user.pk}:{path}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    kept = found.get(key)
    if generation is not None and kept is not None and kept[0] == generation:
        made: str = kept[1]
        return made
    if generation is None:
        # First use, or the cache was emptied: start a generation. If the cache is away
        # this stores nothing, and the next request renders afresh too.
        generation = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY)
    html = render()
    if generation is not None:
        cache.set(key, (generation, html), timeout=int(settings.PAGE_CACHE_SECONDS))
    return html


class PageCacheMiddleware:
    """Any request that may have changed data (not GET or HEAD) and did not fail starts a
    new generation, after its transaction has committed (ATOMIC_REQUESTS is off; views
    commit before they answer)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 500:
            data_changed()
        return response
