"""Leaving: start the offboarding checklist, tick its items, close the engagement.

The chosen outcome (completed, terminated, brought in-house) is kept on the
engagement (`offboarding_outcome`) until closing turns it into the status; the
reason is the note of the checklist's "final review" item, which exists exactly
once per engagement (one_offboarding_item_per_kind), so it stays visible on the
checklist next to the closing decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from engagements.models import ActionItem, DataAccessGrant, Engagement, OffboardingItem, Risk
from engagements.services.communication import cancel_remaining_checkins
from vendors.models import Vendor

Status = Engagement.Status
Kind = OffboardingItem.Kind

OUTCOMES = Engagement.OUTCOMES

# The fixed items of every checklist, in the order people work through them.
STANDARD_ITEMS = (
    Kind.RECOVER_DATA,
    Kind.RECOVER_IP,
    Kind.KNOWLEDGE_HANDOVER,
    Kind.FINAL_SCORECARD,
    Kind.FINAL_REVIEW,
)


def offboarding_reason(items: list[OffboardingItem]) -> str:
    """Why the engagement ends: the note of its final review item."""
    for item in items:
        if item.kind == Kind.FINAL_REVIEW:
            return item.notes.strip()
    return ""


@transaction.atomic
def start_offboarding(
    *, engagement: Engagement, outcome: str, by: Any, reason: str = ""
) -> list[OffboardingItem]:
    """Open the checklist; running it again adds only what is missing (e.g. a new grant)."""
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": "Choose completed, terminated or brought in-house."})
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    decided_before = engagement.offboarding_outcome
    if engagement.status not in (*Engagement.LIVE_STATUSES, Status.OFFBOARDING):
        raise ValidationError(
            f"This engagement is {engagement.get_status_display().lower()}; "
            "only active or on-hold work can be offboarded."
        )
    for grant in DataAccessGrant.objects.filter(engagement=engagement, revoked_on__isnull=True):
        OffboardingItem.objects.get_or_create(
            engagement=engagement,
            grant=grant,
            defaults={
                "kind": Kind.REVOKE_ACCESS,
                # A system name may fill its 200 characters; the title must still fit.
                "title": Truncator(f"Revoke access to {grant.system}").chars(
                    OffboardingItem._meta.get_field("title").max_length or 200
                ),
                "owner": engagement.owner,
            },
        )
    for kind in STANDARD_ITEMS:
        item, created = OffboardingItem.objects.get_or_create(
            engagement=engagement,
            kind=kind,
            grant=None,
            defaults={"title": Kind(kind).label, "owner": engagement.owner},
        )
        if kind == Kind.FINAL_REVIEW and not item.is_done:
            # The decision stands once its final review is done; until then it may change.
            item.notes = reason.strip()
            item.save(update_fields=["notes", "updated_at"])
            engagement.offboarding_outcome = outcome
    if engagement.status != Status.OFFBOARDING or engagement.offboarding_outcome != decided_before:
        engagement.status = Status.OFFBOARDING
        engagement.save(update_fields=["status", "offboarding_outcome", "updated_at"])
    return list(OffboardingItem.objects.filter(engagement=engagement))


@transaction.atomic
def complete_item(
    *, item: OffboardingItem, by: Any, note: str = "", evidence: Any | None = None
) -> OffboardingItem:
    """Tick an item, with a note and a file that shows it was done if given; a revoke-access
    item revokes its grant in the same transaction."""
    # Lock the item only: the grant is a nullable (outer) join PostgreSQL cannot lock.
    item = (
        OffboardingItem.objects.select_for_update(of=("self",))
        .select_related("grant")
        .get(pk=item.pk)
    )
    if item.is_done:
        return item
    now = timezone.now()
    if item.grant is not None and item.grant.revoked_on is None:
        item.grant.revoke(on=timezone.localdate(), by=by)
    item.done_at = now
    item.done_by = by
    fields = ["done_at", "done_by", "updated_at"]
    if note.strip():
        # The final review's note is the reason for ending; a note adds to it.
        item.notes = f"{item.notes}\n{note.strip()}".strip()
        fields.append("notes")
    if evidence is not None:
        item.evidence = evidence
        item.evidence_name = evidence.name or "evidence"
        fields += ["evidence", "evidence_name"]
    item.save(update_fields=fields)
    return item


@dataclass(frozen=True)
class CloseBlockers:
    open_items: list[str]
    active_grants: list[str]
    # Action items and risks of the engagement still open: each is closed or handed over.
    loose_ends: list[str]

    def __bool__(self) -> bool:
        return bool(self.open_items or self.active_grants or self.loose_ends)

    def message(self) -> str:
        parts = []
        if self.open_items:
            parts.append("items still open: " + ", ".join(self.open_items))
        if self.active_grants:
            parts.append("access still active: " + ", ".join(self.active_grants))
        if self.loose_ends:
            parts.append("close or hand over what is still open: " + ", ".join(self.loose_ends))
        return "Cannot close yet — " + "; ".join(parts) + "."


def loose_ends(engagement: Engagement) -> tuple[list[ActionItem], list[Risk]]:
    """The engagement's open action items and risks: closing asks what happens to each."""
    actions = ActionItem.objects.filter(
        checkin__engagement=engagement, done_on__isnull=True
    ).select_related("owner")
    risks = Risk.objects.filter(engagement=engagement).still_open().select_related("owner")
    return list(actions.order_by("due_date", "pk")), list(risks.order_by("pk"))


