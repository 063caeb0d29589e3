"""KPIs from the admin's templates (and a few of the engagements' own), and their values:
daily to weekly, from when each KPI was first measured to today (never a day to come)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engagements.models import (
    Aggregation,
    Direction,
    Kpi,
    KpiTemplate,
    Measurement,
    Period,
)

from .bulk import insert
from .world import PlannedEngagement, World, moment


@dataclass(frozen=True)
class Definition:
    template_id: int | None
    name: str
    unit: str
    direction: str
    target: Decimal
    amber: Decimal
    red: Decimal
    aggregation: str
    period: str
    weight: Decimal

    @property
    def percent(self) -> bool:
        return self.unit == "%"


# KPIs an engagement keeps besides the templates' (the templates come from migrations).
OWN_KPIS = (
    Definition(None, "Tickets handled", "tickets", Direction.HIGHER, Decimal(500), Decimal(450),
               Decimal(400), Aggregation.SUM, Period.WEEK, Decimal(1)),
    Definition(None, "Backlog size", "tickets", Direction.LOWER, Decimal(50), Decimal(80),
               Decimal(120), Aggregation.LATEST, Period.WEEK, Decimal(1)),
    Definition(None, "Escalations", "count", Direction.LOWER, Decimal(2), Decimal(5),
               Decimal(10), Aggregation.SUM, Period.MONTH, Decimal("0.5")),
    Definition(None, "Quality audit score", "score 1–5", Direction.HIGHER, Decimal("4.5"),
               Decimal(4), Decimal("3.5"), Aggregation.AVERAGE, Period.QUARTER, Decimal(1)),
    Definition(None, "Invoice accuracy", "%", Direction.HIGHER, Decimal(99), Decimal(97),
               Decimal(95), Aggregation.AVERAGE, Period.QUARTER, Decimal(1)),
)  # fmt: skip
# Days between a KPI's values, and how many KPIs are measured so often.
INTERVALS: dict[int, float] = {7: 0.96, 3: 0.025, 1: 0.015}
PERIOD_DAYS: dict[str, float] = {Period.WEEK: 7, Period.MONTH: 30.4, Period.QUARTER: 91.3}


def definitions() -> list[Definition]:
    templates = [
        Definition(
            template.pk,
            template.name,
            template.unit,
            template.direction,
            template.target,
            template.amber_threshold,
            template.red_threshold,
            template.aggregation,
            template.period,
            template.weight,
        )
        for template in KpiTemplate.objects.order_by("pk")
    ]
    taken = {definition.name for definition in templates}
    return templates + [own for own in OWN_KPIS if own.name not in taken]


@dataclass(frozen=True)
class MeasuredKpi:
    id: int
    definition: Definition
    engagement: PlannedEngagement
    first_day: datetime.date
    interval: int


def make_kpis_and_measurements(world: World) -> None:
    rng = world.random("monitoring")
    available = definitions()
    per_engagement = world.shape.kpis_per_engagement  # at most len(available): check_shape
    kpis: list[dict[str, Any]] = []
    measured: list[MeasuredKpi] = []
    for engagement in world.engagements:
        for definition in rng.sample(available, k=per_engagement):
            number = len(kpis) + 1
            kpis.append(
                {
                    "id": number,
                    "engagement": engagement.id,
                    "template": definition.template_id,
                    "name": definition.name,
                    "description": "",
                    "unit": definition.unit,
                    "direction": definition.direction,
                    "target": definition.target,
                    "amber_threshold": definition.amber,
                    "red_threshold": definition.red,
                    "aggregation": definition.aggregation,
                    "period": definition.period,
                    "weight": definition.weight,
                    "allows_negative": False,
                    "is_active": True,
                    "created_at": engagement.created_at,
                    "updated_at": engagement.created_at,
                }
            )
            if engagement.started:
                # Some KPIs were measured from day one, others added as the work went on.
                days = (engagement.last_day(world.today) - engagement.start).days
                late = 0 if rng.random() < 0.5 else rng.randrange(0, max(1, days + 1))
                measured.append(
                    MeasuredKpi(
                        id=number,
                        definition=definition,
                        engagement=engagement,
                        first_day=engagement.start + datetime.timedelta(days=late),
                        interval=rng.choices(list(INTERVALS), list(INTERVALS.values()))[0],
                    )
                )
    world.written["KPIs"] = insert(Kpi, kpis)
    world.written["measurements"] = insert(Measurement, measurements(measured, world))


def measurements(kpis: list[MeasuredKpi], world: World) -> Iterator[dict[str, Any]]:
    """Each KPI's values, drifting around where its engagement performs: a good one near
    the target, a poor one towards the red threshold. Values are text with two decimals
    (the database reads them as numbers; cheaper than a million Decimals)."""
    rng = world.random("measurements")
    today = world.today
    number = 0
    for kpi in kpis:
        definition = kpi.definition
        target, red = float(definition.target), float(definition.red)
        # Where this KPI sits between target (0) and red (1), and how much it wobbles.
        level = min(1.2, max(0.0, rng.gauss(kpi.engagement.quality, 0.25)))
        spread = abs(target - red) * 0.35
        scale = 1.0
        if definition.aggregation == Aggregation.SUM:
            # Several values add up to the period's figure.
            scale = min(1.0, kpi.interval / PERIOD_DAYS[definition.period])
        last = kpi.engagement.last_day(today)
        step = datetime.timedelta(days=kpi.interval)
        day = kpi.first_day
        owners = kpi.engagement.owners
        source = rng.choice(("manual", "manual", "csv", "api"))
        while day <= last:
            value = target + (red - target) * level + rng.gauss(0, spread)
            value = max(0.0, min(100.0, value) if definition.percent else value) * scale
            entered = moment(day, 18)
            number += 1
            yield {
                "id": number,
                "kpi": kpi.id,
                "measured_on": day,
                "value": f"{value:.2f}",
                "source": source,
                "entered_by": owners[number % len(owners)],
                "note": "",
                "created_at": min(entered, world.now),
                "updated_at": min(entered, world.now),
            }
            day += step
