"""The role table of every app's view tests: who each role is, and what they may do.

ROLES are the roles a page of an engagement (or of anything a manager owns) is tried
with; READ, CREATE and CHANGE give the status a GET gets by role: on a page every role
may read, one any manager may use to create, and one only the owner's side may change.
A module whose page answers otherwise states the difference on top of these tables
(`without`, `renamed`, `{**CHANGE, "co_owner": 403}`), not a copy of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, overload

import pytest

from engagements.tests.factories import EvaluatorFactory

T = TypeVar("T")

ROLES = [
    "anonymous",
    "no_role",
    "viewer",
    "owner",
    "co_owner",
    "other_manager",
    "evaluator_user",
    "role_admin",
    "superuser",
]

READ = {
    "anonymous": 302,
    "no_role": 403,
    "viewer": 200,
    "owner": 200,
    "co_owner": 200,
    "other_manager": 200,
    "evaluator_user": 200,
    "role_admin": 200,
    "superuser": 200,
}
CREATE = {**READ, "viewer": 403, "evaluator_user": 403}
CHANGE = {**CREATE, "other_manager": 403}

# The fixture (conftest.py) that plays a role, where it is not named after the role.
FIXTURE_OF = {"no_role": "no_role_user", "owner": "manager", "superuser": "admin_user"}


@overload
def without(roles: Mapping[str, T], *left_out: str) -> dict[str, T]: ...  # type: ignore[overload-overlap]
@overload
def without(roles: Iterable[str], *left_out: str) -> list[str]: ...
def without(roles: Iterable[str], *left_out: str) -> Any:
    """The roles, or a table of them, but those left out, in their order."""
    if isinstance(roles, Mapping):
        return {role: value for role, value in roles.items() if role not in left_out}
    return [role for role in roles if role not in left_out]


def renamed(table: Mapping[str, T], **names: str) -> dict[str, T]:
    """The table with some roles under another name, e.g. superuser="admin_user"."""
    return {names.get(role, role): value for role, value in table.items()}


def user_for(role: str, request: pytest.FixtureRequest, world: Any = None) -> Any:
    """The user playing `role` (None: anonymous); only that one is created.

    A role may also be named by its fixture ("manager", "admin_user"). `world` is the
    test's world: the co-owner joins its `engagement`; an invited evaluator is invited
    to its `selection`, an uninvited one is the same viewer, not invited.
    """
    if role == "anonymous":
        return None
    if role == "co_owner":
        user = request.getfixturevalue("other_manager")
        world.engagement.co_owners.add(user)
        return user
    if role in ("invited_evaluator", "uninvited_evaluator"):
        user = request.getfixturevalue("evaluator_user")
        if role == "invited_evaluator":
            EvaluatorFactory(selection=world.selection, user=user)
        return user
    return request.getfixturevalue(FIXTURE_OF.get(role, role))
