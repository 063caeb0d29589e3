"""Step 3 pages: the engagement list and the engagement page's overview."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import Engagement
from engagements.tests.factories import ContractFactory, EngagementFactory, MilestoneFactory
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import READ, renamed, user_for, without

pytestmark = pytest.mark.django_db

# Every role reads engagements; no co-owner here, the superuser goes by its fixture.
ROLES = renamed(without(READ, "co_owner"), superuser="admin_user")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ["engagement_list", "engagement_detail"])
def test_everyone_with_a_role_reads_engagements(
    route: str, role: str, manager: Any, client_for: Callable[[Any], Any], request: Any
) -> None:
    engagement = EngagementFactory(owner=manager)
    args = [engagement.pk] if route == "engagement_detail" else []
    client = client_for(user_for(role, request))

    response = client.get(reverse(f"engagements:{route}", args=args))

    assert response.status_code == ROLES[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", ["engagement_list", "engagement_detail"])
def test_the_engagement_pages_take_no_posts(
    route: str, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager, title="Unchanged")
    args = [engagement.pk] if route == "engagement_detail" else []

    response = client_for(manager).post(
        reverse(f"engagements:{route}", args=args), {"title": "Changed"}
    )

    assert response.status_code == 405
    assert Engagement.objects.get().title == "Unchanged"


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_engagement_list_runs_the_same_queries_for_5_and_50_rows(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    url = reverse("engagements:engagement_list")
    EngagementFactory.create_batch(5, owner=manager)
    few = queries_for(client, url)

    EngagementFactory.create_batch(45)

    assert queries_for(client, url) == few
    assert queries_for(client, url + "?page=2&sort=vendor") == few


def test_the_engagement_list_filters_by_status_owner_and_vendor(
    manager: Any, other_manager: Any, client_for: Callable[[Any], Any]
) -> None:
    mine = EngagementFactory(title="Helpdesk", owner=manager)
    shared = EngagementFactory(title="Payroll", owner=other_manager)
    shared.co_owners.add(manager)
    EngagementFactory(title="Design", owner=other_manager, status=Engagement.Status.COMPLETED)
    client = client_for(manager)
    url = reverse("engagements:engagement_list")

    def titles(**params: Any) -> list[str]:
        return [e.title for e in client.get(url, params).context["page"]]

    assert titles(owner=manager.pk) == ["Helpdesk", "Payroll"]
    assert titles(status="completed") == ["Design"]
    assert titles(vendor=mine.vendor_id) == ["Helpdesk"]
    assert titles(q="pay") == ["Payroll"]


def test_the_engagement_page_shows_the_overview_contract_and_milestones(
    manager: Any, other_manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(
        owner=manager,
        title="Bookkeeping – Ledgerwise",
        scope="Supplier invoices within 3 days.",
        deliverables="Monthly close pack.",
        budget=Decimal("21500.00"),
        currency="PLN",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    engagement.co_owners.add(other_manager)
    ContractFactory(
        engagement=engagement,
        value=Decimal("21500.00"),
        currency="PLN",
        end_date=datetime.date(2025, 12, 31),
        notice_period_days=60,
    )
    MilestoneFactory(engagement=engagement, title="Parallel run done")

    page = (
        client_for(viewer)
        .get(reverse("engagements:engagement_detail", args=[engagement.pk]))
        .content.decode()
    )

    for text in (
        "Supplier invoices within 3 days.",
        "Monthly close pack.",
        "21,500.00 PLN",
        "60 days",
        "Notice deadline",
        "1 Nov 2025",  # 31 Dec minus 60 days
        "Parallel run done",
        other_manager.get_full_name(),
        engagement.vendor.legal_name,
    ):
        assert text in page, text


def build_engagement_world(owner: Any, engagements: int) -> Engagement:
    """Engagements each with KPIs and measurements, risks, check-ins and milestones."""
    from engagements.tests.factories import (
        CheckInFactory,
        KpiFactory,
        MeasurementFactory,
        RiskFactory,
    )

    first = None
    for index in range(engagements):
        engagement = EngagementFactory(owner=owner)
        engagement.co_owners.add(UserFactory())
        ContractFactory(engagement=engagement)
        kpi = KpiFactory(engagement=engagement)
        MeasurementFactory(kpi=kpi, measured_on=datetime.date(2026, 1, 1 + index % 28))
        RiskFactory(engagement=engagement)
        CheckInFactory(engagement=engagement)
        for day in (1, 2):
            MilestoneFactory(engagement=engagement, due_date=datetime.date(2026, 3, day))
        first = first or engagement
    assert first is not None
    return first


def test_the_engagement_page_runs_the_same_queries_with_3_and_30_engagements(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    engagement = build_engagement_world(manager, 3)
    url = reverse("engagements:engagement_detail", args=[engagement.pk])
    few = queries_for(client, url)

    build_engagement_world(manager, 27)
    for day in range(3, 25):
        MilestoneFactory(engagement=engagement, due_date=datetime.date(2026, 3, day))
    engagement.co_owners.add(*UserFactory.create_batch(5))

    assert queries_for(client, url) == few
