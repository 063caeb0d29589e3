"""Hostile input to the KPI value import: whole CSV files built by Hypothesis."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.models import Measurement
from engagements.tests.factories import EngagementFactory, KpiFactory, MeasurementFactory
from outsourcing.tests.hostile import (
    check_post,
    hostile_choice,
    hostile_date,
    hostile_flag,
    hostile_number,
    hostile_text,
    sign_in,
)
from outsourcing.tests.hostile_csv import hostile_csv, rows_of, upload_of

pytestmark = pytest.mark.hostile

REQUIRED = ("kpi", "date", "value")
OPTIONAL = ("note",)
WRITES = {"engagements_measurement", "engagements_historicalmeasurement"}
KPI_NAMES = ("Uptime", "Wait time")
FIRST_DAY = datetime.date(2025, 1, 1)
TAKEN_DAY = FIRST_DAY  # Uptime already has a value that day: the replace path


@pytest.fixture
def engagement(manager: Any) -> Any:
    engagement = EngagementFactory(owner=manager)
    uptime = KpiFactory(engagement=engagement, name="Uptime")
    KpiFactory(engagement=engagement, name="Wait time", lower_is_better=True)
    KpiFactory(engagement=engagement, name="Retired", is_active=False)
    MeasurementFactory(kpi=uptime, measured_on=TAKEN_DAY, value=Decimal("90"))
    return engagement


def valid_row(i: int) -> dict[str, str]:
    return {
        "kpi": KPI_NAMES[i % 2],
        "date": (FIRST_DAY + datetime.timedelta(days=i // 2 + 1)).isoformat(),
        "value": f"{90 + i % 10}.5",
        "note": "Measured by the vendor's tool",
    }


HOSTILE = {
    "kpi": st.one_of(hostile_choice([*KPI_NAMES, "uptime", "Retired"]), hostile_text()),
    "date": st.one_of(st.just(TAKEN_DAY.isoformat()), hostile_date()),
    "value": hostile_number(),
    "note": hostile_text(),
}


def _imported(content: bytes, manager: Any, replace: bool) -> None:
    table = rows_of(content, required=REQUIRED, optional=OPTIONAL)
    rows = [r for r in table if r.get("value").strip() or r.get("note").strip()]
    imported = Measurement.objects.filter(source=Measurement.Source.CSV)
    assert imported.count() == len(rows)
    for row in rows:
        saved = imported.get(
            kpi__name__iexact=row.get("kpi").strip(),
            measured_on=datetime.date.fromisoformat(row.get("date").strip()),
        )
        assert saved.entered_by == manager
        assert saved.note == row.get("note").strip()
        assert saved.value == Decimal(row.get("value").strip().replace(",", "."))
    if not replace:
        assert Measurement.objects.filter(measured_on=TAKEN_DAY, value=90).exists()


@given(
    content=hostile_csv(
        columns=(*REQUIRED, *OPTIONAL), required=REQUIRED, valid_row=valid_row, hostile=HOSTILE
    ),
    replace=st.one_of(st.just(""), hostile_flag()),
)
def test_measurement_import_survives_hostile_files(
    content: bytes, replace: str, manager: Any, client: Any, engagement: Any
) -> None:
    sign_in(client, manager)
    data: dict[str, Any] = {"file": upload_of(content)}
    if replace:
        data["replace"] = replace
    check_post(
        client,
        reverse("engagements:measurement_import", args=[engagement.pk]),
        data,
        writes=WRITES,
        # A checkbox is ticked by any value but "false" (Django's CheckboxInput).
        then=lambda response, posted: _imported(content, manager, replace not in ("", "false")),
    )


def test_measurement_import_valid_baseline_is_accepted(
    manager: Any, client: Any, engagement: Any
) -> None:
    sign_in(client, manager)
    lines = ["kpi,date,value,note", *(",".join(valid_row(i).values()) for i in range(4))]
    content = "\n".join(lines).encode()
    response = client.post(
        reverse("engagements:measurement_import", args=[engagement.pk]),
        {"file": upload_of(content)},
    )
    assert response.status_code == 302
    _imported(content, manager, replace=False)


def test_three_good_rows_and_one_bad_write_nothing(
    manager: Any, client: Any, engagement: Any
) -> None:
    sign_in(client, manager)
    rows = [valid_row(i) for i in range(4)]
    rows[1]["value"] = "1e309"
    lines = ["kpi,date,value,note", *(",".join(row.values()) for row in rows)]
    response = client.post(
        reverse("engagements:measurement_import", args=[engagement.pk]),
        {"file": upload_of("\n".join(lines).encode())},
    )
    assert response.status_code == 200
    assert [(e.line, e.column) for e in response.context["report"].errors] == [(3, "value")]
    assert not Measurement.objects.filter(source=Measurement.Source.CSV).exists()
