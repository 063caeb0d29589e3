"""Across the steps: each person's reminder preferences and the outbox of emails to send."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import TimeStampedModel, TimeZoneField

from .communication import Weekday


class ReminderPreference(TimeStampedModel):
    """When a person gets the weekly digest, and which reminders they want at all."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    time_zone = TimeZoneField()
    digest_enabled = models.BooleanField("weekly digest", default=True)
    digest_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)], help_text="Hour of the day, 0–23."
    )
    checkin_reminders = models.BooleanField("reminders the day before a check-in", default=True)
    deadline_reminders = models.BooleanField(
        "reminders before evidence expires and before notice deadlines", default=True
    )

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_hour__gte=0, digest_hour__lte=23), name="digest_hour_0_to_23"
            ),
            models.CheckConstraint(
                condition=Q(digest_weekday__gte=0, digest_weekday__lte=6),
                name="digest_weekday_0_to_6",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder preferences of {self.user}"

    def local_now(self, now: datetime.datetime | None = None) -> datetime.datetime:
        return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(self.time_zone))


class OutboundEmail(TimeStampedModel):
    """One email to send, keyed so the same reminder is never queued twice.

    Reminder jobs only add rows; a separate sender claims and sends them, and a
    failed or interrupted send goes back to the queue instead of being lost.

    A reminder keeps its template's name and the values it shows (`context`, plain
    JSON) and is rendered when it is sent: queueing thousands of digests stores a
    few small values each instead of rendering two bodies each. A row without a
    template (queued before, or by hand) is sent with the bodies it stores.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    # No index of its own: the (recipient, kind, key) unique constraint's serves.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="outbound_emails",
        db_index=False,
    )
    kind = models.CharField(max_length=30, help_text="e.g. digest, checkin, compliance, notice")
    key = models.CharField(
        max_length=200,
        help_text="The natural key of what it is about, e.g. 2026-W48 for a digest, "
        "the check-in id for a check-in reminder.",
    )
    to_address = models.EmailField()
    subject = models.CharField(max_length=250)
    template = models.CharField(
        max_length=100,
        blank=True,
        db_default="",
        help_text="The email's templates, emails/<template>.txt and .html, rendered when sent.",
    )
    context = models.JSONField(
        blank=True, default=dict, db_default={}, help_text="What the templates show."
    )
    text_body = models.TextField(blank=True, help_text="Sent as stored when there is no template.")
    html_body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now, help_text="Not tried again before this (backoff after a failure)."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbound email"
        indexes = [
            # the sender's queue: pending (and stale sending) rows whose time has come
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next_idx"),
        ]
        constraints = [
            # The same reminder about the same thing is queued once, however often jobs run.
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], name="one_email_per_recipient_kind_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address}"

    def bodies(self) -> tuple[str, str]:
        """The text and HTML bodies to send."""
        if not self.template:
            return self.text_body, self.html_body
        text = render_to_string(f"emails/{self.template}.txt", self.context)
        return text.strip() + "\n", render_to_string(f"emails/{self.template}.html", self.context)
