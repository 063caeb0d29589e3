"""Hostile input to every form of step 4 (monitoring): KPIs, KPIs from templates, one
measurement and a whole period's values."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import Direction, Kpi, Measurement
from engagements.tests.factories import (
    KpiFactory,
    KpiTemplateFactory,
    MeasurementFactory,
)
from engagements.tests.worlds import EngagementWorld
from outsourcing.tests.hostile import (
    check_post,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_flag,
    hostile_number,
    hostile_text,
    sign_in,
)
from outsourcing.text import is_whole_number

pytestmark = pytest.mark.hostile

DAY = "2025-06-02"  # a day in the past, free of measurements in every world below
KPI_WRITES = {"engagements_kpi", "engagements_historicalkpi"}
MEASUREMENT_WRITES = {"engagements_measurement", "engagements_historicalmeasurement"}
CHOICES: dict[str, list[str]] = {
    "direction": [Direction.HIGHER, Direction.LOWER],
    "aggregation": ["average", "sum", "latest"],
    "period": ["week", "month", "quarter"],
}


def extreme_number() -> st.SearchStrategy[str]:
    """Numbers near the edges of a DECIMAL(14, 4) column and of a float, as typed."""
    return st.one_of(
        hostile_number(),
        st.sampled_from(
            ["1e309", "-1e309", "9999999999.9999", "-9999999999.9999", "10000000000", "0.00001"]
        ),
    )


class World(EngagementWorld):
    """An engagement owned by the manager with two active KPIs (one of each direction),
    an inactive one, a template, and a KPI of somebody else's engagement."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Helpdesk")
        self.kpi = KpiFactory(engagement=self.engagement, name="First-contact resolution")
        self.lower = KpiFactory(
            engagement=self.engagement, name="Response time", lower_is_better=True
        )
        self.inactive = KpiFactory(engagement=self.engagement, name="Old KPI", is_active=False)
        self.earlier = MeasurementFactory(kpi=self.kpi, measured_on=datetime.date(2025, 5, 1))
        self.template = KpiTemplateFactory(name="Hostile-test satisfaction", unit="score 1–5")
        self.foreign = KpiFactory(name="Someone else's KPI")

    @property
    def kpi_ids(self) -> list[int]:
        return [self.kpi.pk, self.lower.pk, self.inactive.pk, self.foreign.pk]


@pytest.fixture
def world(manager: Any, client: Any) -> World:
    sign_in(client, manager)
    return World(manager)


def kpi_strategies(world_ids: list[int] | None = None) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "name": hostile_text(),
        "description": hostile_text(),
        "unit": hostile_text(max_size=40),
        "direction": hostile_choice(CHOICES["direction"]),
        "target": extreme_number(),
        "amber_threshold": extreme_number(),
        "red_threshold": extreme_number(),
        "aggregation": hostile_choice(CHOICES["aggregation"]),
        "period": hostile_choice(CHOICES["period"]),
        "weight": extreme_number(),
        "allows_negative": hostile_flag(),
        "is_active": hostile_flag(),
    }


KPI_VALID = {
    "name": "Tickets solved on time",
    "description": "Share of tickets solved within the agreed time.",
    "unit": "%",
    "direction": "higher",
    "target": "95",
    "amber_threshold": "90",
    "red_threshold": "85",
    "aggregation": "average",
    "period": "month",
    "weight": "1.5",
}


def _number(raw: Any) -> Decimal:
    return Decimal(str(raw).strip())


def _kpi_holds(kpi: Kpi, data: dict[str, Any]) -> None:
    assert kpi.name == data["name"].strip()
    assert kpi.description == data.get("description", "").strip()
    assert kpi.unit == data["unit"].strip()
    assert kpi.direction == data["direction"]
    for field in ("target", "amber_threshold", "red_threshold", "weight"):
        assert getattr(kpi, field) == _number(data[field]), field


def test_kpi_form_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:kpi_create", args=[world.engagement.pk])
    response = client.post(url, KPI_VALID)
    assert response.status_code == 302
    _kpi_holds(Kpi.objects.get(engagement=world.engagement, name=KPI_VALID["name"]), KPI_VALID)


@given(data=form_data(KPI_VALID, {k: v for k, v in kpi_strategies().items() if k != "is_active"}))
def test_kpi_create_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    def saved(response: Any, data: dict[str, Any]) -> None:
        kpi = Kpi.objects.get(engagement=world.engagement, name=data["name"].strip())
        _kpi_holds(kpi, data)

    check_post(
        client,
        reverse("engagements:kpi_create", args=[world.engagement.pk]),
        data,
        writes=KPI_WRITES,
        then=saved,
    )


KPI_UPDATE_VALID = {**KPI_VALID, "name": "First-contact resolution", "is_active": "on"}


def test_kpi_update_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:kpi_update", args=[world.engagement.pk, world.kpi.pk])
    assert client.post(url, KPI_UPDATE_VALID).status_code == 302
    world.kpi.refresh_from_db()
    _kpi_holds(world.kpi, KPI_UPDATE_VALID)


@given(data=form_data(KPI_UPDATE_VALID, kpi_strategies()))
def test_kpi_update_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    def saved(response: Any, data: dict[str, Any]) -> None:
        _kpi_holds(Kpi.objects.get(pk=world.kpi.pk), data)

    check_post(
        client,
        reverse("engagements:kpi_update", args=[world.engagement.pk, world.kpi.pk]),
        data,
        writes=KPI_WRITES,
        then=saved,
    )


