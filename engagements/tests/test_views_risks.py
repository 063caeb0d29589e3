"""Step 5 risk pages: the risks tab, its forms and actions, the overview and its CSV export."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import Engagement, Risk
from engagements.tests.factories import EngagementFactory, RiskFactory
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.downloads import body_of, csv_rows
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)


class World(EngagementWorld):
    """An active engagement owned by `manager`, with two risks."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="IT support 24/7")
        self.risk = RiskFactory(
            engagement=self.engagement,
            title="Admin passwords shared by email",
            likelihood=4,
            impact=5,
            residual_likelihood=3,
            residual_impact=5,
        )
        self.other_risk = RiskFactory(engagement=self.engagement, title="Vendor lock-in")

    def snapshot(self) -> list[tuple[Any, ...]]:
        return list(
            Risk.objects.order_by("pk").values_list(
                "pk",
                "title",
                "likelihood",
                "residual_likelihood",
                "status",
                "last_reviewed_on",
                "next_review_on",
            )
        )


world = world_fixture(World)


def url_of(route: str, world: World) -> str:
    e, r = world.engagement.pk, world.risk.pk
    args: dict[str, list[int]] = {
        "engagement_risks": [e],
        "risk_create": [e],
        "risk_update": [e, r],
        "risk_review": [e, r],
        "risk_close": [e, r],
        "risk_overview": [],
        "risk_export": [],
    }
    return reverse(f"engagements:{route}", args=args[route])


GET_ROUTES = {
    "engagement_risks": READ,
    "risk_create": CHANGE,
    "risk_update": CHANGE,
    "risk_overview": READ,
    "risk_export": READ,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", GET_ROUTES)
def test_each_risk_page_opens_only_for_the_roles_allowed_to_see_it(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(url_of(route, world))

    assert response.status_code == GET_ROUTES[route][role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def risk_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Tickets exported to a personal laptop",
        "category": Risk.Category.DATA_BREACH,
        "description": "",
        "likelihood": 3,
        "impact": 5,
        "mitigation": "Managed laptops only.",
        "residual_likelihood": 2,
        "residual_impact": 5,
        "status": Risk.Status.OPEN,
        "next_review_on": "",
    }
    return data | changes


def post_data(route: str, world: World, owner: Any) -> dict[str, object]:
    if route in ("risk_create", "risk_update"):
        return risk_data(owner=owner.pk)
    return {}


POST_ROUTES = ["risk_create", "risk_update", "risk_review", "risk_close"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_each_risk_action_works_for_owners_and_admins_and_changes_nothing_for_others(
    route: str,
    role: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
    request: Any,
) -> None:
    client = client_for(user_for(role, request, world))
    before = world.snapshot()

    response = client.post(url_of(route, world), post_data(route, world, manager))

    expected = {**CHANGE, **{r: 302 for r, code in CHANGE.items() if code == 200}}[role]
    assert response.status_code == expected
    if expected == 302 and role != "anonymous":
        assert world.snapshot() != before
        assert response["Location"].startswith(
            reverse("engagements:engagement_risks", args=[world.engagement.pk])
        )
    else:
        assert world.snapshot() == before


def test_adding_a_risk_saves_it_with_its_next_review_from_the_residual_score(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)

    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)):
        response = client.post(url_of("risk_create", world), risk_data(owner=manager.pk))

    risk = Risk.objects.get(title="Tickets exported to a personal laptop")
    assert risk.engagement == world.engagement
    assert risk.residual_score == 10
    assert risk.next_review_on == TODAY + datetime.timedelta(days=60)  # high: 60 days
    page = client.get(response["Location"])
    assert "Risk “Tickets exported to a personal laptop” added" in page.content.decode()


def test_a_risk_recorded_already_closed_is_added_with_no_review_due(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    data = {**risk_data(owner=manager.pk), "status": Risk.Status.CLOSED, "next_review_on": ""}

    response = client.post(url_of("risk_create", world), data)

    risk = Risk.objects.get(title="Tickets exported to a personal laptop")
    assert (risk.status, risk.next_review_on) == (Risk.Status.CLOSED, None)
    page = client.get(response["Location"]).content.decode()
    added = "Risk “Tickets exported to a personal laptop” added (high, closed, no review due)"
    assert added in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("likelihood", 6, "less than or equal to 5"),
        ("impact", 0, "greater than or equal to 1"),
        ("residual_likelihood", 6, "less than or equal to 5"),
        ("residual_impact", 0, "greater than or equal to 1"),
        ("residual_likelihood", 4, "cannot be higher than the likelihood before mitigation"),
        ("residual_impact", 5, "cannot be higher than the impact before mitigation"),
    ],
)
def test_bad_scores_get_a_message_at_the_field_and_write_nothing(
    field: str,
    value: int,
    message: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    client = client_for(manager)
    data = risk_data(owner=manager.pk, **{field: value})
    if field == "residual_impact" and value == 5:
        data["impact"] = 4
    before = world.snapshot()

    created = client.post(url_of("risk_create", world), data)
    updated = client.post(url_of("risk_update", world), data)

    for response in (created, updated):
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == [field]
        assert message in " ".join(errors[field])
    assert world.snapshot() == before


def test_mark_reviewed_sets_today_and_the_next_review_from_the_level(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)):
        client_for(manager).post(url_of("risk_review", world))

    world.risk.refresh_from_db()
    assert world.risk.last_reviewed_on == TODAY
    assert world.risk.next_review_on == TODAY + datetime.timedelta(days=30)  # 15: critical


