"""Vendor standings across their engagements' scorecards."""

from __future__ import annotations

import datetime
from decimal import Decimal

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
    vendors = []
    for vendor_id, found in sorted(scores.items()):  # one lock order for racing runs
        mean = (sum(found, Decimal("0")) / len(found)).quantize(Decimal("0.01")) if found else None
        vendors.append(
            Vendor(
                pk=vendor_id,
                standing=standing_for(mean, bands),
                standing_score=mean,
                standing_updated_at=at,
            )
        )
    Vendor.objects.bulk_update(
        vendors, ["standing", "standing_score", "standing_updated_at"], batch_size=500
    )
    return len(vendors)
