"""Story 1 – the case study: customer service outsourced, quality fell, brought back in-house."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from engagements.models import (
    Candidate,
    Contract,
    DataAccessGrant,
    Engagement,
    Evaluator,
    Measurement,
    OffboardingItem,
    PerformanceReview,
    PricingModel,
    Proposal,
    Recommendation,
    Risk,
    Selection,
)
from vendors.models import BusinessFunction, Vendor

from .helpers import (
    add_years,
    attach_proposal_file,
    criteria_from_templates,
    days,
    decide_review,
    document,
    ensure,
    ensure_action,
    ensure_candidate,
    ensure_co_owner,
    ensure_compliance,
    ensure_milestones,
    ensure_plan,
    kpi_from_template,
    measure,
    moment,
    month_end,
    month_start,
    record_history,
    replay_rollup_night,
    score_proposal,
    walk_status,
)
from .people import People
from .registry import BRIGHTLINE, CALLCREST

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
            review,
            PerformanceReview.Decision.IMPROVEMENT_PLAN,
            "Complaints are slow and first-contact resolution is slipping. Three-month "
            "improvement plan: retraining on complaint handling, a weekly joint review of 20 "
            "calls, agents may refund up to 50 EUR, every complaint escalated to a named team "
            "lead within 4 hours.",
            by=people.manager,
            at=improvement_plan,
        )
    last_night = moment(month_start(today, -2) + days(1), hour=2, minute=15)
    for review in replay_rollup_night(engagement, last_night):
        decide_review(
            review,
            PerformanceReview.Decision.BRING_IN_HOUSE,
            "Customer satisfaction red three months in a row despite the improvement plan; "
            "negative reviews and fewer repeat orders. Bring customer service back in-house: "
            "hire four agents, invest in training, keep the Christmas peak with temporary "
            "staff. BrightLine gets 60 days' notice.",
            by=people.manager,
            at=in_house,
        )


def seed(people: People, vendors: dict[str, Vendor], today: datetime.date) -> Engagement:
    brightline, callcrest = vendors[BRIGHTLINE], vendors[CALLCREST]
    start = month_start(today, -10)
    end_day = month_start(today, -1) + days(14)
    brought_in_house = month_start(today, -2) + days(12)

    candidate = ensure_candidate(
        name="Customer service: phone, email and chat",
        business_function=BusinessFunction.CUSTOMER_SERVICE,
        owner=people.manager,
        description="Answering customer inquiries for the web shop by phone, email and chat, "
        "and handling returns and exchanges.",
        in_house_yearly_cost=Decimal("168000"),
        quoted_vendor_yearly_cost=Decimal("88000"),
        currency="EUR",
        volume="About 3,500 inquiries a month; twice that in November and December",
        skills_needed="Friendly written and spoken English and German, product knowledge, "
        "our returns policy",
        data_touched="Customer names, email addresses, phone numbers, delivery addresses and "
        "order history",
        data_classification="confidential",
        answers={
            "How core to the business": (
                2,
                "Customers care that answers are quick and kind; "
                "the answering itself is not what we sell.",
            ),
            "In-house skills available": (2, "Two agents today, no cover for evenings or peaks."),
            "Saving potential": (4, "Quotes come in at about half our in-house cost."),
            "Vendor market maturity": (5, "Many contact centres with e-commerce references."),
            "Data sensitivity": (3, "Customer contact data and order history, no payments."),
            "Volume variability": (4, "Volume doubles before Christmas."),
        },
        decision=(
            Recommendation.OUTSOURCE,
            "The assessment recommends outsourcing (74/100): a saving of about 48 % and a "
            "mature vendor market, and the Christmas peak is hard to staff ourselves. Returns "
            "policy and escalated complaints stay with us.",
            people.manager,
            moment(month_start(today, -12) + days(4)),
        ),
        status_after=Candidate.Status.OUTSOURCED,
    )

    selection = ensure(
        Selection,
        title="Customer service partner – request for proposal",
        defaults={
            "candidate": candidate,
            "requirements": "Phone, email and chat support in English and German, 8:00–20:00 "
            "CET on weekdays and 9:00–17:00 on Saturdays; returns and exchanges; complaints "
            "escalated to us within 4 hours; Zendesk and Shopify.",
            "budget": Decimal("95000"),
            "currency": "EUR",
            "deadline": month_start(today, -11) + days(5),
            "owner": people.manager,
            "status": Selection.Status.EVALUATING,
        },
    )
    won = ensure(
        Proposal,
        selection=selection,
        vendor=brightline,
        defaults={
            "price": Decimal("7800"),
            "pricing_model": PricingModel.RETAINER,
            "currency": "USD",
            "proposed_start": start,
            "proposed_end": add_years(start, 2) - days(1),
            "timeline_notes": "Four weeks of onboarding and training, go-live on phone and "
            "email, chat two weeks later.",
            "received_on": month_start(today, -12) + days(27),
        },
    )
    lost = ensure(
        Proposal,
        selection=selection,
        vendor=callcrest,
        defaults={
            "price": Decimal("2.15"),
            "pricing_model": PricingModel.PER_UNIT,
            "currency": "EUR",
            "proposed_start": start,
            "proposed_end": add_years(start, 2) - days(1),
            "timeline_notes": "Per handled contact; six weeks of onboarding.",
            "received_on": month_start(today, -11) + days(2),
        },
    )
    for proposal, file_name in ((won, "brightline-proposal.txt"), (lost, "callcrest-offer.txt")):
        attach_proposal_file(
            proposal,
            file_name,
            title=f"Proposal of {proposal.vendor}",
            body=proposal.timeline_notes,
            by=people.manager,
        )
    criteria = criteria_from_templates(selection)
    submitted = moment(month_start(today, -11) + days(12))
    for user, won_scores, lost_scores in (
        (people.manager, (4, 5, 3, 4, 5, 4, 2, 3), (4, 4, 4, 4, 3, 4, 4, 4)),
        (people.manager2, (4, 5, 3, 4, 5, 4, 2, 3), (4, 4, 4, 4, 3, 4, 4, 4)),
    ):
        evaluator = ensure(
            Evaluator,
            selection=selection,
            user=user,
            defaults={"invited_by": people.manager, "submitted_at": submitted},
        )
        score_proposal(
            evaluator=evaluator,
            proposal=won,
            criteria=criteria,
            values=won_scores,
            comments={
                "Price": "Clearly the cheapest for our volume.",
                "Cultural fit": "Scripts first; a complaint passes three supervisors before "
                "someone can decide. Visited their Manila floor by video only.",
            },
        )
        score_proposal(
            evaluator=evaluator,
            proposal=lost,
            criteria=criteria,
            values=lost_scores,
            comments={"Cultural fit": "Agents may decide refunds up to 100 EUR themselves."},
        )
    if selection.status != Selection.Status.AWARDED:
        selection.status = Selection.Status.AWARDED
        selection.awarded_proposal = won
        selection.awarded_at = moment(month_start(today, -11) + days(20))
        selection.negotiation_notes = (
            "BrightLine came down from 8,400 to 7,800 USD a month for a 24-month term, with "
            "termination for convenience on 60 days' notice. Cultural fit scored lowest of all "
            "criteria for BrightLine; we accepted it for the price."
        )
        selection.save()

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
            status=Engagement.Status.IN_HOUSE, closed_at=moment(end_day, hour=18)
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

    ensure(
        Risk,
        engagement=engagement,
        title="Negative reviews from badly handled complaints",
        defaults={
            "category": Risk.Category.REPUTATIONAL,
            "description": "Complaints wait for a supervisor; customers post one-star reviews.",
            "likelihood": 4,
            "impact": 4,
            "mitigation": "Improvement plan; later brought the work back in-house.",
            "residual_likelihood": 2,
            "residual_impact": 3,
            "owner": people.manager,
            "status": Risk.Status.CLOSED,
            "last_reviewed_on": end_day,
        },
    )
    ensure(
        Risk,
        engagement=engagement,
        title="Customer data kept by the vendor after the exit",
        defaults={
            "category": Risk.Category.DATA_BREACH,
            "description": "Ticket history and call recordings stay in BrightLine's systems.",
            "likelihood": 2,
            "impact": 4,
            "mitigation": "Written deletion certificate within 30 days of the end; DPA clause.",
            "residual_likelihood": 1,
            "residual_impact": 4,
            "owner": people.manager,
            "status": Risk.Status.MITIGATING,
            "last_reviewed_on": end_day,
        },
    )
    signed = moment(month_start(today, -11) + days(27))
    for requirement, file_name in (
        ("Non-disclosure agreement (NDA)", "nda-brightline.txt"),
        ("Data processing agreement (DPA)", "dpa-brightline.txt"),
    ):
        ensure_compliance(
            engagement,
            requirement,
            evidence=file_name,
            accepted=signed,
            accepted_by=people.manager,
            uploaded_by=people.manager,
        )

    grants = []
    for system, description, revoked in (
        ("Zendesk (tickets and customer emails)", "Agent seats for 12 BrightLine agents.", 0),
        ("Aircall phone system", "Agent seats and call recordings.", 0),
        ("Customer service shared inbox", "Google Workspace group mailbox.", 1),
        (
            "Shopify admin – orders and returns",
            "Staff accounts to look up orders and create return labels.",
            None,
        ),
    ):
        grants.append(
            ensure(
                DataAccessGrant,
                engagement=engagement,
                system=system,
                defaults={
                    "description": description,
                    "classification": "confidential",
                    "personal_data": True,
                    "access_level": DataAccessGrant.AccessLevel.WRITE,
                    "granted_on": start,
                    "granted_by": people.manager2,
                    "revoked_on": None if revoked is None else end_day + days(revoked),
                    "revoked_by": None if revoked is None else people.manager2,
                },
            )
        )
    for grant in grants:
        done = grant.revoked_on
        ensure(
            OffboardingItem,
            engagement=engagement,
            grant=grant,
            defaults={
                "kind": OffboardingItem.Kind.REVOKE_ACCESS,
                "title": f"Revoke access: {grant.system}",
                "owner": people.manager2,
                "due_date": end_day + days(2),
                "done_at": None if done is None else moment(done, hour=17),
                "done_by": None if done is None else people.manager2,
                "notes": ""
                if done
                else "Two BrightLine staff accounts are still listed in Shopify.",
            },
        )
    for kind, title, due, done, notes in (
        (
            OffboardingItem.Kind.RECOVER_DATA,
            "Recover the ticket history and call recordings",
            end_day + days(7),
            end_day + days(5),
            "Export received and checked; deletion certificate requested.",
        ),
        (
            OffboardingItem.Kind.KNOWLEDGE_HANDOVER,
            "Hand over macros, FAQ and open complaints",
            end_day,
            end_day - days(3),
            "Two handover workshops with the new in-house team.",
        ),
        (
            OffboardingItem.Kind.FINAL_SCORECARD,
            "Record the final scorecard",
            end_day + days(10),
            end_day + days(3),
            "",
        ),
        (
            OffboardingItem.Kind.FINAL_REVIEW,
            "Hold the final review with BrightLine",
            today + days(7),
            None,
            "Lessons learned for the next selection: weigh cultural fit.",
        ),
    ):
        ensure(
            OffboardingItem,
            engagement=engagement,
            kind=kind,
            grant=None,
            defaults={
                "title": title,
                "owner": people.manager,
                "due_date": due,
                "done_at": None if done is None else moment(done, hour=16),
                "done_by": None if done is None else people.manager,
                "notes": notes,
            },
        )
    return engagement
