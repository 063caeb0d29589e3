"""Spend entries typed in on an engagement's spend tab."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.forms.sourcing import DATE_INPUT
from engagements.models import Engagement, SpendEntry
from outsourcing.forms import ModelForm


class SpendEntryForm(ModelForm):
    """An invoice or payment: the period it pays for ends on or after it starts, and an
    invoice number is entered once per engagement (twice would count it twice)."""

    class Meta(ModelForm.Meta):
        model = SpendEntry
        fields = [
            "spent_on",
            "period_start",
            "period_end",
            "amount",
            "currency",
            "invoice_number",
            "note",
        ]
        widgets = {
            "spent_on": DATE_INPUT,
            "period_start": DATE_INPUT,
            "period_end": DATE_INPUT,
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"spent_on": "Invoice date", "invoice_number": "Invoice number"}

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.instance.engagement = engagement
        if not self.instance.pk:
            self.fields["currency"].initial = engagement.currency
        self.fields["amount"].widget.attrs.update({"min": "0.01", "step": "0.01"})

    def clean_invoice_number(self) -> str:
        number = str(self.cleaned_data.get("invoice_number", "")).strip()
        if number:
            same = SpendEntry.objects.filter(engagement=self.engagement, invoice_number=number)
            if self.instance.pk:
                same = same.exclude(pk=self.instance.pk)
            if same.exists():
                raise forms.ValidationError(
                    f"Invoice {number} is already entered for this engagement."
                )
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends before it starts.")
        return data
