"""What every part of the generator shares: the shape asked for, the clock, the random
streams, and the people, vendors and engagements already made (by id)."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass(frozen=True)
class Shape:
    """How big the organisation is."""

    people: int
    vendors: int
    engagements: int
    kpis_per_engagement: int
    years: int

    def describe(self) -> str:
        return (
            f"people={self.people} vendors={self.vendors} engagements={self.engagements} "
            f"kpis_per_engagement={self.kpis_per_engagement} years={self.years}"
        )


# "large" is the organisation of issue 15; "small" the same shape at 1/33: still a page
# (25 rows) of every list, so the benchmark compares pages showing as much at both sizes.
SIZES = {
    "small": Shape(people=300, vendors=60, engagements=30, kpis_per_engagement=10, years=3),
    "large": Shape(
        people=10_000, vendors=2_000, engagements=1_000, kpis_per_engagement=10, years=3
    ),
}


@dataclass(frozen=True)
class Person:
    id: int
    role: str
    time_zone: str


@dataclass(frozen=True)
class PlannedEngagement:
    """An engagement as the later parts need it: who owns it and when the work ran."""

    id: int
    vendor_id: int
    owner_id: int
    co_owner_ids: tuple[int, ...]
    status: str
    start: datetime.date
    end: datetime.date | None
    created_at: datetime.datetime
    quality: float  # 0 good … 1 poor: KPI values, check-in colours and risks follow it

    @property
    def started(self) -> bool:
        return self.status != "planned"

    def last_day(self, today: datetime.date) -> datetime.date:
        """The last day the work went on (today for work still going on)."""
        return min(self.end, today) if self.end else today

    @property
    def owners(self) -> tuple[int, ...]:
        return (self.owner_id, *self.co_owner_ids)


@dataclass
class World:
    shape: Shape
    seed: int
    now: datetime.datetime
    people: list[Person] = field(default_factory=list)
    vendor_ids: list[int] = field(default_factory=list)
    # Vendors doing work for us (active or on watch): the engagements' vendors.
    working_vendor_ids: list[int] = field(default_factory=list)
    engagements: list[PlannedEngagement] = field(default_factory=list)
    written: Counter[str] = field(default_factory=Counter)

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    @property
    def first_day(self) -> datetime.date:
        """The start of the organisation's history: `years` before today."""
        return self.today - datetime.timedelta(days=365 * self.shape.years)

    def random(self, part: str) -> random.Random:
        """A stream of its own for each part, so changing one part leaves the others' rows
        as they were. Test data, not secrets: the point is that it repeats."""
        return random.Random(f"{self.seed}:{part}")  # nosec B311

    def person(self, pk: int) -> Person:
        return self.people[pk - 1]  # people are numbered 1, 2, … in the order made

    @property
    def managers(self) -> list[int]:
        return [person.id for person in self.people if person.role == "Manager"]


def moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware datetime on `day` in the server's time zone."""
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )
