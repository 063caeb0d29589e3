import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from engagements.services import reminders


class Command(BaseCommand):
    help = (
        "Queue the digests and reminders due now, then send the outbox "
        "(the same work as the queue_reminders and send_outbox tasks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be queued and sent; write and send nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=50,
            help="Emails to send in this run (default 50); the rest wait for the next run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["dry_run"]:
            self.dry_run(now, options["batch_size"])
            return
        queued = reminders.queue_reminders(now=now)
        self.stdout.write(str(queued))
        sent = reminders.send_outbox(now=now, batch_size=options["batch_size"])
        self.stdout.write(str(sent))

    def dry_run(self, now: datetime.datetime, batch_size: int) -> None:
        # Queue for real inside a transaction that is always rolled back: the dry run
        # follows exactly the rules of a real run and leaves the database as it was.
        with transaction.atomic():
            queued = reminders.queue_reminders(now=now)
            due = list(reminders.due_emails(now)[:batch_size])
            transaction.set_rollback(True)
        self.stdout.write("Dry run: nothing is written or sent.")
        self.stdout.write(queued.summary("Would queue"))
        for email in queued.queued:
            self.stdout.write(
                f"  queue {email.kind} {email.key} → {email.to_address}: {email.subject}"
            )
        self.stdout.write(f"Would send {len(due)} email(s):")
        for outbound in due:
            self.stdout.write(
                f"  send {outbound.kind} {outbound.key} → {outbound.to_address}: {outbound.subject}"
            )
