"""Step 2 – who should do it? Selections (RFPs), proposals, evaluation and the contract."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from outsourcing.models import CENT, Owned, TimeStampedModel, currency_field, money_field
from outsourcing.storage import RandomName, private_storage
from outsourcing.text import multi_line_text, single_line_text
from vendors.models import Vendor

from .assessment import SCORE_VALIDATORS, Candidate

# Two evaluators this far apart on one vendor and criterion is a disagreement worth discussing.
DISAGREEMENT_SPREAD = 2


class CriterionCategory(models.TextChoices):
    QUALIFICATIONS = "qualifications", "Qualifications"
    EXPERIENCE = "experience", "Experience"
    REPUTATION = "reputation", "Reputation and references"
    RELIABILITY = "reliability", "Reliability and track record"
    PRICE = "price", "Price"
    SERVICE_FIT = "service_fit", "Service fit"
    CULTURAL_FIT = "cultural_fit", "Cultural fit"
    SECURITY = "security", "Security posture"


class PricingModel(models.TextChoices):
    FIXED = "fixed", "Fixed price"
    HOURLY = "hourly", "Hourly rate"
    PER_UNIT = "per_unit", "Per unit"
    RETAINER = "retainer", "Monthly retainer"


class CriterionTemplate(TimeStampedModel):
    """Admin-kept default criteria that a new selection starts from."""

    name = models.CharField(max_length=100, unique=True, validators=[single_line_text])
    category = models.CharField(max_length=20, choices=CriterionCategory.choices)
    guidance = models.TextField(
        blank=True, help_text="What evaluators should look for.", validators=[multi_line_text]
    )
    default_weight = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_weight__gte=0), name="criterion_template_weight_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Selection(Owned, TimeStampedModel):
    """A request for proposal for one approved candidate."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Collecting proposals"
        EVALUATING = "evaluating", "Evaluating"
        AWARDED = "awarded", "Awarded"
        CANCELLED = "cancelled", "Cancelled"

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="selections")
    title = models.CharField(max_length=200, validators=[single_line_text])
    requirements = models.TextField(blank=True, validators=[multi_line_text])
    budget = money_field(null=True, blank=True)
    currency = currency_field()
    deadline = models.DateField(null=True, blank=True, help_text="Proposals due by.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="selections"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    awarded_proposal = models.OneToOneField(
        "Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    awarded_at = models.DateTimeField(null=True, blank=True)
    negotiation_notes = models.TextField(blank=True, validators=[multi_line_text])

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # sourcing list filtered by owner and status
            models.Index(fields=["owner", "status"], name="selection_owner_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="selection_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def criteria_weight_total(self) -> Decimal:
        return self.criteria.aggregate(total=models.Sum("weight"))["total"] or Decimal("0")

    def evaluation(self, *, submitted_only: bool = True) -> EvaluationResult:
        scores = Score.objects.filter(evaluator__selection=self)
        if submitted_only:
            scores = scores.filter(evaluator__submitted_at__isnull=False)
        return evaluate(
            criteria=[(c.pk, c.weight) for c in self.criteria.all()],
            scores=[
                CriterionScore(s.proposal_id, s.criterion_id, s.evaluator_id, s.value)
                for s in scores
            ],
        )


class Proposal(Owned, TimeStampedModel):
    """One row per shortlisted vendor; the price fields fill in when its proposal arrives."""

    owner_path = "selection"

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="proposals")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="proposals")
    price = money_field(null=True, blank=True)
    pricing_model = models.CharField(max_length=20, choices=PricingModel.choices, blank=True)
    currency = currency_field()
    proposed_start = models.DateField(null=True, blank=True)
    proposed_end = models.DateField(null=True, blank=True)
    timeline_notes = models.TextField(blank=True, validators=[multi_line_text])
    received_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, validators=[multi_line_text])
    assumed_volume = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name="volume assumed",
        help_text="Units a year for a per-unit price (blank: the work's yearly volume), "
        "hours a year for an hourly rate.",
    )

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor__legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "vendor"], name="one_proposal_per_vendor"),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0),
                name="proposal_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(proposed_start__isnull=True)
                | Q(proposed_end__isnull=True)
                | Q(proposed_end__gte=F("proposed_start")),
                name="proposal_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} for {self.selection}"

    def yearly_equivalent(self) -> YearlyEquivalent:
        """The price as a year's worth, in the proposal's own currency, and how it was got."""
        volume, unit, from_candidate = self.assumed_volume, "", False
        if self.pricing_model == PricingModel.PER_UNIT:
            candidate = self.selection.candidate
            unit = candidate.volume_unit
            if volume is None and candidate.yearly_volume is not None:
                volume, from_candidate = candidate.yearly_volume, True
        equivalent = yearly_equivalent(
            price=self.price,
            pricing_model=self.pricing_model,
            volume=volume,
            unit=unit,
            start=self.proposed_start,
            end=self.proposed_end,
        )
        if from_candidate and equivalent.amount is not None:
            equivalent = YearlyEquivalent(
                equivalent.amount, f"{equivalent.basis}, the work's volume"
            )
        return equivalent


class ProposalAttachment(Owned, models.Model):
    owner_path = "proposal.selection"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=RandomName("proposals"))
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class Criterion(Owned, models.Model):
    owner_path = "selection"

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100, validators=[single_line_text])
    category = models.CharField(max_length=20, choices=CriterionCategory.choices)
    guidance = models.TextField(blank=True, validators=[multi_line_text])
    weight = models.DecimalField(max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["selection", "name"], name="unique_criterion_name"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="criterion_weight_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class Evaluator(Owned, models.Model):
    """A colleague invited to score one selection; scores stay drafts until submitted."""

    owner_path = "selection"

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="evaluators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "user"], name="one_invitation_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.selection}"


