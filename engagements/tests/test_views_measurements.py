"""Editing and deleting a KPI value in the browser, and the rollup that follows."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from engagements.models import KpiRollup, Measurement
from engagements.selectors.history import kpi_history
from engagements.services.monitoring import rollup_kpis
from engagements.tests.factories import EngagementFactory, KpiFactory, MeasurementFactory
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.roles import CHANGE, ROLES, user_for

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR, APR = (datetime.date(2025, month, 1) for month in range(1, 5))


def at(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


class World(EngagementWorld):
    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Customer support")
        self.kpi = KpiFactory(engagement=self.engagement, name="Uptime", unit="%")
        self.measurement = MeasurementFactory(
            kpi=self.kpi, measured_on=datetime.date(2025, 1, 10), value=D("96")
        )

    def url(self, route: str, measurement: Measurement | None = None) -> str:
        target = measurement or self.measurement
        return reverse(f"engagements:{route}", args=[self.engagement.pk, target.pk])

    def snapshot(self) -> list[tuple[Any, ...]]:
        return list(
            Measurement.objects.order_by("pk").values_list(
                "pk", "kpi", "measured_on", "value", "note"
            )
        )


world = world_fixture(World)


EDIT = {"measured_on": "2025-01-10", "value": "97.5", "note": "Corrected from the vendor report"}
ROUTES = ("measurement_update", "measurement_delete")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES)
def test_the_edit_and_delete_pages_open_only_for_those_who_may_change(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    response = client_for(user_for(role, request, world)).get(world.url(route))

    assert response.status_code == CHANGE[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES)
def test_a_post_changes_the_value_only_for_those_who_may(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))
    before = world.snapshot()

    response = client.post(world.url(route), EDIT)

    if CHANGE[role] == 200:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert world.snapshot() != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert world.snapshot() == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_value_of_another_engagement_is_not_found_here(
    route: str, world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    elsewhere = MeasurementFactory(kpi=KpiFactory(engagement=EngagementFactory(owner=manager)))
    before = world.snapshot()
    url = reverse(f"engagements:{route}", args=[world.engagement.pk, elsewhere.pk])

    assert client_for(manager).get(url).status_code == 404
    assert client_for(manager).post(url, EDIT).status_code == 404
    assert world.snapshot() == before


def test_the_owner_corrects_a_value_and_the_history_shows_it(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(world.url("measurement_update"), EDIT, follow=True)

    world.measurement.refresh_from_db()
    assert (world.measurement.value, world.measurement.note) == (
        D("97.5"),
        "Corrected from the vendor report",
    )
    page = response.content.decode()
    assert "Saved Uptime: 97.5 % on 10 Jan 2025." in page
    entry = kpi_history(world.kpi)[0]
    assert (entry.subject, entry.action, entry.user) == ("Value of 10 Jan 2025", "changed", manager)
    assert ("value", "96", "97.5") in [(c.field, c.old, c.new) for c in entry.changes]


def test_a_value_cannot_move_onto_a_day_that_has_one(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    MeasurementFactory(kpi=world.kpi, measured_on=datetime.date(2025, 1, 11))
    before = world.snapshot()

    response = client_for(manager).post(
        world.url("measurement_update"), EDIT | {"measured_on": "2025-01-11"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["measured_on"] == [
        "There is already a value for this date; edit it instead."
    ]
    assert world.snapshot() == before


def test_a_value_stays_with_its_kpi(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    other = KpiFactory(engagement=world.engagement, name="Tickets")

    client_for(manager).post(world.url("measurement_update"), EDIT | {"kpi": other.pk})

    world.measurement.refresh_from_db()
    assert world.measurement.kpi == world.kpi
    assert world.measurement.value == D("97.5")


def test_a_value_of_a_deactivated_kpi_can_still_be_corrected(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    world.kpi.is_active = False
    world.kpi.save()

    response = client_for(manager).post(world.url("measurement_update"), EDIT)

    assert response.status_code == 302
    world.measurement.refresh_from_db()
    assert world.measurement.value == D("97.5")


def test_the_owner_deletes_a_value_after_confirming(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    confirm = client.get(world.url("measurement_delete")).content.decode()
    assert "Delete the value of 10 Jan 2025?" in confirm
    assert Measurement.objects.filter(pk=world.measurement.pk).exists()

    response = client.post(world.url("measurement_delete"), follow=True)

    assert not Measurement.objects.filter(pk=world.measurement.pk).exists()
    assert "Deleted the Uptime value of 10 Jan 2025." in response.content.decode()
    entry = kpi_history(world.kpi)[0]
    assert (entry.subject, entry.action, entry.user) == ("Value of 10 Jan 2025", "deleted", manager)


def test_the_kpi_page_offers_edit_and_delete_only_to_those_who_may(
    world: World, manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    page_url = reverse("engagements:kpi_detail", args=[world.engagement.pk, world.kpi.pk])

    owner_page = client_for(manager).get(page_url).content.decode()
    viewer_page = client_for(viewer).get(page_url).content.decode()

    for route in ROUTES:
        assert world.url(route) in owner_page
        assert world.url(route) not in viewer_page


# --- the rollup after a correction ------------------------------------------------------


def run_at(day: datetime.date) -> None:
    with time_machine.travel(at(day), tick=False):
        rollup_kpis()


def january(world: World) -> tuple[Any, ...]:
    row = KpiRollup.objects.get(kpi=world.kpi, period_start=JAN)
    return (row.value, row.status, row.measurement_count)


def test_deleting_a_value_of_a_closed_period_makes_the_next_run_recompute_it(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    MeasurementFactory(kpi=world.kpi, measured_on=datetime.date(2025, 1, 20), value=D("80"))
    run_at(APR)
    assert january(world) == (D("88"), "red", 2)

    with time_machine.travel(at(datetime.date(2025, 4, 10), 9), tick=False):
        client_for(manager).post(world.url("measurement_delete"))
    run_at(datetime.date(2025, 4, 11))

    assert january(world) == (D("80"), "red", 1)


def test_the_last_value_of_a_closed_period_deleted_leaves_no_data(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    run_at(APR)
    assert january(world) == (D("96"), "green", 1)

    with time_machine.travel(at(datetime.date(2025, 4, 10), 9), tick=False):
        client_for(manager).post(world.url("measurement_delete"))
    run_at(datetime.date(2025, 4, 11))

    assert january(world) == (None, "no_data", 0)


def test_moving_a_value_to_another_month_recomputes_both_periods(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    run_at(APR)
    assert january(world) == (D("96"), "green", 1)

    with time_machine.travel(at(datetime.date(2025, 4, 10), 9), tick=False):
        response = client_for(manager).post(
            world.url("measurement_update"), EDIT | {"measured_on": "2025-02-10", "value": "85"}
        )
    assert response.status_code == 302
    run_at(datetime.date(2025, 4, 11))

    assert january(world) == (None, "no_data", 0)
    february = KpiRollup.objects.get(kpi=world.kpi, period_start=FEB)
    assert (february.value, february.status, february.measurement_count) == (D("85"), "red", 1)
