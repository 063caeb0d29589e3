"""Across the steps: each person's reminder settings."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from engagements.forms.notifications import ReminderPreferenceForm
from engagements.models import ReminderPreference
from engagements.selectors.notifications import time_zone_of
from outsourcing.timezones import remember_time_zone
from outsourcing.versions import saves_atomically


def remember_own_time_zone(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On signing in (user_logged_in): show this person's times in their own zone."""
    remember_time_zone(request, time_zone_of(user))


@login_required
@saves_atomically
def reminder_preferences(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own settings; there is no way to reach anyone else's."""
    user_id = cast(int, request.user.pk)  # signed in: login_required
    preference = ReminderPreference.objects.filter(user_id=user_id).first()
    if preference is None:
        preference = ReminderPreference(user_id=user_id, time_zone=settings.TIME_ZONE)
    form = ReminderPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        remember_time_zone(request, saved.time_zone)
        messages.success(
            request, f"Your reminder settings are saved. Times now show in {saved.time_zone}."
        )
        return redirect("engagements:reminder_preferences")
    return render(
        request,
        "engagements/notifications/preferences.html",
        {"form": form},
    )
