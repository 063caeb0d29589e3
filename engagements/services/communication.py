"""Step 3 workflows: check-ins generated from each plan's cadence."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engagements.models import CommunicationPlan, Engagement


def schedule_checkins(*, now: datetime.datetime | None = None) -> int:
    """Generate check-ins from every live engagement's cadence up to the horizon.

    Runs on the beat schedule and by `manage.py schedule_checkins`; running it
    twice, late or after a crash creates each slot once.
    """
    now = now or timezone.now()
    until = now + datetime.timedelta(days=settings.CHECKIN_HORIZON_DAYS)
    created = 0
    plans = CommunicationPlan.objects.filter(
        engagement__status__in=Engagement.LIVE_STATUSES
    ).select_related("engagement")
    for plan in plans.iterator():
        with transaction.atomic():
            created += plan.schedule_checkins(now=now, until=until)
    return created
