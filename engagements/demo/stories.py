"""Plays a story file: one engagement's history, step by step, through the builders of
each step (engagement, communication, monitoring, risk), which write through the app's
own services, model methods and forms.

A story file (customer_service.toml, …) holds only data; dates.py says how its
dates read. A story's events (the award, the nights of the rollup job, the decisions,
the offboarding) happen on the run that starts its engagement; the rows it describes are
looked up first, so a later run adds nothing twice.
"""

from __future__ import annotations

from engagements.models import Engagement
from vendors.models import Vendor

from .communication import ensure_actions, ensure_plan, record_checkins
from .dates import Story
from .engagement import ensure_contract, ensure_engagement, ensure_milestones
from .helpers import story_file
from .monitoring import measure_kpis, open_reviews, replay_rollup_nights, track_credits
from .registry import change_tier, walk_status
from .risk import ensure_compliance, ensure_risks_and_access, offboard
from .spend import ensure_spend

# In the order they are told; the selections (sourcing.py) come before them.
STORIES = ("customer_service.toml", "content.toml", "it_support.toml", "social_media.toml")


def play(name: str, told: Story) -> Engagement:
    spec = story_file(name)
    story = told.with_dates(spec.get("dates", {}))
    engagement, fresh = ensure_engagement(spec["engagement"], story)
    ensure_contract(engagement, spec["contract"], story, fresh=fresh)
    ensure_milestones(engagement, spec.get("milestone", []), story)
    if "spend" in spec:
        ensure_spend(engagement, spec["spend"], story)

    plan = ensure_plan(engagement, spec["plan"], story)
    checkins = record_checkins(plan, spec["checkins"], story)
    ensure_actions(plan, checkins, spec.get("action", []), story)

    measure_kpis(engagement, spec.get("kpi", []), story)
    if fresh:
        replay_rollup_nights(engagement, spec.get("rollup_night", []), story)
    open_reviews(engagement, spec.get("review", []), story)
    track_credits(engagement, spec.get("credit_claim", []), story)

    ensure_risks_and_access(engagement, spec, story)
    for item in spec.get("compliance", []):
        ensure_compliance(engagement, item, story)
    if fresh and "offboarding" in spec:
        offboard(engagement, spec["offboarding"], story)

    # The vendor's side of the story, read afresh: the award and the rollup nights change it.
    vendor = Vendor.objects.get(pk=engagement.vendor_id)
    walk_status(vendor, spec.get("vendor_status", []), story)
    if "tier" in spec:
        change_tier(vendor, spec["tier"], story)
    return engagement
