"""The engagement: the outsourced work itself once a vendor is chosen, and its contract.

Every step after sourcing hangs off an engagement (plan and check-ins, KPIs, risks,
compliance, offboarding); the contract holds the terms agreed at the award.
"""

from __future__ import annotations

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import (
    Owned,
    TimeStampedModel,
    currency_field,
    money_field,
    person_field,
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


# Ten years: longer than any renewal term agreed in practice, and it keeps rolled dates
# inside the calendar.
MAX_RENEWAL_TERM_MONTHS = 120


class ContractQuerySet(models.QuerySet["Contract"]):
    def awaiting_notice(self) -> ContractQuerySet:
        """Contracts whose notice deadline still asks for a decision: no notice given yet."""
        return self.filter(notice_given_on__isnull=True)

    def due_to_roll(self, today: datetime.date) -> ContractQuerySet:
        """Automatically renewing contracts of open engagements, no notice given, whose
        renewal (or end) date has passed: their term rolls forward."""
        passed = Q(renewal_date__lt=today) | Q(renewal_date__isnull=True, end_date__lt=today)
        return (
            self.awaiting_notice()
            .filter(passed, auto_renews=True, renewal_term_months__gte=1)
            .exclude(engagement__status__in=Engagement.OUTCOMES)
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
    monthly_fee = money_field(
        null=True,
        blank=True,
        help_text="What a month of service costs; service credits given as a share of the "
        "fee are taken from it.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    renewal_date = models.DateField(
        null=True,
        blank=True,
        help_text="When it renews, if that is not the day after it ends.",
    )
    auto_renews = models.BooleanField(
        "renews automatically",
        default=False,
        help_text="Without notice it rolls on by the renewal term (tacit renewal).",
    )
    renewal_term_months = models.PositiveSmallIntegerField(
        "renewal term (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RENEWAL_TERM_MONTHS)],
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
    # Notice given (to end the contract, or to stop it rolling): who, when, why.
    notice_given_on = models.DateField(null=True, blank=True)
    notice_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notice_reason = models.TextField(blank=True, validators=[multi_line_text])

    objects = ContractQuerySet.as_manager()

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
            models.CheckConstraint(
                condition=Q(auto_renews=False) | Q(renewal_term_months__gte=1),
                name="contract_auto_renewal_has_term",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"Contract for {self.engagement}"

    @property
    def renews_on(self) -> datetime.date:
        """The date the term renews or ends: the renewal date, else the end date."""
        return self.renewal_date or self.end_date

    def compute_notice_deadline(self) -> datetime.date:
        return self.renews_on - datetime.timedelta(days=self.notice_period_days)

    @property
    def notice_given(self) -> bool:
        return self.notice_given_on is not None

    @property
    def rolls(self) -> bool:
        """Renews by itself at the end of the term: automatic renewal and no notice given."""
        return self.auto_renews and not self.notice_given

    def terms_to_roll(self, today: datetime.date) -> int:
        """How many renewal terms have passed unnoticed by `today` (0 when none has).

        A term renews once its renewal (or end) date is behind us; a late run catches up
        on every term passed meanwhile, so the new renewal date is today or later.
        """
        if not self.rolls or not self.renewal_term_months or self.renews_on >= today:
            return 0
        terms = 1
        while self.renews_on + relativedelta(months=terms * self.renewal_term_months) < today:
            terms += 1
        return terms

    def roll_forward(self, terms: int) -> None:
        """Move the end and renewal dates on by `terms` renewal terms (not saved). Counted
        from the dates as they are, so month ends do not drift within one roll."""
        assert self.renewal_term_months
        months = relativedelta(months=terms * self.renewal_term_months)
        self.end_date = self.end_date + months
        if self.renewal_date is not None:
            self.renewal_date = self.renewal_date + months

    def save(self, *args: object, **kwargs: object) -> None:
        # Stored so the renewal view and reminders can filter and index on it.
        self.notice_deadline = self.compute_notice_deadline()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "notice_deadline"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Amendment(Owned, TimeStampedModel):
    """A change to a contract's terms agreed after signing, with its own document."""

    owner_path = "contract.engagement"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    effective_on = models.DateField("effective from")
    summary = models.CharField("what changed", max_length=200, validators=[single_line_text])
    note = models.TextField(blank=True, validators=[multi_line_text])
    document = models.FileField(
        storage=private_storage, upload_to=RandomName("amendments"), blank=True
    )
    document_name = models.CharField(max_length=255, blank=True, help_text="Name as uploaded.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_on", "-pk"]
        indexes = [
            # the contract section's list of amendments, newest first
            models.Index(fields=["contract", "-effective_on"], name="amendment_contract_idx"),
        ]

    def __str__(self) -> str:
        return self.summary


class RenewalAction(models.TextChoices):
    """What to do as a notice deadline nears: the renewal view's suggestions and the
    owner's decisions speak the same four words."""

    RENEW = "renew", "Renew"
    RENEGOTIATE = "renegotiate", "Renegotiate"
    REPLACE = "replace", "Replace the vendor"
    IN_HOUSE = "in_house", "Bring in-house"


class RenewalDecision(Owned, TimeStampedModel):
    """The owner's decision on a contract's renewal, beside the suggestion shown then.

    Recorded, never edited: deciding again adds a decision, and the latest one stands.
    What it did to the contract (a longer term, notice given) is in the contract's history.
    """

    owner_path = "contract.engagement"

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="renewal_decisions"
    )
    decision = models.CharField(max_length=20, choices=RenewalAction.choices)
    # The suggestion and its reasons as the owner saw them, kept as they were: the rules
    # and the figures they weigh change later.
    suggestion = models.CharField(max_length=20, choices=RenewalAction.choices, blank=True)
    suggestion_reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, validators=[multi_line_text])
    # Renewing by hand: the end date agreed for the new term.
    new_end_date = models.DateField(null=True, blank=True)
    offboarding_started = models.BooleanField(default=False)
    # The renewal (or end) date the decision was taken for: once the term rolls on, or is
    # extended, the next one asks for a decision of its own.
    renews_on = models.DateField(null=True, blank=True, editable=False)
    decided_by = person_field()
    decided_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        get_latest_by = ["decided_at", "pk"]
        indexes = [
            # the renewal view's and the contract section's latest decision per contract
            models.Index(fields=["contract", "-decided_at"], name="renewal_decision_latest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_end_date__isnull=True) | Q(decision="renew"),
                name="renewal_decision_new_end_only_to_renew",
                violation_error_message="A new end date goes with renewing only.",
            ),
        ]

    # The decisions that end the contract (notice given), and how the engagement ends.
    OUTCOMES: dict[str, str] = {
        RenewalAction.REPLACE: Engagement.Status.COMPLETED,
        RenewalAction.IN_HOUSE: Engagement.Status.IN_HOUSE,
    }

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.contract})"

    @property
    def gives_notice(self) -> bool:
        """Replacing the vendor or bringing the work in-house ends the contract."""
        return self.decision in self.OUTCOMES
