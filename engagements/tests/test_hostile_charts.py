"""Hostile text and extreme values inside the server-rendered SVG charts: the SVG stays
well-formed XML with every probe escaped, and the pages that show the charts still render."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from engagements.charts.heatmap import heat_map
from engagements.charts.trend import kpi_trend, scorecard_trend
from engagements.models import Direction, KpiStatus, Period
from engagements.tests.factories import (
    EngagementFactory,
    KpiFactory,
    KpiRollupFactory,
    RiskFactory,
    ScorecardFactory,
)
from outsourcing.svg import text
from outsourcing.tests.hostile import RAW_MARKERS, assert_escaped, hostile_text, sign_in

pytestmark = pytest.mark.hostile


@pytest.fixture
def engagement(manager: Any, client: Any) -> Any:
    """One engagement for all the examples of a test (each example's rows are rolled back)."""
    sign_in(client, manager)
    return EngagementFactory(owner=manager, title="<script>alert('xss-probe')</script>")


LIMIT = Decimal("9999999999.9999")  # DECIMAL(14, 4)
VALUE = st.decimals(min_value=-LIMIT, max_value=LIMIT, places=4, allow_nan=False)


def storable(max_size: int) -> st.SearchStrategy[str]:
    """Hostile text a form lets through: no NUL, within the column, not blank."""
    return (
        hostile_text(max_size=max_size)
        .map(lambda value: value.replace("\x00", "").strip()[:max_size])
        .filter(bool)
    )


def well_formed(svg: str) -> ET.Element:
    for marker in RAW_MARKERS:
        assert marker not in svg
    return ET.fromstring(svg)


def series() -> st.SearchStrategy[list[Decimal | None]]:
    """A single point, all equal, extremes, negatives, gaps."""
    return st.one_of(
        st.lists(VALUE, min_size=1, max_size=1),
        st.builds(lambda v, n: [v] * n, VALUE, st.integers(1, 14)),
        st.lists(st.sampled_from([LIMIT, -LIMIT, Decimal("0"), Decimal("0.0001")]), max_size=14),
        st.lists(st.one_of(st.none(), VALUE), min_size=1, max_size=14),
    )


@given(
    name=storable(150),
    unit=storable(30),
    values=series(),
    thresholds=st.lists(VALUE, min_size=3, max_size=3),
    direction=st.sampled_from([Direction.HIGHER, Direction.LOWER]),
    period=st.sampled_from([Period.WEEK, Period.MONTH, Period.QUARTER]),
)
def test_kpi_trend_is_well_formed_with_hostile_names_and_extreme_values(
    name: str,
    unit: str,
    values: list[Decimal | None],
    thresholds: list[Decimal],
    direction: str,
    period: str,
    engagement: Any,
    client: Any,
) -> None:
    low, middle, high = sorted(thresholds)
    if direction == Direction.HIGHER:
        target, amber, red = high, middle, low
    else:
        target, amber, red = low, middle, high
    with transaction.atomic():
        kpi = KpiFactory(
            engagement=engagement,
            name=name,
            unit=unit,
            direction=direction,
            target=target,
            amber_threshold=amber,
            red_threshold=red,
            period=period,
            allows_negative=True,
        )
        rollups = [
            KpiRollupFactory(
                kpi=kpi,
                period_start=datetime.date(2024 + n // 12, n % 12 + 1, 1),
                value=value,
                status=kpi.status_for(value),
            )
            for n, value in enumerate(values)
        ]
        svg = str(kpi_trend(kpi, rollups, chart_id=f"kpi-{kpi.pk}"))
        root = well_formed(svg)
        if any(value is not None for value in values):
            assert root.find("{http://www.w3.org/2000/svg}title") is not None
        else:
            assert root.tag == "p"  # the empty state is HTML
        page = client.get(reverse("engagements:kpi_detail", args=[kpi.engagement_id, kpi.pk]))
        assert page.status_code == 200
        assert_escaped(page.content.decode(), "the KPI page")
        transaction.set_rollback(True)


@given(scores=st.lists(st.one_of(st.none(), st.decimals(0, 100, places=2)), max_size=14))
def test_scorecard_trend_is_well_formed_for_any_scores(scores: list[Decimal | None]) -> None:
    class Card:
        def __init__(self, n: int, score: Decimal | None) -> None:
            self.period = Period.MONTH
            self.period_start = datetime.date(2024 + n // 12, n % 12 + 1, 1)
            self.score = score

    cards: list[Any] = [Card(n, s) for n, s in enumerate(scores)]
    well_formed(str(scorecard_trend(cards, chart_id="<x>")))


@given(
    counts=st.dictionaries(
        st.tuples(st.integers(1, 5), st.integers(1, 5)), st.integers(0, 10**6), max_size=25
    ),
    title=hostile_text(),
    link=hostile_text(),
    chart_id=hostile_text(max_size=30),
)
def test_heat_map_is_well_formed_with_hostile_titles_and_links(
    counts: dict[tuple[int, int], int], title: str, link: str, chart_id: str
) -> None:
    svg = heat_map(
        counts,
        link_for=lambda likelihood, impact: f"{link}?l={likelihood}&i={impact}",
        chart_id=chart_id,
        title=title,
        selected=next(iter(counts), None),
        empty_message=title,
    )
    well_formed(str(svg))


@given(
    titles=st.lists(storable(200), min_size=1, max_size=4),
    scores=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=4),
    params=st.dictionaries(
        st.sampled_from(["basis", "l", "i", "page", "x"]),
        st.one_of(hostile_text(max_size=30), st.sampled_from(["1", "5", "inherent"])),
    ),
)
def test_risks_tab_renders_hostile_titles_and_heat_map_params(
    titles: list[str],
    scores: list[tuple[int, int]],
    params: dict[str, str],
    engagement: Any,
    client: Any,
) -> None:
    with transaction.atomic():
        for n, title in enumerate(titles):
            likelihood, impact = scores[n % len(scores)]
            RiskFactory(
                engagement=engagement,
                title=title,
                description=title,
                likelihood=likelihood,
                impact=impact,
                residual_likelihood=likelihood,
                residual_impact=impact,
            )
        url = reverse("engagements:engagement_risks", args=[engagement.pk])
        response = client.get(url, params)
        assert response.status_code == 200
        page = response.content.decode()
        assert_escaped(page, "the risks tab")
        start = page.index("<svg")
        well_formed(page[start : page.index("</svg>", start) + len("</svg>")])
        transaction.set_rollback(True)


def test_chart_text_drops_characters_xml_cannot_hold() -> None:
    assert text("a\x01b\x0bc\ufffed<") == "abcd&lt;"
    well_formed(f"<svg><title>{text(chr(0x1F) + 'KPI' + chr(0xFFFF))}</title></svg>")


def test_kpi_page_with_a_control_character_in_the_name_renders_well_formed_svg(
    manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    kpi = KpiFactory(engagement=EngagementFactory(owner=manager), name="Uptime\x0b", unit="%\x1b")
    rollup = KpiRollupFactory(kpi=kpi, value=Decimal("99"), status=KpiStatus.GREEN)
    well_formed(str(kpi_trend(kpi, [rollup], chart_id="k")))
    assert (
        client.get(reverse("engagements:kpi_detail", args=[kpi.engagement_id, kpi.pk])).status_code
        == 200
    )


def test_scorecards_chart_on_the_kpi_tab(manager: Any, client: Any) -> None:
    sign_in(client, manager)
    engagement = EngagementFactory(owner=manager, title="<script>alert('xss-probe')</script>")
    ScorecardFactory(engagement=engagement, score=Decimal("100"))
    response = client.get(reverse("engagements:engagement_kpis", args=[engagement.pk]))
    assert response.status_code == 200
    assert_escaped(response.content.decode(), "the KPI tab")
