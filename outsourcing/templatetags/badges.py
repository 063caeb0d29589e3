"""{% load badges %}: {{ engagement.status|badge:"engagement_status" }} (outsourcing/badges.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from outsourcing import badges

register = template.Library()


@register.filter
def badge(value: object, palette: str) -> SafeString:
    return badges.badge(value, palette)
