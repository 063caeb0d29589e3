"""Step 5 data access tab: what the vendor can reach, granting and revoking it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import DataAccessGrant
from engagements.tests.factories import DataAccessGrantFactory, EngagementFactory
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for
from vendors.models import DataClassification
from vendors.tests.factories import SubProcessorFactory

pytestmark = pytest.mark.django_db

GRANTED = datetime.date(2026, 1, 5)


class World(EngagementWorld):
    """An engagement owned by `manager`: one active, one revoked grant."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, start_date=GRANTED)
        self.grant = DataAccessGrantFactory(
            engagement=self.engagement,
            system="Zendesk",
            classification=DataClassification.RESTRICTED,
            granted_on=GRANTED,
        )
        self.revoked = DataAccessGrantFactory(
            engagement=self.engagement,
            system="Analytics sandbox",
            classification=DataClassification.INTERNAL,
            personal_data=False,
            granted_on=GRANTED,
            revoked_on=datetime.date(2026, 2, 1),
            revoked_by=owner,
        )

    def snapshot(self) -> list[tuple[Any, ...]]:
        return list(
            DataAccessGrant.objects.order_by("pk").values_list(
                "pk", "system", "granted_on", "revoked_on", "revoked_by"
            )
        )


world = world_fixture(World)


# A change done redirects back to the tab.
CHANGED = {role: 302 if code == 200 else code for role, code in CHANGE.items()}


def access_url(world: World) -> str:
    return reverse("engagements:engagement_access", args=[world.engagement.pk])


def revoke_url(world: World, grant: DataAccessGrant | None = None) -> str:
    grant = grant or world.grant
    return reverse("engagements:grant_revoke", args=[world.engagement.pk, grant.pk])


def grant_data(**changes: object) -> dict[str, object]:
    return {
        "system": "Call recordings bucket",
        "description": "Read-only, for quality reviews.",
        "classification": DataClassification.CONFIDENTIAL,
        "personal_data": "on",
        "access_level": DataAccessGrant.AccessLevel.READ,
        "granted_on": "2026-03-01",
        "revoked_on": "",
    } | changes


def revoke_data(world: World, on: str) -> dict[str, str]:
    return {f"revoke-{world.grant.pk}-revoked_on": on}


