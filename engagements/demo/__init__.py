"""Demo data for `manage.py seed_demo`: the reference document's stories, dated from today.

1. Customer service outsourced, quality fell, brought back in-house (customer_service.toml).
2. The infographics studio kept on track by weekly check-ins and clear KPIs (content.toml).
3. 24/7 IT support from a critical vendor, its risks and evidence (it_support.toml).
4. A bookkeeping selection being scored by two colleagues (selections.toml).
5. A vendor on watch (social_media.toml), a suspended one (registry.toml), a draft and a
   kept-in-house candidate (candidates.toml).

The stories are data; the builders of each step (stories.py) play them through the app's
own services, model methods and forms, so the demo shows what the product does. Every
row is looked up by a natural key before it is made, so seeding again adds nothing twice
and leaves what someone changed in the demo alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from engagements.models import Engagement
from engagements.services.communication import schedule_checkins
from engagements.services.monitoring import rollup_kpis
from vendors.models import Vendor

from .assessment import ensure_candidates
from .dates import Story, moment
from .helpers import as_told
from .people import DEMO_PASSWORD, DEMO_USERS, DemoUser, ensure_people
from .registry import BRIGHTLINE, ensure_vendors
from .sourcing import ensure_selections
from .stories import STORIES, play

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SeedResult", "seed_demo"]


@dataclass(frozen=True)
class SeedResult:
    rows_added: int
    dated_from: datetime.date  # the "today" the stories are told from
    logins: tuple[DemoUser, ...]


def first_seeded_at() -> datetime.datetime | None:
    """When the demo was first seeded (its first registry row was made), if it was.

    The stories are told as of that moment, so a run on a later day — or later on the
    same day — finds every row the first one made instead of adding a second, shifted
    history next to it: only what the passage of time adds (upcoming check-ins).
    """
    first = Vendor.objects.filter(legal_name=BRIGHTLINE).values_list("created_at", flat=True)
    return first.first()


def count_rows() -> int:
    """Rows in every table of both apps plus users: what a second run must leave unchanged."""
    models = [
        *apps.get_app_config("vendors").get_models(),
        *apps.get_app_config("engagements").get_models(),
    ]
    return User.objects.count() + sum(model._default_manager.count() for model in models)


@transaction.atomic
def seed_demo() -> SeedResult:
    before = count_rows()
    # Where recorded history stops: the moment of the first run, not the time of day of
    # this one, so a check-in later on the demo's day is upcoming however often it runs.
    first_run = first_seeded_at()
    told_at = first_run or timezone.now()
    story = Story(
        today=timezone.localdate(told_at), now=told_at, people=ensure_people(), vendors={}
    )
    story.vendors.update(ensure_vendors(story))
    if first_run is None:
        # Kept as the registry's first row's creation time, for the runs that follow.
        vendor = story.vendors[BRIGHTLINE]
        as_told(vendor, created_at=told_at, updated_at=told_at)
    ensure_selections(story, ensure_candidates(story))
    for name in STORIES:
        play(name, story)
    # Upcoming check-ins of the live engagements, as the scheduled job creates them. From
    # midnight, so two runs on the same day look at the same horizon.
    schedule_checkins(now=moment(timezone.localdate(), hour=0))
    # Rollups, scorecards, standings and review flags as the scheduled job writes them: a
    # backfill from the first engagement's start, standing at the demo's moment, so a run
    # on a later day finds the same periods.
    first_day = Engagement.objects.aggregate(first=Min("start_date"))["first"]
    rollup_kpis(since=first_day, now=told_at)
    return SeedResult(rows_added=count_rows() - before, dated_from=story.today, logins=DEMO_USERS)
