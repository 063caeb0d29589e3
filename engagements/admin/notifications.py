"""Across the steps: reminder preferences and the outbox of emails."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vendors.admin import JoinedAdmin

from ..models import OutboundEmail, ReminderPreference


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(JoinedAdmin):
    list_display = [
        "user",
        "time_zone",
        "digest_enabled",
        "digest_weekday",
        "digest_hour",
        "checkin_reminders",
        "deadline_reminders",
    ]
    list_filter = ["digest_enabled", "checkin_reminders", "deadline_reminders", "digest_weekday"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The outbox, to read: reminder jobs add rows and the sender alone moves them on."""

    list_display = [
        "subject",
        "to_address",
        "kind",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "to_address", "key", "recipient__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
