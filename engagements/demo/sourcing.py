"""Step 2 of the demo: the selections of selections.toml, and the award of one of them.

A selection is started by start_selection (its criteria copied from the templates), its
documents go through the proposal page's upload form, the scores through save_scores
and the award through award_selection: the same code a person's clicks run.
"""

from __future__ import annotations

from typing import Any

from engagements.forms.sourcing import AttachmentForm
from engagements.models import (
    Candidate,
    Criterion,
    Engagement,
    Evaluator,
    Proposal,
    Selection,
)
from engagements.services.sourcing import ScoreCell, award_selection, save_scores, start_selection

from .dates import Story
from .helpers import as_told, ensure, story_file, submitted, upload

# The default criteria (migration engagements 0002) in their order; demo scores follow it.
DEFAULT_CRITERIA = (
    "Qualifications",
    "Experience",
    "Reputation and references",
    "Reliability and track record",
    "Price",
    "Service fit",
    "Cultural fit",
    "Security posture",
)


def ensure_selections(story: Story, candidates: dict[str, Candidate]) -> None:
    for spec in story_file("selections.toml")["selection"]:
        ensure_selection(spec, story, candidates[spec["candidate"]])


def ensure_selection(spec: dict[str, Any], story: Story, candidate: Candidate) -> Selection:
    selection = Selection.objects.filter(title=spec["title"]).first()
    if selection is None:
        owner = story.person(spec["owner"])
        fields = story.fields(Selection, spec)
        fields.pop("owner")  # whoever starts a selection owns it
        selection = start_selection(candidate=candidate, by=owner, **fields)
    for proposal_spec in spec.get("proposal", []):
        ensure_proposal(selection, proposal_spec, story)
    criteria = list(selection.criteria.all())
    for evaluator_spec in spec.get("evaluator", []):
        score_as_evaluator(selection, evaluator_spec, story, criteria)
    return selection


def ensure_proposal(selection: Selection, spec: dict[str, Any], story: Story) -> Proposal:
    proposal = ensure(
        Proposal,
        selection=selection,
        vendor=story.vendors[spec["vendor"]],
        defaults=story.fields(Proposal, spec),
    )
    attachment = spec.get("attachment")
    if attachment and not proposal.attachments.filter(original_name=attachment["name"]).exists():
        file = upload(attachment["name"], f"Proposal of {proposal.vendor}", attachment["body"])
        form = submitted(AttachmentForm(files=file))
        form.save(proposal=proposal, by=selection.owner)
    return proposal


def score_as_evaluator(
    selection: Selection, spec: dict[str, Any], story: Story, criteria: list[Criterion]
) -> Evaluator:
    """An invited colleague's 1–5 scores (in DEFAULT_CRITERIA order) and comments, saved by
    save_scores as on the scoring page: submitted, and dated as in the story, when
    `submitted_at` is given. Seeding again leaves an invitation and its scores alone."""
    evaluator, created = Evaluator.objects.get_or_create(
        selection=selection,
        user=story.person(spec["user"]),
        defaults={"invited_by": story.person(spec["invited_by"])},
    )
    if not created:
        return evaluator
    proposals = {p.vendor.legal_name: p for p in selection.proposals.select_related("vendor")}
    cells = []
    for vendor, values in spec["scores"].items():
        by_name = dict(zip(DEFAULT_CRITERIA, values, strict=True))
        comments = spec.get("comments", {}).get(vendor, {})
        for criterion in criteria:
            value = by_name.get(criterion.name)
            if value is None:  # a criterion the admin added since; left for the evaluator
                continue
            cells.append(
                ScoreCell(proposals[vendor], criterion, value, comments.get(criterion.name, ""))
            )
    submit = "submitted_at" in spec
    save_scores(evaluator=evaluator, cells=cells, submit=submit)
    if submit:
        as_told(evaluator, submitted_at=story.moment(spec["submitted_at"]))
    return evaluator


def award(spec: dict[str, Any], story: Story) -> tuple[Engagement, bool]:
    """The engagement the award of `spec["selection"]` started, and whether this run made it.

    award_selection makes the engagement and its contract from the winning proposal, makes
    the candidate outsourced and the vendor active; the moment is then dated as told.
    """
    selection = Selection.objects.get(title=spec["selection"])
    if selection.status == Selection.Status.AWARDED:
        return Engagement.objects.get(selection=selection), False
    vendor = story.vendors[spec["vendor"]]
    earlier = list(vendor.status_changes.values_list("pk", flat=True))
    engagement = award_selection(
        selection=selection,
        proposal=selection.proposals.get(vendor=vendor),
        by=story.person(spec["by"]),
    )
    at = story.moment(spec["at"])
    as_told(selection, awarded_at=at)
    # The vendor's activation, written by the award, happened when the award did.
    for change in vendor.status_changes.exclude(pk__in=earlier):
        as_told(change, changed_at=at)
    return engagement, True
