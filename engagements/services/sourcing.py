"""Step 2 workflows: starting a selection and awarding it to one vendor."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from engagements import permissions
from engagements.models import (
    Candidate,
    Contract,
    Criterion,
    CriterionTemplate,
    Engagement,
    Evaluator,
    Proposal,
    Score,
    Selection,
)
from vendors.models import Vendor

# Money fields hold 14 digits, 2 after the point.
LARGEST_AMOUNT = Decimal("999999999999.99")

# An award without proposed dates runs for a year from the day it is made.
DEFAULT_TERM = datetime.timedelta(days=364)

CLOSED_STATUSES = (Selection.Status.AWARDED, Selection.Status.CANCELLED)

# Proposed dates outside these years are typing mistakes; the contract built from them
# would overflow the calendar (its notice deadline is the end date minus the notice period).
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
DATE_RANGE_MESSAGE = f"Enter a date between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}."


def plausible_date(value: datetime.date | None) -> bool:
    return value is None or EARLIEST_DATE <= value <= LATEST_DATE


def selection_in_progress(candidate: Candidate) -> Selection | None:
    return candidate.selections.exclude(status__in=CLOSED_STATUSES).first()


@transaction.atomic
def start_selection(*, candidate: Candidate, by: Any, **fields: Any) -> Selection:
    """A selection for an approved candidate, its criteria copied from the active templates.

    One selection at a time per candidate: another may start once it is awarded or cancelled.
    """
    if not candidate.may_go_to_sourcing:
        raise ValidationError(
            f"“{candidate}” is {candidate.get_status_display().lower()}; only a candidate "
            "approved for sourcing can go to vendor selection."
        )
    # Locked so a double-clicked "Start" cannot open two selections for the same work.
    Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
    running = selection_in_progress(candidate)
    if running is not None:
        raise ValidationError(
            f"“{candidate}” already has a selection in progress: “{running}”. "
            "Award or cancel it before starting another."
        )
    selection = Selection.objects.create(candidate=candidate, owner=by, **fields)
    Criterion.objects.bulk_create(
        Criterion(
            selection=selection,
            name=template.name,
            category=template.category,
            guidance=template.guidance,
            weight=template.default_weight,
            order=template.order,
        )
        for template in CriterionTemplate.objects.filter(is_active=True)
    )
    return selection


def award_blocker(*, proposal: Proposal, by: Any) -> str:
    """Why `by` may not award this proposal as things stand; empty when nothing blocks.

    For an admin a poor standing is no blocker, but the confirmation asks for a reason.
    """
    vendor = proposal.vendor
    if vendor.status in (Vendor.Status.SUSPENDED, Vendor.Status.OFFBOARDED):
        return f"{vendor} is {vendor.get_status_display().lower()} and cannot be awarded work."
    if proposal.price is None:
        return f"Record {vendor}'s price before awarding: the contract value comes from it."
    if not (plausible_date(proposal.proposed_start) and plausible_date(proposal.proposed_end)):
        return (
            f"Correct {vendor}'s proposed dates before awarding: the contract dates come "
            f"from them. {DATE_RANGE_MESSAGE}"
        )
    if vendor.standing == Vendor.Standing.POOR and not permissions.is_admin(by):
        return (
            f"{vendor}'s standing is poor across its engagements. Only an admin can award "
            "it a new selection, with a written reason."
        )
    return ""


@transaction.atomic
def award_selection(
    *,
    selection: Selection,
    proposal: Proposal,
    by: Any,
    override_reason: str = "",
    contract_value: Decimal | None = None,
    budget: Decimal | None = None,
) -> Engagement:
    """Award the selection to one proposal: the engagement and its contract start from it.

    The engagement carries the requirements over as scope, and its proposed dates
    (a year from today when none were proposed). The contract value and budget are
    what the manager confirmed on the award page; when not given, the proposal's
    yearly equivalent in its own currency (never a unit or hourly price). Work that
    starts after today is planned until its start date, otherwise active. The
    candidate becomes outsourced and the vendor active. A vendor whose standing is
    poor is awarded only by an admin who writes down why; the reason is kept in the
    selection's negotiation notes.
    """
    # Locked so two people pressing "Award" at once cannot create two engagements.
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    if selection.status in CLOSED_STATUSES:
        raise ValidationError(
            f"This selection is already {selection.get_status_display().lower()}; "
            "it cannot be awarded again."
        )
    if proposal.selection_id != selection.pk:
        raise ValidationError("This proposal belongs to another selection.")
    blocker = award_blocker(proposal=proposal, by=by)
    if blocker:
        raise ValidationError(blocker)
    vendor = proposal.vendor
    override_reason = override_reason.strip()
    if vendor.standing == Vendor.Standing.POOR and not override_reason:
        raise ValidationError(
            {
                "override_reason": f"{vendor}'s standing is poor: say why it should be "
                "awarded anyway."
            }
        )

    if contract_value is None:
        yearly = proposal.yearly_equivalent()
        if yearly.amount is None:
            raise ValidationError(
                {"contract_value": f"No yearly equivalent ({yearly.basis}): enter the value."}
            )
        contract_value = yearly.amount
    if budget is None:
        budget = contract_value
    for name, amount in (("contract_value", contract_value), ("budget", budget)):
        if not 0 <= amount <= LARGEST_AMOUNT:
            raise ValidationError({name: "Enter an amount from 0 to 999,999,999,999.99."})

    today = timezone.localdate()
    start = proposal.proposed_start or today
    end = proposal.proposed_end or start + DEFAULT_TERM
    end = max(end, start)
    candidate = selection.candidate
    engagement = Engagement.objects.create(
        title=f"{candidate.name} – {vendor.legal_name}",
        vendor=vendor,
        candidate=candidate,
        selection=selection,
        owner=selection.owner,
        scope=selection.requirements,
        budget=budget,
        currency=proposal.currency,
        start_date=start,
        end_date=end,
        status=Engagement.status_on_award(start, today),
    )
    Contract.objects.create(
        engagement=engagement,
        value=contract_value,
        currency=proposal.currency,
        start_date=start,
        end_date=end,
    )

    now = timezone.now()
    selection.status = Selection.Status.AWARDED
    selection.awarded_proposal = proposal
    selection.awarded_at = now
    update_fields = ["status", "awarded_proposal", "awarded_at", "updated_at"]
    if vendor.standing == Vendor.Standing.POOR:
        note = (
            f"{now:%Y-%m-%d}: awarded to {vendor} despite its poor standing by "
            f"{by.get_full_name() or by.get_username()}: {override_reason}"
        )
        selection.negotiation_notes = "\n\n".join(filter(None, [selection.negotiation_notes, note]))
        update_fields.append("negotiation_notes")
    selection.save(update_fields=update_fields)

    candidate.status = Candidate.Status.OUTSOURCED
    candidate.save(update_fields=["status", "updated_at"])

    if vendor.status != Vendor.Status.ACTIVE:
        vendor.change_status(status=Vendor.Status.ACTIVE, reason=f"Awarded {selection}", by=by)
    return engagement


@dataclass(frozen=True)
class ScoreCell:
    """One evaluator's score and comment for one vendor on one criterion; None clears it."""

    proposal: Proposal
    criterion: Criterion
    value: int | None
    comment: str


