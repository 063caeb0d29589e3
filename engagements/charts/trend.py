"""Line charts over periods: one KPI against its thresholds, and an engagement's scorecards.

Server-rendered SVG that prints: every value is written next to its marker (nothing
is hover-only), zones are light fills under dark strokes, and a period without data
is a gap in the line, never a zero.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString

from engagements.models import Direction, Kpi, KpiRollup, KpiStatus, Period, Scorecard
from outsourcing.badges import tone_of
from outsourcing.svg import Number, document, empty, fmt, text

# Wide and low: the charts span their card's width (a page's full width on a desktop).
WIDTH = 880
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 28, 44
INSET = 18  # keeps the first and last markers and their labels off the axes
INK = "#212529"
MAX_VALUE_LABELS = 13


@dataclass(frozen=True)
class Frame:
    """Where a period index and a value land in the plot area."""

    count: int
    low: float
    high: float
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def plot_left(self) -> float:
        return LEFT

    @property
    def plot_right(self) -> float:
        return self.width - RIGHT

    @property
    def plot_top(self) -> float:
        return TOP

    @property
    def plot_bottom(self) -> float:
        return self.height - BOTTOM

    def x(self, index: int) -> float:
        span = self.plot_right - self.plot_left - 2 * INSET
        if self.count <= 1:
            return self.plot_left + INSET + span / 2
        return self.plot_left + INSET + span * index / (self.count - 1)

    def y(self, value: Number) -> float:
        """Higher values sit higher; values outside the range are clamped to the plot."""
        share = (float(value) - self.low) / (self.high - self.low)
        share = min(max(share, 0.0), 1.0)
        return self.plot_bottom - share * (self.plot_bottom - self.plot_top)


def value_range(values: Iterable[Number]) -> tuple[float, float]:
    """The values' span with some room above and below, never empty."""
    numbers = [float(v) for v in values]
    low, high = min(numbers), max(numbers)
    pad = (high - low) * 0.1 or max(abs(high) * 0.1, 1.0)
    low, high = low - pad, high + pad
    if min(numbers) >= 0 > low:
        low = 0.0  # a measure that cannot go negative gets no negative axis
    # Round the ends outwards to a readable step: 11.3–31.7 becomes 10–35.
    step = 10 ** math.floor(math.log10(high - low)) / 2
    return math.floor(low / step) * step, math.ceil(high / step) * step


def kpi_frame(kpi: Kpi, points: Sequence[KpiRollup]) -> Frame:
    """The frame `kpi_trend` draws in: the values, the target and both thresholds fit."""
    values = [p.value for p in points if p.value is not None]
    low, high = value_range([*values, kpi.target, kpi.amber_threshold, kpi.red_threshold])
    return Frame(count=len(points), low=low, high=high)


def scorecard_frame(count: int) -> Frame:
    return Frame(count=count, low=0.0, high=100.0)


def status_colour(status: str) -> str:
    """A KPI status's colour: its badge's tone (outsourcing/status.py). Zones use it
    light (fill-opacity) so the line and its labels stay readable in print."""
    return tone_of(status, "kpi_status").fill


# --- words ---------------------------------------------------------------------------


def number(value: Decimal | float) -> str:
    """92.5000 -> "92.5", 72.0 -> "72"."""
    shown = f"{Decimal(str(value)).quantize(Decimal('0.01')):f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def with_unit(value: Decimal | float, unit: str) -> str:
    return f"{number(value)} {unit}".strip()


def period_label(period: str, start: datetime.date) -> str:
    if period == Period.WEEK:
        year, week, _ = start.isocalendar()
        return f"W{week:02d} {year}"
    if period == Period.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return start.strftime("%b %Y")


def period_span(period: str, first: datetime.date, last: datetime.date) -> str:
    """ "Jan–Aug 2026" within one year, "Nov 2025–Feb 2026" across years."""
    start, end = period_label(period, first), period_label(period, last)
    if start == end:
        return start
    if period == Period.MONTH and first.year == last.year:
        return f"{first:%b}–{end}"
    return f"{start}–{end}"


