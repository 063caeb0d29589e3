"""The owner's renewal decision, and what it does to the engagement.

- renew: a contract that renews by itself rolls on at its renewal date (renew_contracts);
  with a new end date agreed by hand, the term is extended now and the notice deadline
  moves with it;
- renegotiate: recorded; the contract stays on the renewal view, marked as being
  renegotiated, until a later decision settles it;
- replace the vendor / bring in-house: notice is given (give_notice), so the contract
  stops rolling, and the offboarding checklist starts when asked (start_offboarding),
  ending as completed or brought in-house.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagements.models import Contract, Engagement, RenewalAction, RenewalDecision
from engagements.selectors.renewals import Advice
from engagements.services.engagement import give_notice
from engagements.services.offboarding import start_offboarding
from outsourcing import pagecache

# How the engagement ends when the decision leads to offboarding.
OUTCOME_OF = RenewalDecision.OUTCOMES


@transaction.atomic
def record_renewal_decision(
    *,
    contract: Contract,
    decision: str,
    note: str,
    by: Any,
    advice: Advice | None = None,
    new_end_date: datetime.date | None = None,
    offboard: bool = False,
    today: datetime.date | None = None,
) -> RenewalDecision:
    """Record the decision beside the suggestion shown (`advice`) and carry it out.

    The contract's row is locked, and its version moves on with every decision, so two
    owners deciding at once do not both pass the form's version check. Raises
    ValidationError when the decision does not fit the contract (a renewal that would
    not extend it, offboarding work that is not live); nothing is then recorded.
    """
    today = today or timezone.localdate()
    locked = Contract.objects.select_for_update().select_related("engagement").get(pk=contract.pk)
    if decision not in RenewalAction.values:
        raise ValidationError({"decision": "Choose one of the four decisions."})
    label = RenewalAction(decision).label
    if decision in (RenewalAction.RENEW, RenewalAction.RENEGOTIATE) and locked.notice_given:
        raise ValidationError(
            f"Notice was given on {locked.notice_given_on:%-d %b %Y}: the contract no "
            "longer renews."
        )
    if new_end_date is not None:
        if decision != RenewalAction.RENEW:
            raise ValidationError({"new_end_date": "A new end date goes with renewing only."})
        if new_end_date <= locked.end_date:
            raise ValidationError(
                {
                    "new_end_date": f"The contract already runs to {locked.end_date:%-d %b %Y}; "
                    "a renewal ends later."
                }
            )
    elif decision == RenewalAction.RENEW and not locked.auto_renews:
        raise ValidationError(
            {
                "new_end_date": "This contract does not renew by itself: give the end date "
                "of the new term."
            }
        )
    if offboard and decision not in OUTCOME_OF:
        raise ValidationError(
            "Offboarding starts with replacing the vendor or bringing the work in-house."
        )

    note = note.strip()
    recorded = RenewalDecision.objects.create(
        contract=locked,
        decision=decision,
        suggestion=advice.action if advice else "",
        suggestion_reasons=list(advice.reasons) if advice else [],
        note=note,
        new_end_date=new_end_date,
        offboarding_started=offboard,
        renews_on=locked.renews_on,
        decided_by=by,
    )
    moved = False
    if new_end_date is not None:
        _extend_term(locked, new_end_date)
        moved = True
    elif decision in OUTCOME_OF:
        moved = give_notice(contract=locked, on=today, reason=note or label, by=by)
    if decision in OUTCOME_OF:
        _plan_the_end(
            locked.engagement, OUTCOME_OF[decision], offboard=offboard, reason=note or label, by=by
        )
    if not moved:
        # Every decision moves the contract's version on: a form read before it is refused
        # rather than deciding over it unseen. Read again first: its history row copies
        # the whole contract as it now is.
        locked.refresh_from_db()
        locked._change_reason = f"Renewal decision: {label}"  # type: ignore[attr-defined]
        locked.save(update_fields=["updated_at"])
    pagecache.data_changed()
    return recorded


def _extend_term(contract: Contract, new_end_date: datetime.date) -> None:
    """Move the end date to `new_end_date`, and a renewal date set apart from it by as
    much; save() recomputes the notice deadline. The history says why."""
    moved = new_end_date - contract.end_date
    contract.end_date = new_end_date
    if contract.renewal_date is not None:
        contract.renewal_date += moved
    contract._change_reason = (  # type: ignore[attr-defined]
        f"Renewed by decision to {new_end_date:%-d %b %Y}"
    )
    contract.save(update_fields=["end_date", "renewal_date", "updated_at"])


def _plan_the_end(
    engagement: Engagement, outcome: str, *, offboard: bool, reason: str, by: Any
) -> None:
    """Start offboarding towards `outcome` when asked; otherwise keep the outcome on the
    engagement, so the offboarding tab starts with it chosen when the time comes."""
    if offboard:
        start_offboarding(
            engagement=engagement,
            outcome=outcome,
            reason=reason,
            by=by,
        )
        return
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.is_closed or engagement.status == Engagement.Status.OFFBOARDING:
        return  # already ending: its own checklist holds the outcome
    engagement.offboarding_outcome = outcome
    engagement._change_reason = "Renewal decision"  # type: ignore[attr-defined]
    engagement.save(update_fields=["offboarding_outcome", "updated_at"])