@transaction.atomic
def save_scores(*, evaluator: Evaluator, cells: list[ScoreCell], submit: bool) -> bool:
    """Write an evaluator's scores (a draft, or submitted and locked from then on).

    Returns False, writing nothing, when the scores were submitted already: the evaluator
    is locked and checked again, since a submit from another tab may have just landed.
    Each score added, changed or cleared is kept in the scores' history under the
    evaluator's name (only they save their own scores); one saved as it was is not
    written again.
    """
    locked = Evaluator.objects.select_for_update().select_related("user").get(pk=evaluator.pk)
    if locked.submitted_at is not None:
        return False
    by = locked.user
    # Read under the evaluator's lock: nobody adds or clears these scores meanwhile.
    existing = {(s.proposal_id, s.criterion_id): s for s in locked.scores.all()}
    new: list[Score] = []
    changed: list[Score] = []
    now = timezone.now()
    for cell in cells:
        score = existing.get((cell.proposal.pk, cell.criterion.pk))
        if cell.value is None:
            if score is not None:
                score._history_user = by  # type: ignore[attr-defined]  # read by simple-history
                score.delete()  # one by one, so the history says who cleared each
        elif score is None:
            new.append(
                Score(
                    evaluator=locked,
                    proposal=cell.proposal,
                    criterion=cell.criterion,
                    value=cell.value,
                    comment=cell.comment,
                )
            )
        elif (score.value, score.comment) != (cell.value, cell.comment):
            score.value, score.comment = cell.value, cell.comment
            score.updated_at = now  # bulk_update leaves auto_now alone
            changed.append(score)
    # bulk_create and bulk_update skip save() and with it the history: these write both.
    bulk_create_with_history(new, Score, default_user=by)
    if changed:
        bulk_update_with_history(
            changed, Score, fields=["value", "comment", "updated_at"], default_user=by
        )
    if submit:
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_at"])
    return True
