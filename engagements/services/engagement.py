"""Workflows on the engagement itself: completing milestones, handing over ownership,
starting planned work on its start date, giving notice on its contract and rolling an
automatically renewing contract on."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from engagements.models import Contract, Engagement, Milestone
from outsourcing import pagecache


def complete_milestone(milestone: Milestone) -> bool:
    """Mark it completed today; False when it already was (another tab, a double click)."""
    return bool(
        Milestone.objects.filter(pk=milestone.pk, completed_on__isnull=True).update(
            completed_on=timezone.localdate(), updated_at=timezone.now()
        )
    )


@transaction.atomic
def transfer_engagement(engagement: Engagement, *, to: Any, keep_previous: bool) -> None:
    """Make `to` the owner; the previous owner stays as a co-owner if asked.

    One history entry carries both the owner and the co-owners as they end up: the
    co-owner changes skip their own entries and the save records the result.
    """
    previous = engagement.owner
    engagement.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        engagement.co_owners.remove(to)
        if keep_previous:
            engagement.co_owners.add(previous)
    finally:
        del engagement.skip_history_when_saving  # type: ignore[attr-defined]
    engagement.owner = to
    engagement.save(update_fields=["owner", "updated_at"])


@transaction.atomic
def activate_planned_engagements(*, today: datetime.date | None = None) -> int:
    """Planned engagements whose start date has come become active; returns how many.

    One UPDATE for all of them, plus one insert of their history rows (the update
    bypasses save()). The rows are locked first, and the update asks for "planned"
    again, so two runs at once, or a run after an owner started the work by hand,
    change nothing twice. A late run catches up every start date passed meanwhile.
    """
    today = today or timezone.localdate()
    due = Engagement.objects.due_to_start(today)
    ids = list(due.select_for_update().values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    changed = Engagement.objects.filter(pk__in=ids, status=Engagement.Status.PLANNED).update(
        status=Engagement.Status.ACTIVE, updated_at=now
    )
    Engagement.history.bulk_history_create(
        list(Engagement.objects.filter(pk__in=ids)),
        update=True,
        default_date=now,
        default_change_reason="Started on its start date",
    )
    pagecache.data_changed()
    return changed


@transaction.atomic
def give_notice(*, contract: Contract, on: datetime.date, reason: str, by: Any) -> bool:
    """Record that notice was given on the contract: when, by whom and why. From then on
    it no longer rolls and its notice deadline leaves the reminders. False (and nothing
    changed) when notice had already been given, say from another tab."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.notice_given:
        return False
    locked.notice_given_on = on
    locked.notice_given_by = by
    locked.notice_reason = reason
    locked._change_reason = "Notice given"  # type: ignore[attr-defined]
    locked.save(update_fields=["notice_given_on", "notice_given_by", "notice_reason", "updated_at"])
    pagecache.data_changed()
    return True


def renew_contracts(*, today: datetime.date | None = None) -> int:
    """Roll every automatically renewing contract past its renewal date on by its renewal
    term, as many terms as it takes to reach today; returns how many contracts rolled.

    Each contract rolls in a transaction of its own, on its row locked and asked again
    whether it is due: two runs at once, a second run, or a run after notice was given
    roll nothing twice, and a crash halfway loses no roll (the next run finds it due).
    """
    today = today or timezone.localdate()
    ids = list(Contract.objects.due_to_roll(today).order_by("pk").values_list("pk", flat=True))
    rolled = sum(roll_contract(contract_id=pk, today=today) for pk in ids)
    if rolled:
        pagecache.data_changed()
    return rolled


@transaction.atomic
def roll_contract(*, contract_id: int, today: datetime.date) -> bool:
    """Roll one contract on if it is still due; its history says by how much."""
    contract = (
        Contract.objects.due_to_roll(today)
        .select_for_update(of=("self",))
        .filter(pk=contract_id)
        .first()
    )
    terms = contract.terms_to_roll(today) if contract is not None else 0
    if contract is None or terms == 0:
        return False
    contract.roll_forward(terms)
    months = terms * (contract.renewal_term_months or 0)
    deadline = contract.compute_notice_deadline()
    # The history says what the roll means for the manager: the next date to decide by.
    contract._change_reason = (  # type: ignore[attr-defined]
        f"Renewed automatically for {months} months; notice deadline now {deadline:%-d %b %Y}"
    )
    # save() moves the notice deadline on with the dates.
    contract.save(update_fields=["end_date", "renewal_date", "updated_at"])
    return True
