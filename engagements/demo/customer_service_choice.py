"""Customer service, part 1: the assessment and the selection BrightLine won on price."""

from __future__ import annotations

import datetime
from decimal import Decimal

from engagements.models import (
    Candidate,
    PricingModel,
    Proposal,
    Selection,
)
from vendors.models import Vendor

from .helpers import (
    add_years,
    attach_proposal_file,
    candidate_spec,
    criteria_from_templates,
    days,
    ensure,
    ensure_candidate,
    moment,
    month_start,
    score_as_evaluator,
)
from .people import People
from .registry import BRIGHTLINE, CALLCREST


def choose_the_vendor(
    people: People, vendors: dict[str, Vendor], today: datetime.date, *, start: datetime.date
) -> tuple[Candidate, Selection]:
    """The assessment that said "outsource", and the selection BrightLine won on price."""
    brightline, callcrest = vendors[BRIGHTLINE], vendors[CALLCREST]
    candidate = ensure_candidate(
        **candidate_spec("Customer service: phone, email and chat"),
        owner=people.manager,
        decided=(people.manager, moment(month_start(today, -12) + days(4))),
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
        score_as_evaluator(
            selection=selection,
            user=user,
            invited_by=people.manager,
            criteria=criteria,
            submitted_at=submitted,
            scores=[
                (
                    won,
                    won_scores,
                    {
                        "Price": "Clearly the cheapest for our volume.",
                        "Cultural fit": "Scripts first; a complaint passes three supervisors "
                        "before someone can decide. Visited their Manila floor by video only.",
                    },
                ),
                (
                    lost,
                    lost_scores,
                    {"Cultural fit": "Agents may decide refunds up to 100 EUR themselves."},
                ),
            ],
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

    return candidate, selection
