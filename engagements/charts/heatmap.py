"""The 5×5 risk heat map: likelihood up the side (5 at the top), impact along the bottom."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.safestring import SafeString

from engagements.models.risk import heat_map_cell, risk_level
from outsourcing.badges import tone_of
from outsourcing.status import Tone
from outsourcing.svg import document, empty, fmt, text

Cell = tuple[int, int]  # (likelihood, impact)

SIZE = 5
CELL = 64
LEFT = 64  # room for the likelihood label and numbers
TOP = 12
BOTTOM = 52  # room for the impact numbers and label
RIGHT = 12
WIDTH = LEFT + SIZE * CELL + RIGHT
HEIGHT = TOP + SIZE * CELL + BOTTOM

STROKE = "#ffffff"
INK = "#212529"


def level_tone(level: str) -> Tone:
    """A band's tone: the colour of its badge, in a tint light enough for dark digits and
    for paper (the band name is also in each tooltip)."""
    return tone_of(level, "risk_level")


def describe(counts: Mapping[Cell, int]) -> str:
    """The text alternative: how many risks, then each cell from the worst down."""
    cells = sorted(
        ((cell, n) for cell, n in counts.items() if n > 0),
        key=lambda item: (-item[0][0] * item[0][1], -item[0][0], -item[0][1]),
    )
    total = sum(n for _, n in cells)
    noun = "open risk" if total == 1 else "open risks"
    parts = [
        f"{n} {risk_level(likelihood * impact)} (likelihood {likelihood}, impact {impact})"
        for (likelihood, impact), n in cells
    ]
    return f"{total} {noun}: " + "; ".join(parts) + "."


def heat_map(
    counts: Mapping[Cell, int],
    *,
    link_for: Callable[[int, int], str | None],
    chart_id: str,
    title: str,
    selected: Cell | None = None,
    empty_message: str = "No open risks to place on the map yet.",
) -> SafeString:
    """An inline SVG heat map; each non-empty cell shows its count and links to its risks.

    `counts` maps (likelihood, impact) to the number of risks; cells not in it are empty.
    `link_for(likelihood, impact)` gives the cell's address (None: no link).
    """
    if not any(n > 0 for n in counts.values()):
        return empty(chart_id=chart_id, title=title, message=empty_message)
    pieces: list[str] = []
    for likelihood in range(SIZE, 0, -1):
        for impact in range(1, SIZE + 1):
            pieces.append(
                _cell(likelihood, impact, counts.get((likelihood, impact), 0), link_for, selected)
            )
    pieces.append(_axes())
    return document(
        chart_id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        description=describe(counts),
        body="".join(pieces),
    )


def _cell(
    likelihood: int,
    impact: int,
    count: int,
    link_for: Callable[[int, int], str | None],
    selected: Cell | None,
) -> str:
    row, column = heat_map_cell(likelihood, impact)
    x, y = LEFT + column * CELL, TOP + row * CELL
    level = risk_level(likelihood * impact)
    tone = level_tone(level)
    is_selected = selected == (likelihood, impact)
    rect = (
        f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{tone.tint}" '
        f'stroke="{INK if is_selected else STROKE}" stroke-width="{3 if is_selected else 2}"'
        f' class="heat-cell heat-{level} {tone.css}" data-likelihood="{likelihood}"'
        f' data-impact="{impact}"/>'
    )
    if count == 0:
        return rect
    noun = "risk" if count == 1 else "risks"
    label = f"Likelihood {likelihood}, impact {impact} ({level}): {count} {noun}"
    number = (
        f'<text x="{fmt(x + CELL / 2)}" y="{fmt(y + CELL / 2)}" text-anchor="middle" '
        f'dominant-baseline="central" font-size="20" font-weight="600" fill="{INK}">'
        f"{count}</text>"
    )
    inner = f"<title>{text(label)}</title>{rect}{number}"
    href = link_for(likelihood, impact)
    if href is None:
        return f"<g>{inner}</g>"
    return f'<a href="{text(href)}" aria-label="{text(label)}">{inner}</a>'


def _axes() -> str:
    grid_bottom = TOP + SIZE * CELL
    parts = []
    for n in range(1, SIZE + 1):
        row, column = heat_map_cell(n, n)
        parts.append(
            f'<text x="{LEFT - 8}" y="{fmt(TOP + row * CELL + CELL / 2)}" text-anchor="end" '
            f'dominant-baseline="central" font-size="13" fill="{INK}">{n}</text>'
        )
        parts.append(
            f'<text x="{fmt(LEFT + column * CELL + CELL / 2)}" y="{grid_bottom + 16}" '
            f'text-anchor="middle" font-size="13" fill="{INK}">{n}</text>'
        )
    middle_y = fmt(TOP + SIZE * CELL / 2)
    parts.append(
        f'<text x="18" y="{middle_y}" text-anchor="middle" font-size="13" fill="#495057" '
        f'transform="rotate(-90 18 {middle_y})">Likelihood →</text>'
    )
    parts.append(
        f'<text x="{fmt(LEFT + SIZE * CELL / 2)}" y="{grid_bottom + 40}" text-anchor="middle" '
        f'font-size="13" fill="#495057">Impact →</text>'
    )
    return "".join(parts)