class Score(TimeStampedModel):
    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="scores")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)
    comment = models.TextField(blank=True, validators=[multi_line_text])

    # Who scored what, and every change until the scores were submitted.
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "proposal", "criterion"], name="one_score_per_cell"
            ),
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=5), name="score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.value}"


@dataclass(frozen=True)
class CriterionScore:
    proposal_id: int
    criterion_id: int
    evaluator_id: int
    value: int


@dataclass(frozen=True)
class Ranked:
    proposal_id: int
    total: Decimal | None  # points out of 100; None when nobody scored this proposal
    rank: int | None
    by_criterion: dict[int, Decimal]  # criterion id -> mean score 1–5
    disagreements: list[int]  # criterion ids where evaluators are DISAGREEMENT_SPREAD apart


@dataclass(frozen=True)
class EvaluationResult:
    ranking: list[Ranked]

    def for_proposal(self, proposal_id: int) -> Ranked | None:
        return next((r for r in self.ranking if r.proposal_id == proposal_id), None)


def evaluate(
    *, criteria: Iterable[tuple[int, Decimal]], scores: Iterable[CriterionScore]
) -> EvaluationResult:
    """Weighted totals, ranking and disagreements from evaluators' 1–5 scores.

    For each proposal and criterion the evaluators' scores are averaged; the
    total is the weighted sum of mean/5, so with weights summing to 100 a
    vendor scoring 5 everywhere gets 100. A criterion nobody scored counts as
    zero for that proposal. Equal totals share a rank.
    """
    weights = dict(criteria)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    proposals: list[int] = []
    for s in scores:
        if s.criterion_id not in weights:
            continue
        cells[(s.proposal_id, s.criterion_id)].append(s.value)
        if s.proposal_id not in proposals:
            proposals.append(s.proposal_id)
    rows = []
    for proposal_id in proposals:
        means: dict[int, Decimal] = {}
        disagreements = []
        for criterion_id in weights:
            values = cells.get((proposal_id, criterion_id))
            if not values:
                continue
            means[criterion_id] = (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"))
            if max(values) - min(values) >= DISAGREEMENT_SPREAD:
                disagreements.append(criterion_id)
        total = sum(
            (
                weights[c]
                * Decimal(sum(cells[(proposal_id, c)]))
                / len(cells[(proposal_id, c)])
                / 5
                for c in means
            ),
            Decimal("0"),
        ).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        rows.append((proposal_id, total, means, disagreements))
    rows.sort(key=lambda row: -row[1])
    ranking = []
    previous_total: Decimal | None = None
    rank = 0
    for position, (proposal_id, total, means, disagreements) in enumerate(rows, start=1):
        if total != previous_total:
            rank = position
            previous_total = total
        ranking.append(Ranked(proposal_id, total, rank, means, disagreements))
    return EvaluationResult(ranking=ranking)


@dataclass(frozen=True)
class YearlyEquivalent:
    """A proposal's price as a year's worth (None when it cannot be worked out) and how."""

    amount: Decimal | None
    basis: str


def term_in_years(start: datetime.date, end: datetime.date) -> Decimal:
    """The years from start to end, both days included: whole months count as twelfths
    (1 Jan–30 Jun is half a year in any year), any other term as days over 365."""
    if end == datetime.date.max:
        return Decimal((end - start).days + 1) / 365
    after = end + datetime.timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day == start.day and months > 0:
        return Decimal(months) / 12
    return Decimal((after - start).days) / 365


def yearly_equivalent(
    *,
    price: Decimal | None,
    pricing_model: str,
    volume: int | None = None,
    unit: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> YearlyEquivalent:
    """A price in any pricing model as a year's worth, in its own currency.

    Monthly retainer × 12; per unit × units a year; hourly × hours a year; a fixed
    price over the proposed term in years, or as one year when no term is proposed.
    """
    if price is None:
        return YearlyEquivalent(None, "no price recorded")
    if pricing_model == PricingModel.RETAINER:
        return YearlyEquivalent((price * 12).quantize(CENT), "12 months")
    if pricing_model in (PricingModel.PER_UNIT, PricingModel.HOURLY):
        per_unit = pricing_model == PricingModel.PER_UNIT
        if volume is None:
            return YearlyEquivalent(
                None,
                "no yearly volume: give the work's yearly volume or the proposal's"
                if per_unit
                else "no hours a year stated in the proposal",
            )
        what = (unit or "units") if per_unit else "hours"
        return YearlyEquivalent((price * volume).quantize(CENT), f"{volume:,} {what} a year")
    if pricing_model == PricingModel.FIXED:
        if start is None or end is None or end < start:
            return YearlyEquivalent(price.quantize(CENT), "fixed price taken as one year: no term")
        years = term_in_years(start, end)
        amount = (price / years).quantize(CENT, rounding=ROUND_HALF_UP)
        return YearlyEquivalent(
            amount, f"fixed price over {years.quantize(CENT).normalize():f} years"
        )
    return YearlyEquivalent(None, "no pricing model")


class ExchangeRate(TimeStampedModel):
    """Admin-kept: what one unit of a currency is worth in the base currency, from a day on.

    A conversion uses the latest rate valid on or before its date; the base currency
    (settings.DEFAULT_CURRENCY) needs none.
    """

    currency = currency_field()
    rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text="One unit of this currency in the base currency, e.g. 0.92 for USD in EUR.",
    )
    valid_from = models.DateField()

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"], name="one_exchange_rate_per_currency_and_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate.normalize():f} {settings.DEFAULT_CURRENCY}"

    def clean(self) -> None:
        if self.currency == settings.DEFAULT_CURRENCY:
            raise ValidationError(
                {"currency": f"{self.currency} is the base currency; it needs no rate."}
            )
