"""An engagement on a phone (390 × 844) in a real browser: every tab reachable, no table
clipped, no chart text too small to read; and the laptop keeps its row of tabs
(outsourcing.tests.browser; deselect with -m "not browser")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from engagements.models import Engagement
from engagements.tests.factories import (
    ActionItemFactory,
    CheckInFactory,
    EngagementFactory,
    KpiFactory,
    KpiRollupFactory,
    MilestoneFactory,
    RiskFactory,
    ScorecardFactory,
)
from outsourcing.tests.browser import LAPTOP, PHONE, sign_in
from outsourcing.tests.factories import UserFactory

# Screenshots to look at after a run; the folder is git-ignored.
OUTPUT = Path(settings.BASE_DIR) / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = PHONE[0]
MIN_TEXT_PX = 9.5  # "about 10 px": 11-unit labels at the smallest scale a chart is drawn
TABS = "nav[aria-label='Sections of this engagement'] a.nav-link"
MONTHS = [datetime.date(2026, month, 1) for month in range(3, 12)]

# Every text of every visible chart, with the size it is drawn at on screen: the font size
# times the chart's scale (the length of the transform's x axis, so rotated labels count).
CHART_TEXT_SIZES = """() => Array.from(document.querySelectorAll('svg.outsourcing-chart text'))
  .filter((t) => t.getBoundingClientRect().width > 0)
  .map((t) => {
    const m = t.getScreenCTM();
    return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)];
  })"""


def busy_engagement(owner: Any) -> Engagement:
    """An engagement with the rows that make each tab wide: long names, KPIs with a history,
    scorecards, milestones, action items and risks."""
    engagement = EngagementFactory(
        owner=owner, title="24/7 IT support and service desk – Northwind Managed Services"
    )
    for n, name in enumerate(
        ("First-call resolution rate", "Tickets resolved within service level", "Uptime")
    ):
        kpi = KpiFactory(engagement=engagement, name=name)
        for i, month in enumerate(MONTHS):
            KpiRollupFactory(kpi=kpi, period_start=month, value=Decimal(88 + (i + n) % 10))
    for i, month in enumerate(MONTHS):
        ScorecardFactory(engagement=engagement, period_start=month, score=Decimal(70 + i * 3))
    MilestoneFactory(
        engagement=engagement,
        title="Knowledge base migrated to the vendor's ticketing system",
        description="All 1,240 articles, with their attachments and review dates.",
        due_date=datetime.date(2026, 1, 15),
    )
    MilestoneFactory(
        engagement=engagement,
        title="Out-of-hours escalation rota agreed",
        due_date=datetime.date(2026, 2, 1),
        completed_on=datetime.date(2026, 1, 28),
    )
    checkin = CheckInFactory(engagement=engagement, recorded=True)
    ActionItemFactory(
        checkin=checkin,
        description="Send the monthly availability report with the root causes of outages",
        due_date=datetime.date(2099, 1, 31),
    )
    RiskFactory(engagement=engagement, title="Administrator credentials shared by e-mail")
    RiskFactory(engagement=engagement, likelihood=5, impact=2, residual_likelihood=4)
    return engagement


def tab_urls(engagement: Engagement) -> list[str]:
    names = ("detail", "communication", "kpis", "risks", "compliance", "access", "reviews")
    return [reverse(f"engagements:engagement_{name}", args=[engagement.pk]) for name in names] + [
        reverse("engagements:engagement_offboarding", args=[engagement.pk])
    ]


def assert_no_sideways_scrolling(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def assert_every_tab_in_view(page: Any) -> None:
    tabs = page.locator(TABS)
    assert tabs.count() == 9  # from the overview to offboarding, spend among them
    for index in range(tabs.count()):
        tab = tabs.nth(index)
        box = tab.bounding_box()
        assert tab.is_visible() and box is not None, tab.inner_text()
        assert 0 <= box["x"] and box["x"] + box["width"] <= WIDTH, (tab.inner_text(), box)


def assert_tables_fit(page: Any, expected: int) -> None:
    """Each table lies inside the viewport and its scrolling box has nothing hidden."""
    tables = page.locator("table")
    assert tables.count() == expected, page.url
    for index in range(expected):
        table = tables.nth(index)
        box = table.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
        hidden = table.evaluate("(t) => t.parentElement.scrollWidth - t.parentElement.clientWidth")
        assert hidden <= 0, (page.url, index, hidden)


def assert_chart_text_readable(page: Any) -> None:
    sizes = page.evaluate(CHART_TEXT_SIZES)
    assert sizes, page.url
    too_small = [(label, round(px, 1)) for label, px in sizes if px < MIN_TEXT_PX]
    assert too_small == [], page.url


def test_on_a_phone_every_tab_shows_and_nothing_is_clipped_or_too_small(
    browser: Any, live_server: Any
) -> None:
    owner = UserFactory(username="maria", first_name="Maria", last_name="Tester")
    owner.groups.add(Group.objects.get_or_create(name="Manager")[0])
    engagement = busy_engagement(owner)
    quiet = EngagementFactory(owner=owner, title="Bookkeeping – Alder Bookkeeping Ltd")
    base = live_server.url
    page = sign_in(browser, base, "maria", PHONE)

    for url in tab_urls(engagement):
        page.goto(base + url)
        assert_no_sideways_scrolling(page)
        assert_every_tab_in_view(page)
        page.screenshot(
            path=OUTPUT / f"phone-{url.strip('/').replace('/', '-')}.png", full_page=True
        )

    page.goto(base + reverse("engagements:engagement_detail", args=[engagement.pk]))
    milestones = page.locator("#milestones table")
    assert milestones.locator("tbody tr").count() == 2
    assert "Due" in milestones.locator("tbody td[data-label=Due]").first.evaluate(
        "(td) => getComputedStyle(td, '::before').content"
    )
    assert_tables_fit(page, 1)

    page.goto(base + reverse("engagements:engagement_communication", args=[engagement.pk]))
    assert_tables_fit(page, 1)

    page.goto(base + reverse("engagements:engagement_kpis", args=[engagement.pk]))
    assert page.locator("table tbody tr").count() == 3
    assert_tables_fit(page, 1)
    assert_chart_text_readable(page)
    # The chart scrolls inside its card, not the page.
    assert_no_sideways_scrolling(page)

    page.get_by_role("link", name="Uptime", exact=True).click()
    page.wait_for_load_state()
    assert_tables_fit(page, 1)  # periods; no measurements entered
    assert_chart_text_readable(page)
    assert_no_sideways_scrolling(page)

    page.goto(base + reverse("engagements:engagement_risks", args=[engagement.pk]))
    assert_chart_text_readable(page)

    page.goto(base + reverse("engagements:engagement_kpis", args=[quiet.pk]))
    page.screenshot(path=OUTPUT / "phone-empty-kpis.png", full_page=True)
    empty = page.locator(".chart-empty")
    assert "No scorecards yet" in empty.inner_text()
    assert float(empty.evaluate("(p) => parseFloat(getComputedStyle(p).fontSize)")) >= 14
    assert page.evaluate(CHART_TEXT_SIZES) == []
    assert_no_sideways_scrolling(page)


def test_on_a_laptop_the_tabs_stay_one_row_of_tabs(browser: Any, live_server: Any) -> None:
    owner = UserFactory(username="maria")
    owner.groups.add(Group.objects.get_or_create(name="Manager")[0])
    engagement = busy_engagement(owner)
    base = live_server.url
    page = sign_in(browser, base, "maria", LAPTOP)

    page.goto(base + reverse("engagements:engagement_kpis", args=[engagement.pk]))
    tabs = page.locator(TABS)
    tops = {round(tabs.nth(i).bounding_box()["y"]) for i in range(tabs.count())}
    assert len(tops) == 1
    assert page.locator("nav ul.nav-tabs").evaluate(
        "(ul) => getComputedStyle(ul).borderBottomWidth"
    ) not in ("0px", "")
    # The KPI table is a table again: its header row shows.
    assert page.locator("table thead th", has_text="Target").is_visible()
