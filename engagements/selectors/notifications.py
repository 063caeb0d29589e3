"""Across the steps: what each person chose for themselves."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from engagements.models import ReminderPreference


def time_zone_of(user: Any) -> str:
    """The zone a person reads times in: their settings', else the server's TIME_ZONE."""
    chosen = ReminderPreference.objects.filter(user_id=user.pk).values_list("time_zone", flat=True)
    return chosen.first() or settings.TIME_ZONE
