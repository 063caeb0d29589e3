"""Spend against value: what an engagement has cost, against its budget and its contract's
value, and where it is heading at the current run rate.

Amounts in other currencies are converted into the base currency (DEFAULT_CURRENCY) with
the admin-kept exchange rates (ExchangeRate): an invoice at the latest rate on or before
its date, the budget and the contract's value at today's. A missing rate is shown as
missing, never as zero: the amount stays out of the totals and the page says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Round
from django.utils import timezone

from engagements.models import Contract, Engagement, ExchangeRate, SpendEntry
from engagements.models.sourcing import CENT

from .scope import Engagements
from .sourcing import RateUsed

# Burn at or beyond this share of a limit warns; at 1 it is over.
NEAR = Decimal("0.8")


def _latest_rate(currency: str | OuterRef, day: datetime.date | OuterRef) -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.filter(currency=currency, valid_from__lte=day).order_by(
        "-valid_from"
    )


MONEY = DecimalField(max_digits=20, decimal_places=2)


def _in_base(amount: str, currency: str, day: Any) -> Case:
    """SQL: `amount` (a column) in the base currency at the rate of `currency` on `day`,
    rounded to the cent as `converted` rounds it; NULL when no rate is kept."""
    rate = Subquery(_latest_rate(OuterRef(currency), day).values("rate")[:1])
    return Case(
        When(**{currency: settings.DEFAULT_CURRENCY}, then=F(amount)),
        default=Round(ExpressionWrapper(F(amount) * rate, output_field=MONEY), 2),
        output_field=MONEY,
    )


def with_burn(engagements: Engagements, *, today: datetime.date) -> QuerySet[Engagement]:
    """These engagements with their spend and limits in the base currency, in one query:
    `spent` (entries whose rate is known, at each invoice's day), `unconverted` (entries
    left out for a missing rate), `budget_in_base` and `value_in_base` (today's rate;
    NULL when not set or no rate), and `burn` (the larger share of the two, NULL when
    neither is known). The spend tab, the dashboard and the digest all read it."""
    entries = SpendEntry.objects.filter(engagement=OuterRef("pk")).order_by()
    converted_entries = entries.annotate(
        in_base=_in_base("amount", "currency", OuterRef("spent_on"))
    )
    spent = converted_entries.values("engagement").annotate(total=Sum("in_base")).values("total")
    missing = (
        converted_entries.filter(in_base__isnull=True)
        .values("engagement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    contract = Contract.objects.filter(engagement=OuterRef("pk"))
    contract_value = contract.annotate(in_base=_in_base("value", "currency", Value(today))).values(
        "in_base"
    )[:1]
    return (
        Engagement.objects.filter(pk__in=engagements)
        .annotate(
            spent=Coalesce(
                Subquery(spent, output_field=MONEY), Value(Decimal("0")), output_field=MONEY
            ),
            unconverted=Coalesce(Subquery(missing), Value(0)),
            budget_in_base=_in_base("budget", "currency", Value(today)),
            value_in_base=Subquery(contract_value, output_field=MONEY),
        )
        # The larger share; 0 when neither limit is known (Greatest ignores NULLs on
        # PostgreSQL only, so they are made 0 first, for SQLite's sake).
        .annotate(
            burn=Greatest(
                Coalesce(_share("budget_in_base"), Value(0.0)),
                Coalesce(_share("value_in_base"), Value(0.0)),
                output_field=FloatField(),
            )
        )
    )


def _share(limit: str) -> Case:
    """spent ÷ limit as a fraction: in floating point, as SQLite would otherwise divide
    whole amounts as integers (80,000 ÷ 85,000 = 0)."""
    ratio = Cast("spent", FloatField()) / Cast(limit, FloatField())
    return Case(When(Q(**{f"{limit}__gt": 0}), then=ratio), default=None, output_field=FloatField())


def spend_warnings(engagements: Engagements, *, today: datetime.date) -> QuerySet[Engagement]:
    """Engagements whose spend has reached 80% of their budget or contract value, the
    most burnt first: the dashboard's panel and the digest's section. Only engagements
    with spend entered are weighed (one index look-up each): the others cannot be near."""
    has_spend = Exists(SpendEntry.objects.filter(engagement=OuterRef("pk")))
    return (
        with_burn(engagements, today=today)
        .filter(has_spend)
        .filter(burn__gte=float(NEAR))  # type: ignore[misc]
        .select_related("vendor")
        .order_by(F("burn").desc(), "title", "pk")
    )


def spend_entries(engagement: Engagement) -> QuerySet[SpendEntry]:
    """The engagement's spend, newest first, each with the rate of its currency on its day
    (rate_value, rate_valid_from) in the same query."""
    latest = _latest_rate(OuterRef("currency"), OuterRef("spent_on"))
    return (
        SpendEntry.objects.filter(engagement=engagement)
        .select_related("entered_by")
        .annotate(
            rate_value=Subquery(latest.values("rate")[:1]),
            rate_valid_from=Subquery(latest.values("valid_from")[:1]),
        )
        .order_by("-spent_on", "-pk")
    )


@dataclass(frozen=True)
class Converted:
    """An amount in its own currency and in the base currency, with the rate used."""

    amount: Decimal
    currency: str
    in_base: Decimal | None  # None: no rate kept for the currency on the day
    rate: RateUsed | None  # None for the base currency, or when missing
    on: datetime.date

    @property
    def rate_missing(self) -> bool:
        return self.in_base is None

    @property
    def conversion(self) -> str:
        """Which rate converted it, or that it is missing; "" for the base currency."""
        if self.currency == settings.DEFAULT_CURRENCY:
            return ""
        if self.rate is None:
            return f"{self.currency} rate missing on {self.on:%d %b %Y}"
        return str(self.rate)


def converted(
    amount: Decimal,
    currency: str,
    on: datetime.date,
    rate: tuple[Decimal, datetime.date] | None,
) -> Converted:
    if currency == settings.DEFAULT_CURRENCY:
        return Converted(amount, currency, amount, None, on)
    if rate is None or rate[0] is None:
        return Converted(amount, currency, None, None, on)
    used = RateUsed(currency, rate[0], rate[1])
    # Half up, as SQL's ROUND does in with_burn: the tab and the totals agree to the cent.
    in_base = (amount * used.rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return Converted(amount, currency, in_base, used, on)


def convert_on(amount: Decimal, currency: str, on: datetime.date) -> Converted:
    """One amount converted at the latest rate on or before `on` (one query, none for
    the base currency)."""
    rate = None
    if currency != settings.DEFAULT_CURRENCY:
        rate = _latest_rate(currency, on).values_list("rate", "valid_from").first()
    return converted(amount, currency, on, rate)


@dataclass(frozen=True)
class Burn:
    """Spend against one limit (the budget, or the contract's value), in the base currency."""

    label: str
    limit: Converted
    spent: Decimal
    forecast: Decimal | None

    @property
    def share(self) -> Decimal | None:
        if self.limit.in_base is None or not self.limit.in_base:
            return None
        return self.spent / self.limit.in_base

    @property
    def forecast_share(self) -> Decimal | None:
        if self.forecast is None or self.limit.in_base is None or not self.limit.in_base:
            return None
        return self.forecast / self.limit.in_base

    @property
    def percent(self) -> int | None:
        return None if self.share is None else int(self.share * 100)

    @property
    def level(self) -> str:
        """ "over" at 100% or more, "near" from 80%, else "ok" ("unknown" without a limit)."""
        if self.share is None:
            return "unknown"
        if self.share >= 1:
            return "over"
        return "near" if self.share >= NEAR else "ok"


@dataclass
class SpendSummary:
    lines: list[tuple[SpendEntry, Converted]] = field(default_factory=list)
    spent: Decimal = Decimal("0")  # in the base currency, converted lines only
    unconverted: int = 0  # lines left out of `spent` for a missing rate
    run_rate_per_day: Decimal | None = None
    term_end: datetime.date | None = None
    forecast: Decimal | None = None  # spend at the end of the term at the current run rate
    burns: list[Burn] = field(default_factory=list)

    @property
    def warning(self) -> Burn | None:
        """The limit most at risk when one is near (80%) or over: the one to say first."""
        worrying = [burn for burn in self.burns if burn.level in ("near", "over")]
        return max(worrying, key=lambda burn: burn.share or 0, default=None)


def spend_summary(engagement: Engagement, *, today: datetime.date | None = None) -> SpendSummary:
    """Everything the spend tab shows: the lines, the total, the run rate and its forecast,
    and the burn against the budget and the contract's value (a handful of queries).

    The total is with_burn's, as the dashboard and the digest count it; each line shows
    its own conversion beside it."""
    today = today or timezone.localdate()
    totals: Any = with_burn([engagement.pk], today=today).get()
    summary = SpendSummary(spent=totals.spent, unconverted=totals.unconverted)
    first: datetime.date | None = None
    last: datetime.date | None = None
    for entry in spend_entries(engagement):
        rate = (entry.rate_value, entry.rate_valid_from)  # type: ignore[attr-defined]
        line = converted(entry.amount, entry.currency, entry.spent_on, rate)
        summary.lines.append((entry, line))
        if line.in_base is not None:  # the periods a known amount pays for: the run rate
            first = min(first or entry.period_start, entry.period_start)
            last = max(last or entry.period_end, entry.period_end)
    contract = Contract.objects.filter(engagement=engagement).first()
    summary.term_end = contract.end_date if contract else engagement.end_date
    if first is not None and last is not None:
        covered = (last - first).days + 1
        summary.run_rate_per_day = summary.spent / covered
        if summary.term_end is not None and summary.term_end > last:
            ahead = (summary.term_end - last).days
            summary.forecast = (summary.spent + summary.run_rate_per_day * ahead).quantize(CENT)
        elif summary.term_end is not None:
            summary.forecast = summary.spent
    if engagement.budget is not None:
        budget = convert_on(engagement.budget, engagement.currency, today)
        summary.burns.append(Burn("budget", budget, summary.spent, summary.forecast))
    if contract is not None and contract.value:
        value = convert_on(contract.value, contract.currency, today)
        summary.burns.append(Burn("contract value", value, summary.spent, summary.forecast))
    return summary