def test_kpi_from_templates_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:kpi_from_templates", args=[world.engagement.pk])
    assert client.post(url, {"templates": [world.template.pk]}).status_code == 302
    assert Kpi.objects.filter(engagement=world.engagement, template=world.template).exists()


@given(
    templates=st.one_of(
        # Real template ids (the seeded catalogue and ours), so the save path is walked too.
        st.lists(st.sampled_from(["TEMPLATE", "1", "2", "3", "4", "5", "6"]), min_size=1),
        st.lists(
            st.one_of(hostile_choice(), st.sampled_from(["TEMPLATE", "FOREIGN_KPI"])), max_size=4
        ),
    )
)
def test_kpi_from_templates_survives_hostile_template_ids(
    templates: list[str], world: World, client: Any
) -> None:
    ids = [
        str(world.template.pk)
        if value == "TEMPLATE"
        else str(world.foreign.pk)
        if value == "FOREIGN_KPI"
        else value
        for value in templates
    ]

    def saved(response: Any, data: dict[str, Any]) -> None:
        added = Kpi.objects.filter(engagement=world.engagement, template__isnull=False)
        chosen = {int(value) for value in ids if is_whole_number(value.strip())}
        assert added and {k.template_id for k in added} <= chosen
        for kpi in added:
            assert kpi.template is not None
            assert kpi.name == kpi.template.name and kpi.target == kpi.template.target

    check_post(
        client,
        reverse("engagements:kpi_from_templates", args=[world.engagement.pk]),
        {"templates": ids},
        writes=KPI_WRITES,
        then=saved,
    )


def _measurement_valid(world: World) -> dict[str, Any]:
    return {"kpi": str(world.kpi.pk), "measured_on": DAY, "value": "96.5", "note": "Monthly"}


def test_measurement_form_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:measurement_create", args=[world.engagement.pk])
    assert client.post(url, _measurement_valid(world)).status_code == 302
    assert Measurement.objects.get(kpi=world.kpi, measured_on=DAY).value == Decimal("96.5")


@given(raw=st.data())
def test_measurement_create_survives_hostile_input(raw: Any, world: World, client: Any) -> None:
    data = raw.draw(
        form_data(
            _measurement_valid(world),
            {
                "kpi": hostile_choice(world.kpi_ids),
                "measured_on": st.one_of(
                    hostile_date(), st.sampled_from(["9999-12-31", "0001-01-01", "2025-05-01"])
                ),
                "value": extreme_number(),
                "note": hostile_text(),
            },
        )
    )

    def saved(response: Any, data: dict[str, Any]) -> None:
        # Only the engagement's own active KPIs take values.
        assert int(data["kpi"]) in (world.kpi.pk, world.lower.pk)
        day = forms.DateField().clean(data["measured_on"])
        row = Measurement.objects.get(kpi_id=int(data["kpi"]), measured_on=day)
        assert row.value == _number(data["value"])
        assert row.note == data.get("note", "").strip()
        assert row.measured_on <= datetime.date.today()

    check_post(
        client,
        reverse("engagements:measurement_create", args=[world.engagement.pk]),
        data,
        writes=MEASUREMENT_WRITES,
        then=saved,
    )


def _period_valid(world: World) -> dict[str, Any]:
    return {
        "measured_on": DAY,
        f"value_{world.kpi.pk}": "97",
        f"note_{world.kpi.pk}": "",
        f"value_{world.lower.pk}": "3.25",
        f"note_{world.lower.pk}": "Busy week",
    }


def test_period_entry_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:measurement_period", args=[world.engagement.pk])
    assert client.post(url, _period_valid(world)).status_code == 302
    assert Measurement.objects.filter(measured_on=DAY).count() == 2


@given(raw=st.data())
def test_period_entry_survives_many_hostile_values_at_once(
    raw: Any, world: World, client: Any
) -> None:
    hostile: dict[str, st.SearchStrategy[Any]] = {
        "measured_on": st.one_of(hostile_date(), st.just("2025-05-01")),
        # A value for a KPI that is not on the form (inactive, or another engagement's).
        f"value_{world.inactive.pk}": extreme_number(),
        f"value_{world.foreign.pk}": extreme_number(),
    }
    for kpi in (world.kpi, world.lower):
        hostile[f"value_{kpi.pk}"] = st.one_of(extreme_number(), st.just(""))
        hostile[f"note_{kpi.pk}"] = hostile_text()
    data = raw.draw(form_data(_period_valid(world), hostile))

    def saved(response: Any, data: dict[str, Any]) -> None:
        day = forms.DateField().clean(data["measured_on"])
        rows = {
            m.kpi_id: m
            for m in Measurement.objects.filter(measured_on=day).exclude(pk=world.earlier.pk)
        }
        for kpi in (world.kpi, world.lower):
            typed = str(data.get(f"value_{kpi.pk}", "")).strip()
            if typed:
                assert rows[kpi.pk].value == _number(typed)
                assert rows[kpi.pk].note == data.get(f"note_{kpi.pk}", "").strip()
            else:
                assert kpi.pk not in rows
        assert not {world.inactive.pk, world.foreign.pk} & set(rows)

    check_post(
        client,
        reverse("engagements:measurement_period", args=[world.engagement.pk]),
        data,
        writes=MEASUREMENT_WRITES,
        then=saved,
    )