def test_closing_a_risk_takes_it_off_the_heat_map_but_keeps_it_in_the_register(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)

    client.post(url_of("risk_close", world))
    page = client.get(url_of("engagement_risks", world))

    world.risk.refresh_from_db()
    assert world.risk.status == Risk.Status.CLOSED
    assert world.risk.next_review_on is None
    html = page.content.decode()
    assert "Admin passwords shared by email" in html
    assert "1 open risk: 1 medium (likelihood 2, impact 3)." in html


def test_the_risks_tab_shows_scores_levels_and_overdue_reviews(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    Risk.objects.filter(pk=world.risk.pk).update(next_review_on=datetime.date(2020, 1, 1))

    html = client_for(viewer).get(url_of("engagement_risks", world)).content.decode()

    assert "20 · critical" in html  # inherent 4×5
    assert "15 · critical" in html  # residual 3×5
    assert "6 · medium" in html
    assert "Review overdue" in html
    assert "2 open risks: 1 critical (likelihood 3, impact 5); 1 medium" in html
    assert "Mark reviewed" not in html  # a viewer changes nothing
    assert "Add a risk" not in html


def test_a_heat_map_cell_link_lists_only_the_risks_in_that_cell(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(viewer)
    url = url_of("engagement_risks", world)

    # The register only: the page's history section below names every risk.
    residual = client.get(url, {"l": 3, "i": 5}).content.decode().split('id="change-history"')[0]
    inherent = (
        client.get(url, {"l": 4, "i": 4, "basis": "inherent"})
        .content.decode()
        .split('id="change-history"')[0]
    )

    assert 'href="?l=3&amp;i=5#risk-register"' in client.get(url).content.decode()
    assert "Admin passwords shared by email" in residual
    assert "Vendor lock-in" not in residual
    assert "Vendor lock-in" in inherent
    assert "Admin passwords shared by email" not in inherent


def test_the_risks_tab_says_what_to_do_when_there_are_no_risks(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)

    html = (
        client_for(manager)
        .get(reverse("engagements:engagement_risks", args=[engagement.pk]))
        .content.decode()
    )

    assert "No risks recorded for this engagement yet." in html
    assert "Add the first risk" in html


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_risks(engagements: list[Engagement], n: int) -> None:
    for i in range(n):
        RiskFactory(
            engagement=engagements[i % len(engagements)],
            likelihood=1 + i % 5,
            impact=5,
            residual_likelihood=1 + i % 5,
            residual_impact=1 + i % 3,
            owner=UserFactory(),
        )


def test_the_risks_tab_runs_the_same_queries_for_3_and_30_risks(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    small, large = EngagementFactory(owner=manager), EngagementFactory(owner=manager)
    add_risks([small], 3)
    add_risks([large], 30)
    client = client_for(manager)
    count_queries(client, reverse("engagements:engagement_risks", args=[small.pk]))

    assert count_queries(
        client, reverse("engagements:engagement_risks", args=[small.pk])
    ) == count_queries(client, reverse("engagements:engagement_risks", args=[large.pk]))


def test_the_overview_runs_the_same_queries_for_3_and_30_risks(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagements = [EngagementFactory(owner=manager) for _ in range(3)]
    client = client_for(manager)
    url = reverse("engagements:risk_overview")
    add_risks(engagements, 3)
    count_queries(client, url)
    few = count_queries(client, url)
    add_risks(engagements, 27)

    assert count_queries(client, url) == few


# --- the overview ------------------------------------------------------------------


def test_the_overview_maps_only_open_risks_of_live_engagements(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    RiskFactory(engagement=EngagementFactory(status=Engagement.Status.COMPLETED), title="Old")
    RiskFactory(engagement=world.engagement, title="Closed one", status=Risk.Status.CLOSED)

    response = client_for(viewer).get(reverse("engagements:risk_overview"))

    html = response.content.decode()
    assert "2 open risks: 1 critical (likelihood 3, impact 5); 1 medium" in html
    assert "Closed one" not in html
    assert ">Old<" not in html
    risks_tab = reverse("engagements:engagement_risks", args=[world.engagement.pk])
    assert f'href="{risks_tab}#risk-{world.risk.pk}"' in html


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({}, {"Admin passwords shared by email", "Vendor lock-in", "Late invoices"}),
        ({"category": "financial"}, {"Late invoices"}),
        ({"level": "critical"}, {"Admin passwords shared by email"}),
        ({"level": "medium"}, {"Vendor lock-in", "Late invoices"}),
        ({"above_appetite": "on"}, {"Admin passwords shared by email"}),
        ({"l": "3", "i": "5"}, {"Admin passwords shared by email"}),
        ({"l": "4", "i": "4", "basis": "inherent"}, {"Vendor lock-in", "Late invoices"}),
        ({"engagement_status": "completed"}, {"Finished work"}),
    ],
)
def test_the_overview_and_its_export_apply_the_filters(
    query: dict[str, str],
    titles: set[str],
    world: World,
    viewer: Any,
    client_for: Callable[[Any], Any],
) -> None:
    RiskFactory(
        engagement=world.engagement, title="Late invoices", category=Risk.Category.FINANCIAL
    )
    RiskFactory(
        engagement=EngagementFactory(status=Engagement.Status.COMPLETED), title="Finished work"
    )
    client = client_for(viewer)

    page = client.get(reverse("engagements:risk_overview"), query)
    export = client.get(reverse("engagements:risk_export"), query)

    assert {row["risk"].title for row in page.context["rows"]} == titles
    assert page.context["page"].paginator.count == len(titles)
    rows = csv_rows(export)
    assert {row[2] for row in rows[1:]} == titles


def test_the_overview_filters_by_owner_and_vendor(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    elsewhere = RiskFactory(title="Elsewhere", owner=UserFactory())
    client = client_for(viewer)
    url = reverse("engagements:risk_overview")

    by_owner = client.get(url, {"owner": elsewhere.owner_id})
    by_vendor = client.get(url, {"vendor": world.engagement.vendor_id})

    assert [row["risk"].title for row in by_owner.context["rows"]] == ["Elsewhere"]
    assert {row["risk"].title for row in by_vendor.context["rows"]} == {
        "Admin passwords shared by email",
        "Vendor lock-in",
    }


def test_the_overview_says_so_when_nothing_matches(
    viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    html = client_for(viewer).get(reverse("engagements:risk_overview")).content.decode()

    assert "No open risks in the live engagements." in html
    assert "No open risks to place on the map." in html


# --- the CSV export ------------------------------------------------------------------


def test_the_export_is_utf8_with_a_bom_a_header_and_one_row_per_risk(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(viewer).get(reverse("engagements:risk_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    assert body_of(response).startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    assert rows[0] == [
        "Engagement",
        "Vendor",
        "Risk",
        "Category",
        "Likelihood",
        "Impact",
        "Inherent score",
        "Residual likelihood",
        "Residual impact",
        "Residual score",
        "Level",
        "Owner",
        "Status",
        "Next review",
    ]
    assert len(rows) == 3
    first = rows[1]
    assert first[:3] == [
        "IT support 24/7",
        world.engagement.vendor.legal_name,
        "Admin passwords shared by email",
    ]
    assert first[3:11] == ["Data breach", "4", "5", "20", "3", "5", "15", "critical"]
    assert first[12:] == ["Open", str(world.risk.next_review_on)]


def test_the_export_defuses_cells_a_spreadsheet_would_run_as_formulas(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    Risk.objects.filter(pk=world.risk.pk).update(title='=HYPERLINK("http://evil","x")')
    Risk.objects.filter(pk=world.other_risk.pk).update(title="@SUM(A1)")
    world.engagement.title = "+cmd|' /C calc'!A0"
    world.engagement.save(update_fields=["title"])

    response = client_for(viewer).get(reverse("engagements:risk_export"))

    rows = csv_rows(response)
    titles = {row[2] for row in rows[1:]}
    assert titles == {'\'=HYPERLINK("http://evil","x")', "'@SUM(A1)"}
    assert {row[0] for row in rows[1:]} == {"'+cmd|' /C calc'!A0"}
