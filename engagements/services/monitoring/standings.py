"""Vendor standings across their engagements' scorecards."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    OuterRef,
    Subquery,
)

from engagements.models import (
    Engagement,
    Period,
    Scorecard,
    StandingBand,
)
from engagements.models.monitoring import standing_for
from vendors.models import Vendor

from .upserts import json_param, json_rows, stamp

STANDING_COLUMNS = [("id", "bigint"), ("standing", "text"), ("standing_score", "numeric")]

# --- vendor standings -----------------------------------------------------------------


def update_standings(
    *, engagement_id: int | None, today: datetime.date, at: datetime.datetime
) -> int:
    """Each vendor's standing from its live engagements' latest closed, scored months.

    The mean over the engagements (one latest closed-month score each) is placed in the
    admin's bands. A vendor with live engagements but no score has "no data"; a vendor
    without live engagements keeps the standing it ended with.
    """
    live = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    if engagement_id is not None:
        vendor_ids = live.filter(pk=engagement_id).values("vendor_id")
        live = live.filter(vendor_id__in=vendor_ids)
    latest_score = (
        Scorecard.objects.filter(
            engagement=OuterRef("pk"),
            period=Period.MONTH,
            period_end__lt=today,
            score__isnull=False,
        )
        .order_by("-period_start")
        .values("score")[:1]
    )
    scores: dict[int, list[Decimal]] = {}
    for vendor_id, score in (
        live.annotate(latest_score=Subquery(latest_score))
        .values_list("vendor_id", "latest_score")
        .order_by()
    ):
        found = scores.setdefault(vendor_id, [])  # without scores: "no data"
        if score is not None:
            found.append(score)
    bands = list(StandingBand.objects.values_list("standing", "min_score"))
    rows = []
    for vendor_id, found in sorted(scores.items()):  # one lock order for racing runs
        mean = (sum(found, Decimal("0")) / len(found)).quantize(Decimal("0.01")) if found else None
        rows.append((vendor_id, standing_for(mean, bands), None if mean is None else str(mean)))
    _write_standings(rows, at=at)
    return len(rows)


def _write_standings(rows: list[tuple[int, str, str | None]], *, at: datetime.datetime) -> None:
    """Set each vendor's standing, score and `at` in one UPDATE from a JSON parameter.

    Why not bulk_update: it builds a CASE WHEN per vendor and field, and building that
    took most of an incremental run's standings (issue 15, P3). Every vendor listed is
    written, changed or not: `standing_updated_at` says when the standing was computed.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(Vendor._meta.db_table)
    # Table and column names from model metadata; every value is a parameter.
    sql = (
        f"UPDATE {table} SET {quote('standing')} = incoming.{quote('standing')}, "  # nosec B608
        f"{quote('standing_score')} = incoming.{quote('standing_score')}, "
        f"{quote('standing_updated_at')} = %s "
        f"FROM ({json_rows(STANDING_COLUMNS)}) AS incoming "
        f"WHERE {table}.{quote('id')} = incoming.{quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp(at), json_param(STANDING_COLUMNS, rows)])
