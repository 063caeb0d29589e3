"""{% load spend %}: spend against its limits as the tab, the dashboard and the digest say it."""

from __future__ import annotations

from django import template

from engagements.selectors.spend import burn_level
from outsourcing.formatting import whole_percent

register = template.Library()


@register.filter
def burn_percent(share: float | None) -> int | str:
    """{{ burn|burn_percent }}: the whole percent of the limit reached ("" without one)."""
    return "" if share is None else whole_percent(share)


@register.filter(name="burn_level")
def burn_level_filter(share: float | None) -> str:
    """{{ burn|burn_level }}: "over", "near", "ok" or "unknown" (burn_level)."""
    return burn_level(share)
