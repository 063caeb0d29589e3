"""Where signing in lands: the dashboard for a role, the admin for staff, 403 for no role."""

from typing import Any

import pytest

from conftest import user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["manager", "viewer", "role_admin", "admin_user"])
def test_home_sends_a_person_with_a_role_to_the_dashboard(
    request: pytest.FixtureRequest, client_for: Any, role: str
) -> None:
    response = client_for(request.getfixturevalue(role)).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_home_sends_staff_without_a_role_to_the_admin(client_for: Any) -> None:
    staff = user_with_role(None, "operations")
    staff.is_staff = True
    staff.save()

    response = client_for(staff).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_home_refuses_a_person_without_a_role(client_for: Any) -> None:
    response = client_for(user_with_role(None, "nobody")).get("/")

    assert response.status_code == 403
    assert "You may not do this" in response.content.decode()
