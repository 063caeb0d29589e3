from typing import Any

from django.core.management.base import BaseCommand

from engagements.services.engagement import activate_planned_engagements


class Command(BaseCommand):
    help = "Make planned engagements whose start date has come active."

    def handle(self, *args: Any, **options: Any) -> None:
        activated = activate_planned_engagements()
        self.stdout.write(f"Activated {activated} planned engagement(s).")
