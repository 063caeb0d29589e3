"""The KPI and scorecard trend charts draw what the data says, gaps included, and escape names."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from engagements.charts.trend import (
    kpi_frame,
    kpi_trend,
    number,
    period_span,
    scorecard_frame,
    scorecard_trend,
)
from engagements.models import Direction, Kpi, KpiRollup, KpiStatus, Period, Scorecard
from engagements.models.monitoring import period_bounds
from outsourcing.badges import tone_of
from outsourcing.svg import fmt

JAN = datetime.date(2026, 1, 1)


def month(n: int) -> datetime.date:
    return datetime.date(2026, n, 1)


def higher_kpi(name: str = "Customer satisfaction") -> Kpi:
    """Higher is better: target 90, green from 80, amber from 60, red below."""
    return Kpi(
        name=name,
        unit="%",
        direction=Direction.HIGHER,
        target=Decimal("90"),
        amber_threshold=Decimal("80"),
        red_threshold=Decimal("60"),
        period=Period.MONTH,
    )


def lower_kpi() -> Kpi:
    """Lower is better: target 2 hours, green up to 4, amber up to 8, red above."""
    return Kpi(
        name="Response time",
        unit="hours",
        direction=Direction.LOWER,
        target=Decimal("2"),
        amber_threshold=Decimal("4"),
        red_threshold=Decimal("8"),
        period=Period.MONTH,
    )


def rollups(kpi: Kpi, values: list[str | None]) -> list[KpiRollup]:
    """Unsaved monthly rollups from January, one per value (None: no data)."""
    rows = []
    for i, raw in enumerate(values):
        start = month(i + 1)
        value = None if raw is None else Decimal(raw)
        rows.append(
            KpiRollup(
                kpi=kpi,
                period_start=start,
                period_end=period_bounds(Period.MONTH, start)[1],
                value=value,
                status=KpiStatus.NO_DATA if value is None else kpi.status_for(value),
            )
        )
    return rows


def markers(svg: str) -> list[tuple[float, float, str]]:
    return [
        (float(x), float(y), status)
        for x, y, status in re.findall(
            r'<circle class="trend-point" cx="([\d.]+)" cy="([\d.]+)"[^>]*data-status="(\w+)"',
            svg,
        )
    ]


def zone(svg: str, status: str) -> tuple[float, float] | None:
    """The top and bottom y of a zone, or None when it is not drawn."""
    found = re.search(
        rf'<rect class="zone zone-{status}" x="[\d.]+" y="([\d.]+)" width="[\d.]+" '
        rf'height="([\d.]+)"',
        svg,
    )
    if found is None:
        return None
    top, height = float(found[1]), float(found[2])
    return top, top + height


def path_segments(svg: str) -> list[str]:
    found = re.search(r'<path class="trend-line" d="([^"]+)"', svg)
    assert found is not None
    return [s.strip() for s in re.split(r"(?=M)", found[1]) if s.strip()]


def close(a: float, b: float) -> bool:
    return abs(a - b) < 0.01


# --- where things are ------------------------------------------------------------------


def test_each_value_has_a_marker_where_the_frame_puts_it() -> None:
    kpi = higher_kpi()
    points = rollups(kpi, ["72", "85", "95"])
    frame = kpi_frame(kpi, points)

    svg = kpi_trend(kpi, points, "kpi-1")

    assert markers(svg) == [
        (float(fmt(frame.x(i))), float(fmt(frame.y(p.value))), p.status)  # type: ignore[arg-type]
        for i, p in enumerate(points)
    ]
    assert [status for *_, status in markers(svg)] == ["amber", "green", "green"]


def test_the_frame_puts_higher_values_higher_and_periods_left_to_right() -> None:
    kpi = higher_kpi()
    frame = kpi_frame(kpi, rollups(kpi, ["50", "100"]))

    assert frame.y(100) < frame.y(90) < frame.y(50)
    assert frame.x(0) < frame.x(1)
    assert frame.low <= 50 and frame.high >= 100


def test_the_target_line_sits_at_the_target() -> None:
    kpi = higher_kpi()
    points = rollups(kpi, ["72", "85"])
    frame = kpi_frame(kpi, points)

    svg = kpi_trend(kpi, points, "kpi-1")

    line = re.search(r'<line class="target-line" x1="[\d.]+" y1="([\d.]+)"', svg)
    assert line is not None and close(float(line[1]), frame.y(90))
    assert "target 90 %" in svg


def test_higher_is_better_puts_red_below_red_and_green_above_amber() -> None:
    kpi = higher_kpi()
    points = rollups(kpi, ["40", "100"])
    frame = kpi_frame(kpi, points)

    svg = kpi_trend(kpi, points, "kpi-1")

    red, amber, green = zone(svg, "red"), zone(svg, "amber"), zone(svg, "green")
    assert red is not None and amber is not None and green is not None
    assert close(red[0], frame.y(60)) and close(red[1], frame.plot_bottom)
    assert close(amber[0], frame.y(80)) and close(amber[1], frame.y(60))
    assert close(green[0], frame.plot_top) and close(green[1], frame.y(80))


def test_lower_is_better_mirrors_the_zones() -> None:
    kpi = lower_kpi()
    points = rollups(kpi, ["1", "12"])
    frame = kpi_frame(kpi, points)

    svg = kpi_trend(kpi, points, "kpi-2")

    red, amber, green = zone(svg, "red"), zone(svg, "amber"), zone(svg, "green")
    assert red is not None and amber is not None and green is not None
    assert close(green[0], frame.y(4)) and close(green[1], frame.plot_bottom)
    assert close(amber[0], frame.y(8)) and close(amber[1], frame.y(4))
    assert close(red[0], frame.plot_top) and close(red[1], frame.y(8))
    assert [status for *_, status in markers(svg)] == ["green", "red"]


def test_a_period_without_data_is_a_gap_not_a_zero() -> None:
    kpi = higher_kpi()
    points = rollups(kpi, ["72", None, "85", "88"])
    frame = kpi_frame(kpi, points)

    svg = kpi_trend(kpi, points, "kpi-1")

    assert len(markers(svg)) == 3
    assert [x for x, *_ in markers(svg)] == [float(fmt(frame.x(i))) for i in (0, 2, 3)]
    segments = path_segments(svg)
    assert len(segments) == 2
    assert segments[0].count("L") == 0 and segments[1].count("L") == 1
    assert f"{fmt(frame.y(0))}" not in "".join(segments)
    assert "no data" in svg
    assert "1 month without data" in svg


def test_the_axes_name_the_periods_and_the_value_range() -> None:
    kpi = higher_kpi()
    points = rollups(kpi, ["72", "85"])
    frame = kpi_frame(kpi, points)

    svg = kpi_trend(kpi, points, "kpi-1")

    assert re.findall(r'class="x-label"[^>]*>([^<]+)<', svg) == ["Jan 2026", "Feb 2026"]
    y_labels = re.findall(r'class="y-label"[^>]*>([^<]+)<', svg)
    assert len(y_labels) == 2
    assert float(y_labels[0]) == pytest.approx(frame.low, abs=0.01)
    assert float(y_labels[1]) == pytest.approx(frame.high, abs=0.01)


def test_the_description_says_the_trend_in_words() -> None:
    kpi = higher_kpi()
    points = rollups(kpi, ["95", "91", "88", "85", "80", "78", "75", "55"])

    svg = kpi_trend(kpi, points, "kpi-1")

    assert (
        '<desc id="kpi-1-desc">Customer satisfaction by month, Jan–Aug 2026: '
        "latest 55 %, red; target 90 %, amber below 80 %, red below 60 %.</desc>"
    ) in svg
    assert '<title id="kpi-1-title">Customer satisfaction by month</title>' in svg


@pytest.mark.parametrize("kpi", [higher_kpi(), lower_kpi()], ids=["higher", "lower"])
def test_the_kpi_chart_draws_the_target_and_both_thresholds_as_labelled_lines(kpi: Kpi) -> None:
    points = rollups(kpi, ["95", "70", "3"])
    frame = kpi_frame(kpi, points)
    svg = kpi_trend(kpi, points, "kpi-1")

    for css, value, word, status in (
        ("target-line", kpi.target, "target", None),
        ("threshold-amber", kpi.amber_threshold, "amber", KpiStatus.AMBER),
        ("threshold-red", kpi.red_threshold, "red", KpiStatus.RED),
    ):
        line = re.search(rf'<line class="[^"]*{css}"[^>]*y1="([\d.]+)"[^>]*stroke="(#\w+)"', svg)
        assert line, css
        assert float(line.group(1)) == pytest.approx(frame.y(value), abs=0.01)
        if status is not None:
            assert line.group(2) == tone_of(status, "kpi_status").fill
        assert f">{word} {number(value)} {kpi.unit}</text>" in svg


def test_the_scorecard_chart_draws_the_review_threshold_line() -> None:
    svg = scorecard_trend(cards({1: "70", 2: "55"}), "sc", review_below=60)
    frame = scorecard_frame(2)

    line = re.search(r'<line class="threshold-line threshold-review"[^>]*y1="([\d.]+)"', svg)
    assert line and float(line.group(1)) == pytest.approx(frame.y(60), abs=0.01)
    assert ">review below 60</text>" in svg
    assert "A score below 60 opens a performance review." in svg


def test_the_span_names_both_years_when_it_crosses_one() -> None:
    assert period_span(Period.MONTH, datetime.date(2025, 11, 1), month(2)) == "Nov 2025–Feb 2026"
    assert period_span(Period.QUARTER, JAN, month(7)) == "Q1 2026–Q3 2026"


def test_a_kpi_without_values_shows_the_empty_state() -> None:
    kpi = higher_kpi()

    for points in ([], rollups(kpi, [None, None])):
        svg = kpi_trend(kpi, points, "kpi-1")
        assert "No values yet" in svg
        assert "trend-point" not in svg and "trend-line" not in svg
        assert "<text" not in svg  # said in HTML, which does not shrink with the chart


def test_user_text_appears_only_escaped() -> None:
    kpi = higher_kpi('<script>alert(1)</script> & "x"')
    kpi.unit = "<b>u</b>"

    svg = kpi_trend(kpi, rollups(kpi, ["72", "85"]), 'kpi-"1')
    empty_svg = kpi_trend(kpi, [], "kpi-1")

    for markup in (svg, empty_svg):
        assert "<script>" not in markup and "<b>" not in markup
        assert '& "x"' not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in svg
    assert "&lt;b&gt;u&lt;/b&gt;" in svg


# --- scorecards --------------------------------------------------------------------------


def cards(values: dict[int, str | None]) -> list[Scorecard]:
    return [
        Scorecard(
            period=Period.MONTH,
            period_start=month(n),
            period_end=period_bounds(Period.MONTH, month(n))[1],
            score=None if v is None else Decimal(v),
        )
        for n, v in values.items()
    ]


def test_scorecards_are_drawn_on_a_0_to_100_scale() -> None:
    svg = scorecard_trend(cards({1: "50", 2: "100", 3: "0"}), "sc")
    frame = scorecard_frame(3)

    assert [(x, y) for x, y, _ in markers(svg)] == [
        (float(fmt(frame.x(0))), float(fmt(frame.y(50)))),
        (float(fmt(frame.x(1))), float(fmt(frame.plot_top))),
        (float(fmt(frame.x(2))), float(fmt(frame.plot_bottom))),
    ]
    assert "latest 0 of 100 (Mar 2026)" in svg


def test_months_without_a_score_or_without_a_row_are_gaps() -> None:
    svg = scorecard_trend(cards({1: "70", 2: None, 4: "80", 5: "82"}), "sc")
    frame = scorecard_frame(5)

    assert [x for x, *_ in markers(svg)] == [float(fmt(frame.x(i))) for i in (0, 3, 4)]
    assert len(path_segments(svg)) == 2
    assert re.findall(r'class="x-label"[^>]*>([^<]+)<', svg)[:2] == ["Jan 2026", "Feb 2026"]
    assert "Scorecard by month, Jan–May 2026: latest 82 of 100 (May 2026)." in svg
    assert "2 months without data" in svg


def test_no_scores_shows_the_empty_state() -> None:
    for given in ([], cards({1: None})):
        svg = scorecard_trend(given, "sc")
        assert "No scorecards yet" in svg
        assert "trend-point" not in svg
        assert "<text" not in svg
