"""One colour scale: a status wears the same colour in its badge, on the map, in the
compliance matrix and in the charts (outsourcing/status.py)."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from engagements.charts.heatmap import heat_map
from engagements.charts.trend import kpi_trend
from engagements.models import Direction, Kpi, KpiRollup, KpiStatus, Period
from engagements.tests.factories import (
    ComplianceItemFactory,
    ComplianceRequirementFactory,
    EngagementFactory,
    EvidenceFactory,
)
from outsourcing.badges import badge
from outsourcing.status import BAD, GOOD, OK, TONES, WARN, Tone

SVG = "{http://www.w3.org/2000/svg}"
# A cell of each band: (likelihood, impact).
CELL_OF_LEVEL = {"low": (1, 1), "medium": (1, 5), "high": (2, 5), "critical": (5, 5)}


def badge_colour_class(html: str) -> str:
    found = re.search(r"text-bg-(\w+)", html)
    assert found, html
    return found.group(1)


def tone_named_by(classes: str) -> Tone:
    names = [c.removeprefix("tone-") for c in classes.split() if c.startswith("tone-")]
    assert len(names) == 1, classes
    return TONES[names[0]]


@pytest.mark.parametrize(
    ("level", "expected"), [("low", GOOD), ("medium", OK), ("high", WARN), ("critical", BAD)]
)
def test_a_risk_level_wears_the_same_tone_in_its_badge_and_on_the_heat_map(
    level: str, expected: Tone
) -> None:
    badge_html = render_to_string(
        "engagements/risk/_level_badge.html", {"score": 12, "level": level}
    )
    root = ET.fromstring(
        heat_map({CELL_OF_LEVEL[level]: 1}, link_for=lambda li, im: None, chart_id="m", title="R")
    )
    likelihood, impact = CELL_OF_LEVEL[level]
    cell = next(
        rect
        for rect in root.iter(f"{SVG}rect")
        if rect.get("data-likelihood") == str(likelihood) and rect.get("data-impact") == str(impact)
    )
    on_map = tone_named_by(cell.get("class", ""))

    assert on_map == expected
    assert cell.get("fill") == expected.tint
    assert badge_colour_class(badge_html) == expected.bootstrap


def test_high_is_amber_on_the_map_on_a_risk_badge_and_on_a_vendor_tier_badge() -> None:
    badge_html = render_to_string(
        "engagements/risk/_level_badge.html", {"score": 12, "level": "high"}
    )

    assert badge_colour_class(badge_html) == "warning"
    assert badge_colour_class(badge("high", "vendor_tier")) == "warning"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("missing", BAD), ("expired", BAD), ("pending", WARN), ("valid", GOOD)],
)
def test_compliance_statuses_read_missing_and_expired_red_pending_amber_valid_green(
    status: str, expected: Tone
) -> None:
    assert badge_colour_class(badge(status, "compliance_status")) == expected.bootstrap


def test_the_matrix_shows_missing_evidence_in_the_red_of_an_expired_badge(
    client_for: Callable[[Any], Any], viewer: Any
) -> None:
    engagement = EngagementFactory()
    ComplianceItemFactory(engagement=engagement, requirement=ComplianceRequirementFactory())
    expired = ComplianceItemFactory(
        engagement=engagement,
        requirement=ComplianceRequirementFactory(),
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    EvidenceFactory(item=expired)

    page = client_for(viewer).get(reverse("engagements:compliance_matrix")).content.decode()

    missing = re.search(r'<span class="badge rounded-pill text-bg-(\w+)">Missing</span>', page)
    gone = re.search(r'<span class="badge rounded-pill text-bg-(\w+)">Expired</span>', page)
    assert missing and gone
    assert missing.group(1) == gone.group(1) == BAD.bootstrap
    assert missing.group(0) == str(badge("missing", "compliance_status"))


@pytest.mark.parametrize(
    ("value", "status", "expected"),
    [("95", KpiStatus.GREEN, GOOD), ("70", KpiStatus.AMBER, WARN), ("40", KpiStatus.RED, BAD)],
)
def test_a_kpi_point_on_the_chart_is_the_colour_of_its_status_badge(
    value: str, status: str, expected: Tone
) -> None:
    kpi = Kpi(
        name="Satisfaction",
        unit="%",
        direction=Direction.HIGHER,
        target=Decimal("90"),
        amber_threshold=Decimal("80"),
        red_threshold=Decimal("60"),
        period=Period.MONTH,
    )
    start = datetime.date(2026, 1, 1)
    point = KpiRollup(
        kpi=kpi,
        period_start=start,
        period_end=datetime.date(2026, 1, 31),
        value=Decimal(value),
        status=kpi.status_for(Decimal(value)),
    )
    assert point.status == status
    root = ET.fromstring(kpi_trend(kpi, [point], chart_id="k"))
    marker = next(root.iter(f"{SVG}circle"))
    zone = next(r for r in root.iter(f"{SVG}rect") if f"zone-{status}" in r.get("class", ""))

    assert marker.get("fill") == expected.fill
    assert zone.get("fill") == expected.fill
    assert badge_colour_class(badge(status, "kpi_status")) == expected.bootstrap
