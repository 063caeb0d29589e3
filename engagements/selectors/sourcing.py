"""Sourcing: a selection's results, criterion by criterion and vendor by vendor."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from engagements.models import Criterion, Proposal, Score, Selection
from engagements.models.sourcing import Ranked


@dataclass
class ResultCell:
    mean: Decimal | None
    disagreement: bool
    values: list[int] = field(default_factory=list)


@dataclass
class ResultRow:
    proposal: Proposal
    ranked: Ranked | None
    cells: list[ResultCell] = field(default_factory=list)


@dataclass
class SelectionResults:
    rows: list[ResultRow]
    breakdown: list[tuple[Criterion, list[ResultCell]]]
    comments: list[tuple[Proposal, list[Score]]]

    @property
    def disagreement_count(self) -> int:
        return sum(len(row.ranked.disagreements) for row in self.rows if row.ranked)


def selection_results(selection: Selection, *, include_drafts: bool) -> SelectionResults:
    """Ranked proposals with each criterion's mean, the scores behind it and the comments;
    submitted scores only unless the owner asks to include drafts."""
    evaluation = selection.evaluation(submitted_only=not include_drafts)
    criteria = list(selection.criteria.all())
    proposals = {p.pk: p for p in selection.proposals.select_related("vendor")}
    scores = Score.objects.filter(evaluator__selection=selection).select_related(
        "evaluator__user", "criterion"
    )
    if not include_drafts:
        scores = scores.filter(evaluator__submitted_at__isnull=False)
    values: dict[tuple[int, int], list[int]] = {}
    comments: dict[int, list[Score]] = {}
    for score in scores.order_by("criterion__order", "evaluator__invited_at"):
        values.setdefault((score.proposal_id, score.criterion_id), []).append(score.value)
        if score.comment:
            comments.setdefault(score.proposal_id, []).append(score)

    ranked_ids = [r.proposal_id for r in evaluation.ranking]
    order = ranked_ids + [pk for pk in proposals if pk not in ranked_ids]
    rows: list[ResultRow] = []
    for proposal_id in order:
        ranked = evaluation.for_proposal(proposal_id)
        rows.append(
            ResultRow(
                proposal=proposals[proposal_id],
                ranked=ranked,
                cells=[
                    ResultCell(
                        mean=ranked.by_criterion.get(c.pk) if ranked else None,
                        disagreement=bool(ranked and c.pk in ranked.disagreements),
                        values=sorted(values.get((proposal_id, c.pk), [])),
                    )
                    for c in criteria
                ],
            )
        )
    breakdown = [(c, [row.cells[i] for row in rows]) for i, c in enumerate(criteria)]
    return SelectionResults(
        rows=rows,
        breakdown=breakdown,
        comments=[(proposals[pk], comments.get(pk, [])) for pk in order] if comments else [],
    )
