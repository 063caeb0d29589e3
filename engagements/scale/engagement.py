"""Engagements owned by managers (with co-owners), and their contracts."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from engagements.demo.dates import add_years
from engagements.models import Contract, Engagement
from vendors.models import BusinessFunction

from .bulk import insert
from .world import PlannedEngagement, World, moment

AREAS = ("EMEA", "Americas", "APAC", "Nordics", "DACH", "Benelux", "Iberia", "UK", "Global")
# Share of engagements in each status besides active; the rest are active.
STATUS_SHARES = (
    (Engagement.Status.PLANNED, 0.07),
    (Engagement.Status.COMPLETED, 0.08),
    (Engagement.Status.ON_HOLD, 0.05),
)
# Most of the work began when the organisation first outsourced it, at the start of its
# history; the rest started since. Check-ins and measurements follow from these dates.
ESTABLISHED_SHARE = 0.9


def statuses(count: int, rng: random.Random) -> list[str]:
    """Exactly the shares of STATUS_SHARES (rounded), the rest active, in a shuffled order."""
    chosen: list[str] = [
        status for status, share in STATUS_SHARES for _ in range(round(count * share))
    ]
    chosen += [Engagement.Status.ACTIVE] * (count - len(chosen))
    rng.shuffle(chosen)
    return chosen[:count]


def work_dates(
    status: str, world: World, rng: random.Random
) -> tuple[datetime.date, datetime.date | None]:
    """Start and end of the work; the end of live work may still be open."""
    today, first, span = world.today, world.first_day, 365 * world.shape.years
    if status == Engagement.Status.PLANNED:
        return today + datetime.timedelta(days=rng.randrange(7, 90)), None
    if status == Engagement.Status.COMPLETED:
        start = first + datetime.timedelta(days=rng.randrange(0, max(1, span // 2)))
        end = start + datetime.timedelta(days=rng.randrange(120, max(121, span // 2)))
        return start, max(start, min(end, today - datetime.timedelta(days=30)))
    if rng.random() < ESTABLISHED_SHARE:
        offset = rng.randrange(0, min(60, span))
    else:
        offset = rng.randrange(0, max(1, span - 30))
    return first + datetime.timedelta(days=offset), None


def make_engagements(world: World) -> None:
    rng = world.random("engagements")
    managers = world.managers
    functions = list(BusinessFunction)
    engagements: list[dict[str, Any]] = []
    co_owners: list[dict[str, int]] = []
    contracts: list[dict[str, Any]] = []
    # Every vendor doing work takes one engagement (in a shuffled order) before any
    # takes a second: with 30 engagements or more, the vendors with live work fill a
    # page (the small size's 30 give 28 such vendors).
    firsts = rng.sample(world.working_vendor_ids, k=len(world.working_vendor_ids))
    for number, status in enumerate(statuses(world.shape.engagements, rng), start=1):
        start, end = work_dates(status, world, rng)
        owner = rng.choice(managers)
        others = [manager for manager in managers if manager != owner]
        co = tuple(rng.sample(others, k=min(len(others), rng.choice((0, 0, 0, 1, 1, 2)))))
        created = min(moment(start - datetime.timedelta(days=14), 9), world.now)
        if status == Engagement.Status.PLANNED:
            created = world.now - datetime.timedelta(days=rng.randrange(1, 30))
        term = rng.choice((1, 2, 3))
        contract_end = end or add_years(start, term)
        while status != Engagement.Status.PLANNED and end is None and contract_end < world.today:
            contract_end = add_years(contract_end, term)  # renewed as it ran out
        if status in Engagement.LIVE_STATUSES and rng.random() < 0.5:
            end = contract_end  # agreed to end with the contract
        yearly = Decimal(rng.randrange(20_000, 900_000, 1_000))
        planned = PlannedEngagement(
            id=number,
            vendor_id=firsts.pop() if firsts else rng.choice(world.working_vendor_ids),
            owner_id=owner,
            co_owner_ids=co,
            status=status,
            start=start,
            end=end,
            created_at=created,
            quality=rng.betavariate(2, 5),
        )
        world.engagements.append(planned)
        closed = status == Engagement.Status.COMPLETED
        engagements.append(
            {
                "id": number,
                "title": f"{rng.choice(functions).label}: {rng.choice(AREAS)} ({number})",
                "vendor": planned.vendor_id,
                "owner": owner,
                "scope": "Scope as awarded: the work, the volumes and the service hours agreed.",
                "deliverables": "Monthly report; the agreed service levels.",
                "budget": yearly,
                "currency": "EUR",
                "start_date": start,
                "end_date": end,
                "status": status,
                "closed_at": moment(end, 16) if closed and end else None,
                "offboarding_outcome": status if closed else "",
                "created_at": created,
                "updated_at": moment(end, 16) if closed and end else created,
            }
        )
        co_owners.extend({"engagement": number, "user": manager} for manager in co)
        contract = Contract(
            end_date=contract_end,
            renewal_date=contract_end if rng.random() < 0.4 else None,
            notice_period_days=rng.choice((30, 60, 90)),
        )
        contracts.append(
            {
                "id": number,
                "engagement": number,
                "reference": f"C-{start:%Y}-{number:05d}",
                "value": yearly * term,
                "currency": "EUR",
                "start_date": start,
                "end_date": contract.end_date,
                "renewal_date": contract.renewal_date,
                # A contract with a renewal date renews itself by its term, as it ran.
                "auto_renews": contract.renewal_date is not None,
                "renewal_term_months": 12 * term if contract.renewal_date else None,
                "notice_period_days": contract.notice_period_days,
                "notice_deadline": contract.compute_notice_deadline(),  # as Contract.save()
                "termination_terms": (
                    "Either party may end the contract with the notice period in writing."
                ),
                "service_levels": (
                    "Response within 4 business hours; 95% of tickets solved within 2 days."
                ),
                "signed_on": min(start, world.today)
                - datetime.timedelta(days=rng.randrange(3, 20)),
                "document": "",
                "document_name": "",
                "notice_given_on": None,
                "notice_given_by": None,
                "notice_reason": "",
                "created_at": created,
                "updated_at": created,
            }
        )
    world.written["engagements"] = insert(Engagement, engagements)
    insert(Engagement.co_owners.through, co_owners)
    world.written["contracts"] = insert(Contract, contracts)
