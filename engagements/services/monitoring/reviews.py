"""Performance review flags: a KPI red for several periods, a scorecard under the bar."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone

from engagements.models import (
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    PerformanceReview,
    Period,
    Scorecard,
)
from outsourcing.formatting import number_text

from .periods import ENGAGEMENT_BATCH, KPI_BATCH, latest_closed_periods

# --- performance review flags ---------------------------------------------------------


def open_review(review: PerformanceReview) -> bool:
    """Save one new review flag unless the database already holds an open one for the
    same KPI or trigger; True when it was opened."""
    return open_reviews([review]) == 1


def open_reviews(reviews: list[PerformanceReview]) -> int:
    """Save new review flags in one insert, skipping those the database already holds
    open (the partial unique constraints, ON CONFLICT DO NOTHING): a run racing another
    one, or a late rerun, opens nothing twice. Returns how many were opened, counted as
    the open flags of their engagements before and after (a review opened by hand at
    that very moment would count too: the figure is only for the run's report)."""
    if not reviews:
        return 0
    still_open = PerformanceReview.objects.filter(
        engagement_id__in={review.engagement_id for review in reviews}, decided_at__isnull=True
    )
    with transaction.atomic():
        before = still_open.count()
        PerformanceReview.objects.bulk_create(reviews, ignore_conflicts=True)
        return still_open.count() - before


@dataclass(frozen=True)
class RedStreak:
    kpi_id: int
    first_day: datetime.date
    last_day: datetime.date
    latest_value: Decimal | None


def red_streaks(*, engagement_id: int | None, today: datetime.date) -> Iterator[RedStreak]:
    """KPIs whose latest REVIEW_AFTER_RED_PERIODS closed periods are all red.

    A period without a red rollup – green, amber, no data or never rolled up – breaks
    the streak. Streams the red rollups KPI by KPI, so memory stays bounded.
    """
    count = settings.REVIEW_AFTER_RED_PERIODS
    if count < 1:
        return
    lookback = latest_closed_periods(Period.QUARTER, today, count)[0][0]
    red = KpiRollup.objects.filter(
        kpi__is_active=True,
        kpi__engagement__status__in=Engagement.LIVE_STATUSES,
        status=KpiStatus.RED,
        period_start__gte=lookback,
        period_end__lt=today,
    )
    if engagement_id is not None:
        red = red.filter(kpi__engagement_id=engagement_id)
    rows = red.order_by("kpi_id", "period_start").values_list(
        "kpi_id", "kpi__period", "period_start", "value"
    )
    for kpi_id, group in itertools.groupby(rows.iterator(chunk_size=2000), key=lambda r: r[0]):
        found = list(group)
        red_values = {start: value for _, _, start, value in found}
        needed = latest_closed_periods(found[0][1], today, count)
        if all(start in red_values for start, _ in needed):
            yield RedStreak(
                kpi_id=kpi_id,
                first_day=needed[0][0],
                last_day=needed[-1][1],
                latest_value=red_values[needed[-1][0]],
            )


def open_red_streak_reviews(*, engagement_id: int | None, today: datetime.date) -> int:
    """Open a review for each KPI red N closed periods in a row, once.

    Skipped while any review of that KPI is open, and when the last red-streak review
    was opened after the streak's latest period had ended (the same streak, already
    decided): a new one opens only once a later period is red as well.
    """
    streaks = list(red_streaks(engagement_id=engagement_id, today=today))
    opened = 0
    due: list[PerformanceReview] = []
    for offset in range(0, len(streaks), KPI_BATCH):
        chunk = {streak.kpi_id: streak for streak in streaks[offset : offset + KPI_BATCH]}
        reviews = PerformanceReview.objects.filter(kpi_id__in=list(chunk))
        open_kpis = set(reviews.filter(decided_at__isnull=True).values_list("kpi_id", flat=True))
        last_flagged = dict(
            reviews.filter(trigger=PerformanceReview.Trigger.KPI_RED_STREAK)
            .values_list("kpi_id")
            .annotate(last=Max("created_at"))
            .order_by()
        )
        for kpi in Kpi.objects.filter(pk__in=list(chunk)).order_by("pk"):
            streak = chunk[kpi.pk]
            flagged = last_flagged.get(kpi.pk)
            if kpi.pk in open_kpis or (flagged and timezone.localdate(flagged) > streak.last_day):
                continue
            due.append(
                PerformanceReview(
                    engagement_id=kpi.engagement_id,
                    trigger=PerformanceReview.Trigger.KPI_RED_STREAK,
                    kpi=kpi,
                    summary=_red_streak_summary(kpi, streak),
                )
            )
        opened += open_reviews(due)
        due = []
    return opened


def _red_streak_summary(kpi: Kpi, streak: RedStreak) -> str:
    count = settings.REVIEW_AFTER_RED_PERIODS
    latest = "no value" if streak.latest_value is None else number_text(streak.latest_value)
    return (
        f"{kpi.name} was red for {count} {kpi.get_period_display().lower()}s in a row, "
        f"{streak.first_day:%d %b %Y} to {streak.last_day:%d %b %Y}: latest {latest} "
        f"{kpi.unit} against a target of {number_text(kpi.target)} {kpi.unit}."
    )


def open_low_scorecard_reviews(*, engagement_id: int | None, today: datetime.date) -> int:
    """Open a review for each live engagement whose latest closed monthly scorecard is
    under REVIEW_BELOW_SCORECARD, once.

    Skipped while the engagement has an open low-scorecard review, and when a review
    already names that scorecard: after a decision a new one opens only for a later
    month that is low again.
    """
    live = Engagement.objects.filter(status__in=Engagement.LIVE_STATUSES)
    if engagement_id is not None:
        live = live.filter(pk=engagement_id)
    latest_closed = Scorecard.objects.filter(
        engagement=OuterRef("pk"), period=Period.MONTH, period_end__lt=today
    ).order_by("-period_start")
    # The low cards' ids first, then those cards by primary key: asked as one query,
    # PostgreSQL read every scorecard there is (their breakdowns too) to keep a few.
    low_ids = (
        live.annotate(
            card_id=Subquery(latest_closed.values("pk")[:1]),
            card_score=Subquery(latest_closed.values("score")[:1]),
        )
        .filter(card_score__lt=settings.REVIEW_BELOW_SCORECARD)
        .order_by()
        .values_list("card_id", flat=True)
    )
    low = list(
        Scorecard.objects.filter(pk__in=list(low_ids))
        .only("engagement_id", "period_start", "score", "kpis_without_data")
        .order_by("engagement_id")
    )
    opened = 0
    for offset in range(0, len(low), ENGAGEMENT_BATCH):
        chunk = low[offset : offset + ENGAGEMENT_BATCH]
        already = set(
            PerformanceReview.objects.filter(
                Q(decided_at__isnull=True) | Q(scorecard__in=chunk),
                engagement_id__in=[card.engagement_id for card in chunk],
                trigger=PerformanceReview.Trigger.LOW_SCORECARD,
            ).values_list("engagement_id", flat=True)
        )
        opened += open_reviews(
            [
                PerformanceReview(
                    engagement_id=card.engagement_id,
                    trigger=PerformanceReview.Trigger.LOW_SCORECARD,
                    scorecard=card,
                    summary=_low_scorecard_summary(card),
                )
                for card in chunk
                if card.engagement_id not in already
            ]
        )
    return opened


def _low_scorecard_summary(card: Scorecard) -> str:
    without = (
        f" {card.kpis_without_data} KPI(s) had no data and were left out."
        if card.kpis_without_data
        else ""
    )
    return (
        f"Scorecard {card.score} for {card.period_start:%B %Y} is under the review "
        f"threshold of {settings.REVIEW_BELOW_SCORECARD}.{without}"
    )
