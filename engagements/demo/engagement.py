"""The engagement of a story file: the engagement, its contract and its milestones."""

from __future__ import annotations

from typing import Any

from django.forms.models import model_to_dict

from engagements.forms.communication import MilestoneForm
from engagements.forms.engagement import AmendmentForm
from engagements.models import Amendment, Candidate, Contract, Engagement, Milestone
from engagements.services.engagement import give_notice, roll_contract
from engagements.services.renewals import record_renewal_decision

from .dates import Story
from .helpers import document, ensure_co_owner, submitted
from .sourcing import award


def ensure_engagement(spec: dict[str, Any], story: Story) -> tuple[Engagement, bool]:
    """The engagement, and whether this run started it (the story's events happen then).

    With `award`, it is the one award_selection started, then given the title, scope and
    budget the story tells (the award starts from the proposal's price and the selection's
    requirements), as edited on the admin page. Without, the work was handed out before
    the app knew of it and the engagement is entered as the admin page enters it.
    """
    fields = story.fields(Engagement, spec)
    if "award" in spec:
        engagement, fresh = award(spec["award"], story)
        if fresh:
            for name, value in fields.items():
                setattr(engagement, name, value)
            engagement.save(update_fields=[*fields, "updated_at"])
    else:
        existing = Engagement.objects.filter(title=spec["title"]).first()
        fresh = existing is None
        engagement = existing or Engagement.objects.create(
            candidate=Candidate.objects.get(name=spec["candidate"]), **fields
        )
    for username in spec.get("co_owners", []):
        ensure_co_owner(engagement, story.person(username))
    engagement.vendor_contacts.add(*engagement.vendor.contacts.all())
    return engagement, fresh


def ensure_contract(
    engagement: Engagement, spec: dict[str, Any], story: Story, *, fresh: bool
) -> Contract:
    """The contract with the story's terms: the award's own, completed, or a new one; then
    what happened to it: a term rolled on by the job (`rolled_on`, the day it ran),
    amendments, notice given, the owner's renewal decision."""
    contract = Contract.objects.filter(engagement=engagement).first()
    if contract is not None and not fresh:
        return contract
    contract = contract or Contract(engagement=engagement)
    fields = story.fields(Contract, spec)
    if "document" in spec:
        paper = spec["document"]
        title = story.text(paper["title"], vendor=engagement.vendor)
        fields.update(document(paper["name"], title, paper.get("body", "")))
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.save()  # the notice deadline follows from the terms
    if "rolled_on" in spec:
        # The renewal job's run on that day: the term passed without notice and rolled on.
        roll_contract(contract_id=contract.pk, today=story.day(spec["rolled_on"]))
        contract.refresh_from_db()
    for amendment in spec.get("amendment", []):
        record_amendment(contract, amendment, story)
    if "notice" in spec:
        notice = spec["notice"]
        give_notice(
            contract=contract,
            on=story.day(notice["given_on"]),
            reason=story.text(notice["reason"]),
            by=story.person(notice["by"]),
        )
        contract.refresh_from_db()
    if "renewal_decision" in spec:
        decision = spec["renewal_decision"]
        record_renewal_decision(
            contract=contract,
            decision=decision["decision"],
            note=story.text(decision["note"]),
            by=story.person(decision["by"]),
            today=story.today,
        )
        contract.refresh_from_db()
    return contract


def record_amendment(contract: Contract, spec: dict[str, Any], story: Story) -> None:
    """An amendment as the contract section's form records it."""
    amendment = Amendment(contract=contract, recorded_by=story.person(spec["by"]))
    data = story.fields(Amendment, spec)
    submitted(AmendmentForm(data, instance=amendment)).save()


def ensure_milestones(engagement: Engagement, specs: list[dict[str, Any]], story: Story) -> None:
    """Milestones as the overview's milestone form adds them (a completed one with its day)."""
    for spec in specs:
        if engagement.milestones.filter(title=spec["title"]).exists():
            continue
        milestone = Milestone(engagement=engagement)
        data = {**model_to_dict(milestone), **story.fields(Milestone, spec)}
        submitted(MilestoneForm(data, instance=milestone, today=story.today)).save()
