"""Story 2 – the infographics studio: poor updates at first, fixed by weekly check-ins and KPIs."""

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
    backdate_created,
    candidate_spec,
    change_tier_once,
    days,
    document,
    ensure,
    ensure_action,
    ensure_candidate,
    ensure_compliance,
    ensure_milestones,
    ensure_plan,
    kpi_from_template,
    measure,
    moment,
    month_start,
    record_history,
    walk_status,
)
from .people import People
from .registry import PIXEL_QUILL

TITLE = "Blog content and infographics"

# Monthly level of each KPI from the first month on; weekly values wobble around it.
ON_TIME = (84, 88, 92, 95, 97, 96, 98)
REWORK = (16, 12, 8, 6, 4, 5, 3)
WOBBLE = (Decimal("-1.5"), Decimal("1"), Decimal("0.5"), Decimal("0"), Decimal("-0.5"))


def seed(
    people: People, vendors: dict[str, Vendor], today: datetime.date, *, now: datetime.datetime
) -> Engagement:
    studio = vendors[PIXEL_QUILL]
    start = month_start(today, -6)
    end = add_years(start, 1) - days(1)

    candidate = ensure_candidate(
        **candidate_spec("Blog content and infographics"),
        owner=people.manager,
        decided=(people.manager, moment(month_start(today, -7) + days(3))),
    )
    engagement = ensure(
        Engagement,
        title=TITLE,
        defaults={
            "vendor": studio,
            "candidate": candidate,
            "owner": people.manager,
            "scope": "Eight blog posts and four infographics a month for the company blog, from "
            "brief to publish-ready files.",
            "deliverables": "Draft within 5 working days of a brief; final files after at most "
            "one revision round; a written progress update every Friday.",
            "budget": Decimal("26400"),
            "currency": "GBP",
            "start_date": start,
            "end_date": end,
            "status": Engagement.Status.ACTIVE,
        },
    )
    engagement.vendor_contacts.add(*studio.contacts.all())
    ensure(
        Contract,
        engagement=engagement,
        defaults={
            "reference": f"MKT-{start:%Y}-031",
            "value": Decimal("26400"),
            "currency": "GBP",
            "start_date": start,
            "end_date": end,
            "renewal_date": end + days(1),
            "notice_period_days": 30,
            "termination_terms": "Renews for 12 months unless either side gives 30 days' "
            "notice. All artwork and source files are ours on payment.",
            "service_levels": "Drafts within 5 working days; at most one revision round "
            "included; progress update every Friday.",
            "signed_on": start - days(4),
            **document(
                "content-services-agreement-pixel-and-quill.txt",
                f"Content services agreement with {studio}",
            ),
        },
    )
    walk_status(
        studio,
        ((Vendor.Status.ACTIVE, "Content contract signed.", moment(start)),),
        by=people.manager,
    )
    change_tier_once(
        studio,
        tier=Vendor.Tier.MEDIUM,
        reason="Blog traffic and campaign dates depend on this studio; a missed campaign costs "
        "far more than the spend suggests.",
        by=people.admin,
        at=moment(start),
    )
    ensure_milestones(
        engagement,
        (
            (
                "Brief template and style guide agreed",
                "One page per infographic, with examples.",
                start + days(28),
                start + days(27),
            ),
            (
                "Summer infographic series (12)",
                "",
                month_start(today, -2) - days(1),
                month_start(today, -2) - days(3),
            ),
            ("Holiday campaign: four infographics", "", today + days(12), None),
        ),
    )

    plan = ensure_plan(
        engagement,
        channels="Weekly video call (30 minutes); written update by email every Friday; "
        "shared Trello board",
        cadence="weekly",
        weekday=0,
        time=datetime.time(9, 30),
        time_zone="Europe/London",
        starts_on=start,
        reporting_expectations="Every Friday: what was delivered, what is late and why, what "
        "comes next. Monthly: on-time completion and rework rate.",
        escalation=(
            (
                "Lena Hart, account manager (Pixel & Quill)",
                "lena@pixelandquill.example.com",
                24,
                "A deliverable is late or a brief is unclear",
            ),
            (
                "Owen Price, studio director (Pixel & Quill)",
                "owen@pixelandquill.example.com",
                48,
                "The same problem comes back, or two deliverables are late in a month",
            ),
            (
                "Maria Lindqvist, head of customer operations",
                "maria.lindqvist@example.com",
                72,
                "Quality or delays put a campaign at risk",
            ),
        ),
    )

    def story(index: int, slot: datetime.datetime) -> dict[str, Any] | None:
        base = {
            "attendees": "Maria Lindqvist; Lena Hart (Pixel & Quill)",
            "recorded_by": people.manager,
        }
        if index < 3:
            return base | {
                "status": "amber",
                "progress_summary": "Two blog posts delivered. No word on the infographics "
                "since the brief went out.",
                "blockers": "No regular updates from the vendor; we only learn about delays "
                "when a deadline passes.",
            }
        if index == 3:
            return base | {
                "status": "red",
                "progress_summary": "Pricing infographic in its third revision round; the "
                "brief was understood differently on each side.",
                "blockers": "No regular updates; requirements misunderstood.",
                "decisions": "Weekly check-ins stay; written update every Friday; one-page brief "
                "template; KPIs for on-time completion and rework.",
            }
        if index == 4:
            return base | {
                "status": "amber",
                "progress_summary": "First Friday update arrived. Brief template in use for the "
                "next two infographics.",
            }
        return base | {
            "status": "green",
            "progress_summary": "All deliverables of the week on time; one small revision on "
            "a blog post.",
        }

    checkins = record_history(plan, since=moment(start - days(1)), until=now, story=story)
    if len(checkins) > 4:
        ensure_action(
            checkins[0],
            "Send a written progress update every Friday",
            due=checkins[0].scheduled_for.date() + days(4),
            done=checkins[4].scheduled_for.date() - days(3),
            owner_name="Lena Hart (Pixel & Quill)",
        )
        ensure_action(
            checkins[3],
            "Write a one-page brief template with examples of good infographics",
            due=checkins[3].scheduled_for.date() + days(5),
            done=checkins[3].scheduled_for.date() + days(4),
            owner=people.manager,
        )
        ensure_action(
            checkins[3],
            "Agree KPIs and targets: on-time completion and rework rate",
            due=checkins[3].scheduled_for.date() + days(7),
            done=checkins[3].scheduled_for.date() + days(7),
            owner=people.manager,
        )
    if checkins:
        ensure_action(
            checkins[-1],
            "Send first drafts of the four holiday infographics",
            due=today + days(5),
            owner_name="Lena Hart (Pixel & Quill)",
        )

    on_time = kpi_from_template(engagement, "On-time completion")
    rework = kpi_from_template(engagement, "Rework rate")
    friday = start + days((4 - start.weekday()) % 7)
    week = 0
    while friday <= today:
        month = (friday.year - start.year) * 12 + friday.month - start.month
        wobble = WOBBLE[week % len(WOBBLE)]
        measure(
            on_time,
            friday,
            min(Decimal(ON_TIME[month]) + wobble, Decimal("100")),
            by=people.manager,
            note="From the Trello board",
        )
        measure(
            rework, friday, max(Decimal(REWORK[month]) - wobble, Decimal("0")), by=people.manager
        )
        friday += days(7)
        week += 1

    review = ensure(
        PerformanceReview,
        engagement=engagement,
        trigger=PerformanceReview.Trigger.MANUAL,
        defaults={
            "summary": "No regular progress updates and repeated revision rounds: two "
            "infographics late, one in its third revision.",
            "decision": PerformanceReview.Decision.IMPROVEMENT_PLAN,
            "decision_notes": "Keep the weekly check-ins; written update every Friday; one-page "
            "brief template; on-time completion (target 95 %) and rework rate (target 5 %) "
            "measured every week.",
            "decided_by": people.manager,
            "decided_at": moment(start + days(27)),
        },
    )
    backdate_created(review, moment(start + days(24)))

    ensure(
        Risk,
        engagement=engagement,
        title="Stock images or fonts used without a licence",
        defaults={
            "category": Risk.Category.IP_THEFT,
            "likelihood": 2,
            "impact": 3,
            "mitigation": "The hand-off note lists the licence of every image and font.",
            "residual_likelihood": 1,
            "residual_impact": 3,
            "owner": people.manager,
            "status": Risk.Status.MITIGATING,
            "last_reviewed_on": today - days(50),
        },
    )
    ensure(
        Risk,
        engagement=engagement,
        title="Campaign dates missed",
        defaults={
            "category": Risk.Category.DISRUPTION,
            "likelihood": 3,
            "impact": 2,
            "mitigation": "Weekly check-ins and Friday updates show delays a week ahead.",
            "residual_likelihood": 2,
            "residual_impact": 2,
            "owner": people.manager,
            "status": Risk.Status.ACCEPTED,
            "last_reviewed_on": today - days(35),
        },
    )
    for system, description, level in (
        (
            "WordPress blog (author role)",
            "Drafts and media uploads.",
            DataAccessGrant.AccessLevel.WRITE,
        ),
        (
            "Brand asset library (Google Drive)",
            "Logos, fonts and photos.",
            DataAccessGrant.AccessLevel.READ,
        ),
    ):
        ensure(
            DataAccessGrant,
            engagement=engagement,
            system=system,
            defaults={
                "description": description,
                "classification": "internal",
                "access_level": level,
                "granted_on": start,
                "granted_by": people.manager,
            },
        )
    accepted = moment(start - days(3))
    ensure_compliance(
        engagement,
        "Non-disclosure agreement (NDA)",
        evidence="nda-pixel-and-quill.txt",
        accepted=accepted,
        accepted_by=people.manager,
        uploaded_by=people.manager,
    )
    ensure_compliance(
        engagement,
        "Confidential-data policy acknowledged",
        evidence="policy-acknowledgement-pixel-and-quill.txt",
        accepted=accepted,
        accepted_by=people.manager,
        expires_on=today + days(18),
        uploaded_by=people.manager,
        notes="Yearly re-acknowledgement due soon.",
    )
    ensure_compliance(
        engagement,
        "Insurance certificate",
        evidence="insurance-pixel-and-quill.txt",
        expires_on=today + days(200),
        uploaded_by=people.manager,
        notes="Uploaded by the studio; waiting for review.",
    )
    ensure_compliance(
        engagement,
        "Security questionnaire",
        notes="Sent to Lena Hart; not back yet.",
    )
    return engagement
