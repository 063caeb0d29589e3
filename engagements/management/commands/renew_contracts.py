from typing import Any

from django.core.management.base import BaseCommand

from engagements.services.engagement import renew_contracts


class Command(BaseCommand):
    help = "Roll automatically renewing contracts past their renewal date on by their term."

    def handle(self, *args: Any, **options: Any) -> None:
        rolled = renew_contracts()
        self.stdout.write(f"Renewed {rolled} contract(s).")
