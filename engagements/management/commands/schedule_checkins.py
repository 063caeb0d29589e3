from typing import Any

from django.core.management.base import BaseCommand

from engagements.services import communication


class Command(BaseCommand):
    help = "Create upcoming check-ins from every live engagement's communication plan."

    def handle(self, *args: Any, **options: Any) -> None:
        created = communication.schedule_checkins()
        self.stdout.write(f"Scheduled {created} new check-in(s).")
