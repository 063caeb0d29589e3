import argparse
import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagements.models import Engagement
from engagements.services import monitoring


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-01-31") from None


class Command(BaseCommand):
    help = (
        "Roll KPI measurements up into period rollups, then scorecards, vendor standings and "
        "performance review flags. Runs on the beat schedule; use this for manual runs and "
        "backfills."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="Also recompute every period from this day on (a backfill).",
        )
        parser.add_argument(
            "--engagement",
            type=int,
            metavar="ID",
            help="Only this (live) engagement; the job's watermark is left as it is.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        engagement_id = options["engagement"]
        if engagement_id is not None:
            engagement = Engagement.objects.filter(pk=engagement_id).first()
            if engagement is None:
                raise CommandError(f"There is no engagement {engagement_id}.")
            if not engagement.is_live:
                raise CommandError(
                    f"“{engagement}” is {engagement.get_status_display().lower()}: only live "
                    "engagements are rolled up."
                )
        report = monitoring.rollup_kpis(since=options["since"], engagement_id=engagement_id)
        self.stdout.write(str(report))
