"""The engagement: the outsourced work itself once a vendor is chosen, and its contract.

Every step after sourcing hangs off an engagement (plan and check-ins, KPIs, risks,
compliance, offboarding); the contract holds the terms agreed at the award.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from outsourcing.models import (
    Owned,
    TimeStampedModel,
    currency_field,
    money_field,
)
from outsourcing.storage import RandomName, private_storage
from outsourcing.text import multi_line_text, single_line_text
from vendors.models import Contact, Vendor

from .assessment import Candidate


class EngagementQuerySet(models.QuerySet["Engagement"]):
    def active(self) -> EngagementQuerySet:
        return self.filter(status=Engagement.Status.ACTIVE)

    def due_to_start(self, today: datetime.date) -> EngagementQuerySet:
        """Planned engagements whose start date has come (or passed, for a late run)."""
        return self.filter(status=Engagement.Status.PLANNED, start_date__lte=today)

    def owned_by(self, user: Any) -> EngagementQuerySet:
        """Owned or co-owned by `user`. The ids come from two indexed look-ups joined
        with UNION: an OR across a join with the co-owners (and DISTINCT) made
        PostgreSQL read every engagement, on every "my work" page."""
        owned = Engagement.objects.filter(owner=user).order_by().values("pk")
        co_owned = Engagement.co_owners.through.objects.filter(user=user).values("engagement_id")
        return self.filter(pk__in=owned.union(co_owned))


class Engagement(Owned, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        OFFBOARDING = "offboarding", "Offboarding"
        COMPLETED = "completed", "Completed"
        TERMINATED = "terminated", "Terminated"
        IN_HOUSE = "in_house", "Brought in-house"

    # Statuses in which the work goes on and check-ins, KPIs and reminders matter.
    # Planned work has not started: nothing to meet about or measure yet.
    LIVE_STATUSES = (Status.ACTIVE, Status.ON_HOLD)
    # Statuses whose risks, compliance evidence and contract deadlines are watched: live
    # work and work about to start (its NDA and data access matter before day one).
    WATCHED_STATUSES = (Status.PLANNED, *LIVE_STATUSES)
    # How an engagement can end: the status it takes when its offboarding closes.
    OUTCOMES = (Status.COMPLETED, Status.TERMINATED, Status.IN_HOUSE)
    # Where the owners may move the status by hand (the terms page). Offboarding and the
    # outcomes come only from the offboarding tab, which tidies up as the work ends.
    STATUS_FLOW: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.PLANNED, Status.ACTIVE),
        # Planned work becomes active on its start date (activate_planned_engagements);
        # the owners may start it early.
        Status.PLANNED: (Status.ACTIVE,),
        Status.ACTIVE: (Status.ON_HOLD,),
        Status.ON_HOLD: (Status.ACTIVE,),
    }

    title = models.CharField(max_length=200, validators=[single_line_text])
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="engagements")
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    selection = models.OneToOneField(
        "engagements.Selection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagement",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="engagements"
    )
    co_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="co_owned_engagements",
        verbose_name="co-owners",
    )
    vendor_contacts = models.ManyToManyField(Contact, blank=True, related_name="engagements")
    scope = models.TextField(blank=True, validators=[multi_line_text])
    deliverables = models.TextField(blank=True, validators=[multi_line_text])
    budget = money_field(null=True, blank=True)
    currency = currency_field()
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    closed_at = models.DateTimeField(null=True, blank=True)
    offboarding_outcome = models.CharField(
        max_length=20,
        blank=True,
        choices=[(status.value, status.label) for status in OUTCOMES],
        help_text="Chosen when offboarding starts; the status the engagement ends in.",
    )

    objects = EngagementQuerySet.as_manager()

    # Co-owners may change the engagement: who held that right, and when, is history too.
    history = HistoricalRecords(m2m_fields=[co_owners])

    class Meta:
        ordering = ["title"]
        indexes = [
            # dashboard "my engagements" and the engagement list
            models.Index(fields=["owner", "status"], name="engagement_owner_status_idx"),
            models.Index(fields=["status"], name="engagement_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="engagement_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="engagement_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("engagements:engagement_detail", args=[self.pk])

    def is_owned_by(self, user: Any) -> bool:
        """The owner and every co-owner decide over the engagement and its parts."""
        if super().is_owned_by(user):
            return True
        return self.co_owners.filter(pk=user.pk).exists()

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def is_watched(self) -> bool:
        return self.status in self.WATCHED_STATUSES

    @staticmethod
    def status_on_award(start: datetime.date, today: datetime.date) -> str:
        """Work awarded to start later is planned until its start date; otherwise active."""
        return Engagement.Status.PLANNED if start > today else Engagement.Status.ACTIVE

    @property
    def is_closed(self) -> bool:
        """Ended (completed, terminated, brought in-house): kept as it was, nothing to enter."""
        return self.status in self.OUTCOMES

    def status_change_problem(self, new: str) -> str:
        """Why the status may not move from what it is to `new` by hand; "" when it may."""
        current = self.status
        if new == current or new in self.STATUS_FLOW.get(current, ()):
            return ""
        if current in self.OUTCOMES:
            return (
                f"This engagement is closed ({self.get_status_display().lower()}); "
                "its status no longer changes."
            )
        if current == self.Status.OFFBOARDING:
            return (
                "This engagement is being offboarded: its status follows the checklist "
                "on the Offboarding tab."
            )
        if new == self.Status.OFFBOARDING or new in self.OUTCOMES:
            return (
                "An engagement ends through offboarding: start it on the Offboarding tab, "
                "which also closes check-ins, open items and data access."
            )
        if new == self.Status.DRAFT:
            return "Work that has started cannot go back to draft."
        if new == self.Status.PLANNED:
            return "Only a draft becomes planned; work that has started stays started."
        return (
            f"A {self.get_status_display().lower()} engagement cannot become "
            f"{dict(self.Status.choices).get(new, new).lower()}; it becomes active first."
        )


class Contract(Owned, TimeStampedModel):
    """The agreed terms of an engagement; the notice deadline is the date that matters."""

    owner_path = "engagement"

    engagement = models.OneToOneField(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="contract"
    )
    reference = models.CharField(max_length=100, blank=True, validators=[single_line_text])
    value = money_field(help_text="Total contract value.")
    currency = currency_field()
    start_date = models.DateField()
    end_date = models.DateField()
    renewal_date = models.DateField(
        null=True, blank=True, help_text="When it renews automatically, if it does."
    )
    notice_period_days = models.PositiveIntegerField(default=90)
    notice_deadline = models.DateField(
        editable=False,
        help_text="Renewal (or end) date minus the notice period: decide by this date.",
    )
    termination_terms = models.TextField(blank=True, validators=[multi_line_text])
    service_levels = models.TextField(blank=True, validators=[multi_line_text])
    signed_on = models.DateField(null=True, blank=True)
    document = models.FileField(
        storage=private_storage, upload_to=RandomName("contracts"), blank=True
    )
    document_name = models.CharField(max_length=255, blank=True, help_text="Name as uploaded.")

    history = HistoricalRecords()

    class Meta:
        indexes = [
            # contract renewal view and notice-deadline reminders
            models.Index(fields=["notice_deadline"], name="contract_notice_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="contract_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(renewal_date__isnull=True) | Q(renewal_date__gte=F("start_date")),
                name="contract_renewal_after_start",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="contract_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Contract for {self.engagement}"

    def compute_notice_deadline(self) -> datetime.date:
        return (self.renewal_date or self.end_date) - datetime.timedelta(
            days=self.notice_period_days
        )

    def save(self, *args: object, **kwargs: object) -> None:
        # Stored so the renewal view and reminders can filter and index on it.
        self.notice_deadline = self.compute_notice_deadline()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "notice_deadline"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
