"""Moments in the viewer's zone (outsourcing/timezones.py), another zone beside where it differs."""

from __future__ import annotations

import datetime
import zoneinfo

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from outsourcing.formatting import in_days
from outsourcing.models import known_time_zones

register = template.Library()

MOMENT = "D j M Y, H:i"


@register.filter
def moment(value: datetime.datetime | None, other_zone: str = "") -> str | SafeString:
    """'Thu 3 Dec 2026, 14:00' in the viewer's zone, and '(13:00 Europe/London)' beside it
    when `other_zone` (a meeting's zone) reads the same moment at another time of day."""
    if value is None:
        return ""
    shown = timezone.localtime(value)
    text = date_format(shown, MOMENT)
    if other_zone not in known_time_zones():
        return text
    there = value.astimezone(zoneinfo.ZoneInfo(other_zone))
    if there.utcoffset() == shown.utcoffset():
        return text
    other = f"{there:%H:%M}" if there.date() == shown.date() else date_format(there, MOMENT)
    return format_html(
        '{} <span class="text-body-secondary small">({} {})</span>', text, other, other_zone
    )


@register.filter
def days_from(day: datetime.date | None, today: datetime.date) -> str:
    """'today', 'tomorrow', 'in 12 days' – or '3 days ago' – as the digest words it."""
    if day is None:
        return ""
    days = (day - today).days
    return in_days(days) if days >= 0 else f"{-days} day{'s' if days != -1 else ''} ago"
