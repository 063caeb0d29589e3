"""The renewal view: every notice deadline coming up, with what to weigh and a suggestion.

Beside each contract whose notice deadline falls in the window (notice not yet given):
the vendor's standing, the scorecard trend, the spend against the contract's value
(with_burn), the KPIs in red – and a suggestion drawn from the explicit rules of
`suggest_renewal`, shown with its reasons so the owner can disagree knowingly.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from engagements.models import (
    CreditProblem,
    Engagement,
    Period,
    RenewalAction,
    RenewalDecision,
    Scorecard,
)
from vendors.models import Vendor

from .credits import credits_of
from .monitoring import red_kpis
from .scope import Engagements, in_scope
from .spend import with_burn

# The window the view opens with, in days; the address may ask for 1 to MAX_DAYS.
DEFAULT_DAYS = 120
MAX_DAYS = 730
# Scorecards looked back over for the trend, and the drop (points) that counts as falling.
TREND_MONTHS = 3
FALLING = Decimal("10")
# Red KPIs from which the work is judged failing.
RED_LIMIT = 2
# Months of the last year in which a service level was missed badly enough to earn a
# service credit, from which the terms want renegotiating.
CREDIT_MONTHS_MISSED = 3
CREDIT_MONTHS = 12


# The suggestions are the decisions an owner records: one vocabulary, on the model.
Suggestion = RenewalAction


@dataclass(frozen=True)
class Advice:
    action: str
    reasons: list[str]

    @property
    def label(self) -> str:
        return Suggestion(self.action).label


def suggest_renewal(
    *,
    standing: str,
    red_kpis: int,
    burn_of_value: float | None,
    score_change: Decimal | None,
    in_house_yearly: Decimal | None,
    yearly_run_rate: Decimal | None,
    missed_months: int = 0,
) -> Advice:
    """The rules, strongest first; every rule that holds adds its reason.

    - standing poor, or RED_LIMIT or more KPIs in red → replace the vendor;
    - the in-house estimate (from the candidate's assessment) below what the work now
      costs a year → bring it in-house;
    - spend at or over the contract's value, the score falling by FALLING points or
      more over TREND_MONTHS months, or service credits earned in CREDIT_MONTHS_MISSED or
      more months of the last CREDIT_MONTHS → renegotiate;
    - otherwise → renew.
    """
    replace, in_house, renegotiate = [], [], []
    if standing == Vendor.Standing.POOR:
        replace.append("the vendor's standing is poor")
    if red_kpis >= RED_LIMIT:
        replace.append(f"{red_kpis} KPIs are in red")
    if in_house_yearly is not None and yearly_run_rate and in_house_yearly < yearly_run_rate:
        in_house.append(
            f"in-house was estimated at {in_house_yearly:,.0f} a year, below the "
            f"{yearly_run_rate:,.0f} the work now costs a year"
        )
    if burn_of_value is not None and burn_of_value >= 1:
        renegotiate.append(f"spend is {burn_of_value:.0%} of the contract's value")
    if score_change is not None and score_change <= -FALLING:
        renegotiate.append(
            f"the scorecard fell {-score_change:.1f} points over {TREND_MONTHS} months"
        )
    if missed_months >= CREDIT_MONTHS_MISSED:
        renegotiate.append(
            f"service levels missed in {missed_months} of the last {CREDIT_MONTHS} months "
            "(service credits earned)"
        )
    for action, reasons in (
        (Suggestion.REPLACE, replace),
        (Suggestion.IN_HOUSE, in_house),
        (Suggestion.RENEGOTIATE, renegotiate),
    ):
        if reasons:
            others = [r for r in replace + in_house + renegotiate if r not in reasons]
            return Advice(action, reasons + [f"also: {r}" for r in others])
    return Advice(
        Suggestion.RENEW,
        ["standing, KPIs and spend give no reason to change"],
    )


def upcoming_renewals(
    engagements: Engagements, *, today: datetime.date, days: int
) -> QuerySet[Engagement]:
    """Engagements whose contract's notice deadline falls from today to `days` ahead and
    still asks for a decision, soonest first, with their burn (with_burn)."""
    horizon = today + datetime.timedelta(days=days)
    return (
        with_burn(engagements, today=today)
        .filter(
            contract__notice_deadline__range=(today, horizon),
            contract__notice_given_on__isnull=True,
        )
        .select_related("contract", "vendor", "owner", "candidate")
        .order_by(F("contract__notice_deadline").asc(), "title", "pk")
    )


@dataclass(frozen=True)
class RenewalRow:
    engagement: Any  # from upcoming_renewals: contract, vendor, burn annotations
    latest_score: Decimal | None
    score_change: Decimal | None
    red_kpis: int
    yearly_run_rate: Decimal | None
    advice: Advice
    # The owner's latest decision on the contract, if one is recorded.
    decision: RenewalDecision | None = None
    # Service credits due or claimed, not received yet: (currency, amount) pairs.
    open_credits: tuple[tuple[str, Decimal], ...] = ()

    @property
    def burn_of_value(self) -> float | None:
        return _burn_of_value(self.engagement)


def _burn_of_value(engagement: Any) -> float | None:
    """Spend as a share of the contract's value (with_burn's figures); None without one."""
    value = engagement.value_in_base
    return float(engagement.spent / value) if value else None


def renewal_rows(page: Sequence[Any], *, today: datetime.date) -> list[RenewalRow]:
    """The page's engagements with what the suggestion weighs: two queries for the page
    (scorecards of the last months, red KPIs), whatever its length."""
    ids = [engagement.pk for engagement in page]
    since = today.replace(day=1) - relativedelta(months=TREND_MONTHS)
    scores: dict[int, list[Decimal]] = defaultdict(list)
    for engagement_id, score in (
        Scorecard.objects.filter(
            engagement_id__in=ids,
            period=Period.MONTH,
            score__isnull=False,
            period_start__gte=since,
        )
        .order_by("engagement_id", "period_start")
        .values_list("engagement_id", "score")
    ):
        if score is not None:
            scores[engagement_id].append(score)
    decisions = latest_decisions(ids)
    open_credits, missed = _credits_by_engagement(ids, today=today)
    red = dict(
        red_kpis(ids)
        .order_by()
        .values("engagement_id")
        .annotate(n=Count("pk"))
        .values_list("engagement_id", "n")
    )
    rows = []
    for engagement in page:
        history = scores.get(engagement.pk, [])
        change = history[-1] - history[0] if len(history) > 1 else None
        rate = _yearly_run_rate(engagement, today)
        candidate = engagement.candidate
        rows.append(
            RenewalRow(
                engagement=engagement,
                latest_score=history[-1] if history else None,
                score_change=change,
                red_kpis=red.get(engagement.pk, 0),
                yearly_run_rate=rate,
                advice=suggest_renewal(
                    standing=engagement.vendor.standing,
                    red_kpis=red.get(engagement.pk, 0),
                    burn_of_value=_burn_of_value(engagement),
                    score_change=change,
                    in_house_yearly=candidate.in_house_yearly_cost if candidate else None,
                    yearly_run_rate=rate,
                    missed_months=missed.get(engagement.pk, 0),
                ),
                decision=decisions.get(engagement.pk),
                open_credits=tuple(open_credits.get(engagement.pk, ())),
            )
        )
    return rows


def _credits_by_engagement(
    ids: Sequence[int], *, today: datetime.date
) -> tuple[dict[int, list[tuple[str, Decimal]]], dict[int, int]]:
    """Per engagement: its open credits by currency, and the months of the last
    CREDIT_MONTHS in which a service level was missed (a credit earned, whether claimed,
    waived or not priced for want of a fee; a period without values is no miss). Two
    grouped queries for the page."""
    since = today.replace(day=1) - relativedelta(months=CREDIT_MONTHS)
    credits = credits_of(ids).order_by()
    open_credits: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for engagement_id, currency, amount in (
        credits.open()
        .values("kpi__engagement_id", "currency")
        .annotate(amount=Sum("amount"))
        .values_list("kpi__engagement_id", "currency", "amount")
    ):
        open_credits[engagement_id].append((currency, amount))
    missed = dict(
        credits.exclude(problem=CreditProblem.NO_DATA)
        .filter(period_start__gte=since)
        .values("kpi__engagement_id")
        .annotate(months=Count(TruncMonth("period_start"), distinct=True))
        .values_list("kpi__engagement_id", "months")
    )
    return open_credits, missed


def latest_decisions(engagement_ids: Sequence[int]) -> dict[int, RenewalDecision]:
    """The latest renewal decision on each engagement's contract, by engagement id: one
    query; a contract holds a handful of decisions at most."""
    latest: dict[int, RenewalDecision] = {}
    for decision in (
        RenewalDecision.objects.filter(
            contract__engagement_id__in=engagement_ids,
            # taken for the term now running: one taken before a roll asked of another
            renews_on=Coalesce("contract__renewal_date", "contract__end_date"),
        )
        .select_related("decided_by", "contract")
        .order_by("contract_id", "-decided_at", "-pk")
    ):
        latest.setdefault(decision.contract.engagement_id, decision)
    return latest


def renewal_row(engagement: Engagement, *, today: datetime.date) -> RenewalRow:
    """One engagement's row as the renewal view shows it, wherever its deadline falls: the
    page that records a decision shows the same suggestion and reasons."""
    annotated = (
        with_burn(Engagement.objects.filter(pk=engagement.pk), today=today)
        .select_related("contract", "vendor", "owner", "candidate")
        .get()
    )
    return renewal_rows([annotated], today=today)[0]


def _yearly_run_rate(engagement: Any, today: datetime.date) -> Decimal | None:
    """What the work costs a year at the rate spent so far since it started."""
    if not engagement.spent:
        return None
    days = (min(today, engagement.end_date or today) - engagement.start_date).days + 1
    return (engagement.spent * 365 / days).quantize(Decimal("1")) if days > 0 else None


def renewals_for(user: Any, scope: str, *, days: int) -> QuerySet[Engagement]:
    """upcoming_renewals over the engagements in scope (planned work too: its contract's
    deadlines are watched like live work's)."""
    return upcoming_renewals(
        in_scope(user, scope, watched=True), today=timezone.localdate(), days=days
    )
