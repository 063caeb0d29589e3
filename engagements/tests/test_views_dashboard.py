"""The dashboard and its worklists: who sees them, what each panel lists, and their query cost."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import Contract, Engagement, Risk
from engagements.tests.factories import (
    ActionItemFactory,
    CheckInFactory,
    ComplianceItemFactory,
    ContractFactory,
    EngagementFactory,
    EvidenceFactory,
    KpiFactory,
    KpiRollupFactory,
    MeasurementFactory,
    PerformanceReviewFactory,
    ReminderPreferenceFactory,
    RiskFactory,
    ScorecardFactory,
    SpendEntryFactory,
)
from outsourcing.tests import roles
from outsourcing.tests.factories import UserFactory
from vendors.models import Vendor

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.dates]

# A Wednesday: "this week" runs until Monday 9 March, midnight UTC.
NOW = datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen_time_and_appetite(settings: LazySettings) -> Iterator[None]:
    settings.RISK_APPETITE_SCORE = 12
    with time_machine.travel(NOW, tick=False):
        yield


def busy_engagement(owner: Any, **fields: Any) -> Engagement:
    """A live engagement with one of everything the dashboard lists, and some it must not."""
    engagement = EngagementFactory(owner=owner, **fields)
    red = KpiFactory(engagement=engagement, name=f"Red KPI of {engagement.title}")
    KpiRollupFactory(kpi=red, period_start=datetime.date(2026, 1, 1), value=Decimal("96"))
    KpiRollupFactory(kpi=red, period_start=datetime.date(2026, 2, 1), value=Decimal("80"))
    MeasurementFactory(kpi=red, measured_on=datetime.date(2026, 2, 10), value=Decimal("80"))
    recovered = KpiFactory(engagement=engagement, name=f"Recovered KPI of {engagement.title}")
    KpiRollupFactory(kpi=recovered, period_start=datetime.date(2026, 1, 1), value=Decimal("80"))
    KpiRollupFactory(kpi=recovered, period_start=datetime.date(2026, 2, 1), value=Decimal("97"))
    CheckInFactory(engagement=engagement, scheduled_for=NOW - DAY)
    CheckInFactory(engagement=engagement, scheduled_for=NOW + 2 * DAY)
    held = CheckInFactory(engagement=engagement, scheduled_for=NOW - 8 * DAY, recorded=True)
    ActionItemFactory(
        checkin=held,
        owner=owner,
        description=f"Send the rota of {engagement.title}",
        due_date=TODAY + 2 * DAY,
    )
    # The notice deadline 90 days before the end: 20 days from now.
    ContractFactory(engagement=engagement, end_date=TODAY + 110 * DAY)
    # 80,000 of the 85,000 budget and contract value: 94%, worth a warning.
    SpendEntryFactory(engagement=engagement, amount=Decimal("80000.00"))
    overdue = RiskFactory(engagement=engagement, title=f"Overdue review of {engagement.title}")
    Risk.objects.filter(pk=overdue.pk).update(next_review_on=TODAY - 3 * DAY)
    RiskFactory(
        engagement=engagement,
        title=f"Risk at appetite of {engagement.title}",
        residual_likelihood=3,
        residual_impact=4,
    )
    RiskFactory(engagement=engagement, title=f"Small risk of {engagement.title}")
    item = ComplianceItemFactory(engagement=engagement, expires_on=TODAY + 10 * DAY)
    EvidenceFactory(item=item)
    PerformanceReviewFactory(engagement=engagement)
    ScorecardFactory(engagement=engagement, period_start=datetime.date(2026, 1, 1))
    ScorecardFactory(
        engagement=engagement, period_start=datetime.date(2026, 2, 1), score=Decimal("71.5")
    )
    return engagement


# --- who may open each page ------------------------------------------------------------

ROUTES = {
    "dashboard": "",
    "worklist_checkins": "?when=week",
    "worklist_checkins_overdue": "?when=overdue",
    "worklist_kpis": "",
    "worklist_reviews": "",
    "worklist_risks": "",
    "worklist_evidence": "",
    "worklist_actions": "",
    "worklist_notices": "",
    "worklist_risk_reviews": "",
    "worklist_spend": "",
}
# Every role opens them; no co-owner here, the superuser goes by its fixture.
READ = roles.renamed(roles.without(roles.READ, "co_owner"), superuser="admin_user")


def url_of(route: str) -> str:
    name = route.removesuffix("_overdue")
    return reverse(f"engagements:{name}") + ROUTES[route]


@pytest.mark.parametrize("role", READ)
@pytest.mark.parametrize("route", ROUTES)
def test_each_page_opens_for_every_role_and_not_for_strangers(
    route: str,
    role: str,
    manager: Any,
    client_for: Callable[[Any], Any],
    request: pytest.FixtureRequest,
) -> None:
    busy_engagement(manager)

    response = client_for(roles.user_for(role, request)).get(url_of(route))

    assert response.status_code == READ[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", ROUTES)
def test_a_post_is_refused(route: str, manager: Any, client_for: Callable[[Any], Any]) -> None:
    assert client_for(manager).post(url_of(route)).status_code == 405


# --- query cost ----------------------------------------------------------------------------


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("scope", ["mine", "all"])
def test_the_dashboard_runs_the_same_number_of_queries_with_3_and_30_engagements(
    scope: str, manager: Any, other_manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    url = reverse("engagements:dashboard") + f"?scope={scope}"
    for n in range(3):
        busy_engagement(manager if n % 2 else other_manager).co_owners.add(manager)
    client.get(url)  # warm up the session and caches
    with_3 = queries_for(client, url)

    for n in range(27):
        busy_engagement(manager if n % 2 else other_manager).co_owners.add(manager)
    with_30 = queries_for(client, url)

    assert with_3 == with_30
    assert with_3 <= 20


@pytest.mark.parametrize("route", [r for r in ROUTES if r != "dashboard"])
def test_each_worklist_runs_the_same_number_of_queries_with_3_and_30_engagements(
    route: str, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    url = url_of(route)
    for _ in range(3):
        busy_engagement(manager)
    client.get(url)
    with_3 = queries_for(client, url)

    for _ in range(27):
        busy_engagement(manager)
    with_30 = queries_for(client, url)

    assert with_3 == with_30


# --- what each panel shows ---------------------------------------------------------------


def test_each_panel_lists_exactly_the_items_that_need_attention(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = busy_engagement(manager, title="Support desk")
    RiskFactory(
        engagement=engagement,
        title="Closed big risk",
        residual_likelihood=5,
        residual_impact=5,
        status=Risk.Status.CLOSED,
    )
    ComplianceItemFactory(engagement=engagement, expires_on=TODAY + 31 * DAY)
    ComplianceItemFactory(engagement=engagement, expires_on=TODAY + 30 * DAY)
    held = CheckInFactory(engagement=engagement, scheduled_for=NOW - 9 * DAY, recorded=True)
    ActionItemFactory(checkin=held, owner=manager, description="Done already", done_on=TODAY)
    ActionItemFactory(checkin=held, description="Someone else's", owner=UserFactory())
    for title, deadline in (("Later contract", TODAY + 61 * DAY), ("Past contract", TODAY - DAY)):
        other = EngagementFactory(owner=manager, title=title, vendor=engagement.vendor)
        contract = ContractFactory(engagement=other)
        Contract.objects.filter(pk=contract.pk).update(notice_deadline=deadline)
    closed = RiskFactory(engagement=engagement, title="Closed, review long past")
    Risk.objects.filter(pk=closed.pk).update(
        next_review_on=TODAY - 30 * DAY, status=Risk.Status.CLOSED
    )
    calm = EngagementFactory(owner=manager, title="Calm spend", vendor=engagement.vendor)
    SpendEntryFactory(engagement=calm, amount=Decimal("1000.00"))
    due_today = RiskFactory(engagement=engagement, title="Review due today")
    Risk.objects.filter(pk=due_today.pk).update(next_review_on=TODAY)
    CheckInFactory(engagement=engagement, scheduled_for=NOW - 2 * DAY, cancelled=True)
    CheckInFactory(engagement=engagement, scheduled_for=NOW + 6 * DAY)  # next Tuesday
    PerformanceReviewFactory(engagement=engagement, decided=True)

    response = client_for(manager).get(reverse("engagements:dashboard"))

    context = response.context
    assert [kpi.name for kpi in context["red_kpis"].rows] == ["Red KPI of Support desk"]
    assert [c.scheduled_for for c in context["checkins_overdue"].rows] == [NOW - DAY]
    assert [c.scheduled_for for c in context["checkins_week"].rows] == [NOW + 2 * DAY]
    assert [r.title for r in context["risks"].rows] == ["Risk at appetite of Support desk"]
    assert [i.expires_on for i in context["evidence"].rows] == [
        TODAY + 10 * DAY,
        TODAY + 30 * DAY,
    ]
    assert context["reviews"].count == 1
    assert [i.description for i in context["action_items"].rows] == [
        "Send the rota of Support desk"
    ]
    assert [(c.engagement.title, c.notice_deadline) for c in context["notices"].rows] == [
        ("Support desk", TODAY + 20 * DAY)
    ]
    assert [r.title for r in context["risk_reviews"].rows] == ["Overdue review of Support desk"]
    assert [(e.title, round(e.burn, 2)) for e in context["spend"].rows] == [("Support desk", 0.94)]
    assert [v.pk for v in context["vendors"].rows] == [engagement.vendor_id]
    row = next(row for row in context["engagements"].rows if row.pk == engagement.pk)
    assert row.latest_score == Decimal("71.5")
    page = response.content.decode()
    assert "Red KPI of Support desk" in page
    assert "Recovered KPI" not in page
    assert "Closed big risk" not in page
    assert "71.5" in page
    assert reverse("engagements:engagement_detail", args=[engagement.pk]) in page
    assert reverse("vendors:vendor_detail", args=[engagement.vendor_id]) in page


def test_expired_evidence_is_listed_with_the_expiring(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)
    ComplianceItemFactory(engagement=engagement, expires_on=TODAY - DAY)

    response = client_for(manager).get(reverse("engagements:dashboard"))

    assert response.context["evidence"].count == 1
    assert "Expired" in response.content.decode()


def test_every_count_links_to_the_worklist_behind_it(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    busy_engagement(manager)

    page = client_for(manager).get(reverse("engagements:dashboard")).content.decode()

    for name in (
        "worklist_kpis",
        "worklist_reviews",
        "worklist_risks",
        "worklist_evidence",
        "worklist_notices",
        "worklist_risk_reviews",
        "worklist_spend",
    ):
        assert f"{reverse(f'engagements:{name}')}?scope=mine" in page
    assert f'href="{reverse("engagements:worklist_actions")}"' in page
    checkins = reverse("engagements:worklist_checkins")
    assert f"{checkins}?when=overdue&amp;scope=mine" in page
    assert f"{checkins}?when=week&amp;scope=mine" in page


# --- mine or everyone's --------------------------------------------------------------------


@pytest.fixture
def two_owners(manager: Any, other_manager: Any) -> dict[str, Engagement]:
    co_owned = busy_engagement(other_manager, title="Co-owned billing")
    co_owned.co_owners.add(manager)
    return {
        "mine": busy_engagement(manager, title="My support desk"),
        "co_owned": co_owned,
        "theirs": busy_engagement(other_manager, title="Their payroll"),
        "finished": busy_engagement(
            manager, title="Finished archive", status=Engagement.Status.COMPLETED
        ),
    }


def red_kpi_titles(response: Any) -> set[str]:
    return {kpi.engagement.title for kpi in response.context["red_kpis"].rows}


def test_a_manager_sees_their_own_live_work_first(
    two_owners: dict[str, Engagement], manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).get(reverse("engagements:dashboard"))

    assert response.context["scope"] == "mine"
    assert red_kpi_titles(response) == {"My support desk", "Co-owned billing"}
    assert {e.title for e in response.context["engagements"].rows} == {
        "My support desk",
        "Co-owned billing",
    }
    assert "My engagements" in response.content.decode()


def test_a_manager_can_switch_to_everyones_work(
    two_owners: dict[str, Engagement], manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).get(reverse("engagements:dashboard") + "?scope=all")

    assert red_kpi_titles(response) == {"My support desk", "Co-owned billing", "Their payroll"}
    assert response.context["checkins_overdue"].count == 3


@pytest.mark.parametrize("role", ["viewer", "role_admin", "admin_user"])
def test_viewers_and_admins_start_with_everyones_work(
    role: str,
    two_owners: dict[str, Engagement],
    client_for: Callable[[Any], Any],
    request: pytest.FixtureRequest,
) -> None:
    response = client_for(request.getfixturevalue(role)).get(reverse("engagements:dashboard"))

    assert response.context["scope"] == "all"
    assert red_kpi_titles(response) == {"My support desk", "Co-owned billing", "Their payroll"}


def test_a_worklist_follows_the_scope(
    two_owners: dict[str, Engagement], manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    url = reverse("engagements:worklist_risks")

    mine = client.get(url).content.decode()
    everyone = client.get(url + "?scope=all").content.decode()

    assert "Risk at appetite of My support desk" in mine
    assert "Their payroll" not in mine
    assert "Risk at appetite of Their payroll" in everyone
    assert "Finished archive" not in everyone


# --- worklists -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("worklist_kpis", "Red KPI of Support desk"),
        ("worklist_reviews", "Opened by hand"),
        ("worklist_risks", "Risk at appetite of Support desk"),
        ("worklist_evidence", "Expiring"),
        ("worklist_checkins", "Tue 3 Mar 2026"),  # the overdue check-in, a day ago
        ("worklist_actions", "Send the rota of Support desk"),
        ("worklist_notices", "24 Mar 2026"),  # 20 days from now: in 20 days
        ("worklist_risk_reviews", "Overdue review of Support desk"),
        ("worklist_spend", "94%"),
    ],
)
def test_each_worklist_lists_its_items_with_links_to_the_engagement(
    route: str, expected: str, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = busy_engagement(manager, title="Support desk")
    query = "?when=overdue" if route == "worklist_checkins" else ""

    page = client_for(manager).get(reverse(f"engagements:{route}") + query).content.decode()

    assert expected in page
    assert reverse("engagements:engagement_detail", args=[engagement.pk]) in page
    assert reverse("vendors:vendor_detail", args=[engagement.vendor_id]) in page


def test_the_checkin_worklist_tells_this_week_from_overdue(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    busy_engagement(manager)
    client = client_for(manager)
    url = reverse("engagements:worklist_checkins")

    week = client.get(url + "?when=week")
    overdue = client.get(url + "?when=overdue")

    assert [c.scheduled_for for c in week.context["page"]] == [NOW + 2 * DAY]
    assert [c.scheduled_for for c in overdue.context["page"]] == [NOW - DAY]
    assert "Check-ins due this week" in week.content.decode()
    assert "Overdue check-ins" in overdue.content.decode()


def test_the_worklist_shows_times_in_the_viewers_own_zone(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    busy_engagement(manager)  # a check-in two days from now, at 12:00 UTC
    ReminderPreferenceFactory(user=manager, time_zone="Europe/Amsterdam")

    page = client_for(manager).get(reverse("engagements:worklist_checkins")).content.decode()

    assert "Fri 6 Mar 2026, 13:00" in page


def test_a_worklist_pages_through_long_lists(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)
    for hours in range(1, 28):
        CheckInFactory(
            engagement=engagement, scheduled_for=NOW - hours * datetime.timedelta(hours=1)
        )
    url = reverse("engagements:worklist_checkins") + "?when=overdue"

    first = client_for(manager).get(url)
    second = client_for(manager).get(url + "&page=2")

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 2
    assert "26–27 of 27 check-ins" in second.content.decode()


# --- empty states --------------------------------------------------------------------------


def test_an_empty_dashboard_says_what_to_do_next(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    page = client_for(manager).get(reverse("engagements:dashboard")).content.decode()

    assert "You own no live engagement." in page
    assert "No check-ins due this week." in page
    assert "No overdue check-ins." in page
    assert "No KPIs in red." in page
    assert "No open review flags." in page
    assert "No risk is above the appetite score of 12." in page
    assert "No evidence expires in the next 30 days." in page
    assert "No vendor does live work for you yet." in page


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("worklist_checkins", "No check-ins due this week."),
        ("worklist_checkins_overdue", "No overdue check-ins."),
        ("worklist_kpis", "No KPIs in red."),
        ("worklist_reviews", "No open review flags."),
        ("worklist_risks", "No risk is above appetite."),
        ("worklist_evidence", "No evidence expires in the next 30 days."),
    ],
)
def test_an_empty_worklist_says_so(
    route: str, message: str, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    page = client_for(viewer).get(url_of(route)).content.decode()

    assert message in page


def test_the_dashboard_lists_the_vendors_worst_standing_first(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    EngagementFactory(owner=manager, vendor__standing=Vendor.Standing.EXCELLENT)
    EngagementFactory(owner=manager, vendor__standing=Vendor.Standing.POOR)

    response = client_for(manager).get(reverse("engagements:dashboard"))

    assert [v.standing for v in response.context["vendors"].rows] == ["poor", "excellent"]


def test_my_evidence_worklist_lists_what_i_own_or_co_own_once_and_nothing_else(
    manager: Any, other_manager: Any, client_for: Callable[[Any], Any]
) -> None:
    busy_engagement(manager, vendor__legal_name="Owned Ltd")
    shared = busy_engagement(other_manager, vendor__legal_name="Shared Ltd")
    shared.co_owners.add(manager)
    busy_engagement(manager, vendor__legal_name="Own and co-own Ltd").co_owners.add(manager)
    busy_engagement(other_manager, vendor__legal_name="Not mine Ltd")

    response = client_for(manager).get(reverse("engagements:worklist_evidence") + "?scope=mine")

    vendors = sorted(item.engagement.vendor.legal_name for item in response.context["page"])
    assert vendors == ["Own and co-own Ltd", "Owned Ltd", "Shared Ltd"]
