"""The one colour scale of every status: badges, the heat map, the matrix and the charts.

A status reads as one of five tones, whatever it measures: good (green), ok (blue),
warn (amber), bad (red) or none (grey, nothing to judge). Each app says which tone
each of its values wears (its `badges.py`); every page and chart takes the colours
from here, so "high" on the heat map is the colour of a "High" badge, and "Missing"
evidence the red of an "Expired" one. The words always come with the colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Tone:
    name: str
    bootstrap: str  # Bootstrap's colour name: badges are text-bg-<bootstrap>
    fill: str  # strong SVG colour: markers, lines, arrows (Bootstrap's <bootstrap>)
    tint: str  # light SVG colour behind dark text: map cells, zones, swatches

    @property
    def css(self) -> str:
        """The class an element wearing this tone carries, for print styles and tests."""
        return f"tone-{self.name}"


# Bootstrap 5.3's colours and their "border-subtle" tints, so SVG and badges match.
GOOD = Tone("good", "success", "#198754", "#a3cfbb")
OK = Tone("ok", "info", "#0dcaf0", "#9eeaf9")
WARN = Tone("warn", "warning", "#ffc107", "#ffe69c")
BAD = Tone("bad", "danger", "#dc3545", "#f1aeb5")
NONE = Tone("none", "secondary", "#6c757d", "#c4c8cb")
TONES: dict[str, Tone] = {tone.name: tone for tone in (GOOD, OK, WARN, BAD, NONE)}


def swatch(tone: Tone) -> SafeString:
    """A legend's colour square in the tone's tint: SVG fill, as the CSP allows no inline style."""
    return format_html(
        '<svg class="legend-swatch {}" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        '<rect width="10" height="10" fill="{}"/></svg>',
        tone.css,
        tone.tint,
    )
