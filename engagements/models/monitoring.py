"""Step 4 – are they delivering? KPIs, measurements, rollups, scorecards and reviews."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import CENT, Owned, TimeStampedModel, money_field, person_field
from outsourcing.text import multi_line_text, single_line_text
from vendors.models import Vendor

from .engagement import Engagement


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Aggregation(models.TextChoices):
    AVERAGE = "average", "Average"
    SUM = "sum", "Sum"
    LATEST = "latest", "Latest value"


class Period(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class KpiStatus(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    NO_DATA = "no_data", "No data"


# Cached: a full rollup asks it over a million times for a few thousand distinct days.
@functools.lru_cache(maxsize=8192)
def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the week (Monday–Sunday), month or quarter holding `day`."""
    if period == Period.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    first_month = day.month if period == Period.MONTH else 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first_month, 1)
    last_month = first_month + (0 if period == Period.MONTH else 2)
    next_start = (
        datetime.date(day.year + 1, 1, 1)
        if last_month == 12
        else datetime.date(day.year, last_month + 1, 1)
    )
    return start, next_start - datetime.timedelta(days=1)


def kpi_status(
    value: Decimal | None, *, direction: str, amber_threshold: Decimal, red_threshold: Decimal
) -> str:
    """Green, amber or red for a value, honouring which way is better.

    The amber threshold is the worst value that is still green; the red
    threshold is the worst value that is still amber. So with higher-is-better,
    amber 95 and red 90: 95 is green, 94.9 amber, 90 amber, 89.9 red.
    """
    if value is None:
        return KpiStatus.NO_DATA
    if direction == Direction.HIGHER:
        if value >= amber_threshold:
            return KpiStatus.GREEN
        return KpiStatus.AMBER if value >= red_threshold else KpiStatus.RED
    if value <= amber_threshold:
        return KpiStatus.GREEN
    return KpiStatus.AMBER if value <= red_threshold else KpiStatus.RED


def roll_up(
    aggregation: str, measurements: Sequence[tuple[datetime.date, Decimal]]
) -> Decimal | None:
    """One value for a period's measurements; None ("no data") when there are none."""
    if not measurements:
        return None
    values = [value for _, value in measurements]
    if aggregation == Aggregation.SUM:
        return sum(values, Decimal("0"))
    if aggregation == Aggregation.LATEST:
        return max(measurements, key=lambda m: m[0])[1]
    return sum(values, Decimal("0")) / len(values)


def attainment(
    value: Decimal | None, *, direction: str, target: Decimal, red_threshold: Decimal
) -> Decimal | None:
    """How far a value gets towards the target, 0–1: 1 at or beyond target, 0 at or beyond red.

    Linear in between, so the scorecard rewards closing the gap and gives
    nothing for a value the KPI's owner already called red.
    """
    if value is None:
        return None
    if direction == Direction.HIGHER:
        gap, achieved = target - red_threshold, value - red_threshold
    else:
        gap, achieved = red_threshold - target, red_threshold - value
    if gap <= 0:
        meets = value >= target if direction == Direction.HIGHER else value <= target
        return Decimal("1") if meets else Decimal("0")
    return min(max(achieved / gap, Decimal("0")), Decimal("1"))


@dataclass(frozen=True)
class ScorecardResult:
    score: Decimal | None  # 0–100, None when no KPI had data
    counted: int  # KPIs with data this period
    without_data: int  # KPIs left out of the weights for lack of data


