"""The vendor registry: who might do, or does, outsourced work for us."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import (
    Owned,
    TimeStampedModel,
    TimeZoneField,
    currency_field,
    money_field,
    person_field,
)
from outsourcing.storage import RandomName, private_storage
from outsourcing.text import multi_line_text, single_line_text


class BusinessFunction(models.TextChoices):
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    ACCOUNTING = "accounting", "Accounting"
    MARKETING = "marketing", "Marketing"
    IT_SUPPORT = "it_support", "IT support"
    DATA_ENTRY = "data_entry", "Data entry"
    CONTENT_DESIGN = "content_design", "Content and design"
    OTHER = "other", "Other"


class DataClassification(models.TextChoices):
    """Ordered from least to most sensitive; `rank` gives the order."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"

    @property
    def rank(self) -> int:
        return list(DataClassification).index(self)


class ServiceCategory(TimeStampedModel):
    """A service vendors offer, kept by the admin (e.g. 'Phone and chat support')."""

    name = models.CharField(max_length=100, unique=True, validators=[single_line_text])
    business_function = models.CharField(max_length=30, choices=BusinessFunction.choices)
    description = models.TextField(blank=True, validators=[multi_line_text])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True, validators=[single_line_text])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VendorQuerySet(models.QuerySet["Vendor"]):
    def active(self) -> VendorQuerySet:
        return self.filter(status=Vendor.Status.ACTIVE)

    def awardable(self) -> VendorQuerySet:
        return self.exclude(status__in=[Vendor.Status.SUSPENDED, Vendor.Status.OFFBOARDED])

    def named(self, text: str) -> VendorQuerySet:
        """Vendors whose legal name holds `text` (the vendor list's and shortlist's search)."""
        return self.filter(legal_name__icontains=text.strip())

    def offering(self, function: str) -> VendorQuerySet:
        """Vendors offering a service of the business function (customer service…)."""
        offering = Vendor.objects.filter(services__business_function=function).values("pk")
        return self.filter(pk__in=offering)


