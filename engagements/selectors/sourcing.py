"""Sourcing: a selection's results, criterion by criterion and vendor by vendor."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import DateField, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from engagements.models import Criterion, Proposal, Score, Selection
from engagements.models.sourcing import Ranked, YearlyEquivalent
from vendors.models import Vendor, VendorQuerySet

from .money import Converted, convert_on, converted, with_rate

# --- prices compared like with like ------------------------------------------------


@dataclass(frozen=True)
class YearlyPrice:
    """A proposal's yearly equivalent in its own currency (`yearly`) and that amount in
    the base currency (`price`).

    `in_base` is None when the yearly equivalent cannot be worked out or no exchange
    rate is kept for the currency on the day: shown as "missing", never as zero.
    """

    yearly: YearlyEquivalent
    price: Converted  # on the day received, else today

    @property
    def currency(self) -> str:
        return self.price.currency

    @property
    def in_base(self) -> Decimal | None:
        return self.price.in_base

    @property
    def conversion(self) -> str:
        """Which rate converted it, or why it could not be converted; "" for the base."""
        return self.price.conversion

    @property
    def base_currency(self) -> str:
        return settings.DEFAULT_CURRENCY

    @property
    def comparable(self) -> bool:
        return self.in_base is not None

    @property
    def rate_missing(self) -> bool:
        return self.yearly.amount is not None and self.in_base is None


def shortlistable_vendors(selection: Selection) -> VendorQuerySet:
    """The vendors the selection may still shortlist: awardable, not on its shortlist yet."""
    return Vendor.objects.awardable().exclude(proposals__selection=selection)


def with_exchange_rates(
    proposals: QuerySet[Proposal], *, today: datetime.date | None = None
) -> QuerySet[Proposal]:
    """Proposals with the latest rate of their currency on or before the day they were
    received (today when not yet), in the same query; read by yearly_price()."""
    today = today or timezone.localdate()
    day = Coalesce(OuterRef("received_on"), Value(today, output_field=DateField()))
    return with_rate(proposals.select_related("selection__candidate"), day=day)


def yearly_price(proposal: Proposal, *, today: datetime.date | None = None) -> YearlyPrice:
    """The one answer to "what is this proposal worth a year, in the base currency?":
    for the proposal pages, the results and the award."""
    today = today or timezone.localdate()
    on = proposal.received_on or today
    yearly = proposal.yearly_equivalent()
    if hasattr(proposal, "rate_value"):  # with_exchange_rates
        rate, valid_from = proposal.rate_value, proposal.rate_valid_from  # type: ignore[attr-defined]
        price = converted(yearly.amount, proposal.currency, on, rate, valid_from)
    else:
        price = convert_on(yearly.amount, proposal.currency, on)
    return YearlyPrice(yearly=yearly, price=price)


def price_ranks(prices: Iterable[tuple[int, YearlyPrice]]) -> dict[int, int]:
    """Proposal id -> rank by yearly equivalent in the base currency, cheapest first;
    equal prices share a rank. Proposals that cannot be compared get no rank."""
    comparable = sorted(
        ((pk, price.in_base) for pk, price in prices if price.in_base is not None),
        key=lambda item: item[1],
    )
    ranks: dict[int, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, (pk, amount) in enumerate(comparable, start=1):
        if amount != previous:
            rank, previous = position, amount
        ranks[pk] = rank
    return ranks


# --- results -----------------------------------------------------------------------


@dataclass
class ResultCell:
    mean: Decimal | None
    disagreement: bool
    values: list[int] = field(default_factory=list)


@dataclass
class ResultRow:
    proposal: Proposal
    ranked: Ranked | None
    price: YearlyPrice
    price_rank: int | None  # by yearly equivalent in the base currency; None: not comparable
    cells: list[ResultCell] = field(default_factory=list)


@dataclass
class SelectionResults:
    rows: list[ResultRow]
    breakdown: list[tuple[Criterion, list[ResultCell]]]
    comments: list[tuple[Proposal, list[Score]]]

    @property
    def by_price(self) -> list[ResultRow]:
        """Cheapest yearly equivalent first; those that cannot be compared after them."""
        return sorted(self.rows, key=lambda row: (row.price_rank is None, row.price_rank or 0))

    @property
    def disagreement_count(self) -> int:
        return sum(len(row.ranked.disagreements) for row in self.rows if row.ranked)


def selection_results(selection: Selection, *, include_drafts: bool) -> SelectionResults:
    """Ranked proposals with each criterion's mean, the scores behind it and the comments;
    submitted scores only unless the owner asks to include drafts."""
    evaluation = selection.evaluation(submitted_only=not include_drafts)
    criteria = list(selection.criteria.all())
    proposals = {p.pk: p for p in with_exchange_rates(selection.proposals.select_related("vendor"))}
    prices = {pk: yearly_price(p) for pk, p in proposals.items()}
    ranks = price_ranks(prices.items())
    scores = Score.objects.filter(evaluator__selection=selection).select_related(
        "evaluator__user", "criterion"
    )
    if not include_drafts:
        scores = scores.filter(evaluator__submitted_at__isnull=False)
    values: dict[tuple[int, int], list[int]] = {}
    comments: dict[int, list[Score]] = {}
    for score in scores.order_by("criterion__order", "evaluator__invited_at"):
        values.setdefault((score.proposal_id, score.criterion_id), []).append(score.value)
        if score.comment:
            comments.setdefault(score.proposal_id, []).append(score)

    ranked_ids = [r.proposal_id for r in evaluation.ranking]
    order = ranked_ids + [pk for pk in proposals if pk not in ranked_ids]
    rows: list[ResultRow] = []
    for proposal_id in order:
        ranked = evaluation.for_proposal(proposal_id)
        rows.append(
            ResultRow(
                proposal=proposals[proposal_id],
                ranked=ranked,
                price=prices[proposal_id],
                price_rank=ranks.get(proposal_id),
                cells=[
                    ResultCell(
                        mean=ranked.by_criterion.get(c.pk) if ranked else None,
                        disagreement=bool(ranked and c.pk in ranked.disagreements),
                        values=sorted(values.get((proposal_id, c.pk), [])),
                    )
                    for c in criteria
                ],
            )
        )
    breakdown = [(c, [row.cells[i] for row in rows]) for i, c in enumerate(criteria)]
    return SelectionResults(
        rows=rows,
        breakdown=breakdown,
        comments=[(proposals[pk], comments.get(pk, [])) for pk in order] if comments else [],
    )
