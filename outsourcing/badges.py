"""Coloured badges for the values of a choice field: one way for every app and page.

Each app names the colour each value of its choices wears (its `badges.py`, read when the
app is ready); templates ask `{% load badges %}{{ vendor.status|badge:"vendor_status" }}`.
A value that is a status (good or bad) wears a tone of the one status scale
(outsourcing/status.py), so charts and maps can ask `tone_of` for the same colour; a
lifecycle step (draft, open, awarded) may name a plain Bootstrap colour instead.
The badge always carries the value's words, so it reads the same printed without colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString

from outsourcing.status import NONE, Tone


@dataclass(frozen=True)
class Palette:
    choices: type[models.Choices]
    colours: dict[str, str]  # value -> Bootstrap colour ("success", "light border", …)
    default: str = "secondary"
    pill: bool = False
    tones: dict[str, Tone] = field(default_factory=dict)  # value -> tone, for statuses
    default_tone: Tone = NONE


PALETTES: dict[str, Palette] = {}


def register(
    name: str,
    choices: type[models.Choices],
    colours: Mapping[str, Tone | str],
    *,
    default: Tone | str = "secondary",
    pill: bool = False,
) -> None:
    """Name a palette; each colour is a tone of the status scale or a Bootstrap colour."""
    PALETTES[name] = Palette(
        choices=choices,
        colours={value: _bootstrap(colour) for value, colour in colours.items()},
        default=_bootstrap(default),
        pill=pill,
        tones={value: colour for value, colour in colours.items() if isinstance(colour, Tone)},
        default_tone=default if isinstance(default, Tone) else NONE,
    )


def _bootstrap(colour: Tone | str) -> str:
    return colour.bootstrap if isinstance(colour, Tone) else colour


def badge_colour(value: object, palette_name: str) -> str:
    """The Bootstrap colour of a value's badge ("success", "light border", …)."""
    palette = PALETTES[palette_name]
    return palette.colours.get(str(value), palette.default)


def tone_of(value: object, palette_name: str) -> Tone:
    """The status tone a value wears in its palette: what a chart or map colours it."""
    palette = PALETTES[palette_name]
    return palette.tones.get(str(value), palette.default_tone)


def badge(value: object, palette_name: str) -> SafeString:
    """The value's label in its colour; an unknown value shows as it is, in the default."""
    palette = PALETTES[palette_name]
    labels = dict(palette.choices.choices)
    label = labels.get(value, value)
    colour = badge_colour(value, palette_name)
    shape = "badge rounded-pill" if palette.pill else "badge"
    return format_html('<span class="{} text-bg-{}">{}</span>', shape, colour, label)