def _period_name(period: str) -> str:
    names: dict[str, str] = {Period.WEEK: "week", Period.QUARTER: "quarter"}
    return names.get(period, "month")


# --- pieces --------------------------------------------------------------------------


def _line(coordinates: Sequence[tuple[float, float] | None], colour: str) -> str:
    """One path through the points; a None breaks it, so no-data periods stay gaps."""
    parts: list[str] = []
    pen_down = False
    for point in coordinates:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{fmt(point[0])} {fmt(point[1])}")
        pen_down = True
    if not parts:
        return ""
    return (
        f'<path class="trend-line" d="{" ".join(parts)}" fill="none" stroke="{colour}" '
        f'stroke-width="2.5" stroke-linejoin="round"/>'
    )


def _marker(x: float, y: float, *, status: str, label: str, shown: str | None) -> str:
    """A point with its value written above it (`shown`), and the full label as a tooltip."""
    marker = (
        f'<circle class="trend-point" cx="{fmt(x)}" cy="{fmt(y)}" r="4.5" '
        f'fill="{status_colour(status)}" stroke="{INK}" stroke-width="1.5" '
        f'data-status="{text(status)}"><title>{text(label)}</title></circle>'
    )
    if shown is not None:
        marker += (
            f'<text x="{fmt(x)}" y="{fmt(y - 9)}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{text(shown)}</text>'
        )
    return marker


