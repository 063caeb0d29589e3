"""Step 4 pages: the KPIs tab, KPI forms and measurements – who may, and what bad input leaves."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.models import Direction, Kpi, Measurement, Scorecard
from engagements.tests.factories import (
    EngagementFactory,
    KpiFactory,
    KpiRollupFactory,
    KpiTemplateFactory,
    MeasurementFactory,
    ScorecardFactory,
)
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.status import BAD, GOOD, Tone
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 9, 15)


@pytest.fixture(autouse=True)
def _frozen_today() -> Any:
    with time_machine.travel(datetime.datetime(2026, 9, 15, 10, tzinfo=datetime.UTC), tick=False):
        yield


class World(EngagementWorld):
    """An engagement owned by `manager` with two KPIs, values, rollups and one template."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Helpdesk for Acme")
        self.kpi = KpiFactory(engagement=self.engagement, name="First-call resolution")
        self.hours = KpiFactory(
            engagement=self.engagement, name="Response time", lower_is_better=True
        )
        MeasurementFactory(kpi=self.kpi, measured_on=datetime.date(2026, 8, 3), value=93)
        KpiRollupFactory(kpi=self.kpi, period_start=datetime.date(2026, 8, 1), value=93)
        ScorecardFactory(engagement=self.engagement, period_start=datetime.date(2026, 8, 1))
        self.template = KpiTemplateFactory(name="Partner happiness index", unit="score 1–5")

    def snapshot(self) -> dict[str, Any]:
        return {
            "kpis": list(
                Kpi.objects.order_by("pk").values_list("pk", "name", "target", "is_active")
            ),
            "measurements": list(
                Measurement.objects.order_by("pk").values_list("pk", "kpi_id", "value")
            ),
        }


world = world_fixture(World)


def url_of(route: str, world: World) -> str:
    e = world.engagement.pk
    args = {
        "engagement_kpis": [e],
        "kpi_from_templates": [e],
        "kpi_create": [e],
        "kpi_detail": [e, world.kpi.pk],
        "kpi_update": [e, world.kpi.pk],
        "measurement_create": [e],
        "measurement_period": [e],
    }
    return reverse(f"engagements:{route}", args=args[route])


