"""A service credit tracked by its owner: claimed from the vendor, received, or waived."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from engagements.forms.sourcing import DATE_INPUT
from engagements.models import ServiceCredit
from outsourcing.forms import ModelForm

State = ServiceCredit.State


class CreditForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = ServiceCredit
        fields = ["state", "claimed_on", "received_on", "note"]
        widgets = {
            "state": forms.RadioSelect,
            "claimed_on": DATE_INPUT,
            "received_on": DATE_INPUT,
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "state": "Where it stands",
            "claimed_on": "Claimed on",
            "received_on": "Received on",
        }
        help_texts = {
            "note": "e.g. the credit note's number, or why it is waived.",
        }

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if self.instance.claimed_on is None:
            self.fields["claimed_on"].initial = self.today

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        state = data.get("state")
        claimed, received = data.get("claimed_on"), data.get("received_on")
        if state is None:
            return data
        if state in (State.CLAIMED, State.RECEIVED) and self.instance.amount is None:
            self.add_error(
                "state",
                "This period's credit could not be computed "
                f"({self.instance.get_problem_display().lower()}), so there is nothing to "
                "claim. Enter the missing values or the contract's fee first, or waive it.",
            )
            return data
        if state == State.DUE:
            data["claimed_on"] = data["received_on"] = None
            return data
        if state in (State.CLAIMED, State.RECEIVED):
            self._check_day("claimed_on", claimed, "Say when the credit was claimed.")
        if state == State.RECEIVED:
            self._check_day("received_on", received, "Say when the credit was received.")
            if claimed and received and received < claimed:
                self.add_error("received_on", "A credit cannot be received before it is claimed.")
        else:
            data["received_on"] = None
        if state == State.WAIVED:
            data["claimed_on"] = None
            if not data.get("note", "").strip():
                self.add_error("note", "Say why the credit is waived.")
        return data

    def _check_day(self, name: str, day: datetime.date | None, missing: str) -> None:
        if day is None:
            if name not in self.errors:
                self.add_error(name, missing)
        elif day > self.today:
            self.add_error(name, "This date is in the future.")
        elif day < self.instance.period_end:
            self.add_error(name, "This is before the period the credit is for had ended.")
