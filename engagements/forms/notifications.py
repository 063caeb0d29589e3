"""Across the steps: each person's reminder settings."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms

from engagements.models import ReminderPreference
from outsourcing.forms import ModelForm

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class ReminderPreferenceForm(ModelForm):
    """What a person receives and when; the view ties it to the signed-in person."""

    digest_hour = forms.TypedChoiceField(
        choices=HOURS,
        coerce=int,
        label="Digest hour",
        help_text="Local time in your time zone.",
    )

    class Meta(ModelForm.Meta):
        model = ReminderPreference
        fields = [
            "time_zone",
            "digest_enabled",
            "digest_weekday",
            "digest_hour",
            "checkin_reminders",
            "deadline_reminders",
        ]
        help_texts = {
            "time_zone": "Every time in the app and in your emails is shown in this zone.",
        }
        labels = {
            "digest_enabled": "Send me the weekly digest",
            "digest_weekday": "Digest day",
            "checkin_reminders": "Remind me the day before each check-in",
            "deadline_reminders": "Remind me 30 and 7 days before evidence expires and before "
            "contract notice deadlines",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.render_hidden_fields = True  # the row's version (outsourcing/versions)
        self.helper.layout = Layout(
            "time_zone",
            Fieldset("Weekly digest", "digest_enabled", "digest_weekday", "digest_hour"),
            Fieldset("Reminders", "checkin_reminders", "deadline_reminders"),
        )
        self.helper.add_input(Submit("save", "Save reminder settings"))
