"""Small building blocks shared by the charts."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal

# Characters XML 1.0 cannot hold at all (control characters other than tab and line breaks,
# lone surrogates, U+FFFE and U+FFFF): one of them in a KPI name would break the whole SVG.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: object) -> str:
    """Escape anything shown inside the SVG (labels, titles, tooltips), dropping the
    characters XML cannot hold."""
    return str(escape(NOT_XML.sub("", str(value))))


def fmt(value: Number) -> str:
    """A coordinate with at most two decimals, no exponent."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def document(
    *, chart_id: str, width: int, height: int, title: str, description: str, body: str
) -> SafeString:
    """The outer <svg> with an accessible name and description.

    `chart_id` makes the title and description ids unique when a page shows
    several charts. `body` must already be built from escaped pieces (see `text`).
    """
    ident = text(chart_id)
    # Reviewed: every piece of user text went through text(); tests check the escaping.
    return mark_safe(  # nosec B308 B703
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'class="outsourcing-chart" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{ident}-title">{text(title)}</title>'
        f'<desc id="{ident}-desc">{text(description)}</desc>'
        f"{body}</svg>"
    )


def empty(*, chart_id: str, title: str, message: str) -> SafeString:
    """The empty state: a sentence saying why there is nothing to draw, in HTML.

    Not SVG text: a chart scales with its box, and on a phone its words would shrink with it
    (a 14-unit sentence in a 640-wide chart comes out at about 6 px).
    """
    # Reviewed: chart_id, title and message all go through text().
    return mark_safe(  # nosec B308 B703
        f'<p class="chart-empty" data-chart="{text(chart_id)}">'
        f'<span class="visually-hidden">{text(title)}: </span>{text(message)}</p>'
    )
