"""Step 2, evaluation: inviting evaluators and an evaluator's scores."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from engagements import permissions
from engagements.forms.sourcing import person_name
from engagements.models import Criterion, Evaluator, Proposal, Score, Selection
from engagements.services.sourcing import ScoreCell
from outsourcing.forms import Form
from outsourcing.roles import people_with_role
from outsourcing.typeahead import TypeAhead


class InviteEvaluatorForm(Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        widget=TypeAhead("people_search", among="scorers"),
        label="Colleague",
        help_text="Managers and viewers can be invited to score.",
        error_messages={"invalid_choice": "Choose a manager or viewer who is not invited yet."},
    )

    def __init__(self, *args: Any, selection: Selection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selection = selection
        self.fields["user"].queryset = people_with_role(  # type: ignore[attr-defined]
            permissions.MANAGER, permissions.VIEWER
        ).exclude(evaluations__selection=selection)
        self.fields["user"].label_from_instance = person_name  # type: ignore[attr-defined]

    def save(self, *, by: Any) -> Evaluator:
        return Evaluator.objects.create(
            selection=self.selection, user=self.cleaned_data["user"], invited_by=by
        )


SCORE_CHOICES = [("", "–"), *((n, str(n)) for n in range(1, 6))]
SCORE_MESSAGE = "Score 1 to 5."


class ScoringForm(Form):
    """The evaluator's whole matrix: a 1–5 score and a comment per criterion and vendor."""

    def __init__(
        self,
        *args: Any,
        evaluator: Evaluator,
        criteria: list[Criterion],
        proposals: list[Proposal],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.evaluator = evaluator
        self.criteria = criteria
        self.proposals = proposals
        self.existing: dict[tuple[int, int], Score] = {
            (s.proposal_id, s.criterion_id): s for s in evaluator.scores.all()
        }
        read_only = evaluator.submitted_at is not None
        for criterion in criteria:
            for proposal in proposals:
                score = self.existing.get((proposal.pk, criterion.pk))
                label = f"{criterion.name} for {proposal.vendor}"
                self.fields[self.value_name(proposal, criterion)] = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=1,
                    max_value=5,
                    widget=forms.Select(
                        choices=SCORE_CHOICES, attrs={"class": "form-select form-select-sm"}
                    ),
                    error_messages={
                        "invalid": SCORE_MESSAGE,
                        "min_value": SCORE_MESSAGE,
                        "max_value": SCORE_MESSAGE,
                    },
                    initial=score.value if score else None,
                    disabled=read_only,
                )
                # Shown above the cell when a phone stacks the matrix (see outsourcing.css).
                self.fields[self.value_name(proposal, criterion)].vendor_name = str(  # type: ignore[attr-defined]
                    proposal.vendor
                )
                self.fields[self.comment_name(proposal, criterion)] = forms.CharField(
                    label=f"Comment on {label}",
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(
                        attrs={"rows": 2, "class": "form-control form-control-sm"}
                    ),
                    initial=score.comment if score else "",
                    disabled=read_only,
                )

    @staticmethod
    def value_name(proposal: Proposal, criterion: Criterion) -> str:
        return f"score-{proposal.pk}-{criterion.pk}"

    @staticmethod
    def comment_name(proposal: Proposal, criterion: Criterion) -> str:
        return f"comment-{proposal.pk}-{criterion.pk}"

    def rows(self) -> list[tuple[Criterion, list[tuple[forms.BoundField, forms.BoundField]]]]:
        """Criteria down, vendors across, as bound fields for the template."""
        return [
            (
                criterion,
                [
                    (
                        self[self.value_name(proposal, criterion)],
                        self[self.comment_name(proposal, criterion)],
                    )
                    for proposal in self.proposals
                ],
            )
            for criterion in self.criteria
        ]

    def check_complete(self) -> bool:
        """For submitting: every cell needs a score. Adds the errors; True when complete."""
        if not self.criteria or not self.proposals:
            self.add_error(None, "There is nothing to score yet.")
            return False
        complete = True
        for criterion in self.criteria:
            for proposal in self.proposals:
                name = self.value_name(proposal, criterion)
                if self.cleaned_data.get(name) is None and name not in self.errors:
                    self.add_error(name, "Score this before submitting.")
                    complete = False
        if not complete:
            self.add_error(None, "Score every vendor on every criterion before submitting.")
        return complete

    def cells(self) -> list[ScoreCell]:
        """Every cell of the matrix as typed: a score (None when cleared) and a comment."""
        return [
            ScoreCell(
                proposal=proposal,
                criterion=criterion,
                value=self.cleaned_data.get(self.value_name(proposal, criterion)),
                comment=self.cleaned_data.get(self.comment_name(proposal, criterion), ""),
            )
            for criterion in self.criteria
            for proposal in self.proposals
        ]