class Vendor(Owned, TimeStampedModel):
    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        QUALIFIED = "qualified", "Qualified"
        APPROVED = "approved", "Approved"
        ACTIVE = "active", "Active"
        ON_WATCH = "on_watch", "On watch"
        SUSPENDED = "suspended", "Suspended"
        OFFBOARDED = "offboarded", "Offboarded"

    class Size(models.TextChoices):
        MICRO = "1-10", "1–10 people"
        SMALL = "11-50", "11–50 people"
        MEDIUM = "51-250", "51–250 people"
        LARGE = "251-1000", "251–1,000 people"
        ENTERPRISE = "1000+", "More than 1,000 people"

    class Tier(models.TextChoices):
        """Criticality; ordered from most to least critical."""

        CRITICAL = "critical", "Critical"
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Replaceability(models.TextChoices):
        EASY = "easy", "Easy – many vendors, switch in weeks"
        MODERATE = "moderate", "Moderate – a few vendors, switch in months"
        HARD = "hard", "Hard – few alternatives or deep integration"

    class Standing(models.TextChoices):
        EXCELLENT = "excellent", "Excellent"
        GOOD = "good", "Good"
        WATCH = "watch", "Watch"
        POOR = "poor", "Poor"
        NO_DATA = "no_data", "No data"

    legal_name = models.CharField(max_length=200, unique=True, validators=[single_line_text])
    website = models.URLField(blank=True)
    country = models.CharField(
        max_length=2, help_text="ISO 3166 two-letter code, e.g. PH.", validators=[single_line_text]
    )
    time_zone = TimeZoneField()
    languages = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated.", validators=[single_line_text]
    )
    services = models.ManyToManyField(ServiceCategory, blank=True, related_name="vendors")
    size = models.CharField(max_length=10, choices=Size.choices, blank=True)
    founded_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROSPECT)
    owner = person_field(
        related_name="owned_vendors",
        help_text="The manager who looks after this vendor relationship.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="vendors")
    notes = models.TextField(blank=True, validators=[multi_line_text])

    # Criticality: suggested from what the vendor touches, overridable with a reason.
    highest_data_classification = models.CharField(
        max_length=20, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    handles_personal_data = models.BooleanField(default=False)
    replaceability = models.CharField(
        max_length=10, choices=Replaceability.choices, default=Replaceability.MODERATE
    )
    annual_spend = money_field(default=Decimal("0"))
    annual_spend_currency = currency_field()
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.MEDIUM)
    tier_override_reason = models.TextField(
        blank=True,
        help_text="Required when the tier differs from the suggested one.",
        validators=[multi_line_text],
    )

    # Written by the nightly rollup from the vendor's engagement scorecards.
    standing = models.CharField(max_length=10, choices=Standing.choices, default=Standing.NO_DATA)
    standing_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    standing_updated_at = models.DateTimeField(null=True, blank=True)

    objects = VendorQuerySet.as_manager()

    history = HistoricalRecords(
        # Written by the rollup job, not by people; kept off the change history.
        excluded_fields=["standing", "standing_score", "standing_updated_at"]
    )

    class Meta:
        ordering = ["legal_name"]
        indexes = [
            # vendor registry filters and the dashboard's standings panel
            models.Index(fields=["status"], name="vendor_status_idx"),
            models.Index(fields=["standing"], name="vendor_standing_idx"),
            # compliance matrix: its rows (vendors) in name order, read a page at a time
            models.Index(Lower("legal_name"), F("id"), name="vendor_name_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_spend__gte=0), name="vendor_annual_spend_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True)
                | Q(founded_year__gte=1800, founded_year__lte=2100),
                name="vendor_founded_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor_detail", args=[self.pk])

    def suggested_tier(self) -> str:
        return suggest_tier(
            classification=self.highest_data_classification,
            personal_data=self.handles_personal_data,
            replaceability=self.replaceability,
            annual_spend=self.annual_spend,
        )

    @property
    def tier_is_overridden(self) -> bool:
        return self.tier != self.suggested_tier()

    def clean(self) -> None:
        if self.tier_is_overridden and not self.tier_override_reason.strip():
            raise ValidationError(
                {
                    "tier_override_reason": (
                        f"The suggested tier is {Vendor.Tier(self.suggested_tier()).label}; "
                        "say why this vendor should be treated differently."
                    )
                }
            )

    def change_tier(self, *, tier: str, reason: str, by: Any) -> VendorTierChange:
        """Set the tier and keep the change; a tier other than the suggested one needs a reason."""
        old = self.tier
        self.tier = tier
        self.tier_override_reason = reason if tier != self.suggested_tier() else ""
        self.full_clean()
        self.save(update_fields=["tier", "tier_override_reason", "updated_at"])
        return VendorTierChange.objects.create(
            vendor=self,
            old_tier=old,
            new_tier=tier,
            suggested_tier=self.suggested_tier(),
            reason=reason,
            changed_by=by,
        )

    @transaction.atomic
    def change_status(self, *, status: str, reason: str, by: Any) -> VendorStatusChange:
        if not reason.strip():
            raise ValidationError({"reason": "Say why the status changes."})
        old = self.status
        self.status = status
        self.save(update_fields=["status", "updated_at"])
        return VendorStatusChange.objects.create(
            vendor=self, old_status=old, new_status=status, reason=reason, changed_by=by
        )


# Spend that on its own makes a vendor at least "high" / "medium" tier.
HIGH_TIER_SPEND = Decimal("250000")
MEDIUM_TIER_SPEND = Decimal("50000")


def suggest_tier(
    *, classification: str, personal_data: bool, replaceability: str, annual_spend: Decimal
) -> str:
    """Criticality from what the vendor touches, how replaceable it is and what we spend.

    Points: data sensitivity 0–3 (+1 with personal data), replaceability 0–2,
    spend 0–2. Critical from 6, high from 4, medium from 2.
    """
    points = DataClassification(classification).rank
    if personal_data:
        points += 1
    points += {"easy": 0, "moderate": 1, "hard": 2}[replaceability]
    if annual_spend >= HIGH_TIER_SPEND:
        points += 2
    elif annual_spend >= MEDIUM_TIER_SPEND:
        points += 1
    if points >= 6:
        return Vendor.Tier.CRITICAL
    if points >= 4:
        return Vendor.Tier.HIGH
    if points >= 2:
        return Vendor.Tier.MEDIUM
    return Vendor.Tier.LOW


class VendorTierChange(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="tier_changes")
    old_tier = models.CharField(max_length=10, choices=Vendor.Tier.choices)
    new_tier = models.CharField(max_length=10, choices=Vendor.Tier.choices)
    suggested_tier = models.CharField(max_length=10, choices=Vendor.Tier.choices)
    reason = models.TextField(blank=True, validators=[multi_line_text])
    changed_by = person_field()
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.old_tier} → {self.new_tier}"


