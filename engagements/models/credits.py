"""Service credits: what the contract's service levels give back when a KPI misses them
(issue 16). The rollup computes one row per breached (or unmeasured) closed period of a
KPI with a credit rule; the owner then tracks it as claimed and received."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from outsourcing.models import Owned, TimeStampedModel, currency_field, money_field
from outsourcing.text import multi_line_text

from .monitoring import CreditProblem, Kpi


class ServiceCreditQuerySet(models.QuerySet["ServiceCredit"]):
    def computed(self) -> ServiceCreditQuerySet:
        """Credits with an amount (not flagged as impossible to compute)."""
        return self.filter(amount__isnull=False)

    def flagged(self) -> ServiceCreditQuerySet:
        """Periods whose credit could not be computed (no data, no fee): to look into."""
        return self.filter(amount__isnull=True)

    def open(self) -> ServiceCreditQuerySet:
        """Due or claimed: computed credits not yet received (nor waived)."""
        return self.computed().filter(
            state__in=[ServiceCredit.State.DUE, ServiceCredit.State.CLAIMED]
        )


class ServiceCredit(Owned, TimeStampedModel):
    owner_path = "kpi.engagement"

    class State(models.TextChoices):
        DUE = "due", "Due, not claimed"
        CLAIMED = "claimed", "Claimed"
        RECEIVED = "received", "Received"
        WAIVED = "waived", "Waived"

    # The rollup rewrites only credits nobody has acted on yet: a claimed, received or
    # waived credit is what was agreed with the vendor and stays as it is.
    RECOMPUTABLE = (State.DUE,)

    # No index of its own: the (kpi, period_start) unique constraint's serves look-ups by KPI.
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="credits", db_index=False)
    period_start = models.DateField()
    period_end = models.DateField()
    kpi_value = models.DecimalField(
        "KPI value", max_digits=14, decimal_places=4, null=True, blank=True
    )
    amount = money_field(null=True, blank=True)  # None: not computed, `problem` says why
    currency = currency_field()
    problem = models.CharField(max_length=10, choices=CreditProblem.choices, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DUE)
    claimed_on = models.DateField(null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, validators=[multi_line_text])
    computed_at = models.DateTimeField()

    objects = ServiceCreditQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "kpi"]
        verbose_name = "service credit"
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period_start"], name="one_credit_per_kpi_period"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True, problem__gt="")
                | Q(amount__isnull=False, problem=""),
                name="credit_amount_or_problem",
            ),
            # Only a computed credit can be claimed or received; one that could not be
            # computed can be waived (a period the vendor never reported, say).
            models.CheckConstraint(
                condition=Q(state__in=["due", "waived"]) | Q(amount__isnull=False),
                name="credit_claimed_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["claimed", "received"]) | Q(claimed_on__isnull=False),
                name="credit_claimed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="received") | Q(received_on__isnull=False),
                name="credit_received_has_date",
            ),
        ]
        indexes = [
            # dashboard "credits due" and the renewal view's open credits
            models.Index(fields=["state", "kpi"], name="credit_state_kpi_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.name} {self.period_start:%d %b %Y}: {self.shown_amount}"

    @property
    def shown_amount(self) -> str:
        return amount_text(self.amount, self.currency)


def amount_text(amount: Decimal | None, currency: str) -> str:
    """A credit's amount as the pages and the digest show it."""
    if amount is None:
        return "not computed"
    return f"{amount:,.2f} {currency}"
