"""How numbers, days and counts read in messages, emails and history, the same everywhere."""

from __future__ import annotations

import datetime
import functools
import math
import zoneinfo
from decimal import Decimal


def number_text(number: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 95.5000 -> "95.5", 1E+2 -> "100"."""
    return format(number.normalize(), "f")


@functools.lru_cache(maxsize=1024)  # a digest names the same few days thousands of times
def format_day(day: datetime.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def format_moment(moment: datetime.datetime, time_zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(time_zone))
    return f"{format_day(local.date())}, {local:%H:%M} ({time_zone})"


def whole_percent(share: float | Decimal) -> int:
    """A share (0.85) as the whole percent shown beside a limit (85), rounded down so that
    it never shows a mark not yet reached: 99.6% of a budget is 99%, not 100% beside
    "nearing"; 100% or more only once the limit is reached."""
    # As written, not as stored in binary: the float 0.29 times 100 is 28.999…
    percent = math.floor(Decimal(str(share)) * 100)
    return min(percent, 99) if share < 1 else max(percent, 100)


def in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def one_line(text: str, limit: int = 250) -> str:
    """A subject on one line (headers refuse newlines) that fits the column."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