def _x_axis(frame: Frame, labels: Sequence[str], gaps: Sequence[bool]) -> str:
    step = max(1, -(-len(labels) // 8))  # at most about eight labels fit
    pieces = [
        f'<line x1="{fmt(frame.plot_left)}" y1="{fmt(frame.plot_bottom)}" '
        f'x2="{fmt(frame.plot_right)}" y2="{fmt(frame.plot_bottom)}" stroke="{INK}"/>'
    ]
    for index, label in enumerate(labels):
        x = frame.x(index)
        if gaps[index]:
            pieces.append(
                f'<text class="no-data" x="{fmt(x)}" y="{fmt(frame.plot_bottom - 4)}" '
                f'text-anchor="middle" font-size="11" fill="#495057">no data</text>'
            )
        if index % step == 0 or index == len(labels) - 1:
            pieces.append(
                f'<text class="x-label" x="{fmt(x)}" y="{fmt(frame.plot_bottom + 16)}" '
                f'text-anchor="middle" font-size="11" fill="{INK}">{text(label)}</text>'
            )
    return "".join(pieces)


def _y_label(frame: Frame, value: float, shown: str) -> str:
    y = frame.y(value)
    return (
        f'<text class="y-label" x="{fmt(frame.plot_left - 6)}" y="{fmt(y)}" text-anchor="end" '
        f'dominant-baseline="middle" font-size="11" fill="{INK}">{text(shown)}</text>'
        f'<line x1="{fmt(frame.plot_left - 3)}" y1="{fmt(y)}" x2="{fmt(frame.plot_left)}" '
        f'y2="{fmt(y)}" stroke="{INK}"/>'
    )


def _zone(frame: Frame, status: str, start: float, end: float) -> str:
    """A horizontal band between two values (clamped to the plot)."""
    top, bottom = sorted((frame.y(start), frame.y(end)))
    if bottom - top <= 0:
        return ""
    return (
        f'<rect class="zone zone-{status}" x="{fmt(frame.plot_left)}" y="{fmt(top)}" '
        f'width="{fmt(frame.plot_right - frame.plot_left)}" height="{fmt(bottom - top)}" '
        f'fill="{status_colour(status)}" fill-opacity="0.14" stroke="none"/>'
    )


def zones(kpi: Kpi, frame: Frame) -> str:
    """Red, amber and green bands where the KPI's thresholds and direction put them.

    Higher is better: red below the red threshold, amber up to the amber threshold,
    green from there up. Lower is better: the same, upside down.
    """
    red, amber = float(kpi.red_threshold), float(kpi.amber_threshold)
    if kpi.direction == Direction.HIGHER:
        spans = [
            (KpiStatus.RED, frame.low, red),
            (KpiStatus.AMBER, red, amber),
            (KpiStatus.GREEN, amber, frame.high),
        ]
    else:
        spans = [
            (KpiStatus.GREEN, frame.low, amber),
            (KpiStatus.AMBER, amber, red),
            (KpiStatus.RED, red, frame.high),
        ]
    return "".join(_zone(frame, status, start, end) for status, start, end in spans)


def level_line(
    frame: Frame, value: Number, *, css: str, colour: str, label: str, right: bool = False
) -> str:
    """A dashed line across the plot at `value`, its label written above it at one end."""
    y = frame.y(value)
    x, anchor = (frame.plot_right - 2, "end") if right else (frame.plot_left + 4, "start")
    return (
        f'<line class="{css}" x1="{fmt(frame.plot_left)}" y1="{fmt(y)}" '
        f'x2="{fmt(frame.plot_right)}" y2="{fmt(y)}" stroke="{colour}" stroke-width="1.5" '
        f'stroke-dasharray="6 4"/>'
        f'<text class="{css}-label" x="{fmt(x)}" y="{fmt(y - 4)}" text-anchor="{anchor}" '
        f'font-size="11" fill="{INK}">{text(label)}</text>'
    )


def threshold_lines(kpi: Kpi, frame: Frame) -> str:
    """The amber and red thresholds as lines in their status's colour, labelled."""
    unit = kpi.unit
    return level_line(
        frame,
        kpi.amber_threshold,
        css="threshold-line threshold-amber",
        colour=status_colour(KpiStatus.AMBER),
        label=f"amber {with_unit(kpi.amber_threshold, unit)}",
    ) + level_line(
        frame,
        kpi.red_threshold,
        css="threshold-line threshold-red",
        colour=status_colour(KpiStatus.RED),
        label=f"red {with_unit(kpi.red_threshold, unit)}",
    )


# --- charts --------------------------------------------------------------------------


def kpi_trend(kpi: Kpi, points: Sequence[KpiRollup], chart_id: str) -> SafeString:
    """A KPI's period values (oldest first) over its target and green/amber/red zones."""
    period = _period_name(kpi.period)
    title = f"{kpi.name} by {period}"
    values = [p for p in points if p.value is not None]
    if not values:
        return empty(
            chart_id=chart_id,
            title=title,
            message=f"No values yet: each value entered is charted here under its {period}.",
        )
    frame = kpi_frame(kpi, points)
    labels = [period_label(kpi.period, p.period_start) for p in points]
    coordinates = [
        None if p.value is None else (frame.x(i), frame.y(p.value)) for i, p in enumerate(points)
    ]
    show_values = len(points) <= MAX_VALUE_LABELS
    markers = "".join(
        _marker(
            xy[0],
            xy[1],
            status=p.status,
            label=f"{labels[i]}: {with_unit(p.value, kpi.unit)}",  # type: ignore[arg-type]
            shown=number(p.value) if show_values else None,  # type: ignore[arg-type]
        )
        for i, (p, xy) in enumerate(zip(points, coordinates, strict=True))
        if xy is not None and p.value is not None
    )
    target = level_line(
        frame,
        kpi.target,
        css="target-line",
        colour=INK,
        label=f"target {with_unit(kpi.target, kpi.unit)}",
        right=True,
    )
    axis = (
        _x_axis(frame, labels, [c is None for c in coordinates])
        + _y_label(frame, frame.low, number(frame.low))
        + _y_label(frame, frame.high, number(frame.high))
        + f'<line x1="{fmt(frame.plot_left)}" y1="{fmt(frame.plot_top)}" '
        f'x2="{fmt(frame.plot_left)}" y2="{fmt(frame.plot_bottom)}" stroke="{INK}"/>'
    )
    latest = values[-1]
    status = KpiStatus(latest.status).label.lower()
    description = (
        f"{title}, {period_span(kpi.period, points[0].period_start, points[-1].period_start)}: "
        f"latest {with_unit(latest.value, kpi.unit)}, {status}; "  # type: ignore[arg-type]
        f"target {with_unit(kpi.target, kpi.unit)}, "
        f"amber {'below' if kpi.direction == Direction.HIGHER else 'above'} "
        f"{with_unit(kpi.amber_threshold, kpi.unit)}, "
        f"red {'below' if kpi.direction == Direction.HIGHER else 'above'} "
        f"{with_unit(kpi.red_threshold, kpi.unit)}."
    )
    gaps = sum(1 for c in coordinates if c is None)
    if gaps:
        description += f" {gaps} {period}{'s' if gaps > 1 else ''} without data."
    body = (
        zones(kpi, frame)
        + axis
        + threshold_lines(kpi, frame)
        + target
        + _line(coordinates, INK)
        + markers
    )
    return document(
        chart_id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        description=description,
        body=body,
    )


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def scorecard_trend(
    scorecards: Iterable[Scorecard], chart_id: str, *, review_below: Number | None = None
) -> SafeString:
    """Monthly 0–100 scorecards; a month without a score (or without a row) is a gap.

    `review_below`: the score under which a month opens a performance review
    (settings.REVIEW_BELOW_SCORECARD), drawn as a red line.
    """
    by_month = {
        card.period_start.replace(day=1): card.score
        for card in scorecards
        if card.period == Period.MONTH
    }
    title = "Scorecard by month"
    scored = {month: score for month, score in by_month.items() if score is not None}
    if not scored:
        return empty(
            chart_id=chart_id,
            title=title,
            message="No scorecards yet: they follow once KPIs have values for a month.",
        )
    months = _months(min(by_month), max(by_month))
    frame = scorecard_frame(len(months))
    labels = [period_label(Period.MONTH, m) for m in months]
    coordinates = [
        (frame.x(i), frame.y(scored[m])) if m in scored else None for i, m in enumerate(months)
    ]
    show_values = len(months) <= MAX_VALUE_LABELS
    markers = "".join(
        _marker(
            xy[0],
            xy[1],
            status=KpiStatus.NO_DATA,
            label=f"{labels[i]}: {number(scored[months[i]])}",
            shown=number(scored[months[i]]) if show_values else None,
        )
        for i, xy in enumerate(coordinates)
        if xy is not None
    )
    grid = "".join(
        f'<line x1="{fmt(frame.plot_left)}" y1="{fmt(frame.y(v))}" x2="{fmt(frame.plot_right)}" '
        f'y2="{fmt(frame.y(v))}" stroke="#adb5bd" stroke-dasharray="2 4"/>'
        + _y_label(frame, v, str(v))
        for v in (0, 50, 100)
    )
    axis = _x_axis(frame, labels, [c is None for c in coordinates]) + (
        f'<line x1="{fmt(frame.plot_left)}" y1="{fmt(frame.plot_top)}" '
        f'x2="{fmt(frame.plot_left)}" y2="{fmt(frame.plot_bottom)}" stroke="{INK}"/>'
    )
    latest_month = max(scored)
    description = (
        f"{title}, {period_span(Period.MONTH, months[0], months[-1])}: "
        f"latest {number(scored[latest_month])} of 100 ({latest_month:%b %Y})."
    )
    gaps = len(months) - len(scored)
    if gaps:
        description += f" {gaps} month{'s' if gaps > 1 else ''} without data."
    threshold = ""
    if review_below is not None:
        threshold = level_line(
            frame,
            review_below,
            css="threshold-line threshold-review",
            colour=status_colour(KpiStatus.RED),
            label=f"review below {number(review_below)}",
            right=True,
        )
        description += f" A score below {number(review_below)} opens a performance review."
    body = grid + axis + threshold + _line(coordinates, "#0d6efd") + markers
    return document(
        chart_id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        description=description,
        body=body,
    )
