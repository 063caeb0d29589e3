"""Step 5 – what could go wrong? Risks, data access and compliance evidence."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import Owned, TimeStampedModel, person_field
from outsourcing.text import multi_line_text, single_line_text
from vendors.models import DataClassification, SubProcessor

from .engagement import Engagement

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


def risk_level(score: int) -> str:
    """Band of a likelihood × impact score (1–25)."""
    if score >= 15:
        return "critical"
    if score >= 10:
        return "high"
    if score >= 5:
        return "medium"
    return "low"


class RiskLevel(models.TextChoices):
    """The bands of `risk_level`, lowest first (no field stores them: scores are stored)."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


LEVELS = [("critical", "Critical"), ("high", "High"), ("medium", "Medium"), ("low", "Low")]


def scores_of(level: str) -> list[int]:
    """Every likelihood × impact product in a band, so the database can filter by band."""
    products = {likelihood * impact for likelihood in range(1, 6) for impact in range(1, 6)}
    return sorted(score for score in products if risk_level(score) == level)


# Days between reviews for each band: the higher the risk, the more often.
REVIEW_INTERVAL_DAYS = {"critical": 30, "high": 60, "medium": 90, "low": 180}


def heat_map_cell(likelihood: int, impact: int) -> tuple[int, int]:
    """Row and column of the 5×5 heat map: row 0 is likelihood 5 (top), column 0 impact 1."""
    if not (1 <= likelihood <= 5 and 1 <= impact <= 5):
        raise ValueError("Likelihood and impact run from 1 to 5.")
    return 5 - likelihood, impact - 1


# Residual likelihood × impact, the score every list, filter and panel ranks risks by.
RESIDUAL_SCORE = F("residual_likelihood") * F("residual_impact")


class RiskQuerySet(models.QuerySet["Risk"]):
    def still_open(self) -> RiskQuerySet:
        """Every risk not closed: open, being mitigated or accepted."""
        return self.exclude(status=Risk.Status.CLOSED)

    def with_residual(self) -> RiskQuerySet:
        return self.annotate(residual=RESIDUAL_SCORE)

    def above_appetite(self) -> RiskQuerySet:
        """Risks not closed whose residual score reaches the appetite setting, worst first."""
        return (
            self.still_open()
            .with_residual()
            .filter(residual__gte=settings.RISK_APPETITE_SCORE)  # type: ignore[misc]
            .order_by("-residual", "engagement__title", "pk")
        )

    def review_due_by(self, day: datetime.date) -> RiskQuerySet:
        """Risks not closed whose next review falls on or before `day`, soonest first."""
        return self.still_open().filter(next_review_on__lte=day).order_by("next_review_on", "pk")


class Risk(Owned, TimeStampedModel):
    owner_path = "engagement"

    class Category(models.TextChoices):
        DATA_BREACH = "data_breach", "Data breach"
        IP_THEFT = "ip_theft", "Intellectual property theft"
        COMPLIANCE = "compliance", "Compliance violation"
        DISRUPTION = "disruption", "Service disruption"
        LOCK_IN = "lock_in", "Vendor lock-in"
        FINANCIAL = "financial", "Financial"
        REPUTATIONAL = "reputational", "Reputational"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MITIGATING = "mitigating", "Being mitigated"
        ACCEPTED = "accepted", "Accepted"
        CLOSED = "closed", "Closed"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200, validators=[single_line_text])
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.TextField(blank=True, validators=[multi_line_text])
    likelihood = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    impact = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    mitigation = models.TextField(blank=True, validators=[multi_line_text])
    residual_likelihood = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    residual_impact = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="risks"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(
        blank=True,
        help_text="Why it was closed or to whom it was handed over.",
        validators=[multi_line_text],
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True)

    objects = RiskQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # dashboard and digest: risks due for review, by owner
            models.Index(fields=["owner", "next_review_on"], name="risk_owner_review_idx"),
            models.Index(fields=["status"], name="risk_status_idx"),
            # risk overview and the dashboard's risks above appetite: open risks worst
            # first, read in this order and sorted only within a score (the register's
            # first page reads a few dozen risks, not every open one)
            models.Index(
                RESIDUAL_SCORE.desc(),
                condition=~Q(status="closed"),
                name="risk_open_residual_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(residual_likelihood__gte=1, residual_likelihood__lte=5),
                name="risk_residual_likelihood_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(residual_impact__gte=1, residual_impact__lte=5),
                name="risk_residual_impact_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def inherent_score(self) -> int:
        return self.likelihood * self.impact

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_impact

    @property
    def level(self) -> str:
        return risk_level(self.residual_score)

    def heat_map_cell(self, *, residual: bool = True) -> tuple[int, int]:
        if residual:
            return heat_map_cell(self.residual_likelihood, self.residual_impact)
        return heat_map_cell(self.likelihood, self.impact)

    def review_overdue_on(self, today: datetime.date) -> bool:
        """Not closed, and its next review day has passed."""
        return (
            self.status != Risk.Status.CLOSED
            and self.next_review_on is not None
            and self.next_review_on < today
        )

    def is_above_appetite(self) -> bool:
        return self.residual_score >= settings.RISK_APPETITE_SCORE

    def review_interval(self) -> datetime.timedelta:
        """Residual score decides how often the risk is looked at again."""
        return datetime.timedelta(days=REVIEW_INTERVAL_DAYS[self.level])

    def mark_reviewed(self, on: datetime.date | None = None) -> None:
        on = on or timezone.localdate()
        self.last_reviewed_on = on
        self.next_review_on = on + self.review_interval()
        self.save(update_fields=["last_reviewed_on", "next_review_on", "updated_at"])

    def save(self, *args: object, **kwargs: object) -> None:
        if self.next_review_on is None and self.status != Risk.Status.CLOSED:
            start = self.last_reviewed_on or timezone.localdate()
            self.next_review_on = start + self.review_interval()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class DataAccessGrant(Owned, TimeStampedModel):
    """What data or system the vendor can reach; revoked when the work ends."""

    owner_path = "engagement"

    class AccessLevel(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"
        ADMIN = "admin", "Administrator"

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="access_grants"
    )
    system = models.CharField(
        max_length=200, help_text="Data set or system, e.g. Zendesk", validators=[single_line_text]
    )
    description = models.TextField(blank=True, validators=[multi_line_text])
    classification = models.CharField(max_length=20, choices=DataClassification.choices)
    personal_data = models.BooleanField(default=False)
    access_level = models.CharField(
        max_length=10, choices=AccessLevel.choices, default=AccessLevel.READ
    )
    granted_on = models.DateField()
    granted_by = person_field()
    revoked_on = models.DateField(null=True, blank=True)
    revoked_by = person_field()
    # The vendor's own subcontractors that reach this data or system too.
    sub_processors = models.ManyToManyField(
        SubProcessor,
        blank=True,
        related_name="grants",
        help_text="The vendor's sub-processors that also reach this data or system.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["revoked_on", "system"]
        indexes = [
            # offboarding: grants still active
            models.Index(fields=["engagement", "revoked_on"], name="grant_engagement_revoked_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=F("granted_on")),
                name="grant_revoked_after_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system} ({self.engagement})"

    def revoke(self, *, on: datetime.date, by: Any) -> None:
        """End the vendor's access on `on` (never before it was granted), recording who."""
        self.revoked_on = max(on, self.granted_on)
        self.revoked_by = by
        self.save(update_fields=["revoked_on", "revoked_by", "updated_at"])

    @property
    def is_active(self) -> bool:
        return self.revoked_on is None
