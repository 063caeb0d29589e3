"""The three roles exist as groups with model permissions that match PRODUCT.md."""

import pytest
from django.contrib.auth.models import Group


def codenames(group_name: str) -> set[str]:
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_a_viewer_may_view_everything_and_change_nothing() -> None:
    viewer = codenames("Viewer")

    assert {"view_vendor", "view_engagement", "view_risk", "view_scorecard"} <= viewer
    assert not {c for c in viewer if not c.startswith("view_")}


@pytest.mark.django_db
def test_a_manager_may_add_and_change_the_work_but_not_computed_or_catalog_rows() -> None:
    manager = codenames("Manager")

    assert {"add_candidate", "change_engagement", "add_measurement", "change_risk"} <= manager
    assert "view_kpirollup" in manager
    assert not {"change_kpirollup", "change_scorecard", "change_kpitemplate"} & manager
    assert not {c for c in manager if c.startswith("delete_")}
    assert "change_user" not in manager


@pytest.mark.django_db
def test_an_admin_may_do_everything_including_users_and_groups() -> None:
    admin = codenames("Admin")

    assert {"delete_vendor", "change_kpitemplate", "change_user", "change_group"} <= admin
