"""Story 1 – the case study: customer service outsourced, quality fell, brought back in-house."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from engagements.models import (
    Contract,
    Engagement,
    Measurement,
    PerformanceReview,
)
from engagements.services.communication import decide_review
from vendors.models import Vendor

from .customer_service_choice import choose_the_vendor
from .customer_service_exit import wind_down
from .helpers import (
    add_years,
    days,
    document,
    ensure,
    ensure_action,
    ensure_co_owner,
    ensure_milestones,
    ensure_plan,
    kpi_from_template,
    measure,
    moment,
    month_end,
    month_start,
    record_history,
    replay_rollup_night,
    walk_status,
)
from .people import People
from .registry import BRIGHTLINE

TITLE = "Customer service – phone, email and chat"

# Monthly results for the eight months the vendor ran the service: satisfaction slides into red.
SATISFACTION = ("89", "87", "84", "81", "78", "74", "73", "71")
FIRST_CONTACT_RESOLUTION = ("79", "78", "76", "74", "73", "71", "70", "68")
RESPONSE_MINUTES = ("13", "14", "16", "19", "22", "24", "26", "27")


def replay_the_rollup(
    engagement: Engagement,
    people: People,
    today: datetime.date,
    *,
    improvement_plan: datetime.datetime,
    in_house: datetime.datetime,
) -> None:
    """Two nights of the rollup job while BrightLine ran the service, and the decisions.

    The first night flags the scorecard under 60 and an improvement plan is agreed. The
    second, once satisfaction has been red three months in a row, flags that and the
    scorecard again, and the work comes back in-house. The transition month has no
    measurements: its rollups and scorecard show "no data".
    """
    first_night = moment(month_start(today, -6) + days(1), hour=2, minute=15)
    for review in replay_rollup_night(engagement, first_night):
        decide_review(
            review=review,
            decision=PerformanceReview.Decision.IMPROVEMENT_PLAN,
            notes="Complaints are slow and first-contact resolution is slipping. Three-month "
            "improvement plan: retraining on complaint handling, a weekly joint review of 20 "
            "calls, agents may refund up to 50 EUR, every complaint escalated to a named team "
            "lead within 4 hours.",
            by=people.manager,
            now=improvement_plan,
        )
    last_night = moment(month_start(today, -2) + days(1), hour=2, minute=15)
    for review in replay_rollup_night(engagement, last_night):
        decide_review(
            review=review,
            decision=PerformanceReview.Decision.BRING_IN_HOUSE,
            notes="Customer satisfaction red three months in a row despite the improvement plan; "
            "negative reviews and fewer repeat orders. Bring customer service back in-house: "
            "hire four agents, invest in training, keep the Christmas peak with temporary "
            "staff. BrightLine gets 60 days' notice.",
            by=people.manager,
            now=in_house,
        )


def seed(people: People, vendors: dict[str, Vendor], today: datetime.date) -> Engagement:
    brightline = vendors[BRIGHTLINE]
    start = month_start(today, -10)
    end_day = month_start(today, -1) + days(14)
    brought_in_house = month_start(today, -2) + days(12)
    candidate, selection = choose_the_vendor(people, vendors, today, start=start)
    engagement = ensure(
        Engagement,
        title=TITLE,
        defaults={
            "vendor": brightline,
            "candidate": candidate,
            "selection": selection,
            "owner": people.manager,
            "scope": "Phone, email and chat support for the web shop in English and German; "
            "returns and exchanges; complaints escalated to us within 4 hours.",
            "deliverables": "Monthly service report; satisfaction survey export; call "
            "recordings on request.",
            "budget": Decimal("187200"),
            "currency": "USD",
            "start_date": start,
            "end_date": end_day,
            # Live while the vendor ran it; brought in-house once the rollup job has seen it.
            "status": Engagement.Status.ACTIVE,
        },
    )
    ensure_co_owner(engagement, people.manager2)
    engagement.vendor_contacts.add(*brightline.contacts.all())
    ensure(
        Contract,
        engagement=engagement,
        defaults={
            "reference": f"CS-{start:%Y}-017",
            "value": Decimal("187200"),
            "currency": "USD",
            "start_date": start,
            "end_date": add_years(start, 2) - days(1),
            "notice_period_days": 60,
            "termination_terms": "Either party may end the contract for convenience on 60 "
            f"days' written notice. Notice given on {brought_in_house:%d %B %Y}; service "
            f"ended {end_day:%d %B %Y}. All customer data returned and deleted within 30 days.",
            "service_levels": "80 % of calls answered within 60 seconds; first email answer "
            "within 4 hours; chat answered within 2 minutes; customer satisfaction at least "
            "85 %.",
            "signed_on": month_start(today, -11) + days(27),
            **document(
                "customer-service-agreement-brightline.txt",
                f"Customer service agreement with {brightline}",
                "24 months.",
            ),
        },
    )
    ensure_milestones(
        engagement,
        (
            ("Phone and email live", "", start + days(14), start + days(14)),
            ("Chat live", "", month_start(today, -9) + days(1), month_start(today, -9) + days(3)),
            (
                "Returns and exchanges handed over",
                "",
                month_start(today, -9) + days(15),
                month_start(today, -9) + days(15),
            ),
            (
                "In-house team hired and trained",
                "Four agents, two weeks of product training.",
                month_start(today, -2) + days(25),
                month_start(today, -1) + days(5),
            ),
            ("Service back in-house", "", end_day, end_day),
        ),
    )

    plan = ensure_plan(
        engagement,
        channels="Fortnightly video call; shared Slack channel; email for decisions",
        cadence="fortnightly",
        weekday=3,
        time=datetime.time(15, 0),
        time_zone="Europe/Amsterdam",
        starts_on=start,
        reporting_expectations="By the 3rd working day of each month: satisfaction survey "
        "results, first-contact resolution and response times from Zendesk.",
        escalation=(
            (
                "Joy Mendoza, team lead (BrightLine)",
                "joy.mendoza@brightline-contact.example.com",
                4,
                "A complaint is not answered within a working day",
            ),
            (
                "Rafael Santos, account director (BrightLine)",
                "rafael.santos@brightline-contact.example.com",
                24,
                "Service levels missed two weeks in a row",
            ),
            (
                "Maria Lindqvist, head of customer operations",
                "maria.lindqvist@example.com",
                48,
                "Anything that puts customers or the contract at risk",
            ),
        ),
    )
    improvement_from = month_start(today, -6) + days(9)

    def story(index: int, slot: datetime.datetime) -> dict[str, Any] | None:
        day = slot.date()
        base = {
            "attendees": "Maria Lindqvist, Tom Becker; Rafael Santos and Joy Mendoza (BrightLine)",
            "recorded_by": people.manager,
        }
        if index == 7:
            return {"cancelled": True, "progress_summary": "Public holiday in the Philippines."}
        if day < month_start(today, -8):
            return base | {
                "status": "green",
                "progress_summary": "Volumes as forecast; agents know the catalogue; response "
                "times well inside the service levels.",
            }
        if day < month_start(today, -5):
            return base | {
                "status": "amber",
                "progress_summary": "Inquiries answered quickly, but complaints take three days "
                "or more; customers chase by email.",
                "blockers": "Agents may not decide refunds; every complaint waits for a "
                "supervisor.",
                "decisions": "Improvement plan agreed." if day >= improvement_from else "",
            }
        if day < brought_in_house:
            return base | {
                "status": "red",
                "progress_summary": "Customer satisfaction under 75 %; several one-star reviews "
                "mention unanswered complaints and wrong return labels.",
                "blockers": "Retraining has not changed the complaint handling.",
            }
        return base | {
            "status": "amber",
            "progress_summary": "Handover back to the in-house team: ticket export, macros and "
            "FAQ transferred; chat moved first.",
            "decisions": "Work comes back in-house; BrightLine serves the notice period.",
        }

    checkins = record_history(
        plan,
        since=moment(start - days(1)),
        until=moment(end_day, hour=23),
        story=story,
    )
    by_status = {c.status: c for c in reversed(checkins) if c.status}
    if "amber" in by_status:
        first_amber = by_status["amber"]
        ensure_action(
            first_amber,
            "Send 20 recorded calls and 20 complaint tickets a week for a joint quality review",
            due=first_amber.scheduled_for.date() + days(7),
            done=first_amber.scheduled_for.date() + days(7),
            owner_name="Joy Mendoza (BrightLine)",
        )
    if "red" in by_status:
        first_red = by_status["red"]
        ensure_action(
            first_red,
            "Retrain all agents on complaint handling and the returns policy",
            due=first_red.scheduled_for.date() + days(14),
            done=first_red.scheduled_for.date() + days(20),
            owner_name="Rafael Santos (BrightLine)",
        )
        ensure_action(
            first_red,
            "Share the complaint-handling playbook and refund limits",
            due=first_red.scheduled_for.date() + days(3),
            done=first_red.scheduled_for.date() + days(2),
            owner=people.manager,
        )

    kpis = [
        kpi_from_template(engagement, "Customer satisfaction"),
        kpi_from_template(engagement, "First-contact resolution"),
        kpi_from_template(engagement, "Response time"),
    ]
    series = (SATISFACTION, FIRST_CONTACT_RESOLUTION, RESPONSE_MINUTES)
    sources = (Measurement.Source.CSV, Measurement.Source.MANUAL, Measurement.Source.MANUAL)
    for kpi, values, source in zip(kpis, series, sources, strict=True):
        for offset, value in enumerate(values):
            measure(
                kpi,
                month_end(month_start(today, -10 + offset)),
                value,
                by=people.manager,
                source=source,
            )
    if engagement.is_live:  # seeded for the first time: the job's nights, then the end
        replay_the_rollup(
            engagement,
            people,
            today,
            improvement_plan=moment(improvement_from),
            in_house=moment(brought_in_house),
        )
        Engagement.objects.filter(pk=engagement.pk).update(
            status=Engagement.Status.IN_HOUSE,
            offboarding_outcome=Engagement.Status.IN_HOUSE,
            closed_at=moment(end_day, hour=18),
        )
        engagement.refresh_from_db()

    walk_status(
        brightline,
        (
            (Vendor.Status.ACTIVE, "Customer service contract signed.", moment(start)),
            (
                Vendor.Status.ON_WATCH,
                "Scorecard under 60; improvement plan agreed.",
                moment(improvement_from),
            ),
            (
                Vendor.Status.OFFBOARDED,
                "Customer service brought back in-house; contract ended on notice.",
                moment(end_day, hour=18),
            ),
        ),
        by=people.manager,
    )

    wind_down(engagement, people, today, start=start, end_day=end_day)
    return engagement