def close_blockers(
    *,
    items: list[OffboardingItem],
    grants: list[DataAccessGrant],
    outcome: str | None,
    actions: list[ActionItem],
    risks: list[Risk],
) -> CloseBlockers:
    open_items = [item.title for item in items if not item.is_done]
    if not items:
        open_items = ["start offboarding first"]
    elif outcome is None:
        open_items.append("choose the outcome (start offboarding again)")
    return CloseBlockers(
        open_items=open_items,
        active_grants=[grant.system for grant in grants if grant.revoked_on is None],
        loose_ends=[f"action “{a.description}”" for a in actions]
        + [f"risk “{r.title}”" for r in risks],
    )


@transaction.atomic
def settle(
    *, thing: ActionItem | Risk, reason: str, by: Any, hand_over_to: Any | None = None
) -> ActionItem | Risk:
    """Close an open action item or risk of an ending engagement with a reason, or hand it
    over to someone who carries it on; either way it leaves the engagement's open work."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why, so the record explains it."})
    locked: Any = type(thing).objects.select_for_update().get(pk=thing.pk)
    still_open = (
        locked.done_on is None
        if isinstance(locked, ActionItem)
        else locked.status != Risk.Status.CLOSED
    )
    if not still_open:
        return locked
    today = timezone.localdate()
    fields = ["resolution", "updated_at"]
    if hand_over_to is not None:
        name = hand_over_to.get_full_name() or hand_over_to.get_username()
        locked.resolution = f"Handed over to {name} on {today:%-d %b %Y}: {reason}"
        locked.owner = hand_over_to
        fields.append("owner")
    else:
        who = by.get_full_name() or by.get_username()
        locked.resolution = f"Closed by {who} on {today:%-d %b %Y}: {reason}"
    if isinstance(locked, ActionItem):
        locked.done_on = today
        fields.append("done_on")
    else:
        locked.status = Risk.Status.CLOSED
        fields.append("status")
    locked.save(update_fields=fields)
    return locked


@transaction.atomic
def close_engagement(*, engagement: Engagement, by: Any) -> Engagement:
    """Close once every item is done and no access remains; the vendor follows when idle."""
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("vendor")
        .get(pk=engagement.pk)
    )
    if engagement.status != Status.OFFBOARDING:
        raise ValidationError("Start offboarding before closing this engagement.")
    items = list(OffboardingItem.objects.filter(engagement=engagement))
    grants = list(DataAccessGrant.objects.filter(engagement=engagement))
    outcome = engagement.offboarding_outcome or None
    actions, risks = loose_ends(engagement)
    blockers = close_blockers(
        items=items, grants=grants, outcome=outcome, actions=actions, risks=risks
    )
    if blockers or outcome is None:
        raise ValidationError(blockers.message())
    engagement.status = outcome
    engagement.closed_at = timezone.now()
    engagement.save(update_fields=["status", "closed_at", "updated_at"])
    # Nothing is held with a vendor who has left: what was still to come is called off.
    cancel_remaining_checkins(
        engagement=engagement,
        reason=f"Engagement closed on {timezone.localdate():%-d %b %Y}.",
    )
    vendor = engagement.vendor
    # An engagement still being offboarded counts too: the vendor is not gone yet.
    still_engaged = (
        Engagement.objects.filter(
            vendor=vendor, status__in=[*Engagement.LIVE_STATUSES, Status.OFFBOARDING]
        )
        .exclude(pk=engagement.pk)
        .exists()
    )
    if not still_engaged and vendor.status != Vendor.Status.OFFBOARDED:
        vendor.change_status(
            status=Vendor.Status.OFFBOARDED,
            reason=f"Last engagement closed: {engagement.title} "
            f"({engagement.get_status_display().lower()}).",
            by=by,
        )
    return engagement
