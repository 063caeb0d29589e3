"""Hostile input to the spend import: whole CSV files built by Hypothesis."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import SpendEntry
from engagements.tests.factories import EngagementFactory, SpendEntryFactory
from outsourcing.models import Currency
from outsourcing.tests.hostile import (
    check_post,
    hostile_choice,
    hostile_date,
    hostile_number,
    hostile_text,
    sign_in,
)
from outsourcing.tests.hostile_csv import hostile_csv, rows_of, upload_of

pytestmark = pytest.mark.hostile

REQUIRED = ("invoice_date", "period_start", "period_end", "amount")
OPTIONAL = ("currency", "invoice_number", "note")
WRITES = {"engagements_spendentry"}
FIRST_DAY = datetime.date(2025, 1, 1)
TAKEN = "INV-TAKEN"  # already entered on the engagement
FAR_DATES = st.sampled_from(["9999-12-31", "0001-01-01", "1900-01-01", "2100-06-30"])
AMOUNTS = st.one_of(
    hostile_number(),
    st.sampled_from(["0", "0.001", "0.01", "-1", "999999999999.99", "1e3", "=1+1", "€7000"]),
)


@pytest.fixture
def engagement(manager: Any) -> Any:
    engagement = EngagementFactory(owner=manager, currency="EUR")
    SpendEntryFactory(engagement=engagement, invoice_number=TAKEN)
    return engagement


def valid_row(i: int) -> dict[str, str]:
    day = FIRST_DAY + datetime.timedelta(days=i)
    return {
        "invoice_date": day.isoformat(),
        "period_start": day.isoformat(),
        "period_end": (day + datetime.timedelta(days=30)).isoformat(),
        "amount": f"{1000 + i}.50",
        "currency": "EUR",
        "invoice_number": f"INV-{i}",
        "note": "Monthly fee",
    }


def _day() -> st.SearchStrategy[str]:
    return st.one_of(hostile_date(), FAR_DATES)


HOSTILE = {
    "invoice_date": _day(),
    "period_start": _day(),
    "period_end": _day(),
    "amount": AMOUNTS,
    "currency": hostile_choice([*Currency.values, "eur", "XYZ"]),
    "invoice_number": st.one_of(
        hostile_text(max_size=80), st.sampled_from([TAKEN, "INV-0", "=cmd()"])
    ),
    "note": st.one_of(hostile_text(), st.just("=cmd()|' /C calc'!A0")),
}


def _imported(content: bytes, manager: Any, engagement: Any) -> None:
    """What the accepted file held is what the Spend tab now has, and the rules hold."""
    rows = rows_of(content, required=REQUIRED, optional=OPTIONAL)
    imported = SpendEntry.objects.filter(engagement=engagement).exclude(invoice_number=TAKEN)
    assert imported.count() == len(rows)
    numbers = [row.get("invoice_number").strip() for row in rows]
    assert len({n for n in numbers if n}) == len([n for n in numbers if n])
    assert TAKEN not in numbers
    for entry in imported:
        assert entry.entered_by == manager
        assert entry.amount >= Decimal("0.01")
        assert entry.period_start <= entry.period_end
        assert entry.currency in Currency.values


@given(
    content=hostile_csv(
        columns=(*REQUIRED, *OPTIONAL), required=REQUIRED, valid_row=valid_row, hostile=HOSTILE
    )
)
def test_spend_import_survives_hostile_files(
    content: bytes, manager: Any, client: Any, engagement: Any
) -> None:
    sign_in(client, manager)
    check_post(
        client,
        reverse("engagements:spend_import", args=[engagement.pk]),
        {"file": upload_of(content)},
        writes=WRITES,
        then=lambda response, posted: _imported(content, manager, engagement),
    )


def test_spend_import_valid_baseline_is_accepted(
    manager: Any, client: Any, engagement: Any
) -> None:
    sign_in(client, manager)
    lines = [",".join(valid_row(0)), *(",".join(valid_row(i).values()) for i in range(4))]
    content = "\n".join(lines).encode()
    response = client.post(
        reverse("engagements:spend_import", args=[engagement.pk]), {"file": upload_of(content)}
    )
    assert response.status_code == 302
    _imported(content, manager, engagement)
