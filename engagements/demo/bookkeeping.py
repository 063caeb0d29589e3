"""Story 4 – a selection in progress: three bookkeeping vendors scored by two colleagues."""

from __future__ import annotations

import datetime
from decimal import Decimal

from engagements.models import (
    PricingModel,
    Proposal,
    Selection,
)
from vendors.models import Vendor

from .helpers import (
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
from .registry import CLEARBOOKS, LEDGERWISE, NUMERA

TITLE = "Bookkeeping and payroll pilot – request for proposal"

# Scores 1–5 in the order of the criterion templates: qualifications, experience, reputation,
# reliability, price, service fit, cultural fit, security posture.
SCORES = {
    "manager2": {
        LEDGERWISE: (4, 4, 4, 4, 4, 4, 5, 4),
        NUMERA: (4, 5, 4, 4, 5, 3, 4, 3),
        CLEARBOOKS: (5, 4, 5, 4, 3, 4, 4, 5),
    },
    "evaluator": {
        LEDGERWISE: (4, 4, 5, 4, 4, 4, 4, 4),
        NUMERA: (3, 4, 3, 4, 5, 3, 2, 3),
        CLEARBOOKS: (5, 4, 4, 4, 2, 5, 4, 4),
    },
}
COMMENTS = {
    "manager2": {
        LEDGERWISE: {
            "Cultural fit": "Video call with the whole team: direct, asks questions, same "
            "working hours as us.",
            "Security posture": "ISO 27001, but the certificate runs out next month.",
        },
        NUMERA: {
            "Price": "Cheapest by far at our volume.",
            "Cultural fit": "Professional and well organised; happy with a weekly call.",
        },
        CLEARBOOKS: {
            "Price": "Per-invoice pricing gets expensive in our peak months.",
            "Qualifications": "Chartered accountants, payroll bureau accreditation.",
        },
    },
    "evaluator": {
        LEDGERWISE: {"Reputation and references": "Baltic Freight reference was glowing."},
        NUMERA: {
            "Cultural fit": "Every answer came through the account manager; we never spoke "
            "to the people who would do the work. Hierarchical.",
            "Qualifications": "No German payroll experience shown.",
        },
        CLEARBOOKS: {
            "Price": "Dearest of the three.",
            "Service fit": "Would also file our VAT returns.",
        },
    },
}


def seed(people: People, vendors: dict[str, Vendor], today: datetime.date) -> Selection:
    candidate = ensure_candidate(
        **candidate_spec("Bookkeeping and payroll"),
        owner=people.manager,
        decided=(people.manager, moment(month_start(today, -2) + days(6))),
    )
    selection = ensure(
        Selection,
        title=TITLE,
        defaults={
            "candidate": candidate,
            "requirements": "Bookkeeping in our ERP, supplier invoices within 3 working days, "
            "monthly payroll for Dutch and German staff, ISO 27001 or SOC 2, data kept in the "
            "EU, a named team we can talk to directly.",
            "budget": Decimal("60000"),
            "currency": "EUR",
            "deadline": today - days(7),
            "owner": people.manager,
            "status": Selection.Status.EVALUATING,
        },
    )
    offers = (
        (
            LEDGERWISE,
            Decimal("21500"),
            PricingModel.RETAINER,
            "PLN",
            12,
            "Monthly retainer covering up to 1,300 invoices and 100 payslips.",
        ),
        (
            NUMERA,
            Decimal("24.00"),
            PricingModel.HOURLY,
            "USD",
            9,
            "Estimated 190 hours a month; team in Bengaluru, overlap 9:00–13:30 CET.",
        ),
        (
            CLEARBOOKS,
            Decimal("3.80"),
            PricingModel.PER_UNIT,
            "GBP",
            8,
            "Per invoice or payslip processed; VAT returns at 250 GBP each.",
        ),
    )
    proposals = {}
    for vendor_name, price, model, currency, received_days_ago, notes in offers:
        vendor = vendors[vendor_name]
        proposal = ensure(
            Proposal,
            selection=selection,
            vendor=vendor,
            defaults={
                "price": price,
                "pricing_model": model,
                "currency": currency,
                "proposed_start": month_start(today, 1),
                "proposed_end": month_start(today, 7) - days(1),
                "timeline_notes": "Two weeks of onboarding, then a parallel run for the first "
                "month-end.",
                "received_on": today - days(received_days_ago),
                "notes": notes,
            },
        )
        attach_proposal_file(
            proposal,
            f"proposal-{vendor_name.split()[0].lower()}.txt",
            title=f"Proposal of {vendor}",
            body=notes,
            by=people.manager,
        )
        proposals[vendor_name] = proposal

    criteria = criteria_from_templates(selection)
    invited = {"manager2": people.manager2, "evaluator": people.evaluator}
    for username, user in invited.items():
        score_as_evaluator(
            selection=selection,
            user=user,
            invited_by=people.manager,
            criteria=criteria,
            # Tom has submitted his scores; Sam is still drafting.
            submitted_at=moment(today - days(3)) if username == "manager2" else None,
            scores=[
                (proposals[vendor_name], values, COMMENTS[username].get(vendor_name))
                for vendor_name, values in SCORES[username].items()
            ],
        )
    return selection
