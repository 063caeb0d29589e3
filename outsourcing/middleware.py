"""Response headers every signed-in page needs, and answers while the database is away."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

# What a dropped or refused database connection raises.
DATABASE_GONE = (OperationalError, InterfaceError)
# Requests that change nothing, and so may run a second time.
SAFE_METHODS = ("GET", "HEAD")
# Seconds a browser is told to wait before trying again.
RETRY_AFTER = 30
_POLL_INTERVAL = 0.25


class PrivatePagesMiddleware:
    """A signed-in page is one person's: no browser or proxy keeps a copy of it
    (a shared machine's back button after signing out, a caching proxy on the way)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class DatabaseBlipMiddleware:
    """A database restart or failover drops connections for a moment. A read that meets
    one waits for the database (DATABASE_RECONNECT_WAIT at most) and runs once more, so
    the person sees their page; a write is not repeated, it gets the "try again" page
    (503, Retry-After) and its atomic block has rolled back.

    Placed after AuthenticationMiddleware: it loads the session and the signed-in user
    itself, which the middleware below it would otherwise do where no answer but a 500
    is possible (the time zone before the view, the private-page headers after it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            _load_user(request)
        except DATABASE_GONE as error:
            if not _connection_lost(error):
                raise
            if not _may_retry(request, error):
                return database_unavailable()
            try:
                # A failed load left no session or user behind: this loads them afresh.
                _load_user(request)
            except DATABASE_GONE:
                return database_unavailable()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_GONE) or not _connection_lost(exception):
            return None  # a slow query or a deadlock is an error, not a blip: not run twice
        if not _may_retry(request, exception):
            return database_unavailable()
        match = request.resolver_match
        if match is None:
            return database_unavailable()
        try:
            response: HttpResponse = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        except DATABASE_GONE:
            return database_unavailable()
        return response


def _load_user(request: HttpRequest) -> bool:
    """Reads the session and its user, from the cache or the database, as every signed-in
    page does once; without a session cookie there is nothing to read."""
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def _may_retry(request: HttpRequest, error: Exception) -> bool:
    """Whether this request may run again: a read, its first retry, outside a transaction,
    and the database back within DATABASE_RECONNECT_WAIT seconds."""
    if request.method not in SAFE_METHODS or getattr(request, "_database_retried", False):
        return _not_retried(request, error)
    if connection.in_atomic_block:
        return False
    request._database_retried = True  # type: ignore[attr-defined]
    if not wait_for_database(float(settings.DATABASE_RECONNECT_WAIT)):
        return _not_retried(request, error)
    logger.info(
        "Database connection dropped (%s); reconnected and retried %s.", error, request.path
    )
    return True


# PostgreSQL's codes for a connection that is gone: class 08 (connection exception) and
# the server shutting down or restarting (57P01–57P03). Others (a statement timeout,
# 57014; a deadlock, 40P01) are the query's own error.
SERVER_GONE = ("57P01", "57P02", "57P03")


def _connection_lost(error: Exception) -> bool:
    """Whether the error says the connection is gone (no code at all: the client found
    it closed), not that the query failed."""
    cause = error.__cause__
    if not isinstance(cause, psycopg.Error):
        return False  # not PostgreSQL's driver (SQLite's "database is locked"): the query's own
    code = cause.sqlstate
    return code is None or code.startswith("08") or code in SERVER_GONE


def _not_retried(request: HttpRequest, error: Exception) -> bool:
    logger.warning(
        "Database unreachable (%s): answered %s %s with 503.", error, request.method, request.path
    )
    return False


def drop_connection() -> None:
    """Let the next query open a fresh connection rather than reuse a broken one."""
    try:
        connection.close()
    except DatabaseError:
        connection.connection = None  # gone already; Django opens a new one


def wait_for_database(seconds: float) -> bool:
    """Close the broken connection and reconnect, trying for up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        drop_connection()
        try:
            connection.ensure_connection()
            return True
        except DATABASE_GONE:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_INTERVAL)


def database_unavailable() -> HttpResponse:
    """The "try again" page. Rendered without the request: the signed-in menu and the
    messages would ask the database that is away."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response