class VendorStatusChange(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=20, choices=Vendor.Status.choices)
    new_status = models.CharField(max_length=20, choices=Vendor.Status.choices)
    reason = models.TextField(validators=[multi_line_text])
    changed_by = person_field()
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__gt=""), name="vendor_status_change_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.old_status} → {self.new_status}"


class Contact(Owned, TimeStampedModel):
    owner_path = "vendor"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150, validators=[single_line_text])
    role = models.CharField(max_length=150, blank=True, validators=[single_line_text])
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True, validators=[single_line_text])
    is_primary = models.BooleanField(default=False)
    notes = models.TextField(blank=True, validators=[multi_line_text])

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"],
                condition=Q(is_primary=True),
                name="one_primary_contact_per_vendor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})"


class Certification(Owned, TimeStampedModel):
    owner_path = "vendor"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="certifications")
    name = models.CharField(
        max_length=150, help_text="e.g. ISO 27001, SOC 2 Type II", validators=[single_line_text]
    )
    issuer = models.CharField(max_length=150, blank=True, validators=[single_line_text])
    reference_number = models.CharField(max_length=100, blank=True, validators=[single_line_text])
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    document = models.FileField(
        storage=private_storage, upload_to=RandomName("certifications"), blank=True
    )
    document_name = models.CharField(max_length=255, blank=True, help_text="Name as uploaded.")

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        ordering = ["expires_on", "name"]
        indexes = [
            # expiry badges on the vendor page and the expiry reminders
            models.Index(fields=["expires_on"], name="certification_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="certification_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.vendor}"

    def is_expired(self, on: Any = None) -> bool:
        on = on or timezone.localdate()
        return self.expires_on is not None and self.expires_on < on


class Reference(Owned, TimeStampedModel):
    owner_path = "vendor"

    class Outcome(models.TextChoices):
        NOT_CHECKED = "not_checked", "Not checked yet"
        POSITIVE = "positive", "Positive"
        MIXED = "mixed", "Mixed"
        NEGATIVE = "negative", "Negative"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="references")
    client_name = models.CharField(max_length=200, validators=[single_line_text])
    contact_name = models.CharField(max_length=150, blank=True, validators=[single_line_text])
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True, validators=[single_line_text])
    work_description = models.TextField(blank=True, validators=[multi_line_text])
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NOT_CHECKED)
    checked_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, validators=[multi_line_text])

    class Meta:
        ordering = ["client_name"]

    def __str__(self) -> str:
        return f"{self.client_name} (reference for {self.vendor})"


class SubProcessor(Owned, TimeStampedModel):
    """A vendor's own subcontractor that touches our data."""

    owner_path = "vendor"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="sub_processors")
    name = models.CharField(max_length=200, validators=[single_line_text])
    country = models.CharField(max_length=2, blank=True, validators=[single_line_text])
    service = models.CharField(
        max_length=200, help_text="What it does for the vendor.", validators=[single_line_text]
    )
    data_touched = models.TextField(blank=True, validators=[multi_line_text])
    handles_personal_data = models.BooleanField(default=False)
    approved_on = models.DateField(null=True, blank=True)

    # Who changed what: shown on the vendor page, and an edit form refused as stale names it.
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "name"], name="unique_sub_processor_per_vendor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (sub-processor of {self.vendor})"
