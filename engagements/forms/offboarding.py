"""Leaving: the form that starts offboarding, and the one that settles what is still open."""

from __future__ import annotations

from django import forms

from engagements.models import Engagement
from engagements.services.offboarding import OUTCOMES
from outsourcing.roles import managers


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


class SettleForm(forms.Form):
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
        empty_label="Nobody: close it",
    )
