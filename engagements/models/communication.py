"""Step 3 – how will we work together? The engagement, its plan, check-ins and actions."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from outsourcing.models import (
    Owned,
    TimeStampedModel,
    TimeZoneField,
    person_field,
)
from outsourcing.text import multi_line_text, single_line_text

from .engagement import Engagement


class Milestone(Owned, TimeStampedModel):
    owner_path = "engagement"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200, validators=[single_line_text])
    description = models.TextField(blank=True, validators=[multi_line_text])
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "title"]
        indexes = [
            # dashboard and digest: milestones due and overdue
            models.Index(fields=["due_date"], name="milestone_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.completed_on is None and self.due_date < (today or timezone.localdate())


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly (first such weekday of the month)"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def checkin_dates(
    *, cadence: str, weekday: int, starts_on: datetime.date, after: datetime.date
) -> Iterator[datetime.date]:
    """Local dates of check-ins strictly after `after`, endless, following the cadence.

    Weekly and fortnightly count from the first `weekday` on or after
    `starts_on`; monthly is the first `weekday` of each month.
    """
    first = starts_on + datetime.timedelta(days=(weekday - starts_on.weekday()) % 7)
    if cadence in (Cadence.WEEKLY, Cadence.FORTNIGHTLY):
        step = 7 if cadence == Cadence.WEEKLY else 14
        day = first
        if after >= day:
            day += datetime.timedelta(days=((after - day).days // step + 1) * step)
        while True:
            yield day
            day += datetime.timedelta(days=step)
    year, month = max(starts_on, after).year, max(starts_on, after).month
    while True:
        month_start = datetime.date(year, month, 1)
        day = month_start + datetime.timedelta(days=(weekday - month_start.weekday()) % 7)
        if day > after and day >= starts_on:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class CommunicationPlan(Owned, TimeStampedModel):
    owner_path = "engagement"

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="communication_plan"
    )
    channels = models.CharField(
        max_length=250,
        help_text="e.g. Weekly video call, shared Slack channel, email for decisions",
        validators=[single_line_text],
    )
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.WEEKLY)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.TUESDAY)
    time = models.TimeField(default=datetime.time(10, 0))
    time_zone = TimeZoneField()
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    starts_on = models.DateField()
    reporting_expectations = models.TextField(
        blank=True, help_text="What the vendor reports, and when.", validators=[multi_line_text]
    )

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="plan_weekday_0_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"Communication plan for {self.engagement}"

    def next_checkins(self, after: datetime.datetime, count: int = 5) -> list[datetime.datetime]:
        """The next `count` check-in times after `after`, aware, at the plan's local time.

        The wall-clock time stays put across daylight-saving changes; the UTC
        offset moves with them.
        """
        tz = zoneinfo.ZoneInfo(self.time_zone)
        local_after = after.astimezone(tz)
        # Today's slot counts when its local time is still ahead.
        dates = checkin_dates(
            cadence=self.cadence,
            weekday=self.weekday,
            starts_on=self.starts_on,
            after=local_after.date() - datetime.timedelta(days=1),
        )
        result: list[datetime.datetime] = []
        for day in dates:
            moment = datetime.datetime.combine(day, self.time, tzinfo=tz)
            if moment > after:
                result.append(moment)
            if len(result) == count:
                return result
        return result  # pragma: no cover - the date iterator never ends

    def schedule_checkins(self, *, now: datetime.datetime, until: datetime.datetime) -> int:
        """Create the check-ins due between now and `until`; safe to run again.

        Existing slots are left alone (the unique slot constraint makes a
        second run a no-op), so a recorded or cancelled check-in is never reset.
        """
        end_date = self.engagement.end_date
        if end_date is not None:
            # No check-ins after the engagement ends: they would only show as overdue.
            tz = zoneinfo.ZoneInfo(self.time_zone)
            last = datetime.datetime.combine(end_date, datetime.time.max, tzinfo=tz)
            until = min(until, last)
        slots: list[datetime.datetime] = []
        after = now
        while True:
            upcoming = self.next_checkins(after, count=10)
            # Compared in UTC: Python never finds a local time in the hour daylight saving
            # repeats or skips equal to the stored UTC value (PEP 495), so such a slot would
            # look missing on every run.
            slots.extend(moment.astimezone(datetime.UTC) for moment in upcoming if moment <= until)
            if not upcoming or upcoming[-1] > until:
                break
            after = upcoming[-1]
        existing = set(
            CheckIn.objects.filter(
                engagement_id=self.engagement_id, scheduled_for__in=slots
            ).values_list("scheduled_for", flat=True)
        )
        missing = [slot for slot in slots if slot not in existing]
        # ignore_conflicts: a run racing this one may insert the same slot first.
        CheckIn.objects.bulk_create(
            [CheckIn(engagement_id=self.engagement_id, scheduled_for=slot) for slot in missing],
            ignore_conflicts=True,
        )
        return len(missing)


class EscalationLevel(models.Model):
    plan = models.ForeignKey(
        CommunicationPlan, on_delete=models.CASCADE, related_name="escalation_levels"
    )
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    who = models.CharField(
        max_length=150, help_text="Name and role.", validators=[single_line_text]
    )
    contact = models.CharField(
        max_length=150, blank=True, help_text="Email or phone.", validators=[single_line_text]
    )
    response_time_hours = models.PositiveIntegerField()
    when_to_escalate = models.CharField(max_length=250, blank=True, validators=[single_line_text])

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "level"], name="one_escalation_per_level"),
            models.CheckConstraint(condition=Q(level__gte=1), name="escalation_level_from_1"),
        ]

    def __str__(self) -> str:
        return f"Level {self.level}: {self.who}"


class RagStatus(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def unrecorded(self) -> CheckInQuerySet:
        return self.filter(held_on__isnull=True, cancelled=False)

    def overdue(self, now: datetime.datetime | None = None) -> CheckInQuerySet:
        return self.unrecorded().filter(scheduled_for__lt=now or timezone.now())


class CheckIn(Owned, TimeStampedModel):
    """A meeting from the plan's cadence; overdue while unrecorded after its time."""

    owner_path = "engagement"

    # No index of its own: the (engagement, scheduled_for) unique constraint's serves.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="checkins", db_index=False
    )
    scheduled_for = models.DateTimeField()
    held_on = models.DateField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    change_note = models.TextField(
        "why cancelled or moved",
        blank=True,
        help_text="Kept with the check-in for everyone.",
        validators=[multi_line_text],
    )
    attendees = models.TextField(blank=True, validators=[multi_line_text])
    status = models.CharField(max_length=10, choices=RagStatus.choices, blank=True)
    progress_summary = models.TextField(blank=True, validators=[multi_line_text])
    blockers = models.TextField(blank=True, validators=[multi_line_text])
    decisions = models.TextField(blank=True, validators=[multi_line_text])
    recorded_by = person_field()

    objects = CheckInQuerySet.as_manager()

    # Who changed what: an edit form refused as stale names it (outsourcing/versions).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-scheduled_for"]
        verbose_name = "check-in"
        indexes = [
            # dashboard "due this week / overdue", digest and check-in reminders
            models.Index(fields=["scheduled_for"], name="checkin_scheduled_idx"),
            # The same questions over everyone's work (the dashboard and worklists with
            # scope=all, the digest): only open check-ins, a few thousand of the 130,000
            # a large organisation keeps, so counting the overdue ones never reads the
            # recorded years.
            models.Index(
                fields=["scheduled_for"],
                condition=models.Q(held_on__isnull=True, cancelled=False),
                name="checkin_open_idx",
            ),
        ]
        constraints = [
            # generation from the cadence may run again: one slot is one row
            models.UniqueConstraint(
                fields=["engagement", "scheduled_for"], name="one_checkin_per_slot"
            ),
            models.CheckConstraint(
                condition=Q(held_on__isnull=True) | ~Q(status=""),
                name="recorded_checkin_has_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} check-in {self.scheduled_for:%Y-%m-%d}"

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return (
            self.held_on is None
            and not self.cancelled
            and self.scheduled_for < (now or timezone.now())
        )


class ActionItem(Owned, TimeStampedModel):
    owner_path = "checkin.engagement"

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="action_items")
    description = models.CharField(max_length=300, validators=[single_line_text])
    owner = person_field(related_name="action_items")
    owner_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="For an owner on the vendor's side.",
        validators=[single_line_text],
    )
    due_date = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(
        blank=True,
        help_text="How it ended when not simply done: closed with a reason, handed over.",
        validators=[multi_line_text],
    )

    class Meta:
        ordering = ["due_date"]
        indexes = [
            # dashboard and digest: open action items by owner and due date
            models.Index(fields=["owner", "due_date"], name="action_owner_due_idx"),
            # admin action item list: its page in the list's order (due_date, pk)
            models.Index(fields=["due_date", "id"], name="action_due_idx"),
            # communication and offboarding tabs: an engagement's open action items, read
            # through its check-ins without scanning every open item of every engagement
            models.Index(
                fields=["checkin"], condition=Q(done_on__isnull=True), name="action_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.description
