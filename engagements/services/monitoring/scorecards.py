"""Monthly engagement scorecards from the KPI rollups, and their history."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q

from engagements.models import (
    Engagement,
    Kpi,
    KpiRollup,
    KpiStatus,
    Measurement,
    Period,
    Scorecard,
)
from engagements.models.monitoring import period_bounds, scorecard
from outsourcing.formatting import number_text

from .periods import (
    ENGAGEMENT_BATCH,
    FOUR_PLACES,
    first_scorecard_month,
    first_scored_day,
    month_end,
    weeks_starting_in,
)
from .upserts import ids_in_json, ids_param, json_column, stamp, upsert_changed

# --- scorecards -----------------------------------------------------------------------


def write_scorecards(
    months: Mapping[int, set[datetime.date]], *, computed_at: datetime.datetime
) -> int:
    """Compute the monthly scorecard of each (engagement, month) given and write those
    new or changed, each with a history row; returns how many were written."""
    count = 0
    engagement_ids = sorted(months)
    for offset in range(0, len(engagement_ids), ENGAGEMENT_BATCH):
        chunk = {pk: months[pk] for pk in engagement_ids[offset : offset + ENGAGEMENT_BATCH]}
        rows = _scorecards_for(chunk, computed_at=computed_at)
        stored = _stored_scorecards(chunk)
        written = upsert_changed(
            Scorecard,
            keys=[("engagement_id", "bigint"), ("period", "text"), ("period_start", "date")],
            values=[
                ("period_end", "date"),
                ("score", "numeric"),
                ("kpis_counted", "integer"),
                ("kpis_without_data", "integer"),
                ("breakdown", "jsonb"),
            ],
            rows=[
                (
                    card.engagement_id,
                    card.period,
                    card.period_start.isoformat(),
                    card.period_end.isoformat(),
                    None if card.score is None else str(card.score),
                    card.kpis_counted,
                    card.kpis_without_data,
                    json_column(card.breakdown),
                )
                for card in rows
            ],
            computed_at=computed_at,
            returning="id, engagement_id, period_start",
        )
        created = {
            pk
            for pk, engagement_id, start in written
            if (engagement_id, _as_date(start)) not in stored
        }
        _record_scorecard_history(created, kind="+", computed_at=computed_at)
        _record_scorecard_history(
            {pk for pk, _, _ in written} - created, kind="~", computed_at=computed_at
        )
        count += len(written)
    return count


ScorecardKey = tuple[int, datetime.date]


def _as_date(value: datetime.date | str) -> datetime.date:
    """A date column from RETURNING: SQLite hands back its text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _stored_scorecards(months: Mapping[int, set[datetime.date]]) -> set[ScorecardKey]:
    """The batch's scorecards already stored (one query): a written one not among them
    is new."""
    return set(
        Scorecard.objects.filter(
            engagement_id__in=list(months),
            period=Period.MONTH,
            period_start__range=(
                min(min(due) for due in months.values()),
                max(max(due) for due in months.values()),
            ),
        ).values_list("engagement_id", "period_start")
    )


def _record_scorecard_history(ids: set[int], *, kind: str, computed_at: datetime.datetime) -> None:
    """History rows for the scorecards just written (new: "+", changed: "~"), copied from
    the table in one statement: the upsert bypasses save(), and a recompute that
    changed nothing writes no scorecard and so no history row. Raw SQL for the same
    reason as the upsert (upserts.py): simple-history's bulk_history_create sends the
    breakdowns as array parameters."""
    if not ids:
        return
    history = Scorecard.history.model
    quote = connection.ops.quote_name
    live = {field.column for field in Scorecard._meta.concrete_fields}
    given = {
        "history_date": stamp(computed_at),
        "history_change_reason": "KPI rollup",
        "history_type": kind,
        "history_user_id": None,
    }
    columns, picked, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.primary_key:  # history_id: the database numbers the rows
            continue
        columns.append(quote(field.column))
        if field.column in live:
            picked.append(quote(field.column))
        else:
            picked.append("%s")
            params.append(given[field.column])  # a new history field fails loudly here
    # Table and column names from model metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "  # nosec B608
        f"SELECT {', '.join(picked)} FROM {quote(Scorecard._meta.db_table)} "
        f"WHERE {quote('id')} IN ({ids_in_json()})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, ids_param(ids)])


@dataclass(frozen=True)
class StoredRollup:
    value: Decimal | None
    status: str


@dataclass(frozen=True)
class KpiPart:
    """One KPI's part in a month's scorecard."""

    weight: Decimal
    attainment: Decimal | None  # 0–1; None: no data, left out of the weights
    breakdown: dict[str, str | int | None]  # as shown and kept with the scorecard


def _scorecards_for(
    months: Mapping[int, set[datetime.date]], *, computed_at: datetime.datetime
) -> list[Scorecard]:
    """The scorecards of these engagements' due months, from the stored rollups (one
    query for the KPIs, one for their rollups over the months' span)."""
    kpis_of: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in Kpi.objects.filter(engagement_id__in=list(months), is_active=True).order_by("name"):
        kpis_of[kpi.engagement_id].append(kpi)
    first = period_bounds(Period.QUARTER, min(min(due) for due in months.values()))[0]
    last = month_end(max(max(due) for due in months.values()))
    rollups: dict[int, dict[datetime.date, StoredRollup]] = defaultdict(dict)
    for kpi_id, start, value, status in (
        KpiRollup.objects.filter(
            kpi__engagement_id__in=list(months),
            kpi__is_active=True,
            period_start__range=(first, last),
        )
        .order_by()
        .values_list("kpi_id", "period_start", "value", "status")
    ):
        rollups[kpi_id][start] = StoredRollup(value, status)
    cards = []
    for engagement_id, due in months.items():
        for month in sorted(due):
            parts = [kpi_part(kpi, month, rollups[kpi.pk]) for kpi in kpis_of[engagement_id]]
            result = scorecard((part.weight, part.attainment) for part in parts)
            cards.append(
                Scorecard(
                    engagement_id=engagement_id,
                    period=Period.MONTH,
                    period_start=month,
                    period_end=month_end(month),
                    score=result.score,
                    kpis_counted=result.counted,
                    kpis_without_data=result.without_data,
                    breakdown=[part.breakdown for part in parts],
                    computed_at=computed_at,
                )
            )
    return cards


def kpi_part(
    kpi: Kpi, month: datetime.date, rollups: Mapping[datetime.date, StoredRollup]
) -> KpiPart:
    """A KPI's value, status and attainment in a month's scorecard.

    Monthly KPIs use the month's rollup and quarterly ones the quarter's, as stored.
    Weekly KPIs use the mean of the weeks starting in the month that have data: the
    mean value (and its status) is shown, the mean attainment is scored.
    """
    if kpi.period == Period.WEEK:
        used = [rollups[start] for start in weeks_starting_in(month) if start in rollups]
    else:
        found = rollups.get(period_bounds(kpi.period, month)[0])
        used = [found] if found else []
    values = [rollup.value for rollup in used if rollup.value is not None]
    value: Decimal | None = None
    share: Decimal | None = None
    status: str = KpiStatus.NO_DATA
    if values and kpi.period != Period.WEEK:
        value, status = values[0], used[0].status
        share = kpi.attainment_for(value)
    elif values:
        value = (sum(values, Decimal("0")) / len(values)).quantize(FOUR_PLACES)
        status = kpi.status_for(value)
        shares = [kpi.attainment_for(v) or Decimal("0") for v in values]
        share = sum(shares, Decimal("0")) / len(shares)
    return KpiPart(
        weight=kpi.weight,
        attainment=share,
        breakdown={
            "kpi": kpi.name,
            "period": kpi.period,
            "periods_with_data": len(values),
            "weight": number_text(kpi.weight),
            "value": None if value is None else number_text(value),
            "status": status,
            "attainment": None if share is None else str(share.quantize(Decimal("0.001"))),
        },
    )


# --- values left out for their dates --------------------------------------------------


@dataclass(frozen=True)
class UnscoredValues:
    """Values of active KPIs that count in months before the engagement's first scorecard."""

    count: int
    dated_before_start: int  # of them, those dated before the engagement began
    began: datetime.date
    first_month: datetime.date

    @property
    def all_dated_before_start(self) -> bool:
        return self.count == self.dated_before_start


def unscored_values(engagement: Engagement) -> UnscoredValues | None:
    """The engagement's values no scorecard counts because of their dates (one query), or
    None when every value is in a scored month."""
    began = engagement.start_date
    unscored = Q()
    for period in Period.values:
        unscored |= Q(kpi__period=period, measured_on__lt=first_scored_day(period, began))
    counts = Measurement.objects.filter(
        unscored, kpi__engagement=engagement, kpi__is_active=True
    ).aggregate(count=Count("pk"), before=Count("pk", filter=Q(measured_on__lt=began)))
    if not counts["count"]:
        return None
    return UnscoredValues(
        count=counts["count"],
        dated_before_start=counts["before"],
        began=began,
        first_month=first_scorecard_month(began),
    )
