"""The demo's calendar: every date of the stories is told relative to the day it is seeded.

The story files (*.toml next to this module) write dates as small expressions, so the
stories stay dated from "today" however late the demo is loaded:

- an anchor: `today`, `month` (the first day of this month), or a date named in the
  story's `[dates]` table (`start`, `end`, …), each built from the ones above it;
- then steps, applied left to right: `+12d`, `-3w`, `-10m`, `+1y` (days, weeks, months,
  years);
- for a moment, a local time after a space (`"end 18:00"`, 10:00 when none is given), or
  `now`, the moment the stories are told.

`"month-10m"` is the first day of the month ten months ago; `"start+1y-1d"` the day
before the first anniversary of `start`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from engagements.models import Period
from engagements.models.monitoring import period_bounds
from vendors.models import Vendor

from .people import People

EXPRESSION = re.compile(
    r"(?P<anchor>[a-z_]+)(?P<steps>(?:[+-]\d+[dwmy])*)(?: (?P<time>\d\d:\d\d))?"
)
STEP = re.compile(r"([+-])(\d+)([dwmy])")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (negative: earlier), or the month's last day if shorter."""
    index = day.year * 12 + day.month - 1 + months
    first = datetime.date(index // 12, index % 12 + 1, 1)
    return first.replace(day=min(day.day, month_end(first).day))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def month_end(day: datetime.date) -> datetime.date:
    return period_bounds(Period.MONTH, day)[1]


def moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """An aware datetime on `day` in the server's time zone."""
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def step(day: datetime.date, count: int, unit: str) -> datetime.date:
    if unit == "y":
        return add_years(day, count)
    if unit == "m":
        return add_months(day, count)
    return day + datetime.timedelta(days=count * (7 if unit == "w" else 1))


@dataclass
class Story:
    """What a story file is told with: its day, its people and vendors, its named dates."""

    today: datetime.date
    now: datetime.datetime
    people: People
    vendors: dict[str, Vendor]
    dates: dict[str, datetime.date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.dates = {"today": self.today, "month": self.today.replace(day=1), **self.dates}

    def with_dates(self, named: Mapping[str, str]) -> Story:
        """The same story with the dates of a `[dates]` table, each built from those above."""
        story = Story(self.today, self.now, self.people, self.vendors, dict(self.dates))
        for name, expression in named.items():
            story.dates[name] = story.day(expression)
        return story

    def day(self, expression: str, **anchors: datetime.date) -> datetime.date:
        return self._parse(expression, anchors)[0]

    def moment(self, expression: str, **anchors: datetime.date) -> datetime.datetime:
        if expression == "now":
            return self.now
        day, time = self._parse(expression, anchors)
        return moment(day, time.hour, time.minute)

    def _parse(
        self, expression: str, anchors: Mapping[str, datetime.date]
    ) -> tuple[datetime.date, datetime.time]:
        found = EXPRESSION.fullmatch(expression)
        if found is None:
            raise ValueError(f"Not a demo date: {expression!r} (see engagements/demo/dates.py)")
        day = {**self.dates, **anchors}[found["anchor"]]
        for sign, count, unit in STEP.findall(found["steps"]):
            day = step(day, int(count) * (1 if sign == "+" else -1), unit)
        time = datetime.time.fromisoformat(found["time"] or "10:00")
        return day, time

    def person(self, username: str) -> User:
        user: User = getattr(self.people, username)
        return user

    def text(self, text: str, **names: Any) -> str:
        """Text with `{start:%Y}`-style dates (and any `names` given) filled in."""
        return text.format_map({**self.dates, **names}) if "{" in text else text

    def fields(
        self, model: type[models.Model], spec: Mapping[str, Any], **anchors: datetime.date
    ) -> dict[str, Any]:
        """The values of `spec`'s keys that are fields of `model`, read as that field reads:
        date expressions for dates and moments, Decimal for money, people by username,
        vendors by legal name. Other keys are for the builder that passed the spec."""
        values: dict[str, Any] = {}
        for name, raw in spec.items():
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if model_field.many_to_many or (
                model_field.many_to_one and model_field.related_model not in (User, Vendor)
            ):
                continue  # rows of the app's own tables: the builder looks them up
            values[name] = self._read(model_field, raw, anchors)
        return values

    def _read(self, model_field: Any, raw: Any, anchors: Mapping[str, datetime.date]) -> Any:
        if isinstance(model_field, models.DateTimeField):
            return self.moment(raw, **anchors)
        if isinstance(model_field, models.DateField):
            return self.day(raw, **anchors)
        if isinstance(model_field, models.TimeField):
            return datetime.time.fromisoformat(raw)
        if isinstance(model_field, models.DecimalField):
            return Decimal(str(raw))
        if isinstance(model_field, models.ForeignKey):
            if model_field.related_model is Vendor:
                return self.vendors[raw]
            return self.person(raw)
        if isinstance(raw, str):
            return self.text(raw)
        return raw
