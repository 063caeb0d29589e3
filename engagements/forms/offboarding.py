"""Leaving: the form that starts offboarding, and the one that settles what is still open."""

from __future__ import annotations

from typing import Any

from django import forms

from engagements.models import Engagement
from engagements.services.offboarding import OUTCOMES
from outsourcing.forms import Form
from outsourcing.roles import managers
from outsourcing.typeahead import TypeAhead, person_name
from outsourcing.uploads import validate_document


class StartOffboardingForm(Form):
    outcome = forms.ChoiceField(
        choices=[(value, Engagement.Status(value).label) for value in OUTCOMES],
        widget=forms.RadioSelect,
        label="How does the engagement end?",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept with the final review and on the vendor's status history.",
    )


class ItemDoneForm(Form):
    """Ticking an offboarding item: optionally what was done and a file that shows it."""

    note = forms.CharField(
        max_length=1000,
        required=False,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What was done, e.g. where the data went.",
    )
    evidence = forms.FileField(
        required=False,
        validators=[validate_document],
        label="Evidence",
        help_text="A deletion certificate, handover record or the like.",
    )


class SettleForm(Form):
    """Closing an engagement: one open action item or risk, closed with a reason or handed over."""

    reason = forms.CharField(
        max_length=500,
        label="Why",
        error_messages={"required": "Say why, so the record explains it."},
    )
    hand_over_to = forms.ModelChoiceField(
        queryset=managers(),
        required=False,
        label="Hand over to",
        help_text="Leave it empty to close it without handing it over.",
        widget=TypeAhead("people_search", among="managers"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hand_over_to"].label_from_instance = person_name  # type: ignore[attr-defined]
