"""Writes for one engagement that must not interleave take turns on its row."""

from __future__ import annotations

from django.db import connection

from engagements.models import Engagement


def take_turns(engagement_id: int) -> None:
    """Lock the engagement's row until the transaction ends. FOR NO KEY UPDATE where the
    database has it: it does not hold up the scheduled run's inserts, which refer to the
    row (FOR KEY SHARE). SQLite writes one at a time anyway and ignores the lock."""
    no_key = connection.features.has_select_for_no_key_update
    list(
        Engagement.objects.select_for_update(no_key=no_key)
        .filter(pk=engagement_id)
        .values_list("pk", flat=True)
    )