GET_ROUTES = {
    "engagement_kpis": READ,
    "kpi_from_templates": CHANGE,
    "kpi_create": CHANGE,
    "kpi_detail": READ,
    "kpi_update": CHANGE,
    "measurement_create": CHANGE,
    "measurement_period": CHANGE,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", GET_ROUTES)
def test_each_page_opens_only_for_the_roles_allowed_to_see_it(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(url_of(route, world))

    assert response.status_code == GET_ROUTES[route][role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def kpi_payload(**changes: str) -> dict[str, str]:
    return {
        "name": "Tickets solved",
        "description": "",
        "unit": "tickets",
        "direction": "higher",
        "target": "100",
        "amber_threshold": "90",
        "red_threshold": "80",
        "aggregation": "sum",
        "period": "month",
        "weight": "1",
        "is_active": "on",
    } | changes


def post_payload(route: str, world: World) -> dict[str, Any]:
    if route == "kpi_from_templates":
        return {"templates": [world.template.pk]}
    if route == "kpi_create":
        return kpi_payload()
    if route == "kpi_update":
        return kpi_payload(name=world.kpi.name, target="99")
    if route == "measurement_create":
        return {"kpi": world.kpi.pk, "measured_on": "2026-09-14", "value": "97", "note": ""}
    if route == "measurement_period":
        return {
            "measured_on": "2026-09-14",
            f"value_{world.kpi.pk}": "97",
            f"value_{world.hours.pk}": "3",
        }
    raise AssertionError(route)


POST_ROUTES = {
    "kpi_from_templates": CHANGE,
    "kpi_create": CHANGE,
    "kpi_update": CHANGE,
    "measurement_create": CHANGE,
    "measurement_period": CHANGE,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_a_post_changes_things_only_for_the_roles_allowed_to(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))
    payload = post_payload(route, world)
    before = world.snapshot()

    response = client.post(url_of(route, world), payload)

    if POST_ROUTES[route][role] == 200:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert world.snapshot() != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert world.snapshot() == before


@pytest.mark.parametrize("route", ["engagement_kpis", "kpi_detail"])
def test_the_read_only_pages_refuse_a_post(
    route: str, world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(url_of(route, world), {})

    assert response.status_code == 405
    assert world.snapshot() == before


# --- the KPIs tab --------------------------------------------------------------------


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_kpis(engagement: Any, count: int) -> None:
    for _ in range(count):
        kpi = KpiFactory(engagement=engagement)
        MeasurementFactory(kpi=kpi, measured_on=datetime.date(2026, 7, 10))
        MeasurementFactory(kpi=kpi, measured_on=datetime.date(2026, 8, 10))
        KpiRollupFactory(kpi=kpi, period_start=datetime.date(2026, 7, 1))
        KpiRollupFactory(kpi=kpi, period_start=datetime.date(2026, 8, 1), value=Decimal("80"))


def test_the_kpis_tab_runs_the_same_number_of_queries_with_3_and_30_kpis(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)
    ScorecardFactory(engagement=engagement, period_start=datetime.date(2026, 8, 1))
    client = client_for(manager)
    url = reverse("engagements:engagement_kpis", args=[engagement.pk])
    add_kpis(engagement, 3)
    few = queries_for(client, url)

    add_kpis(engagement, 27)

    assert queries_for(client, url) == few
    assert client.get(url).content.decode().count("Red</span>") == 30


def test_the_tab_shows_the_latest_value_its_status_and_the_trend_arrow(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    KpiRollupFactory(
        kpi=world.kpi, period_start=datetime.date(2026, 9, 1), value=Decimal("85"), trend="worse"
    )
    KpiRollupFactory(kpi=world.kpi, period_start=datetime.date(2026, 10, 1), value=None)

    page = client_for(viewer).get(url_of("engagement_kpis", world)).content.decode()

    assert "85 %" in page and "Sep 2026" in page
    assert "Red</span>" in page  # 85 is below the red threshold 90
    assert "▼" in page and "worse than the period before" in page
    assert "No data</span>" in page  # the response-time KPI has nothing yet
    assert "Scorecard by month" in page
    assert "Enter a period" not in page  # a viewer changes nothing


@pytest.mark.parametrize(
    ("lower_is_better", "trend", "symbol", "tone"),
    [
        (False, "better", "▲", GOOD),
        (False, "worse", "▼", BAD),
        (True, "better", "▼", GOOD),
        (True, "worse", "▲", BAD),
    ],
)
def test_the_trend_arrow_follows_the_value_and_is_coloured_by_the_kpis_direction(
    world: World,
    viewer: Any,
    client_for: Callable[[Any], Any],
    lower_is_better: bool,
    trend: str,
    symbol: str,
    tone: Tone,
) -> None:
    kpi = world.hours if lower_is_better else world.kpi
    KpiRollupFactory(kpi=kpi, period_start=datetime.date(2026, 9, 1), trend=trend)

    page = client_for(viewer).get(url_of("engagement_kpis", world)).content.decode()

    arrows = re.findall(
        r'<span class="trend-arrow text-(\w+)-emphasis ([\w-]+)" title="[^"]+">'
        r'<span aria-hidden="true">(.)</span><span class="visually-hidden">(\w+) ',
        page,
    )
    assert arrows == [(tone.bootstrap, tone.css, symbol, trend)]


def test_the_scorecard_chart_spans_its_card_with_the_review_threshold_from_the_setting(
    world: World, viewer: Any, client_for: Callable[[Any], Any], settings: Any
) -> None:
    settings.REVIEW_BELOW_SCORECARD = 70

    page = client_for(viewer).get(url_of("engagement_kpis", world)).content.decode()
    card = page.split('id="scorecard-heading"')[1].split("</section>")[0]

    assert "<svg" in card and "chart-medium" not in card  # no narrower wrapper around it
    assert '<line class="threshold-line threshold-review"' in card
    assert ">review below 70</text>" in card


def test_the_tab_without_kpis_says_what_to_do_next(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)

    page = (
        client_for(manager)
        .get(reverse("engagements:engagement_kpis", args=[engagement.pk]))
        .content.decode()
    )

    assert "No KPIs yet" in page and "Add them from the templates" in page
    assert "No scorecards yet" in page


# --- KPIs ---------------------------------------------------------------------------------


def test_adding_from_templates_copies_each_ticked_template(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    second = KpiTemplateFactory(
        name="Open ticket backlog (test)",
        direction=Direction.LOWER,
        target=5,
        amber_threshold=10,
        red_threshold=20,
        unit="tickets",
    )

    response = client_for(manager).post(
        url_of("kpi_from_templates", world), {"templates": [world.template.pk, second.pk]}
    )

    assert response.status_code == 302
    copied = Kpi.objects.get(engagement=world.engagement, name="Open ticket backlog (test)")
    assert copied.template == second
    assert (copied.direction, copied.target, copied.amber_threshold, copied.red_threshold) == (
        Direction.LOWER,
        5,
        10,
        20,
    )
    assert copied.unit == "tickets" and copied.is_active
    assert Kpi.objects.filter(engagement=world.engagement, template=world.template).exists()


def test_templates_already_in_the_engagement_are_not_offered_again(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    client.post(url_of("kpi_from_templates", world), {"templates": [world.template.pk]})
    before = world.snapshot()

    response = client.post(url_of("kpi_from_templates", world), {"templates": [world.template.pk]})

    assert response.status_code == 200
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amber_threshold": "101"}, "amber_threshold", "cannot be above the target"),
        ({"red_threshold": "95"}, "red_threshold", "cannot be above the amber threshold"),
        (
            {"direction": "lower", "target": "2", "amber_threshold": "1", "red_threshold": "8"},
            "amber_threshold",
            "cannot be below the target",
        ),
        (
            {"direction": "lower", "target": "2", "amber_threshold": "4", "red_threshold": "3"},
            "red_threshold",
            "cannot be below the amber threshold",
        ),
        ({"name": "first-call RESOLUTION"}, "name", "already has a KPI with this name"),
    ],
)
def test_a_kpi_with_thresholds_out_of_order_gets_a_field_message_and_no_write(
    changes: dict[str, str],
    field: str,
    message: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(url_of("kpi_create", world), kpi_payload(**changes))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert world.snapshot() == before


def test_deactivating_a_kpi_keeps_it_and_its_history(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    payload = kpi_payload(name=world.kpi.name)
    del payload["is_active"]

    response = client_for(manager).post(url_of("kpi_update", world), payload, follow=True)

    world.kpi.refresh_from_db()
    assert not world.kpi.is_active
    assert world.kpi.measurements.count() == 1
    assert "deactivated" in response.content.decode()


# --- measurements ------------------------------------------------------------------------


def test_one_measurement_is_saved_as_typed_in_by_the_user(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(
        url_of("measurement_create", world),
        {"kpi": world.kpi.pk, "measured_on": "2026-09-15", "value": "96.5", "note": "Sept"},
        follow=True,
    )

    saved = Measurement.objects.get(kpi=world.kpi, measured_on=TODAY)
    assert saved.value == Decimal("96.5") and saved.note == "Sept"
    assert saved.source == Measurement.Source.MANUAL and saved.entered_by == manager
    assert "Recorded First-call resolution: 96.5 %" in response.content.decode()


def measurement(world: World, **changes: Any) -> dict[str, Any]:
    return {"kpi": world.kpi.pk, "measured_on": "2026-09-14", "value": "97", "note": ""} | changes


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"value": "lots"}, "value", "Enter a number."),
        ({"value": "-1"}, "value", "This KPI cannot be negative."),
        ({"measured_on": "2026-09-16"}, "measured_on", "in the future"),
        (
            {"measured_on": "2026-08-03"},
            "measured_on",
            "There is already a value for this date; edit it instead.",
        ),
    ],
)
def test_a_bad_measurement_gets_a_field_message_and_no_write(
    changes: dict[str, str],
    field: str,
    message: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("measurement_create", world), measurement(world, **changes)
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert world.snapshot() == before


def test_a_negative_value_is_fine_for_a_kpi_that_allows_it(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    Kpi.objects.filter(pk=world.kpi.pk).update(
        allows_negative=True,
        target=Decimal("0"),
        amber_threshold=Decimal("-5"),
        red_threshold=Decimal("-10"),
    )

    response = client_for(manager).post(
        url_of("measurement_create", world), measurement(world, value="-3")
    )

    assert response.status_code == 302
    assert Measurement.objects.get(kpi=world.kpi, measured_on="2026-09-14").value == -3


def period(world: World, day: str, kpi_value: str, hours_value: str) -> dict[str, str]:
    return {
        "measured_on": day,
        f"value_{world.kpi.pk}": kpi_value,
        f"note_{world.kpi.pk}": "from the monthly report",
        f"value_{world.hours.pk}": hours_value,
    }


def test_a_period_entry_saves_every_filled_row_and_skips_blank_ones(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(
        url_of("measurement_period", world), period(world, "2026-09-14", "97", ""), follow=True
    )

    saved = Measurement.objects.filter(measured_on="2026-09-14")
    assert [(m.kpi, m.value, m.note) for m in saved] == [
        (world.kpi, Decimal("97"), "from the monthly report")
    ]
    assert saved[0].entered_by == manager and saved[0].source == "manual"
    assert "Recorded 1 value for 14 Sep 2026." in response.content.decode()


@pytest.mark.parametrize(
    ("day", "kpi_value", "hours_value", "field", "message"),
    [
        ("2026-09-14", "97", "-2", "hours", "This KPI cannot be negative."),
        ("2026-09-14", "97", "abc", "hours", "Enter a number."),
        ("2026-08-03", "97", "3", "kpi", "There is already a value for this date"),
        ("2026-09-20", "97", "3", "measured_on", "in the future"),
    ],
)
def test_a_period_entry_writes_nothing_when_one_row_is_wrong(
    day: str,
    kpi_value: str,
    hours_value: str,
    field: str,
    message: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("measurement_period", world), period(world, day, kpi_value, hours_value)
    )

    assert response.status_code == 200
    name = {"hours": f"value_{world.hours.pk}", "kpi": f"value_{world.kpi.pk}"}.get(field, field)
    assert message in " ".join(response.context["form"].errors[name])
    assert world.snapshot() == before
    assert "Nothing was saved" in response.content.decode()


def test_a_period_entry_with_every_row_blank_asks_for_a_value(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("measurement_period", world), period(world, "2026-09-14", "", "")
    )

    assert response.status_code == 200
    assert "Enter at least one value" in response.content.decode()
    assert world.snapshot() == before


def test_inactive_kpis_get_no_row_in_the_period_entry(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    Kpi.objects.filter(pk=world.hours.pk).update(is_active=False)

    page = client_for(manager).get(url_of("measurement_period", world)).content.decode()

    assert "First-call resolution" in page and "Response time" not in page


# --- the KPI page ---------------------------------------------------------------------------


def test_the_kpi_page_shows_values_rollups_and_the_trend_chart(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    for day in range(1, 31):
        MeasurementFactory(kpi=world.kpi, measured_on=datetime.date(2026, 6, day))

    client = client_for(viewer)
    page = client.get(url_of("kpi_detail", world)).content.decode()
    second = client.get(url_of("kpi_detail", world), {"page": 2}).content.decode()

    assert "1–25 of 31 values" in page and "26–31 of 31 values" in second
    assert "1 Aug 2026 – 31 Aug 2026" in page
    assert '<desc id="kpi-' in page and "First-call resolution by month, Aug 2026" in page
    assert "Enter a value" not in page


def test_a_kpi_of_another_engagement_is_not_found_here(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    elsewhere = KpiFactory()

    response = client_for(manager).get(
        reverse("engagements:kpi_detail", args=[world.engagement.pk, elsewhere.pk])
    )

    assert response.status_code == 404


def test_the_tabs_scorecard_history_reads_one_engagements_rows_newest_first_from_an_index() -> None:
    """The index migration 0020 adds beside simple_history's own: without it the history
    section walked every engagement's scorecard changes by date (issue 15)."""
    table = Scorecard.history.model._meta.db_table
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, table)

    assert indexes["scorecard_history_by_eng_idx"]["columns"] == [
        "engagement_id",
        "history_date",
        "history_id",
    ]
