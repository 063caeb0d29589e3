"""Leaving: the form that starts offboarding."""

from __future__ import annotations

from django import forms

from engagements.models import Engagement
from engagements.services.offboarding import OUTCOMES


class StartOffboardingForm(forms.Form):
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
