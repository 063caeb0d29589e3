"""Spend entries typed in on an engagement's spend tab, or imported from a CSV file."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.forms.sourcing import DATE_INPUT
from engagements.models import Engagement, SpendEntry
from outsourcing.csvimport import CsvUploadForm
from outsourcing.forms import ModelForm


def invoice_already_entered(number: str) -> str:
    return f"Invoice {number} is already entered for this engagement."


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
                raise forms.ValidationError(invoice_already_entered(number))
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends before it starts.")
        return data


def _constraints_checked_by_the_form(exclude: Any = None) -> None:
    """SpendEntry's constraints, already checked by the form (see SpendRowForm)."""


class SpendRowForm(SpendEntryForm):
    """The spend form for one row of a CSV file (engagements/imports.py).

    Django checks the model's constraints with a query each; here they repeat the form's
    own rules (the amount at least 0.01, the period's end not before its start) and the
    importer checks invoice numbers against one read for the whole file, so a long file
    costs no query per row. The database still enforces all three on insert.
    """

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, engagement=engagement, **kwargs)
        self.instance.validate_constraints = _constraints_checked_by_the_form  # type: ignore[method-assign]

    def clean_invoice_number(self) -> str:
        return str(self.cleaned_data.get("invoice_number", "")).strip()


class SpendUploadForm(CsvUploadForm):
    """A file of invoices for one engagement; the columns are the spend form's fields."""

    required_columns = ("invoice_date", "period_start", "period_end", "amount")
    optional_columns = ("currency", "invoice_number", "note")
    # An engagement rarely has more invoices than this; a larger file is better split.
    max_rows = 1_000