@pytest.mark.parametrize("role", ROLES)
def test_the_access_tab_opens_for_every_reader(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    response = client_for(user_for(role, request, world)).get(access_url(world))

    assert response.status_code == READ[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_granting_access_works_for_owners_and_admins_and_changes_nothing_for_others(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    user = user_for(role, request, world)
    before = world.snapshot()

    response = client_for(user).post(access_url(world), grant_data())

    assert response.status_code == CHANGED[role]
    if CHANGED[role] == 302 and role != "anonymous":
        grant = DataAccessGrant.objects.get(system="Call recordings bucket")
        assert grant.granted_by == user
        assert grant.personal_data is True
        assert grant.is_active
    else:
        assert world.snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_revoking_works_for_owners_and_admins_and_changes_nothing_for_others(
    role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    user = user_for(role, request, world)
    before = world.snapshot()

    response = client_for(user).post(revoke_url(world), revoke_data(world, "2026-03-02"))

    assert response.status_code == CHANGED[role]
    world.grant.refresh_from_db()
    if CHANGED[role] == 302 and role != "anonymous":
        assert world.grant.revoked_on == datetime.date(2026, 3, 2)
        assert world.grant.revoked_by == user
    else:
        assert world.snapshot() == before


def test_the_register_lists_active_access_first_with_its_badges(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(viewer).get(access_url(world))

    html = response.content.decode()
    assert [row["grant"].system for row in response.context["rows"]] == [
        "Zendesk",
        "Analytics sandbox",
    ]
    assert "Restricted" in html
    assert "Personal data" in html
    assert "revoked 1 Feb 2026" in html
    assert "Revoke access" not in html  # a viewer changes nothing
    assert "Grant access" not in html


def test_revoking_today_is_the_default_date(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)):
        html = client_for(manager).get(access_url(world)).content.decode()

    assert 'value="2026-03-10"' in html


def test_revoking_before_the_grant_gets_a_message_at_the_field_and_writes_nothing(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(revoke_url(world), revoke_data(world, "2026-01-04"))

    assert response.status_code == 200
    assert world.snapshot() == before
    row = next(r for r in response.context["rows"] if r["grant"] == world.grant)
    assert row["revoke_form"].errors["revoked_on"] == [
        "Access cannot end before it was granted (5 Jan 2026)."
    ]
    assert "Access cannot end before it was granted" in response.content.decode()


def test_revoking_without_a_date_gets_a_message_and_writes_nothing(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(revoke_url(world), revoke_data(world, ""))

    assert response.status_code == 200
    assert world.snapshot() == before


def test_revoking_twice_keeps_the_first_date(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()
    data = {f"revoke-{world.revoked.pk}-revoked_on": "2026-03-02"}

    response = client_for(manager).post(revoke_url(world, world.revoked), data)

    assert response.status_code == 302
    assert world.snapshot() == before


def test_a_grant_ended_before_it_began_gets_a_message_at_the_field_and_writes_nothing(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        access_url(world), grant_data(granted_on="2026-03-01", revoked_on="2026-02-01")
    )

    assert response.status_code == 200
    assert response.context["grant_form"].errors == {
        "revoked_on": ["Access cannot end before it was granted."]
    }
    assert world.snapshot() == before


def test_a_grant_without_a_system_gets_a_message_at_the_field(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(access_url(world), grant_data(system=""))

    assert response.status_code == 200
    assert list(response.context["grant_form"].errors) == ["system"]
    assert world.snapshot() == before


def test_a_grant_of_another_engagement_cannot_be_revoked_through_this_one(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    stranger = DataAccessGrantFactory(engagement=EngagementFactory(owner=manager))
    url = reverse("engagements:grant_revoke", args=[world.engagement.pk, stranger.pk])

    response = client_for(manager).post(url, {f"revoke-{stranger.pk}-revoked_on": "2026-03-02"})

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_the_access_tab_says_what_to_do_when_nothing_is_recorded(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)

    html = (
        client_for(manager)
        .get(reverse("engagements:engagement_access", args=[engagement.pk]))
        .content.decode()
    )

    assert "No data or systems recorded yet." in html
    assert "so offboarding can revoke every one" in html


def test_the_access_tab_runs_the_same_queries_for_few_and_many_grants(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    small, large = EngagementFactory(owner=manager), EngagementFactory(owner=manager)
    for engagement, n in ((small, 2), (large, 20)):
        for i in range(n):
            grant = DataAccessGrantFactory(
                engagement=engagement, granted_by=UserFactory(), system=f"S{i}"
            )
            grant.sub_processors.add(*SubProcessorFactory.create_batch(i, vendor=engagement.vendor))
    client = client_for(manager)
    counts = []
    for engagement in (small, small, large):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("engagements:engagement_access", args=[engagement.pk]))
        counts.append(len(queries))

    assert counts[1] == counts[2]


# --- the vendor's sub-processors on each grant ---------------------------------------


def test_a_grant_records_which_of_the_vendors_sub_processors_touch_it(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    hosting = SubProcessorFactory(vendor=world.engagement.vendor, name="CloudHost Ireland")
    SubProcessorFactory(vendor=world.engagement.vendor, name="Night shift BPO")
    client = client_for(manager)

    form = client.get(access_url(world)).content.decode()
    response = client.post(access_url(world), grant_data(sub_processors=[hosting.pk]))

    assert "Night shift BPO" in form  # offered as a box to tick
    assert response.status_code == 302
    grant = DataAccessGrant.objects.get(system="Call recordings bucket")
    assert list(grant.sub_processors.all()) == [hosting]
    tab = client.get(access_url(world)).content.decode()
    assert "Sub-processors that touch it: " in tab
    assert "CloudHost Ireland" in tab.split('id="grant-')[1]  # the new grant, listed first


def test_another_vendors_sub_processor_is_refused_at_the_field_and_nothing_is_written(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    own = SubProcessorFactory(vendor=world.engagement.vendor)
    foreign = SubProcessorFactory(name="Someone else's host")
    before = world.snapshot()

    response = client_for(manager).post(
        access_url(world), grant_data(sub_processors=[own.pk, foreign.pk])
    )

    assert response.status_code == 200
    errors = response.context["grant_form"].errors
    assert list(errors) == ["sub_processors"]
    message = errors["sub_processors"][0]
    assert f"Tick only {world.engagement.vendor}'s own sub-processors" in message
    assert "Someone else's host" not in response.content.decode()
    assert world.snapshot() == before
    assert not DataAccessGrant.sub_processors.through.objects.exists()


def test_a_vendor_without_sub_processors_is_told_where_to_add_them(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    html = client_for(manager).get(access_url(world)).content.decode()
    assert "has no sub-processors recorded; add them on the vendor page." in html
