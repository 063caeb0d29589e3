"""A small line of monthly scores (the vendor page's performance table)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.safestring import SafeString

from outsourcing.svg import document, empty, fmt

WIDTH, HEIGHT = 120, 32


def score_sparkline(
    *, chart_id: str, title: str, months: list[datetime.date], scores: list[Decimal | None]
) -> SafeString:
    """Monthly scores on a 0–100 scale; months without a score leave a gap."""
    if all(score is None for score in scores):
        return empty(chart_id=chart_id, title=title, message="No scores")
    step = (WIDTH - 8) / max(len(months) - 1, 1)

    def point(i: int, score: Decimal) -> tuple[str, str]:
        y = HEIGHT - 4 - float(score) / 100 * (HEIGHT - 8)
        return fmt(4 + i * step), fmt(y)

    runs: list[list[tuple[str, str]]] = [[]]
    for i, score in enumerate(scores):
        if score is None:
            runs.append([])
        else:
            runs[-1].append(point(i, score))
    body = "".join(
        f'<polyline fill="none" stroke="#0d6efd" stroke-width="2" '
        f'points="{" ".join(f"{x},{y}" for x, y in run)}"/>'
        for run in runs
        if len(run) > 1
    )
    body += "".join(
        f'<circle cx="{x}" cy="{y}" r="2" fill="#0d6efd"/>' for run in runs for x, y in run
    )
    described = "; ".join(
        f"{month:%b %Y}: {score}"
        for month, score in zip(months, scores, strict=True)
        if score is not None
    )
    return document(
        chart_id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        description=f"Monthly scores out of 100. {described}.",
        body=body,
    )
