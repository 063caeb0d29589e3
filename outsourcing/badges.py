"""Coloured badges for the values of a choice field: one way for every app and page.

Each app names the colour each value of its choices wears (its `badges.py`, read when the
app is ready); templates ask `{% load badges %}{{ vendor.status|badge:"vendor_status" }}`.
The badge always carries the value's words, so it reads the same printed without colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Palette:
    choices: type[models.Choices]
    colours: dict[str, str]  # value -> Bootstrap colour ("success", "light border", …)
    default: str = "secondary"
    pill: bool = False


PALETTES: dict[str, Palette] = {}


def register(
    name: str,
    choices: type[models.Choices],
    colours: dict[str, str],
    *,
    default: str = "secondary",
    pill: bool = False,
) -> None:
    PALETTES[name] = Palette(choices=choices, colours=dict(colours), default=default, pill=pill)


def badge(value: object, palette_name: str) -> SafeString:
    """The value's label in its colour; an unknown value shows as it is, in the default."""
    palette = PALETTES[palette_name]
    labels = dict(palette.choices.choices)
    label = labels.get(value, value)
    colour = palette.colours.get(str(value), palette.default)
    shape = "badge rounded-pill" if palette.pill else "badge"
    return format_html('<span class="{} text-bg-{}">{}</span>', shape, colour, label)
