"""A story's spend: the exchange rates an admin keeps, then a monthly invoice for each
month of the work so far, entered through the spend tab's own form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from engagements.forms.spend import SpendEntryForm
from engagements.models import Engagement, ExchangeRate, SpendEntry

from .dates import Story
from .helpers import submitted


def ensure_spend(engagement: Engagement, spec: dict[str, Any], story: Story) -> None:
    """`rates` as the admin enters them; then `months` invoices of `monthly` from the
    start, each paying for its month and dated its last day (none dated after today),
    numbered by `invoice`."""
    for rate in spec.get("rates", []):
        ExchangeRate.objects.get_or_create(
            currency=rate["currency"],
            valid_from=story.day(rate["valid_from"]),
            defaults={"rate": Decimal(rate["rate"])},
        )
    start = engagement.start_date.replace(day=1)
    for number in range(1, int(spec["months"]) + 1):
        invoice = story.text(spec["invoice"], n=number)
        if SpendEntry.objects.filter(engagement=engagement, invoice_number=invoice).exists():
            continue
        first = start + relativedelta(months=number - 1)
        last = first + relativedelta(months=1, days=-1)
        if last > story.today:
            break  # not invoiced yet
        form = SpendEntryForm(
            {
                "spent_on": last,
                "period_start": first,
                "period_end": last,
                "amount": spec["monthly"],
                "currency": spec.get("currency", engagement.currency),
                "invoice_number": invoice,
                "note": story.text(spec.get("note", "")),
            },
            engagement=engagement,
        )
        form.instance.entered_by = story.person(spec["by"])
        submitted(form).save()
