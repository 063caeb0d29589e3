"""Spend against value: what an engagement has cost, against its budget and its contract's
value, and where it is heading at the current run rate.

Amounts in other currencies are converted into the base currency (DEFAULT_CURRENCY) with
the admin-kept exchange rates (ExchangeRate): an invoice at the latest rate on or before
its date, the budget and the contract's value at today's. A missing rate is shown as
missing, never as zero: the amount stays out of the totals and the page says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
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
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from engagements.models import Contract, Engagement, SpendEntry
from outsourcing.formatting import whole_percent
from outsourcing.models import CENT

from .money import MONEY, Converted, convert_on, converted, in_base, with_rate
from .scope import Engagements

# Burn at or beyond this share of a limit warns; at 1 it is over.
NEAR = Decimal("0.8")


def with_burn(engagements: Engagements, *, today: datetime.date) -> QuerySet[Engagement]:
    """These engagements with their spend and limits in the base currency, in one query:
    `spent` (entries whose rate is known, at each invoice's day), `unconverted` (entries
    left out for a missing rate), `budget_in_base` and `value_in_base` (today's rate;
    NULL when not set or no rate), `budget_share` and `value_share` (spent ÷ each, NULL
    when it is not known) and `burn` (the larger share, 0 when neither is known). The
    spend tab, the dashboard and the digest all read it."""
    entries = SpendEntry.objects.filter(engagement=OuterRef("pk")).order_by()
    converted_entries = entries.annotate(
        in_base=in_base("amount", "currency", OuterRef("spent_on"))
    )
    spent = converted_entries.values("engagement").annotate(total=Sum("in_base")).values("total")
    missing = (
        converted_entries.filter(in_base__isnull=True)
        .values("engagement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    contract = Contract.objects.filter(engagement=OuterRef("pk"))
    contract_value = contract.annotate(in_base=in_base("value", "currency", Value(today))).values(
        "in_base"
    )[:1]
    return (
        Engagement.objects.filter(pk__in=engagements)
        .annotate(
            spent=Coalesce(
                Subquery(spent, output_field=MONEY), Value(Decimal("0")), output_field=MONEY
            ),
            unconverted=Coalesce(Subquery(missing), Value(0)),
            budget_in_base=in_base("budget", "currency", Value(today)),
            value_in_base=Subquery(contract_value, output_field=MONEY),
        )
        .annotate(budget_share=_share("budget_in_base"), value_share=_share("value_in_base"))
        # The larger share; 0 when neither limit is known (Greatest ignores NULLs on
        # PostgreSQL only, so they are made 0 first, for SQLite's sake).
        .annotate(
            burn=Greatest(
                Coalesce("budget_share", Value(0.0)),
                Coalesce("value_share", Value(0.0)),
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
    entries = SpendEntry.objects.filter(engagement=engagement).select_related("entered_by")
    return with_rate(entries, day=OuterRef("spent_on")).order_by("-spent_on", "-pk")


@dataclass(frozen=True)
class Burn:
    """Spend against one limit (the budget, or the contract's value), in the base currency:
    with_burn's figures, so the tab says what the dashboard and the digest say."""

    label: str
    limit: Converted
    spent: Decimal
    forecast: Decimal | None
    share: float | None  # spent ÷ the limit; None when the limit is not known

    @property
    def forecast_share(self) -> Decimal | None:
        if self.forecast is None or self.limit.in_base is None or not self.limit.in_base:
            return None
        return self.forecast / self.limit.in_base

    @property
    def percent(self) -> int | None:
        """As the dashboard's badge and the digest show it (whole_percent)."""
        return None if self.share is None else whole_percent(self.share)

    @property
    def level(self) -> str:
        return burn_level(self.share)


def burn_level(share: float | None) -> str:
    """ "over" at 100% of a limit or more, "near" from 80%, else "ok" ("unknown" without
    a limit): the tab, the dashboard's badge and the digest all say it by this."""
    if share is None:
        return "unknown"
    if share >= 1:
        return "over"
    return "near" if share >= NEAR else "ok"


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
        line = converted(
            entry.amount,
            entry.currency,
            entry.spent_on,
            entry.rate_value,  # type: ignore[attr-defined]
            entry.rate_valid_from,  # type: ignore[attr-defined]
        )
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
        budget = _limit(engagement.budget, engagement.currency, totals.budget_in_base, today)
        summary.burns.append(
            Burn("budget", budget, summary.spent, summary.forecast, totals.budget_share)
        )
    if contract is not None and contract.value:
        value = _limit(contract.value, contract.currency, totals.value_in_base, today)
        summary.burns.append(
            Burn("contract value", value, summary.spent, summary.forecast, totals.value_share)
        )
    return summary


def _limit(
    amount: Decimal, currency: str, in_base: Decimal | None, today: datetime.date
) -> Converted:
    """A limit in the base currency as with_burn converted it, with the rate it used (the
    same latest rate on or before today) named beside it."""
    return replace(convert_on(amount, currency, today), in_base=in_base)
