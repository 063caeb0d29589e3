"""Step 1 forms: the candidate, its assessment (one 1–5 answer per factor) and the decision."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.core.validators import MinValueValidator

from engagements.models import Assessment, AssessmentFactor, Candidate, Recommendation
from engagements.models.assessment import FactorScore
from outsourcing.forms import Form, ModelForm
from outsourcing.versions import VersionedForm

MONEY_FIELDS = ("in_house_yearly_cost", "quoted_vendor_yearly_cost")
NEGATIVE_COST = "A cost cannot be negative. Enter 0 or more, or leave it empty."


class CandidateForm(ModelForm):
    """Name and describe the work; the creating view sets the owner."""

    class Meta(ModelForm.Meta):
        model = Candidate
        fields = [
            "name",
            "business_function",
            "description",
            "in_house_yearly_cost",
            "quoted_vendor_yearly_cost",
            "currency",
            "volume",
            "yearly_volume",
            "volume_unit",
            "skills_needed",
            "data_touched",
            "data_classification",
        ]
        labels = {
            "name": "Name of the work",
            "in_house_yearly_cost": "In-house yearly cost",
            "quoted_vendor_yearly_cost": "Quoted vendor yearly cost",
            "data_touched": "Data it touches",
        }
        help_texts = {
            "in_house_yearly_cost": "What doing it ourselves costs a year: staff, tools, space.",
            "data_classification": "The most sensitive data the work touches.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "skills_needed": forms.Textarea(attrs={"rows": 2}),
            "data_touched": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in MONEY_FIELDS:
            field = self.fields[name]
            # Checked here too, so the message sits at the field before the model is asked.
            field.validators.append(MinValueValidator(Decimal("0"), message=NEGATIVE_COST))
            field.widget.attrs.update(min="0", step="0.01", inputmode="decimal")
        self.fields["yearly_volume"].widget.attrs.update(min="0", step="1")
        self.helper = FormHelper()
        self.helper.render_hidden_fields = True  # the row's version (outsourcing/versions)
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("name"),
            Row(
                Column("business_function", css_class="col-md-6"),
                Column("data_classification", css_class="col-md-6"),
            ),
            Field("description"),
            Row(
                Column("in_house_yearly_cost", css_class="col-md-4"),
                Column("quoted_vendor_yearly_cost", css_class="col-md-4"),
                Column("currency", css_class="col-md-4"),
            ),
            Field("volume"),
            Row(
                Column("yearly_volume", css_class="col-md-6"),
                Column("volume_unit", css_class="col-md-6"),
            ),
            Row(
                Column("skills_needed", css_class="col-md-6"),
                Column("data_touched", css_class="col-md-6"),
            ),
        )


@dataclass(frozen=True)
class FactorRow:
    """What the assessment page shows for one factor: the question and its two fields."""

    factor: AssessmentFactor
    score: forms.BoundField
    comment: forms.BoundField


class AssessmentForm(VersionedForm, Form):
    """One required 1–5 score and an optional comment per active factor, plus notes.

    The fields are named after the factor's id (`score_12`, `comment_12`) so the
    same form validates the saved answers and the live preview.
    """

    SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]

    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything the answers do not say: assumptions, who you asked.",
    )

    def __init__(
        self,
        *args: Any,
        factors: Iterable[AssessmentFactor],
        assessment: Assessment | None = None,
        **kwargs: Any,
    ) -> None:
        self.versioned = assessment
        super().__init__(*args, **kwargs)
        self.factors = list(factors)
        answers = {a.factor_id: a for a in assessment.answers.all()} if assessment else {}
        if assessment is not None:
            self.fields["notes"].initial = assessment.notes
        for factor in self.factors:
            answer = answers.get(factor.pk)
            self.fields[self.score_name(factor)] = forms.TypedChoiceField(
                label=factor.question,
                choices=self.SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                initial=answer.score if answer else None,
                help_text=factor.help_text,
                error_messages={
                    "required": "Choose a score from 1 to 5.",
                    "invalid_choice": "Choose a score from 1 to 5.",
                },
            )
            self.fields[self.comment_name(factor)] = forms.CharField(
                label="Comment",
                required=False,
                max_length=500,
                initial=answer.comment if answer else "",
            )

    @staticmethod
    def score_name(factor: AssessmentFactor) -> str:
        return f"score_{factor.pk}"

    @staticmethod
    def comment_name(factor: AssessmentFactor) -> str:
        return f"comment_{factor.pk}"

    def rows(self) -> Iterator[FactorRow]:
        for factor in self.factors:
            yield FactorRow(
                factor=factor,
                score=self[self.score_name(factor)],
                comment=self[self.comment_name(factor)],
            )

    def answers(self) -> list[tuple[AssessmentFactor, int, str]]:
        """(factor, score, comment) for every validly answered factor, in factor order.

        Call after is_valid(): a factor left unanswered or scored outside 1–5 is left out,
        which is what the preview wants while the manager is still answering.
        """
        data = getattr(self, "cleaned_data", {})
        return [
            (factor, data[self.score_name(factor)], data.get(self.comment_name(factor), ""))
            for factor in self.factors
            if data.get(self.score_name(factor)) is not None
        ]

    def factor_scores(self) -> list[FactorScore]:
        """The answers as assess() takes them, each with its factor's current weight."""
        return [
            FactorScore(
                name=factor.name,
                score=score,
                weight=factor.weight,
                high_favours_outsourcing=factor.high_favours_outsourcing,
            )
            for factor, score, _comment in self.answers()
        ]

    def initial_factor_scores(self) -> list[FactorScore]:
        """The scores the page opens with (the saved answers), for the first result shown."""
        scores = []
        for factor in self.factors:
            initial = self.fields[self.score_name(factor)].initial
            if initial is not None:
                scores.append(
                    FactorScore(
                        name=factor.name,
                        score=int(initial),
                        weight=factor.weight,
                        high_favours_outsourcing=factor.high_favours_outsourcing,
                    )
                )
        return scores


class DecisionForm(Form):
    decision = forms.ChoiceField(
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose outsource, pilot or keep in-house."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why you decided this."},
    )

    def __init__(self, *args: Any, recommendation: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if recommendation:
            label = Recommendation(recommendation).label
            self.fields["decision"].initial = recommendation
            self.fields["reason"].help_text = (
                f"Required. The assessment recommends “{label}”. You may decide otherwise; "
                "if you do, say here why the assessment does not tell the whole story."
            )
        else:
            self.fields[
                "reason"
            ].help_text = (
                "Required. There is no assessment yet, so the reason is all the record has."
            )
        self.helper = FormHelper()
        self.helper.render_hidden_fields = True  # the row's version (outsourcing/versions)
        self.helper.form_tag = False
