"""Every URL, every role: who may read it (GET) and who may change anything through it (POST).

The resolver is walked, so a new page fails this test until POLICY declares who
may use it. A refused POST must leave the vendors and engagements tables exactly
as they were; an allowed one may succeed, redirect or show a form error, never 500.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client

from outsourcing.tests.hostile import Watch
from outsourcing.tests.routes import (
    CHANGES,
    EXCLUDED_NAMESPACES,
    LOGIN,
    POLICY,
    ROLES,
    ROUTES,
    Expect,
    World,
    build_world,
    url_for,
)

# --- the database, before and after ------------------------------------------------


def outcome(response: Any) -> Expect:
    if response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL)):
        return LOGIN
    return int(response.status_code)


def request(client: Client, method: str, url: str, *, watch: bool) -> tuple[Expect, list[str]]:
    """One request and, if watched, the tables it changed; rolled back so every role meets
    the same world."""
    changed: set[str] = set()
    with transaction.atomic():
        tables = Watch()
        if watch:
            tables.started()
        try:
            response = client.get(url) if method == "GET" else client.post(url, {})
            got = outcome(response)
        except Exception:  # the test client re-raises what would be a 500
            got = 500
        if watch:
            # Sessions and django-axes' sign-in log are bookkeeping (signing out writes
            # both), not data a refused request could have changed.
            tables.finished({"django_session", "axes_accesslog"})
            changed = tables.changed()
        transaction.set_rollback(True)
    return got, sorted(changed)


CASES = {"routes": 0, "cases": 0}


class Summary:
    """Prints the figures at the end of the run, so CI output shows how much was covered."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            f"route-by-role: {CASES['routes']} routes, {CASES['cases']} cases "
            f"(excluded: {', '.join(f'{k} - {v}' for k, v in EXCLUDED_NAMESPACES.items())})"
        )


@pytest.fixture(scope="session", autouse=True)
def _summary(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.has_plugin("route-by-role-summary"):
        request.config.pluginmanager.register(Summary(), "route-by-role-summary")


def check(route: str, method: str, world: World, client: Client) -> list[str]:
    problems = []
    url = url_for(route, world)
    for role in ROLES:
        expected = POLICY[route][method][role]
        user = world.users[role]
        client.logout()
        if user is not None:
            client.force_login(user)
        refused = method == "POST" and expected != CHANGES
        got, changed = request(client, method, url, watch=refused)
        CASES["cases"] += 1
        if expected == CHANGES:
            if got not in (200, 302, 400):
                problems.append(f"{method} {route} as {role}: expected 200/302/400, got {got}")
        elif got != expected:
            problems.append(f"{method} {route} as {role}: expected {expected}, got {got}")
        if changed:
            problems.append(f"{method} {route} as {role} (refused) changed {changed}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_obeys_its_policy_for_every_role(
    route: str,
    client: Client,
    manager: Any,
    other_manager: Any,
    viewer: Any,
    evaluator_user: Any,
    role_admin: Any,
) -> None:
    assert route in POLICY, f"declare who may use {route} in POLICY"
    world = build_world(
        {
            "anonymous": None,
            "viewer": viewer,
            "other_manager": other_manager,
            "evaluator": evaluator_user,
            "owner": manager,
            "admin": role_admin,
        }
    )
    problems = check(route, "GET", world, client) + check(route, "POST", world, client)
    CASES["routes"] += 1
    assert not problems, "\n".join(problems)


def test_policy_names_only_routes_that_exist_and_every_role_for_both_methods() -> None:
    assert not set(POLICY) - set(ROUTES), "POLICY names routes the URLconf no longer has"
    for route, policy in POLICY.items():
        assert set(policy) == {"GET", "POST"}, f"{route}: declare GET and POST"
        for method, expected in policy.items():
            assert set(expected) == set(ROLES), f"{route} {method}: declare every role"
