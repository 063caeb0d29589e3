from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from engagements.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Fill the database with demo data that tells the reference document's stories."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo()
        if options["verbosity"] == 0:
            return
        if result.rows_added:
            self.stdout.write(self.style.SUCCESS(f"Demo data added ({result.rows_added} rows)."))
        else:
            self.stdout.write("Demo data already in place; nothing added.")
        if result.dated_from != timezone.localdate():
            self.stdout.write(
                f"  The demo stories are dated from {result.dated_from:%d %B %Y}, when they were "
                "first seeded. For fresh dates: rm var/db.sqlite3 && make run"
            )
        self.stdout.write("")
        self.stdout.write(f"  Open {settings.SITE_URL}/ and sign in; the Django admin is at")
        self.stdout.write(f"  {settings.SITE_URL}/admin/ (admin only). Password for every demo")
        self.stdout.write(f"  login: {DEMO_PASSWORD}")
        for login in result.logins:
            self.stdout.write(f"    {login.username:<10} {login.role}")
        self.stdout.write("")
