"""What is actually spent on an engagement: its invoices, against the contract's value and
the engagement's budget (issue 16)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from outsourcing.models import Owned, TimeStampedModel, currency_field, money_field, person_field
from outsourcing.text import multi_line_text, single_line_text

from .engagement import Engagement


class SpendEntry(Owned, TimeStampedModel):
    """One amount paid or invoiced for the engagement, and the period it pays for."""

    owner_path = "engagement"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="spend")
    spent_on = models.DateField(help_text="The invoice's date (its exchange rate is that day's).")
    period_start = models.DateField(help_text="First day of the period it pays for.")
    period_end = models.DateField(help_text="Last day of the period it pays for.")
    amount = money_field(validators=[MinValueValidator(Decimal("0.01"))])
    currency = currency_field()
    invoice_number = models.CharField(max_length=60, blank=True, validators=[single_line_text])
    note = models.TextField(blank=True, validators=[multi_line_text])
    entered_by = person_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-spent_on", "-pk"]
        verbose_name = "spend entry"
        verbose_name_plural = "spend entries"
        indexes = [
            # the spend tab, newest first, and burn totals per engagement
            models.Index(fields=["engagement", "-spent_on"], name="spend_engagement_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="spend_amount_positive"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="spend_period_end_after_start"
            ),
            # The same invoice entered twice would count twice.
            models.UniqueConstraint(
                fields=["engagement", "invoice_number"],
                condition=~Q(invoice_number=""),
                name="one_entry_per_invoice",
            ),
        ]

    def __str__(self) -> str:
        invoice = f" (invoice {self.invoice_number})" if self.invoice_number else ""
        return f"{self.amount:,.2f} {self.currency} on {self.spent_on:%d %b %Y}{invoice}"
