"""Links back into the app and the small rules every reminder shares."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import IntegerField, Model
from django.db.models.expressions import RawSQL
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from engagements.models import (
    ActionItem,
    CheckIn,
    Engagement,
    ReminderPreference,
)

DIGEST, CHECKIN, COMPLIANCE, NOTICE = "digest", "checkin", "compliance", "notice"
# Days before a deadline that a reminder goes out, latest first.
DEADLINE_THRESHOLDS = (7, 30)


# --- Small helpers ------------------------------------------------------------


def many_ids(ids: Iterable[int]) -> Any:
    """Ids for an `__in` filter of a batch: thousands of them.

    On PostgreSQL one array parameter: a list of thousands of placeholders cost more to
    bind, send and parse than the query took to run. Elsewhere the list itself.
    """
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),), output_field=IntegerField())
    return list(ids)


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Where each kind of item is handled: the engagement tab's URL name and the section on it.
# A tab that does not exist yet falls back to the engagement page.
SECTION_OF = {
    "checkin": ("engagements:engagement_communication", "scheduled"),
    "actionitem": ("engagements:engagement_communication", "actions"),
    "kpi": ("engagements:engagement_kpis", ""),
    "performancereview": ("engagements:engagement_reviews", "open"),
    "risk": ("engagements:engagement_risks", "risk-register"),
    "complianceitem": ("engagements:engagement_compliance", ""),
    "contract": ("engagements:engagement_detail", "contract"),
    "engagement": ("engagements:engagement_detail", "overview"),
    "spendentry": ("engagements:engagement_spend", ""),
    "servicecredit": ("engagements:engagement_credits", ""),
}


def page_url(obj: Model) -> str:
    """The engagement tab the item belongs to, at the item's section.

    Links go to the browser app every manager can open, never to the Django
    admin (which only admins may use).
    """
    if isinstance(obj, Engagement):
        engagement_id = obj.pk
    elif isinstance(obj, ActionItem):
        engagement_id = obj.checkin.engagement_id
    else:
        engagement_id = obj.engagement_id  # type: ignore[attr-defined]
    return item_url(str(obj._meta.model_name), engagement_id)


def item_url(model_name: str, engagement_id: int) -> str:
    """`page_url` from the item's kind and engagement id, without a `reverse()` a row."""
    return item_urls(model_name)(engagement_id)


def item_urls(model_name: str) -> Callable[[int], str]:
    """`item_url` for many items of one kind, from their engagement ids.

    A digest links thousands of items: each kind's path is reversed once (per URL
    configuration and script prefix) for a placeholder id, and the id goes in its place.
    """
    before, after = tab_path(model_name, get_urlconf(), get_script_prefix())
    start = absolute_url(before)
    return lambda engagement_id: f"{start}{engagement_id}{after}"


# Stands for the engagement id in a reversed path; no other part of a path holds it.
PLACEHOLDER_ID = 987654321


@functools.cache
def tab_path(model_name: str, urlconf: str | None, script_prefix: str) -> tuple[str, str]:
    """The path of the item's tab and section, split where the engagement id goes."""
    url_name, section = SECTION_OF[model_name]
    try:
        path = reverse(url_name, urlconf=urlconf, args=[PLACEHOLDER_ID])
    except NoReverseMatch:
        path = reverse("engagements:engagement_detail", urlconf=urlconf, args=[PLACEHOLDER_ID])
    before, after = (f"{path}#{section}" if section else path).split(str(PLACEHOLDER_ID))
    return before, after


def preferences_url() -> str:
    return absolute_url(reverse("engagements:reminder_preferences"))


def preference_of(user: Any) -> ReminderPreference:
    """The person's saved preferences, or the defaults in the server's time zone."""
    try:
        return user.reminder_preference  # type: ignore[no-any-return]
    except ReminderPreference.DoesNotExist:
        return ReminderPreference(user=user, time_zone=settings.TIME_ZONE)


def iso_week_key(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def checkin_time_zone(checkin: CheckIn) -> str:
    plan = getattr(checkin.engagement, "communication_plan", None)
    return plan.time_zone if plan is not None else settings.TIME_ZONE


def deadline_threshold(days_left: int) -> int | None:
    """The reminder due with this many days left: the latest threshold passed, if any.

    31 days: none yet; 30–8: the 30-day one; 7–0: the 7-day one; past: none.
    """
    if days_left < 0:
        return None
    for threshold in DEADLINE_THRESHOLDS:
        if days_left <= threshold:
            return threshold
    return None


def digest_day(preference: ReminderPreference, now: datetime.datetime) -> datetime.date | None:
    """The local day of the digest to queue now, or None when none is due.

    Due from the chosen weekday at the chosen local hour (08:00 means 08:00 on
    the wall clock, whatever daylight saving does) until the end of the next
    local day, so a worker down for a night still sends it. Later than that the
    week's digest is skipped: it would arrive when the week is half gone.
    """
    if not preference.digest_enabled:
        return None
    local = preference.local_now(now)
    days_late = (local.weekday() - preference.digest_weekday) % 7
    if (days_late == 0 and local.hour >= preference.digest_hour) or days_late == 1:
        return local.date() - datetime.timedelta(days=days_late)
    return None


@dataclass
class Draft:
    """An email to queue: its template and the plain (JSON) values the template shows."""

    recipient: Any
    kind: str
    key: str
    subject: str
    template: str
    context: dict[str, Any]
