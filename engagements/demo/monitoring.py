"""Step 4 of a story file: KPIs from the templates and their history of values, nights of
the rollup job replayed, and the reviews and their decisions.

A `[[kpi]]` names its template and its `values`: one a month at each month's end from
the month of `from` (as many months as values, or cycling through them up to `until`);
or, with `every = "Friday"`, one that weekday each week up to `until`, each month's value
moved by the weekly `wobble`. Its `credit` is the contract's service-credit rule for it
(threshold, percent or fixed, cap); `[[credit_claim]]` tracks a credit the rollup
computed as the owner did (the KPI, a day in its period, claimed and received).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from engagements.models import (
    Engagement,
    Kpi,
    KpiTemplate,
    Measurement,
    PerformanceReview,
    Period,
    ServiceCredit,
)
from engagements.models.monitoring import period_bounds
from engagements.services.communication import decide_review
from engagements.services.monitoring import rollup_kpis

from .dates import Story, add_months, month_end
from .helpers import as_told


def ensure_kpi(
    engagement: Engagement, template_name: str, credit: dict[str, str] | None = None
) -> Kpi:
    existing = Kpi.objects.filter(engagement=engagement, name=template_name).first()
    if existing:
        return existing
    kpi = Kpi.from_template(KpiTemplate.objects.get(name=template_name), engagement=engagement)
    for part, value in (credit or {}).items():
        setattr(kpi, f"credit_{part}", Decimal(value))
    kpi.save()
    return kpi


def measure_kpis(engagement: Engagement, specs: list[dict[str, Any]], story: Story) -> None:
    for spec in specs:
        kpi = ensure_kpi(engagement, spec["template"], spec.get("credit"))
        by = story.person(spec["entered_by"]) if "entered_by" in spec else None
        for day, value in series(spec, story):
            measure(
                kpi,
                day,
                value,
                by=by,
                source=spec.get("source", "manual"),
                note=spec.get("note", ""),
            )


def series(spec: dict[str, Any], story: Story) -> Iterator[tuple[datetime.date, Decimal]]:
    """The days and values of a KPI's history."""
    values = [Decimal(value) for value in spec["values"]]
    first = story.day(spec["from"])
    if "every" in spec:
        wobble = [Decimal(value) for value in spec["wobble"]]
        weekly = weekdays(first, story.day(spec["until"]), spec["every"])
        for week, day in enumerate(weekly):
            month = (day.year - first.year) * 12 + day.month - first.month
            yield day, values[month] + wobble[week % len(wobble)]
        return
    months = first.replace(day=1)
    last = story.day(spec["until"]) if "until" in spec else add_months(months, len(values) - 1)
    offset = 0
    while months <= last:
        yield month_end(months), values[offset % len(values)]
        months, offset = add_months(months, 1), offset + 1


def weekdays(first: datetime.date, last: datetime.date, name: str) -> Iterator[datetime.date]:
    """Every `name`day (e.g. "Friday") from `first` to `last`, both included."""
    weekday = list(calendar.day_name).index(name)
    day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += datetime.timedelta(days=7)


def measure(
    kpi: Kpi, day: datetime.date, value: Decimal, *, by: Any, source: str, note: str
) -> None:
    """A value as entered on the KPI page, refused for the same reasons it would be there."""
    if Measurement.objects.filter(kpi=kpi, measured_on=day).exists():
        return
    if problem := kpi.value_problem(value) or Measurement.day_problem(day):
        raise ValueError(f"Demo value {value} for {kpi} on {day} refused: {problem}")
    Measurement.objects.create(
        kpi=kpi, measured_on=day, value=value, source=source, entered_by=by, note=note
    )


def replay_rollup_nights(engagement: Engagement, specs: list[dict[str, Any]], story: Story) -> None:
    """Run the real rollup job for the engagement as it ran on nights of the story.

    Rollups, scorecards, the vendor's standing and review flags come out as the job
    wrote them then; the flags it opens are dated to that night and, where the story
    says so, decided as on the review page.
    """
    for spec in specs:
        night = story.moment(spec["at"])
        before = set(engagement.reviews.values_list("pk", flat=True))
        rollup_kpis(engagement_id=engagement.pk, since=engagement.start_date, now=night)
        for review in engagement.reviews.exclude(pk__in=before).order_by("pk"):
            as_told(review, created_at=night, updated_at=night)
            if "decision" in spec:
                decide(review, spec["decision"], story)


def decide(review: PerformanceReview, spec: dict[str, Any], story: Story) -> None:
    """A decision as the review page records it (an improvement plan names its follow-up)."""
    decide_review(
        review=review,
        decision=spec["decision"],
        notes=spec["notes"],
        by=story.person(spec["by"]),
        plan_owner=story.person(spec["plan_owner"]) if "plan_owner" in spec else None,
        follow_up_on=story.day(spec["follow_up"]) if "follow_up" in spec else None,
        now=story.moment(spec["at"]),
    )


def open_reviews(engagement: Engagement, specs: list[dict[str, Any]], story: Story) -> None:
    """Reviews opened by hand, as on the review page, and their decisions."""
    for spec in specs:
        manual = engagement.reviews.filter(trigger=PerformanceReview.Trigger.MANUAL)
        if manual.filter(summary=spec["summary"]).exists():
            continue
        review = PerformanceReview.objects.create(
            engagement=engagement, trigger=PerformanceReview.Trigger.MANUAL, summary=spec["summary"]
        )
        as_told(review, created_at=story.moment(spec["opened"]))
        if "decision" in spec:
            decide(review, spec["decision"], story)


def track_credits(engagement: Engagement, specs: list[dict[str, Any]], story: Story) -> None:
    """Credits claimed (and received) as on the credits page, once the rollup computed them."""
    for spec in specs:
        period_start = period_bounds(Period.MONTH, story.day(spec["period"]))[0]
        credit = ServiceCredit.objects.filter(
            kpi__engagement=engagement, kpi__name=spec["kpi"], period_start=period_start
        ).first()
        if credit is None or credit.state != ServiceCredit.State.DUE:
            continue
        credit.state = ServiceCredit.State.CLAIMED
        credit.claimed_on = story.day(spec["claimed_on"])
        if "received_on" in spec:
            credit.state = ServiceCredit.State.RECEIVED
            credit.received_on = story.day(spec["received_on"])
        credit.note = story.text(spec.get("note", ""))
        credit.save()