def scorecard(items: Iterable[tuple[Decimal, Decimal | None]]) -> ScorecardResult:
    """Weighted attainment (weight, attainment 0–1 or None) as a 0–100 score.

    KPIs without data are left out of the weights rather than counted as zero.
    """
    total_weight = Decimal("0")
    achieved = Decimal("0")
    counted = without = 0
    for weight, share in items:
        if share is None:
            without += 1
            continue
        counted += 1
        total_weight += weight
        achieved += weight * share
    if counted == 0 or total_weight == 0:
        return ScorecardResult(score=None, counted=counted, without_data=without)
    score = (achieved / total_weight * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return ScorecardResult(score=score, counted=counted, without_data=without)


# What a week and a quarter cost in months of fee: a year is 52 weeks or 12 months.
FEE_MONTHS = {
    Period.WEEK: Decimal(12) / Decimal(52),
    Period.MONTH: Decimal(1),
    Period.QUARTER: Decimal(3),
}


# KPIs that carry a service-credit rule.
HAS_CREDIT_RULE = Q(credit_threshold__isnull=False)


class CreditProblem(models.TextChoices):
    """Why a breached or unmeasured period's credit could not be computed."""

    NO_DATA = "no_data", "No values for the period: the breach cannot be judged"
    NO_FEE = "no_fee", "The contract has no monthly fee to take the share of"


@dataclass(frozen=True)
class CreditOutcome:
    amount: Decimal | None  # None when it could not be computed; `problem` says why
    problem: str = ""


def breaches(value: Decimal, *, direction: str, threshold: Decimal) -> bool:
    """Worse than the breach threshold (the threshold itself still meets the level)."""
    return value < threshold if direction == Direction.HIGHER else value > threshold


def service_credit(
    value: Decimal | None,
    *,
    direction: str,
    threshold: Decimal,
    percent: Decimal | None,
    fixed: Decimal | None,
    cap: Decimal | None,
    period: str,
    monthly_fee: Decimal | None,
) -> CreditOutcome | None:
    """The credit one period earns under a KPI's credit rule; None when it earns none.

    Honest: a period without values earns no credit and is flagged, never counted as
    met or breached; a share of the fee without a fee on the contract is flagged too.
    """
    if value is None:
        return CreditOutcome(None, CreditProblem.NO_DATA)
    if not breaches(value, direction=direction, threshold=threshold):
        return None
    if fixed is not None:
        amount = fixed
    elif monthly_fee is None:
        return CreditOutcome(None, CreditProblem.NO_FEE)
    else:
        amount = monthly_fee * FEE_MONTHS[Period(period)] * (percent or Decimal(0)) / 100
    if cap is not None:
        amount = min(amount, cap)
    return CreditOutcome(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def thresholds_constraint(prefix: str) -> models.CheckConstraint:
    """Target, amber and red must line up with the direction (target best, red worst)."""
    return models.CheckConstraint(
        condition=(
            Q(direction=Direction.HIGHER, target__gte=F("amber_threshold"))
            & Q(amber_threshold__gte=F("red_threshold"))
        )
        | (
            Q(direction=Direction.LOWER, target__lte=F("amber_threshold"))
            & Q(amber_threshold__lte=F("red_threshold"))
        ),
        name=f"{prefix}_thresholds_follow_direction",
    )


IN_THE_FUTURE = "This date is in the future; enter values for days that have happened."
NO_NEGATIVE = "This KPI cannot be negative."


class KpiDefinition(TimeStampedModel):
    """Fields a KPI and its template share."""

    # How values are judged and rolled up: what the admin, the forms and copies from a
    # template all carry over, in this order.
    RULE_FIELDS = (
        "unit",
        "direction",
        "target",
        "amber_threshold",
        "red_threshold",
        "aggregation",
        "period",
        "weight",
    )

    name = models.CharField(max_length=150, validators=[single_line_text])
    description = models.TextField(blank=True, validators=[multi_line_text])
    unit = models.CharField(
        max_length=30, help_text="e.g. %, hours, tickets, score 1–5", validators=[single_line_text]
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    amber_threshold = models.DecimalField(
        max_digits=14, decimal_places=4, help_text="Worst value that is still green."
    )
    red_threshold = models.DecimalField(
        max_digits=14, decimal_places=4, help_text="Worst value that is still amber."
    )
    aggregation = models.CharField(
        max_length=10, choices=Aggregation.choices, default=Aggregation.AVERAGE
    )
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.MONTH)
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    allows_negative = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def status_for(self, value: Decimal | None) -> str:
        return kpi_status(
            value,
            direction=self.direction,
            amber_threshold=self.amber_threshold,
            red_threshold=self.red_threshold,
        )

    def attainment_for(self, value: Decimal | None) -> Decimal | None:
        return attainment(
            value, direction=self.direction, target=self.target, red_threshold=self.red_threshold
        )


class KpiTemplate(KpiDefinition):
    """Admin-kept KPI that engagements copy from."""

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="unique_kpi_template_name"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="kpi_template_weight_gte_0"),
            thresholds_constraint("kpi_template"),
        ]

    def __str__(self) -> str:
        return self.name


