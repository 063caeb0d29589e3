"""`make bench` (issue 15): how the pages' cost grows with the data.

P1 asks every page a manager reads day to day at two sizes of the same generated
organisation (`generate_scale --size small|large`) and compares: the median latency
at large ÷ at small (goal ≤ 1.2) and the number of queries at both (goal: equal).

P2 runs the dashboard under gunicorn on the large data, with Redis as production has it,
and compares its requests per second with a minimal signed-in page's on the same server
(throughput.py; goal ≥ 0.3); the dashboard with its page cache off is shown beside them.

This module holds what the parent process and the measuring child share and what the
tests check without a database: the pages, the arithmetic and the table. The child
(`measure.py`) runs inside Django against one database; `__main__.py` prepares the
databases and prints the table.
"""

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Goals from issue 15.
RATIO_GOAL = 1.2
THROUGHPUT_GOAL = 0.3  # P2: the dashboard's requests per second ÷ the minimal page's
PARTS = ("p1", "p2", "p3", "p4")
UNCACHED = "dashboard, page cache off"  # P2's record of the dashboard made afresh
SIZES = ("small", "large")


@dataclass(frozen=True)
class Page:
    label: str
    route: str
    # What the route needs: nothing, the chosen engagement or the chosen vendor.
    needs: str = ""


WORKLISTS = ("checkins", "kpis", "reviews", "risks", "evidence")
ENGAGEMENT_TABS = (
    ("engagement: overview", "engagement_detail"),
    ("engagement: communication", "engagement_communication"),
    ("engagement: KPIs", "engagement_kpis"),
    ("engagement: reviews", "engagement_reviews"),
    ("engagement: risks", "engagement_risks"),
    ("engagement: data access", "engagement_access"),
    ("engagement: compliance", "engagement_compliance"),
    ("engagement: offboarding", "engagement_offboarding"),
)

PAGES: tuple[Page, ...] = (
    Page("dashboard", "engagements:dashboard"),
    Page("engagement list", "engagements:engagement_list"),
    Page("vendor list", "vendors:vendor_list"),
    Page("candidate list", "engagements:candidate_list"),
    Page("selection list", "engagements:selection_list"),
    Page("risk overview", "engagements:risk_overview"),
    Page("compliance matrix", "engagements:compliance_matrix"),
    *(Page(f"worklist: {kind}", f"engagements:worklist_{kind}") for kind in WORKLISTS),
    *(Page(label, f"engagements:{name}", needs="engagement") for label, name in ENGAGEMENT_TABS),
    Page("vendor page", "vendors:vendor_detail", needs="vendor"),
)


def median_ms(seconds: Iterable[float]) -> float:
    return statistics.median(seconds) * 1000


def ratio(small: float, large: float) -> float:
    """Large ÷ small; infinite when small took no time at all (it never does)."""
    return large / small if small else float("inf")


def meets_goals(small: Mapping[str, Any], large: Mapping[str, Any]) -> tuple[bool, bool]:
    """(latency ratio within RATIO_GOAL, same query count) for one page."""
    return (
        ratio(small["median_ms"], large["median_ms"]) <= RATIO_GOAL,
        small["queries"] == large["queries"],
    )


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def p1_table(results: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """The P1 table as Markdown: one row a page, from each size's {label: figures}."""
    small, large = results["small"], results["large"]
    lines = [
        "| page | median small (ms) | median large (ms) | ratio (≤ 1.2) "
        "| queries small | queries large (equal) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    met = 0
    for page in PAGES:
        s, l_ = small[page.label], large[page.label]
        fast, same = meets_goals(s, l_)
        met += fast and same
        lines.append(
            f"| {page.label} | {s['median_ms']:.1f} | {l_['median_ms']:.1f} "
            f"| {ratio(s['median_ms'], l_['median_ms']):.2f} {mark(fast)} "
            f"| {s['queries']} | {l_['queries']} {mark(same)} |"
        )
    lines.append("")
    lines.append(f"{met} of {len(PAGES)} pages meet both goals.")
    return "\n".join(lines)


def spread(seconds: Sequence[float]) -> str:
    """Min, median and max of one page's timings, for the numbers behind the table."""
    ms = sorted(s * 1000 for s in seconds)
    return f"min {ms[0]:.1f}, median {median_ms(seconds):.1f}, max {ms[-1]:.1f} ms"


def p2_table(result: Mapping[str, Any]) -> str:
    """P2 as Markdown: each page's requests per second under gunicorn, and their ratio."""
    pages = result["pages"]
    minimal, dashboard = pages["minimal"], pages["dashboard"]
    share = ratio(minimal["per_second"], dashboard["per_second"])
    lines = [
        f"P2: requests per second under gunicorn ({result['workers']} workers, "
        f"{result['clients']} clients at a time, large data, signed in as {result['user']})",
        "",
        "| page | requests | failed | seconds | per second |",
        "|---|--:|--:|--:|--:|",
    ]
    uncached = pages.get(UNCACHED)
    shown = [("minimal signed-in page", minimal), ("dashboard", dashboard)]
    if uncached:
        shown.append((UNCACHED, uncached))
    for name, figures in shown:
        lines.append(
            f"| {name} | {figures['requests']:,} | {figures['failed']} "
            f"| {figures['seconds']:.1f} | {figures['per_second']:.1f} |"
        )
    failed = sum(figures["failed"] for _, figures in shown)
    lines.append("")
    lines.append(
        f"Dashboard ÷ minimal: {share:.2f} {mark(share >= THROUGHPUT_GOAL and not failed)} "
        f"(goal ≥ {THROUGHPUT_GOAL}, no failed requests)"
    )
    if uncached:
        lines.append(
            f"With its page cache off (each look made afresh, as the first after a change): "
            f"{ratio(minimal['per_second'], uncached['per_second']):.2f}"
        )
    return "\n".join(lines)
