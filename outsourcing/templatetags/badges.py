"""{% load badges %}: {{ engagement.status|badge:"engagement_status" }} (outsourcing/badges.py).

For markup that is not a plain badge: `{{ level|badge_colour:"risk_level" }}` gives the
Bootstrap colour (`text-bg-…`), `{{ level|tone:"risk_level" }}` the status tone
(outsourcing/status.py) and `{{ tone|swatch }}` a legend's colour square.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from outsourcing import badges, status

register = template.Library()


@register.filter
def badge(value: object, palette: str) -> SafeString:
    return badges.badge(value, palette)


@register.filter
def badge_colour(value: object, palette: str) -> str:
    return badges.badge_colour(value, palette)


@register.filter
def tone(value: object, palette: str) -> status.Tone:
    return badges.tone_of(value, palette)


@register.filter
def swatch(tone: status.Tone) -> SafeString:
    return status.swatch(tone)