class Kpi(Owned, KpiDefinition):
    """A KPI of one engagement, copied from a template so later template edits leave it be."""

    owner_path = "engagement"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="kpis")
    template = models.ForeignKey(
        KpiTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="kpis"
    )
    is_active = models.BooleanField(default=True)
    # The contract's service-credit rule for this KPI, if it has one: a period whose value
    # is worse than the threshold earns a share of the period's fee or a fixed amount, up
    # to the cap. Agreed per contract, so not copied from templates.
    credit_threshold = models.DecimalField(
        "credit when worse than",
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The service level the contract promises; a period worse than this "
        "earns a credit. Leave empty for no credit.",
    )
    credit_percent = models.DecimalField(
        "credit, % of the period's fee",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
        help_text="Of the contract's monthly fee, times the months in the period.",
    )
    credit_fixed = money_field(
        verbose_name="credit, fixed amount",
        null=True,
        blank=True,
        help_text="In the contract's currency. Either this or a share of the fee.",
    )
    credit_cap = money_field(
        verbose_name="credit cap per period",
        null=True,
        blank=True,
        help_text="The most one period can earn, in the contract's currency.",
    )

    CREDIT_FIELDS = ("credit_threshold", "credit_percent", "credit_fixed", "credit_cap")
    # A change to any of these judges the closed periods' credits again.
    CREDIT_JUDGED_BY = (*CREDIT_FIELDS, "direction", "period")

    history = HistoricalRecords()

    class Meta:
        ordering = ["engagement", "name"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"], name="unique_kpi_per_engagement"
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="kpi_weight_gte_0"),
            thresholds_constraint("kpi"),
            # No rule at all, or a threshold with exactly one way of counting the credit.
            models.CheckConstraint(
                condition=Q(
                    credit_threshold__isnull=True,
                    credit_percent__isnull=True,
                    credit_fixed__isnull=True,
                    credit_cap__isnull=True,
                )
                | Q(
                    credit_threshold__isnull=False,
                    credit_percent__isnull=False,
                    credit_fixed__isnull=True,
                )
                | Q(
                    credit_threshold__isnull=False,
                    credit_percent__isnull=True,
                    credit_fixed__isnull=False,
                ),
                name="kpi_credit_rule_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.engagement})"

    @property
    def has_credit_rule(self) -> bool:
        return self.credit_threshold is not None

    def credit_for(
        self, value: Decimal | None, *, monthly_fee: Decimal | None
    ) -> CreditOutcome | None:
        """The credit a period with this value earns (see service_credit)."""
        assert self.credit_threshold is not None
        return service_credit(
            value,
            direction=self.direction,
            threshold=self.credit_threshold,
            percent=self.credit_percent,
            fixed=self.credit_fixed,
            cap=self.credit_cap,
            period=self.period,
            monthly_fee=monthly_fee,
        )

    def value_problem(self, value: Decimal) -> str | None:
        """Why this KPI does not take `value`, if it does not (a form, an import ask it)."""
        if value < 0 and not self.allows_negative:
            return NO_NEGATIVE
        return None

    @classmethod
    def from_template(cls, template: KpiTemplate, *, engagement: Engagement) -> Kpi:
        copied = {
            f.name: getattr(template, f.name)
            for f in KpiDefinition._meta.get_fields()
            if f.name not in ("id", "created_at", "updated_at")
        }
        return cls(engagement=engagement, template=template, **copied)


class Measurement(Owned, TimeStampedModel):
    owner_path = "kpi.engagement"

    class Source(models.TextChoices):
        MANUAL = "manual", "Typed in"
        CSV = "csv", "CSV import"
        API = "api", "API"
        VENDOR = "vendor", "Vendor link"

    # No index of its own: the (kpi, measured_on) unique constraint's index serves look-ups
    # by KPI, and the KPI rollup (period_values.py) finds each period's values by a range
    # on it; with a second index on kpi alone PostgreSQL picked that one and read every
    # value of the KPI for each period.
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    entered_by = person_field()
    note = models.CharField(max_length=300, blank=True, validators=[single_line_text])

    history = HistoricalRecords()

    @staticmethod
    def day_problem(day: datetime.date) -> str | None:
        """Why no value can be entered for `day`, if none can: it has not happened yet."""
        return IN_THE_FUTURE if day > timezone.localdate() else None

    class Meta:
        ordering = ["-measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "measured_on"], name="one_measurement_per_kpi_day"
            ),
        ]
        indexes = [
            # incremental rollups: measurements changed since the last run
            models.Index(fields=["updated_at"], name="measurement_updated_idx"),
            # admin measurement list: its page in the list's order (-measured_on, -pk),
            # read backwards from here instead of sorting every measurement there is
            models.Index(fields=["measured_on", "id"], name="measurement_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.name} on {self.measured_on}: {self.value}"


class KpiRollup(models.Model):
    """A KPI's value for one period, as computed by the rollup job."""

    class Trend(models.TextChoices):
        BETTER = "better", "Better"
        WORSE = "worse", "Worse"
        SAME = "same", "Unchanged"
        UNKNOWN = "unknown", "Not comparable"

    # No index of its own: the (kpi, period_start) unique constraint's serves look-ups by
    # KPI, and a second one only slowed the rollup's writes (issue 15).
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="rollups", db_index=False)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=10, choices=KpiStatus.choices)
    trend = models.CharField(max_length=10, choices=Trend.choices, default=Trend.UNKNOWN)
    measurement_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi", "-period_start"]
        verbose_name = "KPI period rollup"
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period_start"], name="one_rollup_per_kpi_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="rollup_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True, status=KpiStatus.NO_DATA)
                | (Q(value__isnull=False) & ~Q(status=KpiStatus.NO_DATA)),
                name="rollup_no_data_iff_no_value",
            ),
        ]
        indexes = [
            # dashboard "KPIs in red" and the red-streak review check
            models.Index(fields=["status", "period_start"], name="rollup_status_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.name} {self.period_start}: {self.get_status_display()}"


class Scorecard(models.Model):
    """An engagement's 0–100 score for one period; kept as computed once the period closes."""

    # No index of its own: the (engagement, period, period_start) unique constraint's serves.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="scorecards", db_index=False
    )
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.MONTH)
    period_start = models.DateField()
    period_end = models.DateField()
    score = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    kpis_counted = models.PositiveSmallIntegerField(default=0)
    kpis_without_data = models.PositiveSmallIntegerField(default=0)
    # Per KPI: name, weight, value, attainment – as they were when computed.
    breakdown = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    # History looked up by engagement and by version use the indexes of migrations 0021
    # and 0024; simple_history's single-column ones only slowed the rollup's writes.
    history = HistoricalRecords(no_db_index=["id", "engagement"])

    class Meta:
        ordering = ["engagement", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "period", "period_start"], name="one_scorecard_per_period"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="scorecard_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="scorecard_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        shown = "no data" if self.score is None else f"{self.score}"
        return f"{self.engagement} {self.period_start:%b %Y}: {shown}"


