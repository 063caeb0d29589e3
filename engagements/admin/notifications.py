"""Across the steps: reminder preferences and the outbox of emails."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.defaultfilters import linebreaksbr
from django.utils.html import escape

from outsourcing.admin import JoinedAdmin, VersionedAdmin, log_bulk_change

from ..models import OutboundEmail, ReminderPreference
from ..services import reminders


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
class OutboundEmailAdmin(VersionedAdmin):
    """The outbox, to read: reminder jobs add rows and the sender alone moves them on.

    The one change by hand is "send again" for emails the sender gave up on.
    """

    list_display = [
        "subject",
        "to_address",
        "kind",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "to_address", "key", "recipient__username"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = ["text_preview", "html_preview"]

    # Reminders are rendered when sent: these show what the recipient gets. Both bodies
    # come marked safe from their templates, so they are escaped here as plain text.
    @admin.display(description="Text as sent")
    def text_preview(self, email: OutboundEmail) -> str:
        return self._preview(email, 0)

    @admin.display(description="HTML as sent (source)")
    def html_preview(self, email: OutboundEmail) -> str:
        return self._preview(email, 1)

    def _preview(self, email: OutboundEmail, part: int) -> str:
        # A row whose template is gone or broken is the one an admin opens to see why
        # it failed: say so rather than fail the page.
        try:
            body = email.bodies()[part]
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:
            return f"Cannot be rendered: {type(error).__name__}: {error}"
        return linebreaksbr(escape(body))

    def has_resend_permission(self, request: HttpRequest) -> bool:
        # Rows are never edited in a form, but putting them back in the queue is a change.
        return request.user.has_perm("engagements.change_outboundemail")

    @admin.action(description="Send selected failed emails again", permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        pks = list(queryset.filter(status=OutboundEmail.Status.FAILED).values_list("pk", flat=True))
        with transaction.atomic():
            count = reminders.send_again(OutboundEmail.objects.filter(pk__in=pks))
            log_bulk_change(request, OutboundEmail.objects.filter(pk__in=pks), "Sent again.")
        self.message_user(request, f"{count} email(s) queued to be sent again.", messages.SUCCESS)
        skipped = queryset.count() - len(pks)
        if skipped:
            self.message_user(
                request,
                f"{skipped} email(s) left alone: only failed ones are sent again.",
                messages.WARNING,
            )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
