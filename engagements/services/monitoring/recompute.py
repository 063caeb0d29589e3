"""Step 4 workflows: one KPI recomputed right after its values changed.

Entering, correcting, deleting or importing values queues this for each KPI touched,
once the save has committed (`engagements.tasks.recompute_kpis_on_commit`), so the KPI
page and the scorecard show the new numbers on the next page load. It follows the
scheduled run's rules (rollup.py) for the periods it touches: only the periods the
changed days fall in are computed again – a late value reopens only its own period,
every other closed period keeps what was computed – and so are the scorecards of the
months those periods count in, from the month the engagement began.

The writes are the scheduled run's upserts on the natural keys, so running it twice, or
beside the scheduled run, writes the same rows again and never appends. Recomputes of
one engagement take turns (a lock on its row), so two KPIs saved together cannot each
write the scorecard without the other's new period. Whatever this misses (the worker or
the broker down) the scheduled run catches up: it finds the changed values by their
`updated_at` and their history. Vendor standings and review flags follow on that run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engagements.models import Engagement, Kpi
from engagements.models.monitoring import period_bounds
from outsourcing import pagecache

from .credits import refresh_credits
from .rollup import RollupReport, reopened_months, roll_up_periods, scored_month
from .scorecards import write_scorecards
from .turns import take_turns


def recompute_kpi(
    *, kpi_id: int, days: Iterable[datetime.date], now: datetime.datetime | None = None
) -> RollupReport:
    """Recompute the periods of `kpi_id` holding `days` (the days its values were
    saved on, moved from or deleted from), then its engagement's scorecards for them.

    Does nothing for a KPI that is gone or inactive, or an engagement that is not live:
    the scheduled run leaves those alone too.
    """
    # Days as the scheduled job counts them: in the server's zone, not in that of
    # whoever saved the value (the request that saved runs in the viewer's zone).
    with timezone.override(settings.TIME_ZONE):
        report = _recompute(kpi_id=kpi_id, days=days, now=now)
    pagecache.data_changed()
    return report


def _recompute(
    *, kpi_id: int, days: Iterable[datetime.date], now: datetime.datetime | None
) -> RollupReport:
    computed_at = now or timezone.now()
    today = timezone.localdate(computed_at)
    report = RollupReport()
    with transaction.atomic():
        kpi = (
            Kpi.objects.select_related("engagement")
            .filter(pk=kpi_id, is_active=True, engagement__status__in=Engagement.LIVE_STATUSES)
            .first()
        )
        if kpi is None:
            return report
        take_turns(kpi.engagement_id)
        changed: dict[datetime.date, set[datetime.date]] = defaultdict(set)
        for day in days:
            start = period_bounds(kpi.period, day)[0]
            if start <= today:
                changed[start].add(day.replace(day=1))
        report.kpis = 1
        if not changed:
            return report
        write = roll_up_periods(
            {kpi.pk: kpi}, [(kpi.pk, start) for start in sorted(changed)], computed_at=computed_at
        )
        report.rollups = write.written
        report.rollups_without_data = write.written_without_data
        months = {
            month
            for start, measured in changed.items()
            for month in reopened_months(kpi, start, measured, today=today)
            if scored_month(month, began=kpi.engagement.start_date, today=today)
        }
        if months:
            report.scorecards = write_scorecards(
                {kpi.engagement_id: months}, computed_at=computed_at
            )
        if kpi.has_credit_rule:
            report.credits = refresh_credits(
                kpi.rollups.filter(period_start__in=changed), today=today, computed_at=computed_at
            )
    return report