class StandingBand(models.Model):
    """Admin-kept: the lowest scorecard average that earns each vendor standing."""

    standing = models.CharField(
        max_length=10,
        choices=[c for c in Vendor.Standing.choices if c[0] != Vendor.Standing.NO_DATA],
        unique=True,
    )
    min_score = models.DecimalField(
        max_digits=5, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["-min_score"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_score__gte=0, min_score__lte=100), name="standing_band_0_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_standing_display()} from {self.min_score}"


def standing_for(score: Decimal | None, bands: Iterable[tuple[str, Decimal]]) -> str:
    """The best band whose minimum the score reaches; 'no data' without a score."""
    if score is None:
        return Vendor.Standing.NO_DATA
    for standing, minimum in sorted(bands, key=lambda band: band[1], reverse=True):
        if score >= minimum:
            return standing
    return Vendor.Standing.POOR


class PerformanceReview(Owned, TimeStampedModel):
    owner_path = "engagement"

    class Trigger(models.TextChoices):
        KPI_RED_STREAK = "kpi_red_streak", "KPI red for several periods"
        LOW_SCORECARD = "low_scorecard", "Scorecard under threshold"
        MANUAL = "manual", "Opened by hand"

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue"
        IMPROVEMENT_PLAN = "improvement_plan", "Improvement plan"
        REPLACE_VENDOR = "replace_vendor", "Replace the vendor"
        BRING_IN_HOUSE = "bring_in_house", "Bring the work in-house"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reviews")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    kpi = models.ForeignKey(Kpi, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scorecard = models.ForeignKey(
        Scorecard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True, validators=[multi_line_text])
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_notes = models.TextField(blank=True, validators=[multi_line_text])
    decided_by = person_field()
    decided_at = models.DateTimeField(null=True, blank=True)
    # An improvement plan names who follows it up with the vendor, and when.
    plan_owner = person_field()
    follow_up_on = models.DateField("follow-up date", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # dashboard and digest: open review flags
            models.Index(fields=["decided_at"], name="review_decided_idx"),
        ]
        constraints = [
            # A flag is opened once and not again each night while it stays open.
            models.UniqueConstraint(
                fields=["engagement", "kpi"],
                condition=Q(decided_at__isnull=True, kpi__isnull=False),
                name="one_open_review_per_kpi",
            ),
            models.UniqueConstraint(
                fields=["engagement", "trigger"],
                condition=Q(decided_at__isnull=True, kpi__isnull=True) & ~Q(trigger="manual"),
                name="one_open_review_per_trigger",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, decision="")
                | (Q(decided_at__isnull=False) & ~Q(decision="")),
                name="decided_review_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.engagement} ({self.get_trigger_display()})"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None
