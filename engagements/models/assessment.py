"""Step 1 – what should we outsource? Candidates, their assessment and the decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import Owned, TimeStampedModel, currency_field, money_field, person_field
from outsourcing.text import multi_line_text, single_line_text
from vendors.models import BusinessFunction, DataClassification

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Recommendation(models.TextChoices):
    OUTSOURCE = "outsource", "Outsource"
    PILOT = "pilot", "Pilot with a vendor"
    KEEP = "keep", "Keep in-house"


# Weighted score (0–100) at or above which the assessment recommends each option.
OUTSOURCE_FROM = Decimal("70")
PILOT_FROM = Decimal("50")


@dataclass(frozen=True)
class FactorScore:
    """One answered factor: its name, 1–5 score, weight and which way a high score points."""

    name: str
    score: int
    weight: Decimal
    high_favours_outsourcing: bool


@dataclass(frozen=True)
class AssessmentResult:
    score: Decimal | None  # 0–100, how strongly the answers favour outsourcing
    recommendation: str | None
    reasons: list[str] = field(default_factory=list)


def assess(factors: Iterable[FactorScore]) -> AssessmentResult:
    """Weighted score and recommendation from the factor answers, with the reasons.

    Each answer is turned into how much it favours outsourcing (1–5): the score
    itself when a high answer favours outsourcing (saving potential), or 6 minus
    the score when it argues against (how core the work is). The weighted mean
    is scaled to 0–100. Answers that favour (4–5) or oppose (1–2) outsourcing
    most strongly become the reasons, heaviest weight first.
    """
    factors = [f for f in factors if f.weight > 0]
    total_weight = sum((f.weight for f in factors), Decimal("0"))
    if not factors or total_weight == 0:
        return AssessmentResult(score=None, recommendation=None, reasons=[])
    favour = {f.name: f.score if f.high_favours_outsourcing else 6 - f.score for f in factors}
    mean = sum((f.weight * favour[f.name] for f in factors), Decimal("0")) / total_weight
    score = ((mean - 1) / 4 * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if score >= OUTSOURCE_FROM:
        recommendation = Recommendation.OUTSOURCE
    elif score >= PILOT_FROM:
        recommendation = Recommendation.PILOT
    else:
        recommendation = Recommendation.KEEP
    reasons = []
    for f in sorted(factors, key=lambda f: (-f.weight, f.name)):
        if favour[f.name] >= 4:
            reasons.append(f"{f.name}: {f.score}/5 favours outsourcing.")
        elif favour[f.name] <= 2:
            reasons.append(f"{f.name}: {f.score}/5 argues for keeping it in-house.")
    return AssessmentResult(score=score, recommendation=recommendation, reasons=reasons)


def make_or_buy_saving(
    in_house_cost: Decimal | None, vendor_cost: Decimal | None
) -> tuple[Decimal, Decimal] | None:
    """Expected yearly saving and its share of the in-house cost (percent, 1 decimal).

    Negative when the vendor costs more. None until both costs are known.
    """
    if in_house_cost is None or vendor_cost is None:
        return None
    saving = in_house_cost - vendor_cost
    if in_house_cost == 0:
        return saving, Decimal("0.0")
    percent = (saving / in_house_cost * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return saving, percent


class AssessmentFactor(TimeStampedModel):
    """Admin-kept template: a question every assessment answers 1–5, with its weight."""

    name = models.CharField(max_length=100, unique=True, validators=[single_line_text])
    question = models.CharField(max_length=250, validators=[single_line_text])
    help_text = models.TextField(
        blank=True, help_text="What a 1 and a 5 mean.", validators=[multi_line_text]
    )
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    high_favours_outsourcing = models.BooleanField(
        help_text="Tick when a high score makes outsourcing more attractive (e.g. saving "
        "potential); leave empty when it argues for keeping the work (e.g. how core it is)."
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="assessment_factor_weight_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CandidateQuerySet(models.QuerySet["Candidate"]):
    def ready_for_sourcing(self) -> CandidateQuerySet:
        return self.filter(status=Candidate.Status.APPROVED)


class Candidate(Owned, TimeStampedModel):
    """Work the company is considering outsourcing (never called 'task' in code)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ASSESSED = "assessed", "Assessed"
        APPROVED = "approved", "Approved for sourcing"
        KEPT_IN_HOUSE = "kept_in_house", "Kept in-house"
        OUTSOURCED = "outsourced", "Outsourced"

    name = models.CharField(max_length=200, validators=[single_line_text])
    business_function = models.CharField(max_length=30, choices=BusinessFunction.choices)
    description = models.TextField(blank=True, validators=[multi_line_text])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="candidates"
    )
    in_house_yearly_cost = money_field(null=True, blank=True)
    quoted_vendor_yearly_cost = money_field(
        null=True, blank=True, help_text="A market quote, for the make-or-buy comparison."
    )
    currency = currency_field()
    volume = models.CharField(
        max_length=150,
        blank=True,
        help_text="e.g. 1,200 tickets a month, 40 invoices a week",
        validators=[single_line_text],
    )
    # The number a per-unit price is multiplied by to compare proposals year against year.
    yearly_volume = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name="yearly volume",
        help_text="Units a year, e.g. 12000; per-unit proposals are compared at this volume.",
    )
    volume_unit = models.CharField(
        max_length=50,
        blank=True,
        verbose_name="unit",
        help_text="What one unit is, in the plural: payslips, tickets, invoices.",
        validators=[single_line_text],
    )
    skills_needed = models.TextField(blank=True, validators=[multi_line_text])
    data_touched = models.TextField(blank=True, validators=[multi_line_text])
    data_classification = models.CharField(
        max_length=20, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    decision = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    decided_by = person_field(related_name="candidate_decisions")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, validators=[multi_line_text])

    objects = CandidateQuerySet.as_manager()

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            # candidate list filtered by owner and status
            models.Index(fields=["owner", "status"], name="candidate_owner_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_house_yearly_cost__isnull=True) | Q(in_house_yearly_cost__gte=0),
                name="candidate_in_house_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(quoted_vendor_yearly_cost__isnull=True)
                | Q(quoted_vendor_yearly_cost__gte=0),
                name="candidate_vendor_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(decision="")
                | Q(decided_by__isnull=False, decided_at__isnull=False, decision_reason__gt=""),
                name="candidate_decision_recorded_with_who_when_why",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def yearly_volume_text(self) -> str:
        """12,000 payslips a year; "" when no yearly volume is known."""
        if self.yearly_volume is None:
            return ""
        return f"{self.yearly_volume:,} {self.volume_unit or 'units'} a year"

    def make_or_buy(self) -> tuple[Decimal, Decimal] | None:
        return make_or_buy_saving(self.in_house_yearly_cost, self.quoted_vendor_yearly_cost)

    @property
    def may_go_to_sourcing(self) -> bool:
        return self.status == Candidate.Status.APPROVED

    def record_decision(self, *, decision: str, reason: str, by: object) -> None:
        """Outsource or pilot approves the candidate for sourcing; keep closes it."""
        if not reason.strip():
            raise ValidationError({"decision_reason": "Say why you decided this."})
        self.decision = decision
        self.decision_reason = reason
        self.decided_by = by  # type: ignore[assignment]
        self.decided_at = timezone.now()
        self.status = (
            Candidate.Status.KEPT_IN_HOUSE
            if decision == Recommendation.KEEP
            else Candidate.Status.APPROVED
        )
        self.save(
            update_fields=[
                "decision",
                "decision_reason",
                "decided_by",
                "decided_at",
                "status",
                "updated_at",
            ]
        )


class Assessment(Owned, TimeStampedModel):
    owner_path = "candidate"

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="assessment")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True, validators=[multi_line_text])
    # Kept from result() whenever the answers are saved, so lists can filter and sort on it.
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        indexes = [
            # candidate list filtered by recommendation
            models.Index(fields=["recommendation"], name="assessment_recommendation_idx"),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.candidate}"

    def store_result(self) -> AssessmentResult:
        """Recompute from the saved answers and keep score and recommendation on the row."""
        result = self.result()
        self.score = result.score
        self.recommendation = result.recommendation or ""
        self.save(update_fields=["score", "recommendation", "updated_at"])
        return result

    def result(self) -> AssessmentResult:
        return assess(
            FactorScore(
                name=answer.factor.name,
                score=answer.score,
                weight=answer.weight,
                high_favours_outsourcing=answer.factor.high_favours_outsourcing,
            )
            for answer in self.answers.select_related("factor")
        )


class AssessmentAnswer(models.Model):
    """One factor scored 1–5; the weight is copied so later template edits leave it as assessed."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    factor = models.ForeignKey(AssessmentFactor, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)
    weight = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    comment = models.CharField(max_length=500, blank=True, validators=[single_line_text])

    class Meta:
        ordering = ["factor__order", "factor__name"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "factor"], name="one_answer_per_factor"),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="assessment_score_1_to_5"
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="assessment_weight_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.factor}: {self.score}"
