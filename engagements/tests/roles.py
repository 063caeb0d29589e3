"""Roles for the engagement-tab view tests: who each is, and what they may do.

`world` is any test world with an `engagement`; a co-owner is added to it.
"""

from typing import Any

import pytest

from vendors.tests.factories import UserFactory

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


def user_for(role: str, world: Any, request: pytest.FixtureRequest) -> Any:
    if role == "anonymous":
        return None
    if role == "no_role":
        return UserFactory(username="no-role")
    if role == "owner":
        return request.getfixturevalue("manager")
    if role == "co_owner":
        user = request.getfixturevalue("other_manager")
        world.engagement.co_owners.add(user)
        return user
    if role == "superuser":
        return request.getfixturevalue("admin_user")
    return request.getfixturevalue(role)


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
CHANGE = {**READ, "viewer": 403, "other_manager": 403, "evaluator_user": 403}
