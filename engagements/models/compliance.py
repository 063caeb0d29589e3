"""Step 5, compliance: the requirements catalog, each engagement's items and their evidence."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import Owned, TimeStampedModel, person_field
from outsourcing.storage import RandomName, private_storage
from outsourcing.text import multi_line_text, single_line_text

from .engagement import Engagement


class ComplianceRequirement(TimeStampedModel):
    """Admin-kept catalog entry: NDA, DPA, SOC 2 report, ISO 27001 certificate…"""

    name = models.CharField(max_length=150, unique=True, validators=[single_line_text])
    description = models.TextField(blank=True, validators=[multi_line_text])
    expires = models.BooleanField(default=True, help_text="Whether the evidence goes out of date.")
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Usual validity, to suggest an expiry date."
    )
    required_by_default = models.BooleanField(
        default=True, help_text="Added to every new engagement."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ComplianceStatus(models.TextChoices):
    MISSING = "missing", "Missing"
    PENDING = "pending", "Pending review"
    VALID = "valid", "Valid"
    EXPIRED = "expired", "Expired"


def compliance_status(
    *, has_evidence: bool, accepted: bool, expires_on: datetime.date | None, today: datetime.date
) -> str:
    """Missing without evidence, pending until accepted, expired after its expiry day.

    Evidence is still valid on its expiry day itself.
    """
    if expires_on is not None and expires_on < today:
        return ComplianceStatus.EXPIRED if has_evidence else ComplianceStatus.MISSING
    if not has_evidence:
        return ComplianceStatus.MISSING
    return ComplianceStatus.VALID if accepted else ComplianceStatus.PENDING


class ComplianceItemQuerySet(models.QuerySet["ComplianceItem"]):
    def with_status(
        self, today: datetime.date, *, evidence: models.QuerySet[Evidence] | None = None
    ) -> ComplianceItemQuerySet:
        """Each item's `status` on `today` by the rules of `compliance_status`, worked out
        in SQL: lists of items filter, count and page by status without loading them.

        `evidence`: the evidence these items can have, where they are a known few (the
        compliance matrix's page: its engagements' evidence, not all there is)."""
        # "Has evidence" as one uncorrelated IN (a single hashed pass over the evidence),
        # not a correlated EXISTS: counting every item's status with EXISTS is costed so
        # high that PostgreSQL compiles it (JIT), which alone takes longer than the query.
        candidates = Evidence.objects.all() if evidence is None else evidence
        has_evidence = Q(pk__in=candidates.values("item_id"))
        return self.annotate(
            status=Case(
                When(~has_evidence, then=Value(ComplianceStatus.MISSING.value)),
                When(expires_on__lt=today, then=Value(ComplianceStatus.EXPIRED.value)),
                When(accepted_at__isnull=True, then=Value(ComplianceStatus.PENDING.value)),
                default=Value(ComplianceStatus.VALID.value),
                output_field=models.CharField(),
            )
        )


class ComplianceItem(Owned, TimeStampedModel):
    owner_path = "engagement"

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="compliance_items"
    )
    requirement = models.ForeignKey(
        ComplianceRequirement, on_delete=models.PROTECT, related_name="items"
    )
    expires_on = models.DateField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = person_field()
    notes = models.TextField(blank=True, validators=[multi_line_text])

    history = HistoricalRecords()

    objects = ComplianceItemQuerySet.as_manager()

    class Meta:
        ordering = ["requirement__order", "requirement__name"]
        indexes = [
            # dashboard and reminders: evidence expiring or expired
            models.Index(fields=["expires_on"], name="compliance_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "requirement"], name="one_item_per_requirement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requirement} – {self.engagement}"

    def status_on(
        self, today: datetime.date | None = None, *, has_evidence: bool | None = None
    ) -> str:
        if has_evidence is None:
            has_evidence = self.evidence.exists()
        return compliance_status(
            has_evidence=has_evidence,
            accepted=self.accepted_at is not None,
            expires_on=self.expires_on,
            today=today or timezone.localdate(),
        )


class Evidence(Owned, models.Model):
    owner_path = "item.engagement"

    item = models.ForeignKey(ComplianceItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(storage=private_storage, upload_to=RandomName("evidence"))
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True, validators=[single_line_text])
    uploaded_by = person_field()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.original_name
