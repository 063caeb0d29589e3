"""The owners page: who may add, remove and hand over, and what the history keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import user_with_role
from engagements.models import Engagement
from engagements.selectors.history import engagement_history
from engagements.tests.factories import EngagementFactory, KpiFactory
from engagements.tests.worlds import OwnersWorld, world_fixture
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for

pytestmark = pytest.mark.django_db


world = world_fixture(OwnersWorld)


def payload(action: str, world: OwnersWorld) -> dict[str, Any]:
    if action == "add":
        return {"action": "add", "user": world.dana.pk}
    if action == "remove":
        return {"action": "remove", "user": world.sam.pk}
    return {"action": "transfer", "owner": world.dana.pk, "keep_previous": "on"}


# Adding and removing co-owners is the owner's and the admins' business, not a co-owner's.
MANAGE = {**CHANGE, "co_owner": 403}
TRANSFER = {**MANAGE, "owner": 403}
POSTS = {"add": MANAGE, "remove": MANAGE, "transfer": TRANSFER}


@pytest.mark.parametrize("role", ROLES)
def test_everyone_with_a_role_reads_the_owners(
    role: str, world: OwnersWorld, client_for: Callable[[Any], Any], request: Any
) -> None:
    response = client_for(user_for(role, request, world)).get(world.url)

    assert response.status_code == READ[role]
    if response.status_code == 200:
        page = response.content.decode()
        assert "Sam Lee" in page
        assert ("Add co-owner" in page) == (MANAGE[role] == 200)
        assert ("Hand over" in page) == (TRANSFER[role] == 200)
        assert ("Remove" in page) == (MANAGE[role] == 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", POSTS)
def test_a_post_changes_owners_only_for_the_roles_allowed_to(
    action: str, role: str, world: OwnersWorld, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))
    before = world.snapshot()

    response = client.post(world.url, payload(action, world))

    if POSTS[action][role] == 200:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert world.snapshot() != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert world.snapshot() == before


def test_the_owner_adds_a_co_owner_who_then_may_change_the_engagement(
    world: OwnersWorld, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(world.url, payload("add", world), follow=True)

    assert "Dana Reyes (dana) now co-owns this engagement." in response.content.decode()
    assert set(world.engagement.co_owners.all()) == {world.sam, world.dana}
    kpi = KpiFactory(engagement=world.engagement)
    edit = reverse("engagements:kpi_update", args=[world.engagement.pk, kpi.pk])
    assert client_for(world.dana).get(edit).status_code == 200


def test_a_removed_co_owner_loses_the_right_to_change(
    world: OwnersWorld, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = KpiFactory(engagement=world.engagement, name="Uptime")
    edit = reverse("engagements:kpi_update", args=[world.engagement.pk, kpi.pk])
    assert client_for(world.sam).get(edit).status_code == 200

    response = client_for(manager).post(world.url, payload("remove", world), follow=True)

    assert "Sam Lee (sam) no longer co-owns this engagement." in response.content.decode()
    assert list(world.engagement.co_owners.all()) == []
    refused = client_for(world.sam).post(edit, {"name": "Hijacked", "unit": "%"})
    assert refused.status_code == 403
    kpi.refresh_from_db()
    assert kpi.name == "Uptime"


def test_a_viewer_cannot_be_made_a_co_owner(
    world: OwnersWorld, manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(world.url, {"action": "add", "user": viewer.pk})

    assert response.status_code == 200
    assert response.context["add_form"].errors["user"] == [
        "Pick an active manager or admin who does not own or co-own this engagement yet."
    ]
    assert world.snapshot() == before
    options = response.context["add_form"].fields["user"].queryset
    assert viewer not in options


def test_an_inactive_manager_cannot_be_made_a_co_owner(
    world: OwnersWorld, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    world.dana.is_active = False
    world.dana.save()
    before = world.snapshot()

    response = client_for(manager).post(world.url, payload("add", world))

    assert response.status_code == 200
    assert response.context["add_form"].errors["user"]
    assert world.snapshot() == before


@pytest.mark.parametrize("who", ["owner", "co_owner"])
def test_the_owner_and_a_co_owner_cannot_be_added_again(
    who: str, world: OwnersWorld, manager: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    person = manager if who == "owner" else world.sam
    before = world.snapshot()

    response = client_for(role_admin).post(world.url, {"action": "add", "user": person.pk})

    assert response.status_code == 200
    assert "does not own or co-own this engagement yet" in response.content.decode()
    assert world.snapshot() == before


def test_the_add_box_says_so_when_nobody_is_left_to_add(world: OwnersWorld, client: Any) -> None:
    client.force_login(world.engagement.owner)
    page = client.get(world.url).content.decode()
    assert "nobody is left to add" not in page  # Dana may be added: she is searched for
    assert 'name="action" value="add"' in page

    world.engagement.co_owners.add(world.dana)
    page = client.get(world.url).content.decode()
    assert "nobody is left to add" in page
    assert 'name="action" value="add"' not in page


def test_removing_someone_who_is_not_a_co_owner_changes_nothing(
    world: OwnersWorld, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(world.url, {"action": "remove", "user": world.dana.pk})

    assert response.status_code == 200
    assert "That person no longer co-owns this engagement." in response.content.decode()
    assert world.snapshot() == before


def test_an_unknown_action_changes_nothing(
    world: OwnersWorld, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(world.url, {"action": "promote", "user": world.dana.pk})

    assert response.status_code == 200
    assert "Nothing was changed" in response.content.decode()
    assert world.snapshot() == before


def test_an_admin_hands_over_and_keeps_the_old_owner_as_co_owner(
    world: OwnersWorld, manager: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(role_admin).post(world.url, payload("transfer", world), follow=True)

    world.engagement.refresh_from_db()
    assert world.engagement.owner == world.dana
    assert set(world.engagement.co_owners.all()) == {world.sam, manager}
    assert "Dana Reyes (dana) now owns this engagement." in response.content.decode()
    assert "stays on as a co-owner" in response.content.decode()


def test_a_hand_over_without_the_tickbox_drops_the_old_owner(
    world: OwnersWorld, manager: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = KpiFactory(engagement=world.engagement)
    edit = reverse("engagements:kpi_update", args=[world.engagement.pk, kpi.pk])

    client_for(role_admin).post(world.url, {"action": "transfer", "owner": world.dana.pk})

    world.engagement.refresh_from_db()
    assert world.engagement.owner == world.dana
    assert set(world.engagement.co_owners.all()) == {world.sam}
    assert client_for(manager).post(edit, {"name": "x"}).status_code == 403


def test_handing_over_to_a_co_owner_makes_them_owner_only(
    world: OwnersWorld, manager: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    client_for(role_admin).post(
        world.url, {"action": "transfer", "owner": world.sam.pk, "keep_previous": "on"}
    )

    world.engagement.refresh_from_db()
    assert world.engagement.owner == world.sam
    assert set(world.engagement.co_owners.all()) == {manager}


def test_the_engagement_cannot_be_handed_to_its_owner_or_a_viewer(
    world: OwnersWorld, manager: Any, viewer: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()
    client = client_for(role_admin)

    for person in (manager, viewer):
        response = client.post(world.url, {"action": "transfer", "owner": person.pk})
        assert response.status_code == 200
        assert response.context["transfer_form"].errors["owner"]
    assert world.snapshot() == before


def test_co_owner_changes_show_in_the_engagement_history(
    world: OwnersWorld, manager: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    client_for(manager).post(world.url, payload("add", world))
    client_for(manager).post(world.url, payload("remove", world))

    added, removed = engagement_history(world.engagement)[1::-1]
    assert (added.user, removed.user) == (manager, manager)
    assert [(c.field, c.old, c.new) for c in added.changes] == [
        ("co-owners", "Sam Lee", "Dana Reyes, Sam Lee")
    ]
    assert [(c.field, c.old, c.new) for c in removed.changes] == [
        ("co-owners", "Dana Reyes, Sam Lee", "Dana Reyes")
    ]
    page = client_for(manager).get(world.engagement.get_absolute_url()).content.decode()
    assert "Co-owners:</span> Sam Lee → Dana Reyes, Sam Lee" in page


def test_a_hand_over_is_one_history_entry_with_owner_and_co_owners(
    world: OwnersWorld, manager: Any, role_admin: Any, client_for: Callable[[Any], Any]
) -> None:
    manager.first_name, manager.last_name = "Max", "Ward"
    manager.save()
    count = Engagement.history.filter(id=world.engagement.pk).count()

    client_for(role_admin).post(world.url, payload("transfer", world))

    assert Engagement.history.filter(id=world.engagement.pk).count() == count + 1
    entry = engagement_history(world.engagement)[0]
    assert entry.user == role_admin
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        ("owner", "Max Ward", "Dana Reyes"),
        ("co-owners", "Sam Lee", "Max Ward, Sam Lee"),
    ]


def test_the_overview_offers_manage_only_to_those_who_may(
    world: OwnersWorld, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    overview = world.engagement.get_absolute_url()

    assert world.url in client_for(manager).get(overview).content.decode()
    assert world.url not in client_for(world.sam).get(overview).content.decode()


@pytest.mark.parametrize("co_owners", [2, 20])
def test_the_page_asks_the_same_queries_for_2_or_20_co_owners(
    co_owners: int, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)
    engagement.co_owners.set([user_with_role("Manager", f"co-owner-{n}") for n in range(co_owners)])
    client = client_for(manager)
    url = reverse("engagements:engagement_owners", args=[engagement.pk])

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["co_owners"]) == co_owners
    assert len(queries) <= 12, [q["sql"] for q in queries]
