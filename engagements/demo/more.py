"""The rest of the demo: a vendor on watch with an open review, a suspended vendor,
a candidate still in draft and one the company keeps in-house."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from engagements.models import (
    Contract,
    DataAccessGrant,
    Engagement,
    PerformanceReview,
    Risk,
)
from vendors.models import Vendor

from .helpers import (
    add_years,
    candidate_spec,
    days,
    ensure,
    ensure_action,
    ensure_candidate,
    ensure_compliance,
    ensure_plan,
    kpi_from_template,
    measure,
    moment,
    month_end,
    month_start,
    past_slots,
    plan_zone,
    record_history,
    replay_rollup_night,
    walk_status,
)
from .people import People
from .registry import QUICKKEY, VANTAGE

SOCIAL_TITLE = "Social media management"
# Monthly results: the scorecard slides from 93 to 59 and 56, under the review threshold.
ON_TIME = ("94", "92", "90", "88", "88")
REWORK = ("6", "8", "9", "10", "11")


def seed(
    people: People, vendors: dict[str, Vendor], today: datetime.date, *, now: datetime.datetime
) -> None:
    social_media(people, vendors[VANTAGE], today, now)
    walk_status(
        vendors[QUICKKEY],
        (
            (
                Vendor.Status.SUSPENDED,
                "Trial batch of 2,000 catalogue records had 7 % keying errors against the 1 % "
                "agreed; ISO 9001 certificate lapsed and not renewed.",
                moment(today - days(38)),
            ),
        ),
        by=people.admin,
    )
    ensure_candidate(**candidate_spec("Supplier invoice capture"), owner=people.manager2)
    ensure_candidate(
        **candidate_spec("Key account support for wholesale customers"),
        owner=people.manager,
        decided=(people.manager, moment(today - days(25))),
    )


def social_media(
    people: People, vantage: Vendor, today: datetime.date, now: datetime.datetime
) -> Engagement:
    """An active engagement going downhill: scorecard under 60, an open review, an overdue
    check-in and the vendor put on watch."""
    start = month_start(today, -5)
    end = add_years(start, 1) - days(1)
    candidate = ensure_candidate(
        **candidate_spec("Social media management"),
        owner=people.manager,
        decided=(people.manager, moment(month_start(today, -6) + days(10))),
    )
    engagement = ensure(
        Engagement,
        title=SOCIAL_TITLE,
        defaults={
            "vendor": vantage,
            "candidate": candidate,
            "owner": people.manager,
            "scope": "Three posts a day on Instagram, LinkedIn and TikTok; replies to comments "
            "and messages within 4 working hours; monthly report.",
            "deliverables": "Monthly content calendar by the 20th; monthly report.",
            "budget": Decimal("37800"),
            "currency": "USD",
            "start_date": start,
            "end_date": end,
            "status": Engagement.Status.ACTIVE,
        },
    )
    engagement.vendor_contacts.add(*vantage.contacts.all())
    ensure(
        Contract,
        engagement=engagement,
        defaults={
            "reference": f"MKT-{start:%Y}-044",
            "value": Decimal("37800"),
            "currency": "USD",
            "start_date": start,
            "end_date": end,
            "renewal_date": end + days(1),
            "notice_period_days": 30,
            "termination_terms": "30 days' notice before renewal; for cause at any time.",
            "service_levels": "Posts published as scheduled; replies within 4 working hours.",
            "signed_on": start - days(6),
        },
    )
    walk_status(
        vantage,
        (
            (Vendor.Status.ACTIVE, "Social media contract signed.", moment(start)),
            (
                Vendor.Status.ON_WATCH,
                "Scorecard under 60 and still falling; performance review open.",
                moment(month_start(today, -1) + days(5)),
            ),
        ),
        by=people.manager,
    )
    plan = ensure_plan(
        engagement,
        channels="Fortnightly video call; shared content calendar",
        cadence="fortnightly",
        weekday=1,
        time=datetime.time(16, 0),
        time_zone="Europe/Amsterdam",
        starts_on=start,
        reporting_expectations="Content calendar for the next month by the 20th; monthly "
        "report with reach, posts on time and posts sent back.",
        escalation=(
            (
                "Jordan Blake, client partner (Vantage)",
                "jordan@vantage-social.example.com",
                24,
                "A post goes out late or off-brand",
            ),
            (
                "Maria Lindqvist, head of customer operations",
                "maria.lindqvist@example.com",
                48,
                "Anything that could embarrass the brand",
            ),
        ),
    )
    since = moment(start - days(1))
    slots = past_slots(plan, since=since, until=now)
    # The latest check-in before today was never written up: it shows as overdue.
    missed = max(
        (i for i, slot in enumerate(slots) if slot.astimezone(plan_zone(plan)).date() < today),
        default=None,
    )

    def story(index: int, slot: datetime.datetime) -> dict[str, Any] | None:
        if index == missed:
            return None
        base = {
            "attendees": "Maria Lindqvist; Jordan Blake (Vantage)",
            "recorded_by": people.manager,
        }
        if index < 4:
            return base | {"status": "green", "progress_summary": "Calendar on track."}
        return base | {
            "status": "amber",
            "progress_summary": "Several posts went out a day late; two were sent back for "
            "wrong product names.",
            "blockers": "Content calendar arrives after the 20th.",
        }

    checkins = record_history(plan, since=since, until=now, story=story)
    recorded = [c for c in checkins if c.held_on]
    if recorded:
        ensure_action(
            recorded[-1],
            "Send next month's content calendar",
            due=today - days(6),
            owner_name="Jordan Blake (Vantage)",
        )
    on_time = kpi_from_template(engagement, "On-time completion")
    rework = kpi_from_template(engagement, "Rework rate")
    for offset, (posted, sent_back) in enumerate(zip(ON_TIME, REWORK, strict=True)):
        day = month_end(month_start(today, -5 + offset))
        measure(on_time, day, posted, by=people.manager, note="Posts published as scheduled")
        measure(rework, day, sent_back, by=people.manager, note="Posts sent back")
    # The night the rollup job flagged the scorecard under 60; the review is still open.
    if not engagement.reviews.filter(trigger=PerformanceReview.Trigger.LOW_SCORECARD).exists():
        replay_rollup_night(engagement, moment(month_start(today, -1) + days(1), hour=2, minute=15))
    ensure(
        Risk,
        engagement=engagement,
        title="Off-brand or late post during a product recall",
        defaults={
            "category": Risk.Category.REPUTATIONAL,
            "likelihood": 3,
            "impact": 3,
            "mitigation": "Crisis posts written in-house; Vantage pauses the calendar on our call.",
            "residual_likelihood": 2,
            "residual_impact": 3,
            "owner": people.manager,
            "status": Risk.Status.OPEN,
            "last_reviewed_on": today - days(30),
        },
    )
    ensure(
        DataAccessGrant,
        engagement=engagement,
        system="Instagram, LinkedIn and TikTok business accounts",
        defaults={
            "description": "Publisher role; direct messages included.",
            "classification": "internal",
            "personal_data": True,
            "access_level": DataAccessGrant.AccessLevel.WRITE,
            "granted_on": start,
            "granted_by": people.manager,
        },
    )
    ensure_compliance(
        engagement,
        "Non-disclosure agreement (NDA)",
        evidence="nda-vantage.txt",
        accepted=moment(start - days(6)),
        accepted_by=people.manager,
        uploaded_by=people.manager,
    )
    ensure_compliance(
        engagement,
        "Data processing agreement (DPA)",
        notes="Vantage reads direct messages, so a DPA is needed. Asked twice.",
    )
    return engagement
