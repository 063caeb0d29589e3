"""Every list page, worklist and type-ahead search runs the same queries for one quiet
engagement as for many busy ones (issue 15): work grows with the page, not the data.

Each test counts one GET in a small world, then adds more than a page of rows of every
kind a page lists or offers to choose (people, vendors, engagements with owners and
co-owners, risks, check-ins, KPIs in red, reviews, evidence, candidates, selections,
compliance items) and counts again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings, settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import user_with_role
from engagements.models import Engagement
from engagements.tests.factories import (
    CandidateFactory,
    CheckInFactory,
    ComplianceItemFactory,
    EngagementFactory,
    EvidenceFactory,
    KpiFactory,
    KpiRollupFactory,
    PerformanceReviewFactory,
    ProposalFactory,
    RiskFactory,
    SelectionFactory,
)
from vendors.models import BusinessFunction
from vendors.tests.factories import ServiceCategoryFactory, VendorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()
DAY = datetime.timedelta(days=1)
# More than a page of each (PAGE_SIZE is 25), so "many" means a second page too.
MANY = 30

# Every list page and worklist, with the query strings people use on it.
PAGES = {
    "dashboard": ("engagements:dashboard", ""),
    "dashboard, everyone's": ("engagements:dashboard", "?scope=all"),
    "engagement list": ("engagements:engagement_list", ""),
    "engagement list by owner and vendor": (
        "engagements:engagement_list",
        "?owner={owner}&vendor={vendor}",
    ),
    "vendor list": ("vendors:vendor_list", ""),
    "candidate list": ("engagements:candidate_list", ""),
    "selection list": ("engagements:selection_list", ""),
    "selection list by owner": ("engagements:selection_list", "?owner={owner}"),
    "risk overview": ("engagements:risk_overview", ""),
    "risk overview by owner and vendor": (
        "engagements:risk_overview",
        "?owner={owner}&vendor={vendor}",
    ),
    "worklist: check-ins this week": ("engagements:worklist_checkins", "?when=week"),
    "worklist: overdue check-ins": ("engagements:worklist_checkins", "?when=overdue"),
    "worklist: KPIs in red": ("engagements:worklist_kpis", ""),
    "worklist: reviews": ("engagements:worklist_reviews", ""),
    "worklist: risks": ("engagements:worklist_risks", ""),
    "worklist: evidence": ("engagements:worklist_evidence", ""),
    "people search": ("people_search", "?field=owner&id=id_owner&q=a"),
    "people search, a choice": ("people_search", "?field=owner&id=id_owner&choose={owner}"),
    "vendor search": ("vendors:vendor_search", "?field=vendor&id=id_vendor&q=a"),
    "engagement search": ("engagements:engagement_search", "?field=engagement&id=id_e&q=e"),
}


@pytest.fixture(autouse=True)
def _frozen_time_and_appetite(settings: LazySettings) -> Iterator[None]:
    settings.RISK_APPETITE_SCORE = 12
    with time_machine.travel(NOW, tick=False):
        yield


def busy_engagement(owner: Any, co_owner: Any, vendor: Any) -> Engagement:
    """A live engagement with a row in every worklist and the risk overview."""
    engagement = EngagementFactory(owner=owner, vendor=vendor)
    engagement.co_owners.add(co_owner)
    red = KpiFactory(engagement=engagement)
    KpiRollupFactory(kpi=red, period_start=datetime.date(2026, 1, 1), value=Decimal("96"))
    KpiRollupFactory(kpi=red, period_start=datetime.date(2026, 2, 1), value=Decimal("80"))
    CheckInFactory(engagement=engagement, scheduled_for=NOW - DAY)
    CheckInFactory(engagement=engagement, scheduled_for=NOW + 2 * DAY)
    RiskFactory(engagement=engagement, residual_likelihood=3, residual_impact=4, owner=owner)
    RiskFactory(engagement=engagement, owner=co_owner)
    item = ComplianceItemFactory(engagement=engagement, expires_on=TODAY + 10 * DAY)
    EvidenceFactory(item=item)
    PerformanceReviewFactory(engagement=engagement)
    return engagement


def grow(manager: Any) -> None:
    """More than a page of everything, owned by many people, the manager among them."""
    people = [user_with_role("Manager", f"grown-{n}") for n in range(MANY)]
    for n in range(MANY):
        vendor = VendorFactory(legal_name=f"Grown vendor {n}")
        owner = manager if n % 3 == 0 else people[n]
        busy_engagement(owner, people[(n + 1) % MANY], vendor)
        selection = SelectionFactory(owner=owner, candidate__owner=owner)
        CandidateFactory(owner=owner)
        assert selection.pk


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def counts(client: Client, urls: dict[str, str]) -> dict[str, int]:
    for url in urls.values():
        client.get(url)  # warm up the session and caches
    return {page: queries_for(client, url) for page, url in urls.items()}


def test_every_list_page_runs_the_same_queries_for_one_quiet_engagement_as_for_many(
    manager: Any,
) -> None:
    engagement = EngagementFactory(owner=manager)  # nothing due, nothing at risk
    # One small risk: an empty register skips reading the page's rows (the risk
    # overview knows from its heat map that there are none: outsourcing.lists.page_of).
    RiskFactory(engagement=engagement, owner=manager)
    CandidateFactory(owner=manager)
    urls = {
        page: reverse(route) + query.format(owner=manager.pk, vendor=engagement.vendor_id)
        for page, (route, query) in PAGES.items()
    }
    client = Client()
    client.force_login(manager)
    small = counts(client, urls)

    grow(manager)
    large = counts(client, urls)

    differ = {page: (small[page], large[page]) for page in urls if small[page] != large[page]}
    assert not differ, f"queries (small, large) differ: {differ}"


def test_the_compliance_matrix_runs_the_same_queries_for_one_engagement_as_for_many(
    manager: Any,
) -> None:
    ComplianceItemFactory(engagement=EngagementFactory(owner=manager))
    url = reverse("engagements:compliance_matrix")
    client = Client()
    client.force_login(manager)
    client.get(url)
    small = queries_for(client, url)

    grow(manager)
    for engagement in Engagement.objects.all():
        ComplianceItemFactory(engagement=engagement)

    assert queries_for(client, url) == small


def test_the_shortlist_runs_the_same_queries_for_a_few_vendors_as_for_pages_of_them(
    manager: Any,
) -> None:
    selection = SelectionFactory(
        owner=manager, candidate__business_function=BusinessFunction.CUSTOMER_SERVICE
    )
    support = ServiceCategoryFactory(business_function=BusinessFunction.CUSTOMER_SERVICE)
    books = ServiceCategoryFactory(business_function=BusinessFunction.ACCOUNTING)

    def add_vendors(first: int, count: int) -> None:
        """`count` vendors offering the work's function and as many that do not, one of
        each on the shortlist."""
        for n in range(first, first + count):
            VendorFactory(legal_name=f"Support vendor {n}").services.add(support)
            VendorFactory(legal_name=f"Ledger vendor {n}").services.add(books)
        for name in (f"Support vendor {first}", f"Ledger vendor {first}"):
            ProposalFactory(selection=selection, vendor__legal_name=f"{name} (shortlisted)")

    url = reverse("engagements:shortlist", args=[selection.pk])
    urls = {
        "offering the function": url,
        "every vendor": f"{url}?vendors=all",
        "searched": f"{url}?q=vendor",
        "searched, every vendor, first page": f"{url}?q=vendor&vendors=all&page=1",
    }
    client = Client()
    client.force_login(manager)

    def counts_with_a_refused_add() -> dict[str, int]:
        found = counts(client, urls)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"{url}?q=vendor", {"add": "1"})  # nothing ticked
        assert response.status_code == 200
        assert "Choose at least one vendor to shortlist." in response.content.decode()
        return {**found, "an add with nothing ticked": len(captured)}

    add_vendors(0, 2)
    small = counts_with_a_refused_add()

    add_vendors(2, MANY)  # more than a page of each
    large = counts_with_a_refused_add()

    assert large == small
    # And the page holds one page of vendors, not every one of them.
    page = client.get(f"{url}?vendors=all").content.decode()
    assert page.count('type="checkbox" name="vendors"') == settings.PAGE_SIZE
