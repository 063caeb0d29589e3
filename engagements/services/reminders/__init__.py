"""Reminder emails: what is due for whom, queued in the outbox, and the sender that empties it.

One module a concern: links (URLs and shared rules), queue, digest, outbox (sending).

Two jobs, each safe to run twice, late, concurrently or after a crash:

`queue_reminders` only adds `OutboundEmail` rows. Every row is keyed by
(recipient, kind, key) under a unique constraint, so a second run, or two
runs racing, queue each email once:

- the weekly digest (key: ISO week of the digest day, e.g. "2026-W49"), from the
  person's chosen weekday and local hour until the end of the next local day; a
  digest missed by more than that is skipped as stale;
- a check-in reminder (key: check-in id) from the day before the check-in, in
  the plan's time zone, until the check-in starts;
- deadline reminders 30 and 7 days before evidence expires (kind "compliance")
  and before a contract's notice deadline (kind "notice"); key
  "<id>:<date>:<30|7>", the date so that next year's expiry of renewed evidence
  is reminded again. A run that missed the day queues the latest threshold
  passed (6 days left: the 7-day one), never the 30-day one with 7 days or fewer
  left, and nothing once the date has passed.

A row keeps its template's name and the plain values the email shows (JSON), not
its bodies: queueing ten thousand digests inserts small rows, and the text and HTML
are rendered when the row is sent (`OutboundEmail.bodies`, also what the admin shows).

`send_outbox` claims due rows one at a time with a conditional update
(pending → sending, or a "sending" row whose claim is older than
OUTBOX_CLAIM_TIMEOUT: its worker died), sends it, and marks it sent at once. A
failure puts the row back to pending with exponential backoff, or marks it
failed after OUTBOX_MAX_ATTEMPTS tries.

The one window no outbox can close: the mail server has accepted a message but
the worker dies before its row says "sent". That row is tried again once its
claim goes stale, so the recipient may get that one email twice. Claiming one
row at a time and marking it sent straight after the server's reply keeps the
window to the single message in flight and a few milliseconds; the Message-ID
is stable per row, so mail clients that de-duplicate will show it once.
"""

from .outbox import SendReport, due_emails, send_again, send_outbox
from .queue import QueueReport, queue_reminders

__all__ = [
    "QueueReport",
    "SendReport",
    "due_emails",
    "queue_reminders",
    "send_again",
    "send_outbox",
]
