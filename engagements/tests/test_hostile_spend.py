"""Hostile input to the spend tab's forms: entering, editing and removing spend."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import SpendEntry
from engagements.tests.factories import EngagementFactory, SpendEntryFactory
from engagements.tests.worlds import EngagementWorld
from outsourcing.models import Currency
from outsourcing.tests.hostile import (
    check_get,
    check_post,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_number,
    hostile_text,
    sign_in,
)

pytestmark = pytest.mark.hostile

SPEND_WRITES = {"engagements_spendentry"}
FAR_DATES = st.sampled_from(["9999-12-31", "0001-01-01", "1900-01-01", "2100-06-30"])
AMOUNTS = st.one_of(
    hostile_number(), st.sampled_from(["0", "0.001", "0.01", "-1", "999999999999.99", "1e3"])
)


class World(EngagementWorld):
    """An engagement owned by the manager with one invoice entered, and another
    engagement's invoice."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Payroll processing")
        self.entry = SpendEntryFactory(engagement=self.engagement, invoice_number="INV-1")
        self.foreign = SpendEntryFactory(engagement=EngagementFactory(), invoice_number="INV-9")


@pytest.fixture
def world(manager: Any, client: Any) -> World:
    sign_in(client, manager)
    return World(manager)


def _valid() -> dict[str, Any]:
    return {
        "spent_on": "2026-02-28",
        "period_start": "2026-02-01",
        "period_end": "2026-02-28",
        "amount": "7000.00",
        "currency": "EUR",
        "invoice_number": "INV-2",
        "note": "February",
    }


def _hostile() -> dict[str, st.SearchStrategy[Any]]:
    day = st.one_of(hostile_date(), FAR_DATES)
    return {
        "spent_on": day,
        "period_start": day,
        "period_end": day,
        "amount": AMOUNTS,
        "currency": hostile_choice(Currency.values),
        "invoice_number": st.one_of(hostile_text(max_size=80), st.just("INV-1")),
        "note": hostile_text(),
    }


def _date(raw: Any) -> datetime.date | None:
    return forms.DateField(required=False).clean(raw)


def _holds(entry: SpendEntry, data: dict[str, Any]) -> None:
    """What was saved is what was typed, and the rules hold."""
    assert entry.amount >= Decimal("0.01")
    assert entry.amount == Decimal(str(forms.DecimalField().clean(data["amount"])))
    assert entry.period_start <= entry.period_end
    assert entry.spent_on == _date(data["spent_on"])
    assert entry.currency in Currency.values
    number = data.get("invoice_number", "").strip()
    assert entry.invoice_number == number
    if number:
        same = SpendEntry.objects.filter(engagement=entry.engagement, invoice_number=number)
        assert same.count() == 1


def test_the_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:spend_create", args=[world.engagement.pk])
    assert client.post(url, _valid()).status_code == 302
    _holds(SpendEntry.objects.get(invoice_number="INV-2"), _valid())


@given(raw=st.data())
def test_entering_spend_survives_hostile_input(raw: Any, world: World, client: Any) -> None:
    data = raw.draw(form_data(_valid(), _hostile()))

    def saved(response: Any, data: dict[str, Any]) -> None:
        entry = SpendEntry.objects.filter(engagement=world.engagement).latest("pk")
        _holds(entry, data)

    check_post(
        client,
        reverse("engagements:spend_create", args=[world.engagement.pk]),
        data,
        writes=SPEND_WRITES,
        then=saved,
    )


@given(raw=st.data())
def test_editing_spend_survives_hostile_input(raw: Any, world: World, client: Any) -> None:
    data = raw.draw(form_data(_valid(), _hostile()))

    def saved(response: Any, data: dict[str, Any]) -> None:
        _holds(SpendEntry.objects.get(pk=world.entry.pk), data)

    check_post(
        client,
        reverse("engagements:spend_update", args=[world.engagement.pk, world.entry.pk]),
        data,
        writes=SPEND_WRITES,
        then=saved,
    )


@given(body=st.dictionaries(st.sampled_from(["confirm", "pk", "x"]), hostile_text()))
def test_removing_ignores_hostile_bodies_and_never_reaches_another_engagement(
    body: dict[str, Any], world: World, client: Any
) -> None:
    foreign = reverse("engagements:spend_delete", args=[world.engagement.pk, world.foreign.pk])
    assert client.post(foreign, body).status_code == 404
    assert SpendEntry.objects.filter(pk=world.foreign.pk).exists()
    mine = reverse("engagements:spend_delete", args=[world.engagement.pk, world.entry.pk])
    check_post(client, mine, body, writes=SPEND_WRITES)


@given(params=st.dictionaries(st.sampled_from(["export", "page", "rows"]), hostile_text()))
def test_the_spend_tab_survives_hostile_query_strings(
    params: dict[str, Any], world: World, client: Any
) -> None:
    status = check_get(
        client, reverse("engagements:engagement_spend", args=[world.engagement.pk]), params
    )
    assert status == 200
