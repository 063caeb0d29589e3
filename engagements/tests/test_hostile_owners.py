"""Hostile input to the owners page (add, remove, hand over) and the value edit form.

One @given test per form, through the real routes, signed in as someone who may use it.
Row ids are not known when the strategies are built: placeholders ("@dana") stand for them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import Measurement
from engagements.tests.factories import KpiFactory, MeasurementFactory
from engagements.tests.worlds import OwnersWorld
from outsourcing.tests.hostile import (
    XSS_PROBES,
    check_post,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_flag,
    hostile_number,
    hostile_text,
    sign_in,
)

pytestmark = pytest.mark.hostile

PROBE = XSS_PROBES[0]
PEOPLE = ["@dana", "@sam", "@manager", "@viewer", "@admin"]
OWNER_WRITES = [
    "engagements_engagement_co_owners",
    "engagements_historicalengagement",
    "engagements_historicalengagement_co_owners",
]


class World(OwnersWorld):
    """The owners page's world, its names carrying script probes, with a KPI value to edit
    and the row ids the placeholders ("@dana") stand for."""

    def __init__(self, owner: Any, viewer: Any, admin: Any) -> None:
        super().__init__(
            owner, title=f"Support {PROBE}", first_names=(f"Sam {XSS_PROBES[1]}", f"Dana {PROBE}")
        )
        kpi = KpiFactory(engagement=self.engagement, name=f"Uptime {PROBE}")
        self.measurement = MeasurementFactory(
            kpi=kpi, measured_on=datetime.date(2025, 1, 10), value=Decimal("96"), note=PROBE
        )
        self.ids = {
            "@dana": str(self.dana.pk),
            "@sam": str(self.sam.pk),
            "@manager": str(owner.pk),
            "@viewer": str(viewer.pk),
            "@admin": str(admin.pk),
            "@kpi": str(kpi.pk),
        }


@pytest.fixture
def world(manager: Any, viewer: Any, role_admin: Any) -> World:
    return World(manager, viewer, role_admin)


def _resolve(data: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    return {name: ids.get(value, value) for name, value in data.items()}


def _flag(data: Mapping[str, Any], name: str) -> bool:
    return forms.BooleanField(required=False).clean(
        forms.CheckboxInput().value_from_datadict(data, MultiValueDict(), name)
    )


def _owners_url(world: World) -> str:
    return reverse("engagements:engagement_owners", args=[world.engagement.pk])


def _co_owners(world: World) -> set[int]:
    return set(world.engagement.co_owners.values_list("pk", flat=True))


# --- add a co-owner ----------------------------------------------------------------------

ADD_VALID = {"action": "add", "user": "@dana"}
ADD_HOSTILE = {"action": hostile_choice(["add"]), "user": hostile_choice(PEOPLE)}


def test_co_owner_add_valid_baseline_is_accepted(world: World, manager: Any, client: Any) -> None:
    sign_in(client, manager)
    response = client.post(_owners_url(world), _resolve(ADD_VALID, world.ids))
    assert response.status_code == 302
    assert int(world.ids["@dana"]) in _co_owners(world)


@given(data=form_data(ADD_VALID, ADD_HOSTILE))
def test_co_owner_add_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        assert posted["action"] == "add"
        assert int(posted["user"]) in _co_owners(world)
        assert int(posted["user"]) in {int(world.ids["@dana"]), int(world.ids["@admin"])}
        world.engagement.refresh_from_db()
        assert world.engagement.owner_id == int(world.ids["@manager"])

    check_post(
        client,
        _owners_url(world),
        _resolve(data, world.ids),
        writes=OWNER_WRITES,
        then=saved,
    )


# --- remove a co-owner -------------------------------------------------------------------

REMOVE_VALID = {"action": "remove", "user": "@sam"}
REMOVE_HOSTILE = {"action": hostile_choice(["remove"]), "user": hostile_choice(PEOPLE)}


def test_co_owner_remove_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    response = client.post(_owners_url(world), _resolve(REMOVE_VALID, world.ids))
    assert response.status_code == 302
    assert _co_owners(world) == set()


@given(data=form_data(REMOVE_VALID, REMOVE_HOSTILE))
def test_co_owner_remove_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        assert posted["action"] == "remove"
        assert posted["user"] == world.ids["@sam"]
        assert _co_owners(world) == set()

    check_post(
        client,
        _owners_url(world),
        _resolve(data, world.ids),
        writes=OWNER_WRITES,
        then=saved,
    )


# --- hand the engagement over (admins) -----------------------------------------------------

TRANSFER_VALID = {"action": "transfer", "owner": "@dana", "keep_previous": "on"}
TRANSFER_HOSTILE = {
    "action": hostile_choice(["transfer"]),
    "owner": hostile_choice(PEOPLE),
    "keep_previous": hostile_flag(),
}


def test_owner_transfer_valid_baseline_is_accepted(
    world: World, role_admin: Any, client: Any
) -> None:
    sign_in(client, role_admin)
    response = client.post(_owners_url(world), _resolve(TRANSFER_VALID, world.ids))
    assert response.status_code == 302
    world.engagement.refresh_from_db()
    assert world.engagement.owner_id == int(world.ids["@dana"])


@given(data=form_data(TRANSFER_VALID, TRANSFER_HOSTILE))
def test_owner_transfer_survives_hostile_input(
    data: dict[str, Any], world: World, role_admin: Any, client: Any
) -> None:
    sign_in(client, role_admin)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        assert posted["action"] == "transfer"
        world.engagement.refresh_from_db()
        new_owner = int(posted["owner"])
        assert world.engagement.owner_id == new_owner
        previous = int(world.ids["@manager"])
        co_owners = _co_owners(world)
        assert new_owner not in co_owners
        assert (previous in co_owners) == _flag(posted, "keep_previous")

    check_post(
        client,
        _owners_url(world),
        _resolve(data, world.ids),
        writes=[*OWNER_WRITES, "engagements_engagement"],
        then=saved,
    )


# --- edit a KPI value ----------------------------------------------------------------------

EDIT_VALID = {"kpi": "@kpi", "measured_on": "2025-01-12", "value": "97.5", "note": "Corrected"}
EDIT_HOSTILE: dict[str, st.SearchStrategy[Any]] = {
    "kpi": hostile_choice(["@kpi"]),
    "measured_on": hostile_date(),
    "value": hostile_number(),
    "note": hostile_text(),
}


def _edit_url(world: World) -> str:
    return reverse(
        "engagements:measurement_update", args=[world.engagement.pk, world.measurement.pk]
    )


def test_measurement_edit_valid_baseline_is_accepted(
    world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    response = client.post(_edit_url(world), _resolve(EDIT_VALID, world.ids))
    assert response.status_code == 302
    world.measurement.refresh_from_db()
    assert world.measurement.value == Decimal("97.5")


@given(data=form_data(EDIT_VALID, EDIT_HOSTILE))
def test_measurement_edit_survives_hostile_input(
    data: dict[str, Any], world: World, manager: Any, client: Any
) -> None:
    sign_in(client, manager)

    def saved(response: Any, posted: dict[str, Any]) -> None:
        measurement = Measurement.objects.get(pk=world.measurement.pk)
        assert measurement.kpi_id == int(world.ids["@kpi"])  # the KPI cannot be changed
        assert measurement.measured_on == forms.DateField().clean(posted["measured_on"])
        value = forms.DecimalField(max_digits=14, decimal_places=4).clean(posted["value"])
        assert measurement.value == value
        assert measurement.note == str(posted.get("note", "")).strip()
        assert measurement.entered_by == manager

    check_post(
        client,
        _edit_url(world),
        _resolve(data, world.ids),
        writes=["engagements_measurement", "engagements_historicalmeasurement"],
        then=saved,
    )
