"""Service credits: which are due, open or flagged, and what they add up to (issue 16).

The KPI tab, the credits page, the contract section, the vendor page, the renewal view,
the dashboard and the exports all ask here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from engagements.models import ServiceCredit
from engagements.models.credits import ServiceCreditQuerySet

from .scope import Engagements


def credits_of(engagements: Engagements) -> ServiceCreditQuerySet:
    """Every credit of these engagements, newest period first."""
    return ServiceCredit.objects.filter(kpi__engagement__in=engagements).order_by(
        "-period_start", "kpi__name", "pk"
    )


# The columns a line about a credit to act on shows (the dashboard's panel, the digest).
CREDIT_LINE_FIELDS = (
    "period_start",
    "amount",
    "currency",
    "problem",
    "kpi__name",
    "kpi__engagement__title",
)


def credits_to_act_on(engagements: Engagements) -> QuerySet[ServiceCredit]:
    """Credits nobody has acted on: computed ones to claim, and flagged periods whose
    credit could not be computed (no values, no fee) to look into. Oldest first."""
    return (
        credits_of(engagements).filter(state=ServiceCredit.State.DUE).order_by("period_start", "pk")
    )


@dataclass(frozen=True)
class CreditTotal:
    state: str
    label: str
    currency: str
    amount: Decimal
    periods: int


@dataclass(frozen=True)
class CreditTotals:
    totals: list[CreditTotal]
    flagged: int  # periods whose credit could not be computed, not waived

    def __bool__(self) -> bool:
        return bool(self.totals) or self.flagged > 0

    @property
    def open(self) -> list[CreditTotal]:
        """Due or claimed: what the vendor still owes."""
        return [
            t
            for t in self.totals
            if t.state in (ServiceCredit.State.DUE, ServiceCredit.State.CLAIMED)
        ]


def credit_totals(credits: QuerySet[ServiceCredit]) -> CreditTotals:
    """Sums by state and currency in one grouped query, and the flagged periods."""
    labels = dict(ServiceCredit.State.choices)
    order = list(labels)
    rows = (
        credits.order_by()
        .values("state", "currency", "problem")
        .annotate(amount=Sum("amount"), periods=Count("pk"))
    )
    totals: list[CreditTotal] = []
    flagged = 0
    for row in rows:
        if row["problem"]:
            if row["state"] == ServiceCredit.State.DUE:
                flagged += row["periods"]
            continue
        totals.append(
            CreditTotal(
                state=row["state"],
                label=labels[row["state"]],
                currency=row["currency"],
                amount=row["amount"],
                periods=row["periods"],
            )
        )
    totals.sort(key=lambda t: (order.index(t.state), t.currency))
    return CreditTotals(totals=totals, flagged=flagged)
