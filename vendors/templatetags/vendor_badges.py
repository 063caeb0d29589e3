"""The certificate expiry badge of the vendor pages (status, tier and standing badges:
{% load badges %}, outsourcing/badges.py)."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from vendors.models import Certification

register = template.Library()

# Within this many days a certificate counts as "expiring soon" (amber).
EXPIRY_WARNING_DAYS = 30


def _badge(colour: str, label: str, title: str = "") -> SafeString:
    if title:
        return format_html(
            '<span class="badge text-bg-{}" title="{}">{}</span>', colour, title, label
        )
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, label)


def expiry_state(expires_on: datetime.date | None, today: datetime.date) -> str:
    """'none', 'expired', 'expiring' (within EXPIRY_WARNING_DAYS) or 'valid'."""
    if expires_on is None:
        return "none"
    if expires_on < today:
        return "expired"
    if expires_on <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


@register.filter
def expiry_badge(certification: Certification) -> SafeString:
    today = timezone.localdate()
    expires_on = certification.expires_on
    state = expiry_state(expires_on, today)
    if expires_on is None:
        return _badge("secondary", "No expiry")
    if state == "expired":
        return _badge("danger", "Expired", f"Expired on {expires_on:%d %b %Y}")
    days_left = (expires_on - today).days
    if state == "expiring":
        label = "Expires today" if days_left == 0 else f"Expires in {days_left} days"
        if days_left == 1:
            label = "Expires tomorrow"
        return _badge("warning", label, f"Expires on {expires_on:%d %b %Y}")
    return _badge("success", "Valid", f"Valid until {expires_on:%d %b %Y}")
