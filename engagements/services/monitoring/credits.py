"""Step 4 workflows: service credits computed from the KPI rollups (issue 16).

Each closed period of a KPI with a credit rule is judged by the rule (Kpi.credit_for) on
the period's rolled-up value: a breach earns a credit, a period without values is
flagged (no credit computed, never "met"), a met level earns none. Only credits nobody
has acted on yet (due) are rewritten or removed; a claimed, received or waived credit
stays as agreed with the vendor. Open periods earn nothing yet: their value can change.

Three ways in, each with the periods it may have changed: the scheduled rollup (the
periods it wrote and those closed since its last run), the recompute after values were
saved (their periods), and an edit of the rule or of the contract's fee (every period).
Written row by row with their history – a few rows per engagement and month – under the
engagement's lock, so the scheduled run and a recompute never write the same credit
twice; running again writes nothing new.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from engagements.models import Engagement, Kpi, KpiRollup, ServiceCredit
from engagements.models.monitoring import HAS_CREDIT_RULE, period_bounds

from .turns import take_turns

RECOMPUTED_FIELDS = ("period_end", "kpi_value", "amount", "currency", "problem")


def kpis_with_credit_rules(engagement_id: int | None = None) -> QuerySet[Kpi]:
    """Active KPIs of live engagements that carry a credit rule: the rollup's credits."""
    kpis = Kpi.objects.filter(
        HAS_CREDIT_RULE,
        is_active=True,
        engagement__status__in=Engagement.LIVE_STATUSES,
    )
    return kpis if engagement_id is None else kpis.filter(engagement_id=engagement_id)


def refresh_credits(
    rollups: QuerySet[KpiRollup], *, today: datetime.date, computed_at: datetime.datetime
) -> int:
    """Judge these rollups' closed periods by their KPI's credit rule and write the
    credits they earn; returns how many credits were written or removed."""
    closed = rollups.filter(period_end__lt=today)
    engagement_ids = set(closed.order_by().values_list("kpi__engagement_id", flat=True))
    return sum(
        _write_engagement_credits(
            engagement_id, closed.filter(kpi__engagement_id=engagement_id), computed_at
        )
        for engagement_id in sorted(engagement_ids)
    )


def refresh_kpi_credits(kpi: Kpi, *, now: datetime.datetime | None = None) -> int:
    """After an edit of the KPI's rule, direction or period: every closed period judged
    again as the KPI now stands, and the due credits of a rule taken away, or of periods
    it no longer has, removed."""
    computed_at = now or timezone.now()
    with timezone.override(settings.TIME_ZONE), transaction.atomic():
        take_turns(kpi.engagement_id)
        kpi = Kpi.objects.get(pk=kpi.pk)
        removed = 0
        for credit in ServiceCredit.objects.select_for_update().filter(
            kpi=kpi, state__in=ServiceCredit.RECOMPUTABLE
        ):
            if not (
                kpi.has_credit_rule and _a_period_of(kpi, credit.period_start, credit.period_end)
            ):
                credit.delete()  # one by one, so each leaves its history row
                removed += 1
        if not kpi.has_credit_rule:
            return removed
        today = timezone.localdate(computed_at)
        return removed + refresh_credits(kpi.rollups.all(), today=today, computed_at=computed_at)


def refresh_engagement_credits(
    engagement: Engagement, *, now: datetime.datetime | None = None
) -> int:
    """After an edit of the contract's fee or currency: every credit of the engagement."""
    computed_at = now or timezone.now()
    rollups = KpiRollup.objects.filter(
        kpi__in=kpis_with_credit_rules().filter(engagement=engagement)
    )
    with timezone.override(settings.TIME_ZONE):
        today = timezone.localdate(computed_at)
    return refresh_credits(rollups, today=today, computed_at=computed_at)


def _a_period_of(kpi: Kpi, start: datetime.date, end: datetime.date) -> bool:
    """Whether start–end is one of the KPI's periods as it now counts them (a rollup or
    credit of the period it had before a change is not)."""
    return period_bounds(kpi.period, start) == (start, end)


@transaction.atomic
def _write_engagement_credits(
    engagement_id: int, rollups: QuerySet[KpiRollup], computed_at: datetime.datetime
) -> int:
    # Read under the engagement's lock: the values, the rule and the fee as they stand
    # once a recompute or an edit running beside this has committed.
    take_turns(engagement_id)
    rows = list(
        rollups.select_related("kpi__engagement")
        .annotate(
            monthly_fee=F("kpi__engagement__contract__monthly_fee"),
            fee_currency=F("kpi__engagement__contract__currency"),
        )
        .order_by("kpi_id", "period_start")
    )
    existing = {
        (credit.kpi_id, credit.period_start): credit
        for credit in ServiceCredit.objects.select_for_update().filter(
            kpi_id__in={rollup.kpi_id for rollup in rows},
            period_start__in={rollup.period_start for rollup in rows},
        )
    }
    changed = 0
    for rollup in rows:
        kpi = rollup.kpi
        credit = existing.get((rollup.kpi_id, rollup.period_start))
        if credit is not None and credit.state not in ServiceCredit.RECOMPUTABLE:
            continue
        outcome = None
        if kpi.has_credit_rule and _a_period_of(kpi, rollup.period_start, rollup.period_end):
            fee = rollup.monthly_fee  # type: ignore[attr-defined]
            outcome = kpi.credit_for(rollup.value, monthly_fee=fee)
        if outcome is None:
            if credit is not None:
                credit.delete()
                changed += 1
            continue
        figures: dict[str, object] = {
            "period_end": rollup.period_end,
            "kpi_value": rollup.value,
            "amount": outcome.amount,
            # A fixed credit without a contract yet: in the engagement's currency.
            "currency": rollup.fee_currency or kpi.engagement.currency,  # type: ignore[attr-defined]
            "problem": outcome.problem,
        }
        if credit is None:
            ServiceCredit.objects.create(
                kpi_id=rollup.kpi_id,
                period_start=rollup.period_start,
                computed_at=computed_at,
                **figures,
            )
            changed += 1
        elif any(getattr(credit, name) != value for name, value in figures.items()):
            for name, value in figures.items():
                setattr(credit, name, value)
            credit.computed_at = computed_at
            credit.save(update_fields=[*RECOMPUTED_FIELDS, "computed_at", "updated_at"])
            changed += 1
    return changed
