"""Sending: the outbox emptied one claimed row at a time, with backoff on failure."""

from __future__ import annotations

import datetime
import logging
import smtplib
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, Q, QuerySet
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from engagements.models import (
    OutboundEmail,
)
from outsourcing.formatting import plural

logger = logging.getLogger(__name__)

# Backoff after the n-th failed try: 2^n minutes, at most four hours.
MAX_BACKOFF_MINUTES = 240
# Errors about one message (the server answered and refused it, or its templates could
# not be rendered): the next may still go. Anything else (refused connection, timeout,
# disconnect) stops the batch.
MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    ValueError,
    TemplateDoesNotExist,
    TemplateSyntaxError,
)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0  # failed this time, tried again after the backoff
    failed: int = 0  # gave up after the last attempt
    stopped_early: bool = False  # the mail server could not be reached

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "stopped_early": self.stopped_early,
        }

    def __str__(self) -> str:
        text = f"Sent {plural(self.sent, 'email')}, {self.retrying} to retry, {self.failed} failed."
        if self.stopped_early:
            text += " Stopped early: the mail server could not be reached."
        return text


# --- Sending ------------------------------------------------------------------


def due_emails(now: datetime.datetime) -> QuerySet[OutboundEmail]:
    """Rows to send now: pending and due, or left "sending" by a sender that died."""
    abandoned = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    return OutboundEmail.objects.filter(
        Q(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=OutboundEmail.Status.SENDING, claimed_at__lt=abandoned)
    ).order_by("next_attempt_at", "pk")


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2**attempts, MAX_BACKOFF_MINUTES))


def send_outbox(*, now: datetime.datetime | None = None, batch_size: int = 50) -> SendReport:
    """Send up to `batch_size` due emails, each claimed, sent and marked on its own.

    Runs every two minutes on the beat schedule and from `manage.py send_reminders`.
    A crash leaves at most the one email in flight claimed; the rest stay pending.
    """
    now = now or timezone.now()
    report = SendReport()
    candidates = list(due_emails(now)[:batch_size])
    if not candidates:
        return report
    connection = get_connection()
    try:
        for email in candidates:
            if not claim(email, report):
                continue
            try:
                connection.open()
                deliver(email, connection)
            except Exception as error:  # any failure: the row goes back or gives up
                record_failure(email, error, report)
                with suppress(Exception):
                    connection.close()
                if not isinstance(error, MESSAGE_ERRORS):
                    report.stopped_early = True
                    break
                continue
            mark_sent(email, report)
    finally:
        with suppress(Exception):
            connection.close()
    return report


def claim(email: OutboundEmail, report: SendReport) -> bool:
    """Take the row for this sender if nobody changed it since it was read."""
    Status = OutboundEmail.Status
    unchanged = OutboundEmail.objects.filter(
        pk=email.pk, status=email.status, claimed_at=email.claimed_at
    )
    claimed_at = timezone.now()
    if email.status == Status.SENDING and email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        # Its last attempt died mid-send (maybe after the server took it): give up.
        if unchanged.update(
            status=Status.FAILED,
            last_error="The sender stopped during the last attempt.",
            updated_at=claimed_at,
        ):
            report.failed += 1
        return False
    if (
        unchanged.update(
            status=Status.SENDING,
            claimed_at=claimed_at,
            attempts=F("attempts") + 1,
            updated_at=claimed_at,
        )
        != 1
    ):
        return False  # another sender got there first
    email.status = Status.SENDING
    email.claimed_at = claimed_at
    email.attempts += 1
    return True


def deliver(email: OutboundEmail, connection: BaseEmailBackend) -> None:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    text_body, html_body = email.bodies()
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=text_body,
        to=[email.to_address],
        connection=connection,
        headers={
            # The same on every retry, so a rare duplicate can be recognised as one.
            "Message-ID": f"<outbox-{email.pk}@{host}>",
            "X-Outsourcing-Key": f"{email.kind}:{email.key}",
        },
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


def ours(email: OutboundEmail) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(
        pk=email.pk, status=OutboundEmail.Status.SENDING, claimed_at=email.claimed_at
    )


def mark_sent(email: OutboundEmail, report: SendReport) -> None:
    sent_at = timezone.now()
    if ours(email).update(
        status=OutboundEmail.Status.SENT, sent_at=sent_at, last_error="", updated_at=sent_at
    ):
        report.sent += 1
    else:  # pragma: no cover - only if a send outlived OUTBOX_CLAIM_TIMEOUT
        logger.warning("Outbound email %s was claimed again while being sent", email.pk)


def record_failure(email: OutboundEmail, error: Exception, report: SendReport) -> None:
    logger.warning("Sending outbound email %s failed: %s", email.pk, error)
    at = timezone.now()
    last_error = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        ours(email).update(status=OutboundEmail.Status.FAILED, last_error=last_error, updated_at=at)
        report.failed += 1
        return
    ours(email).update(
        status=OutboundEmail.Status.PENDING,
        claimed_at=None,
        next_attempt_at=at + backoff(email.attempts),
        last_error=last_error,
        updated_at=at,
    )
    report.retrying += 1


def send_again(emails: QuerySet[OutboundEmail]) -> int:
    """Failed emails back into the queue with fresh attempts (the admin's "send again")."""
    now = timezone.now()
    return emails.filter(status=OutboundEmail.Status.FAILED).update(
        status=OutboundEmail.Status.PENDING,
        attempts=0,
        claimed_at=None,
        next_attempt_at=now,
        updated_at=now,
    )
