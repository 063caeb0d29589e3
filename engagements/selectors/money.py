"""Money in the base currency (DEFAULT_CURRENCY): an amount in a currency on a day,
converted with the admin-kept exchange rates (ExchangeRate) at the latest rate on or
before that day, saying which rate was used or that it is missing – never zero.

The one conversion, in Python (`converted`, `convert_on`) and as an SQL expression
(`in_base`) for totals in one query; both round to the cent half up, as accountants
expect and as SQL's ROUND does, so a line and the total it counts in agree to the cent.
Spend (selectors/spend.py) and proposals' prices (selectors/sourcing.py) both use it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Round
from django.utils.dateformat import format as format_date

from engagements.models import ExchangeRate
from outsourcing.models import CENT

MONEY = DecimalField(max_digits=20, decimal_places=2)


def latest_rate(currency: str | OuterRef, day: Any) -> QuerySet[ExchangeRate]:
    """The rates of `currency` valid on `day`, the one in force first (a value, or an
    expression over the outer row)."""
    return ExchangeRate.objects.filter(currency=currency, valid_from__lte=day).order_by(
        "-valid_from"
    )


def with_rate(rows: QuerySet[Any], *, day: Any) -> QuerySet[Any]:
    """`rows` with the rate of their `currency` on `day` (an expression over each row)
    in the same query: `rate_value` and `rate_valid_from`, NULL when none is kept; what
    `converted` takes."""
    latest = latest_rate(OuterRef("currency"), day)
    return rows.annotate(
        rate_value=Subquery(latest.values("rate")[:1]),
        rate_valid_from=Subquery(latest.values("valid_from")[:1]),
    )


@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal  # one unit of `currency` in the base currency
    valid_from: datetime.date

    def __str__(self) -> str:
        rate = self.rate.normalize()
        when = format_date(self.valid_from, "j M Y")
        return f"1 {self.currency} = {rate:f} {settings.DEFAULT_CURRENCY}, rate of {when}"


@dataclass(frozen=True)
class Converted:
    """An amount in its own currency and in the base currency, with the rate used."""

    amount: Decimal | None  # None: the amount itself is not known
    currency: str
    in_base: Decimal | None  # None: no amount, or no rate kept for the currency on the day
    rate: RateUsed | None  # None for the base currency, or when missing
    on: datetime.date  # the day whose rate converts it

    @property
    def conversion(self) -> str:
        """Which rate converted it, or that it is missing; "" for the base currency."""
        if self.currency == settings.DEFAULT_CURRENCY:
            return ""
        if self.rate is None:
            return f"{self.currency} rate missing on {format_date(self.on, 'j M Y')}"
        return str(self.rate)


def converted(
    amount: Decimal | None,
    currency: str,
    on: datetime.date,
    rate: Decimal | None,
    valid_from: datetime.date | None,
) -> Converted:
    """`amount` in the base currency at `rate` (valid from `valid_from`), the rate of
    `currency` on `on` as `with_rate` or `convert_on` found it (None: none is kept)."""
    if currency == settings.DEFAULT_CURRENCY:
        return Converted(amount, currency, amount, None, on)
    if rate is None or valid_from is None:
        return Converted(amount, currency, None, None, on)
    used = RateUsed(currency, rate, valid_from)
    in_base = None if amount is None else (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return Converted(amount, currency, in_base, used, on)


def convert_on(amount: Decimal | None, currency: str, on: datetime.date) -> Converted:
    """One amount converted at the latest rate on or before `on` (one query, none for
    the base currency)."""
    rate = valid_from = None
    if currency != settings.DEFAULT_CURRENCY:
        found = latest_rate(currency, on).values_list("rate", "valid_from").first()
        rate, valid_from = found or (None, None)
    return converted(amount, currency, on, rate, valid_from)


def in_base(amount: str, currency: str, day: Any) -> Case:
    """SQL: `amount` (a column) in the base currency at the rate of `currency` (a column)
    on `day`, rounded to the cent as `converted` rounds it; NULL when no rate is kept."""
    rate = Subquery(latest_rate(OuterRef(currency), day).values("rate")[:1])
    return Case(
        When(**{currency: settings.DEFAULT_CURRENCY}, then=F(amount)),
        default=Round(ExpressionWrapper(F(amount) * rate, output_field=MONEY), 2),
        output_field=MONEY,
    )
