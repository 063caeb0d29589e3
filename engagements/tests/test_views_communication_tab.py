"""The check-ins tab and the overview's milestones: who may do what, and bad input."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import (
    ActionItem,
    CheckIn,
    CommunicationPlan,
    Engagement,
    EscalationLevel,
    Milestone,
)
from engagements.tests.factories import (
    ActionItemFactory,
    CheckInFactory,
    CommunicationPlanFactory,
    EngagementFactory,
    EscalationLevelFactory,
    MilestoneFactory,
    ReminderPreferenceFactory,
)
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC)  # a Monday
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


# --- the world every access test runs in ---------------------------------------


class World(EngagementWorld):
    """A live engagement owned by `manager`: a plan, one overdue and one recorded check-in."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Customer support")
        self.plan = CommunicationPlanFactory(engagement=self.engagement)
        self.level = EscalationLevelFactory(plan=self.plan, level=1, who="Ana, account lead")
        self.overdue = CheckInFactory(
            engagement=self.engagement,
            scheduled_for=datetime.datetime(2025, 3, 4, 10, tzinfo=datetime.UTC),
        )
        self.recorded = CheckInFactory(
            engagement=self.engagement,
            scheduled_for=datetime.datetime(2025, 2, 25, 10, tzinfo=datetime.UTC),
            recorded=True,
        )
        self.item = ActionItemFactory(
            checkin=self.recorded, description="Send the staffing plan", owner=owner
        )
        self.milestone = MilestoneFactory(engagement=self.engagement, title="Go live")

    def snapshot(self) -> dict[str, Any]:
        """Everything a forbidden request might have changed."""
        return {
            "plans": list(
                CommunicationPlan.objects.values_list("pk", "channels", "cadence", "time_zone")
            ),
            "levels": list(
                EscalationLevel.objects.order_by("pk").values_list("pk", "level", "who")
            ),
            "checkins": list(
                CheckIn.objects.order_by("pk").values_list("pk", "held_on", "status", "blockers")
            ),
            "items": list(
                ActionItem.objects.order_by("pk").values_list("pk", "description", "done_on")
            ),
            "milestones": list(
                Milestone.objects.order_by("pk").values_list(
                    "pk", "title", "due_date", "completed_on"
                )
            ),
        }


world = world_fixture(World)


def url_of(route: str, world: World) -> str:
    e = world.engagement.pk
    args: dict[str, list[int]] = {
        "engagement_detail": [e],
        "engagement_communication": [e],
        "communication_plan_edit": [e],
        "checkin_create": [e],
        "checkin_record": [e, world.overdue.pk],
        "checkin_change": [e, world.overdue.pk],
        "action_item_row": [e, world.overdue.pk],
        "action_item_done": [e, world.item.pk],
        "milestone_create": [e],
        "milestone_update": [e, world.milestone.pk],
        "milestone_complete": [e, world.milestone.pk],
    }
    return reverse(f"engagements:{route}", args=args[route])


GET_ROUTES = {
    "engagement_communication": READ,
    "communication_plan_edit": CHANGE,
    "checkin_create": CHANGE,
    "checkin_record": CHANGE,
    "milestone_create": CHANGE,
    "milestone_update": CHANGE,
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


def formset(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data |= {f"{prefix}-{i}-{name}": str(value) for name, value in row.items()}
    return data


def plan_data(world: World, **changes: Any) -> dict[str, str]:
    data = {
        "channels": "Fortnightly video call, email for decisions",
        "cadence": "fortnightly",
        "weekday": "2",
        "time": "09:30",
        "time_zone": "Europe/Berlin",
        "duration_minutes": "45",
        "starts_on": "2025-01-06",
        "reporting_expectations": "Monthly report by the 5th.",
    } | changes
    levels = [
        {"id": world.level.pk, "level": 1, "who": "Ana, account lead", "response_time_hours": 8},
        {"level": 2, "who": "Ben, delivery director", "response_time_hours": 24},
    ]
    return data | formset("levels", levels, initial=1)


def record_data(items: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, str]:
    data = {
        "held_on": "2025-03-04",
        "status": "amber",
        "attendees": "Ana, Ben, the manager",
        "progress_summary": "Backlog shrinking, weekend cover thin.",
        "blockers": "Two agents off sick.",
        "decisions": "Hire one more agent.",
    } | changes
    return data | formset("items", items or [])


def post_payload(route: str, world: World) -> dict[str, Any]:
    """A valid POST to each changing route."""
    if route == "communication_plan_edit":
        return plan_data(world)
    if route == "checkin_create":
        return {"scheduled_for": "2025-03-12T15:00"}
    if route == "checkin_record":
        return record_data(
            [{"description": "Post the job ad", "owner_name": "Ana", "due_date": "2025-03-14"}]
        )
    if route in ("action_item_done", "milestone_complete"):
        return {}
    if route == "milestone_create":
        return {"title": "Handover of the knowledge base", "due_date": "2025-04-30"}
    if route == "milestone_update":
        return {"title": "Go live (moved)", "due_date": "2025-05-15"}
    raise AssertionError(route)


POST_ROUTES = {
    "communication_plan_edit": CHANGE,
    "checkin_create": CHANGE,
    "checkin_record": CHANGE,
    "action_item_done": CHANGE,
    "milestone_create": CHANGE,
    "milestone_update": CHANGE,
    "milestone_complete": CHANGE,
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


@pytest.mark.parametrize("route", ["action_item_done", "milestone_complete"])
def test_marking_done_takes_a_post_only(
    route: str, world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).get(url_of(route, world))

    assert response.status_code == 405
    assert world.snapshot() == before


def test_an_object_of_another_engagement_is_not_found_under_this_one(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    elsewhere = CheckInFactory(engagement=EngagementFactory(owner=manager))
    url = reverse("engagements:checkin_record", args=[world.engagement.pk, elsewhere.pk])

    assert client_for(manager).get(url).status_code == 404


# --- the tab ------------------------------------------------------------------------


def test_the_tab_shows_the_plan_overdue_upcoming_and_open_actions(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    ActionItemFactory(
        checkin=world.recorded, description="Share the rota", due_date=datetime.date(2025, 3, 1)
    )

    page = client_for(viewer).get(url_of("engagement_communication", world)).content.decode()

    assert "Weekly video call, shared Slack channel" in page
    assert "Ana, account lead" in page
    assert "Overdue check-ins" in page
    assert "Tue 4 Mar 2025" in page
    # From the weekly Tuesday cadence, before the nightly job has scheduled them.
    assert "Tue 11 Mar 2025" in page
    assert "Send the staffing plan" in page
    assert "Share the rota" in page
    assert 'class="table-danger"' in page  # the rota was due on 1 March
    # A viewer reads, but the buttons that change things are not offered.
    assert "Mark done" not in page
    assert "Edit the plan" not in page


def test_the_tab_without_a_plan_says_what_to_do(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)

    url = reverse("engagements:engagement_communication", args=[engagement.pk])
    page = client_for(manager).get(url).content.decode()

    assert "No communication plan yet" in page
    assert "Set up the plan" in page
    assert "No open action items" in page


def add_checkins(engagement: Engagement, count: int, start: int) -> None:
    for n in range(start, start + count):
        recorded = CheckInFactory(
            engagement=engagement,
            scheduled_for=datetime.datetime(2024, 1, 2, 10, tzinfo=datetime.UTC)
            + datetime.timedelta(days=n),
            recorded=True,
        )
        ActionItemFactory(checkin=recorded, owner=UserFactory())
        ActionItemFactory(checkin=recorded, owner=None, owner_name="Vendor lead")
        CheckInFactory(engagement=engagement, scheduled_for=NOW + datetime.timedelta(days=n + 1))
        CheckInFactory(engagement=engagement, scheduled_for=NOW - datetime.timedelta(days=n + 1))


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_tab_runs_the_same_queries_for_3_and_30_checkins(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    url = url_of("engagement_communication", world)
    add_checkins(world.engagement, 3, 0)
    EscalationLevelFactory(plan=world.plan, level=2)
    few = queries_for(client, url)

    add_checkins(world.engagement, 27, 3)
    EscalationLevelFactory(plan=world.plan, level=3)

    assert queries_for(client, url) == few


def test_overdue_checkins_show_the_latest_twelve_and_how_many_there_are_in_all(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = EngagementFactory(owner=manager)
    first = datetime.datetime(2024, 6, 3, 9, tzinfo=datetime.UTC)
    for week in range(15):
        CheckInFactory(engagement=engagement, scheduled_for=first + datetime.timedelta(weeks=week))

    url = reverse("engagements:engagement_communication", args=[engagement.pk])
    response = client_for(manager).get(url)
    page = response.content.decode()

    assert '<span class="badge text-bg-light">15</span>' in page
    assert "The latest 12 of 15" in page
    shown = [c.scheduled_for for c in response.context["overdue"]]
    assert shown == [first + datetime.timedelta(weeks=week) for week in range(3, 15)]


def test_open_action_items_come_a_page_at_a_time_soonest_due_first(
    manager: Any, client_for: Callable[[Any], Any], settings: Any
) -> None:
    settings.PAGE_SIZE = 3
    engagement = EngagementFactory(owner=manager)
    checkin = CheckInFactory(engagement=engagement, recorded=True)
    for n in range(5):
        ActionItemFactory(
            checkin=checkin,
            description=f"Action {n}",
            due_date=TODAY + datetime.timedelta(days=n),
        )
    url = reverse("engagements:engagement_communication", args=[engagement.pk])
    client = client_for(manager)

    first = client.get(url).content.decode()
    second = client.get(url, {"page": "2"}).content.decode()

    assert [f"Action {n}<" in first for n in range(5)] == [True, True, True, False, False]
    assert [f"Action {n}<" in second for n in range(5)] == [False, False, False, True, True]
    assert "?page=2#actions" in first


# --- the plan -------------------------------------------------------------------------


def test_saving_the_plan_saves_its_levels_and_schedules_checkins(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(
        url_of("communication_plan_edit", world), plan_data(world), follow=True
    )

    world.plan.refresh_from_db()
    assert world.plan.cadence == "fortnightly"
    assert world.plan.time_zone == "Europe/Berlin"
    assert list(world.plan.escalation_levels.values_list("level", "response_time_hours")) == [
        (1, 8),
        (2, 24),
    ]
    future = CheckIn.objects.filter(engagement=world.engagement, scheduled_for__gt=NOW)
    assert future.count() == 3  # fortnightly Wednesdays within the 42-day horizon
    assert "Communication plan saved. 3 check-ins scheduled." in response.content.decode()


def test_saving_a_missing_plan_creates_it(manager: Any, client_for: Callable[[Any], Any]) -> None:
    engagement = EngagementFactory(owner=manager)
    data = {
        "channels": "Weekly call",
        "cadence": "weekly",
        "weekday": "1",
        "time": "10:00",
        "time_zone": "UTC",
        "duration_minutes": "30",
        "starts_on": "2025-03-10",
    } | formset("levels", [{"level": 1, "who": "Ana", "response_time_hours": 4}])
    url = reverse("engagements:communication_plan_edit", args=[engagement.pk])

    response = client_for(manager).post(url, data)

    assert response.status_code == 302
    plan = CommunicationPlan.objects.get(engagement=engagement)
    assert plan.escalation_levels.get().who == "Ana"
    assert engagement.checkins.count() == 6  # weekly Tuesdays over 42 days


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Mars/Olympus is not a known time zone"),
        ({"channels": ""}, "This field is required."),
    ],
)
def test_a_bad_plan_gets_a_field_message_and_writes_nothing(
    change: dict[str, str],
    field_message: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("communication_plan_edit", world), plan_data(world, **change)
    )

    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert response.context["form"].errors
    assert world.snapshot() == before


def test_an_escalation_level_listed_twice_gets_a_field_message_and_writes_nothing(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()
    data = plan_data(world) | {"levels-1-level": "1"}

    response = client_for(manager).post(url_of("communication_plan_edit", world), data)

    assert response.status_code == 200
    levels = response.context["levels"]
    assert levels.forms[1].errors["level"] == ["Level 1 is listed twice; each level once."]
    assert "Level 1 is listed twice" in response.content.decode()
    assert world.snapshot() == before


# --- check-ins --------------------------------------------------------------------------


def test_recording_a_checkin_with_two_action_items_writes_all_in_one_go(
    world: World, manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    items = [
        {"description": "Post the job ad", "owner_name": "Ana", "due_date": "2025-03-14"},
        {"description": "Check the rota", "owner": viewer.pk, "due_date": "2025-03-21"},
    ]

    response = client_for(manager).post(
        url_of("checkin_record", world), record_data(items), follow=True
    )

    world.overdue.refresh_from_db()
    assert world.overdue.held_on == datetime.date(2025, 3, 4)
    assert world.overdue.status == "amber"
    assert world.overdue.recorded_by == manager
    assert list(
        world.overdue.action_items.order_by("due_date").values_list(
            "description", "owner_name", "owner"
        )
    ) == [("Post the job ad", "Ana", None), ("Check the rota", "", viewer.pk)]
    page = response.content.decode()
    assert "Check-in of 4 Mar 2025 recorded with 2 action items." in page
    assert "Overdue check-ins" not in page


@pytest.mark.parametrize(
    ("changes", "items", "field", "message"),
    [
        (
            {"held_on": "2025-03-11"},
            [],
            "held_on",
            "A check-in cannot be recorded before it happens",
        ),
        ({"status": ""}, [], "status", "Choose green, amber or red"),
    ],
)
def test_a_bad_checkin_gets_a_field_message_and_writes_nothing(
    changes: dict[str, str],
    items: list[dict[str, Any]],
    field: str,
    message: str,
    world: World,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    before = world.snapshot()
    items = [{"description": "Post the job ad", "owner_name": "Ana", "due_date": "2025-03-14"}]

    response = client_for(manager).post(
        url_of("checkin_record", world), record_data(items, **changes)
    )

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert world.snapshot() == before


def test_an_action_item_without_due_date_gets_a_field_message_and_nothing_is_written(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()
    items = [
        {"description": "Post the job ad", "owner_name": "Ana", "due_date": "2025-03-14"},
        {"description": "Check the rota", "owner_name": "Ben", "due_date": ""},
    ]

    response = client_for(manager).post(url_of("checkin_record", world), record_data(items))

    assert response.status_code == 200
    assert response.context["items"].forms[1].errors["due_date"] == [
        "Give the action item a due date."
    ]
    assert "Give the action item a due date." in response.content.decode()
    assert world.snapshot() == before


def test_an_action_item_needs_someone_to_do_it(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()
    items = [{"description": "Post the job ad", "due_date": "2025-03-14"}]

    response = client_for(manager).post(url_of("checkin_record", world), record_data(items))

    assert response.status_code == 200
    assert response.context["items"].forms[0].errors["owner_name"]
    assert world.snapshot() == before


def test_an_unscheduled_checkin_in_the_past_opens_for_recording(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(
        url_of("checkin_create", world), {"scheduled_for": "2025-03-07T14:00"}
    )

    # The typed time is read in the server's time zone (TIME_ZONE), whatever it is.
    checkin = CheckIn.objects.get(
        scheduled_for=datetime.datetime(2025, 3, 7, 14, tzinfo=timezone.get_current_timezone())
    )
    assert response["Location"] == reverse(
        "engagements:checkin_record", args=[world.engagement.pk, checkin.pk]
    )


def test_an_unscheduled_checkin_at_a_taken_slot_is_refused(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    taken = timezone.localtime(world.overdue.scheduled_for)
    response = client_for(manager).post(
        url_of("checkin_create", world), {"scheduled_for": f"{taken:%Y-%m-%dT%H:%M}"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["scheduled_for"]
    assert world.snapshot() == before


def test_marking_an_action_item_done_takes_it_off_the_open_list(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)

    response = client.post(url_of("action_item_done", world), follow=True)
    again = client.post(url_of("action_item_done", world), follow=True)

    world.item.refresh_from_db()
    assert world.item.done_on == TODAY
    assert "“Send the staffing plan” marked done." in response.content.decode()
    assert "No open action items" in response.content.decode()
    assert "was already done" in again.content.decode()


# --- milestones -------------------------------------------------------------------------


def test_the_owner_adds_edits_and_completes_milestones(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)

    client.post(url_of("milestone_create", world), post_payload("milestone_create", world))
    client.post(url_of("milestone_update", world), post_payload("milestone_update", world))
    response = client.post(url_of("milestone_complete", world), follow=True)

    assert list(
        Milestone.objects.order_by("due_date").values_list("title", "due_date", "completed_on")
    ) == [
        ("Handover of the knowledge base", datetime.date(2025, 4, 30), None),
        ("Go live (moved)", datetime.date(2025, 5, 15), TODAY),
    ]
    assert "Milestone “Go live (moved)” completed." in response.content.decode()


def test_a_milestone_cannot_be_completed_in_the_future(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()
    data = {"title": "Go live", "due_date": "2025-02-05", "completed_on": "2025-03-11"}

    response = client_for(manager).post(url_of("milestone_update", world), data)

    assert response.status_code == 200
    assert response.context["form"].errors["completed_on"]
    assert world.snapshot() == before


def test_the_overview_offers_milestone_buttons_only_to_who_may_change(
    world: World, manager: Any, other_manager: Any, client_for: Callable[[Any], Any]
) -> None:
    url = url_of("engagement_detail", world)

    owners_page = client_for(manager).get(url).content.decode()
    others_page = client_for(other_manager).get(url).content.decode()

    assert "Add a milestone" in owners_page
    assert url_of("milestone_complete", world) in owners_page
    assert "Add a milestone" not in others_page
    assert url_of("milestone_complete", world) not in others_page


def test_times_show_in_the_viewers_zone_with_the_plans_beside_where_it_differs(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    CommunicationPlan.objects.filter(pk=world.plan.pk).update(time_zone="Europe/Berlin")
    ReminderPreferenceFactory(user=manager, time_zone="America/New_York")

    page = client_for(manager).get(url_of("engagement_communication", world)).content.decode()

    assert "Times in your zone, America/New_York" in page
    # 10:00 UTC: 05:00 in New York, 11:00 in Berlin.
    assert "Tue 4 Mar 2025, 05:00" in page
    assert "(11:00 Europe/Berlin)" in page


def test_a_viewer_in_the_plans_offset_sees_one_time(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    CommunicationPlan.objects.filter(pk=world.plan.pk).update(time_zone="Europe/Berlin")
    ReminderPreferenceFactory(user=manager, time_zone="Europe/Amsterdam")

    page = client_for(manager).get(url_of("engagement_communication", world)).content.decode()

    assert "Tue 4 Mar 2025, 11:00" in page
    assert "Europe/Berlin)" not in page


def test_a_viewer_without_settings_reads_the_servers_zone(
    world: World, manager: Any, client_for: Callable[[Any], Any], settings: Any
) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    CommunicationPlan.objects.filter(pk=world.plan.pk).update(time_zone="UTC")

    page = client_for(manager).get(url_of("engagement_communication", world)).content.decode()

    assert "Tue 4 Mar 2025, 19:00" in page
    assert "(10:00 UTC)" in page


def test_the_plans_zone_beside_follows_each_side_of_a_daylight_saving_change(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    # America moves its clocks on 9 March 2025, Europe on 30 March: for three weeks
    # London is four hours ahead of New York instead of five.
    CommunicationPlan.objects.filter(pk=world.plan.pk).update(time_zone="Europe/London")
    ReminderPreferenceFactory(user=manager, time_zone="America/New_York")
    # 09:00 in London each time: GMT before 30 March, BST after.
    for day, utc_hour in ((3, 9), (17, 9), (31, 8)):  # before, between and after the changes
        CheckInFactory(
            engagement=world.engagement,
            scheduled_for=datetime.datetime(2025, 3, day, utc_hour, tzinfo=datetime.UTC),
        )

    page = client_for(manager).get(url_of("engagement_communication", world)).content.decode()

    assert "Mon 3 Mar 2025, 04:00" in page and "(09:00 Europe/London)" in page
    assert "Mon 17 Mar 2025, 05:00" in page
    assert "Mon 31 Mar 2025, 04:00" in page
    assert page.count("(09:00 Europe/London)") == 3


def test_a_typed_time_is_read_in_the_zone_the_page_shows(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    ReminderPreferenceFactory(user=manager, time_zone="Europe/Amsterdam")
    client = client_for(manager)

    form_page = client.get(url_of("checkin_create", world)).content.decode()
    client.post(url_of("checkin_create", world), {"scheduled_for": "2025-04-02T09:00"})

    assert "in your time zone (Europe/Amsterdam)" in form_page
    checkin = CheckIn.objects.get(scheduled_for__date=datetime.date(2025, 4, 2))
    assert checkin.scheduled_for == datetime.datetime(2025, 4, 2, 7, tzinfo=datetime.UTC)  # CEST
    page = client.get(url_of("engagement_communication", world)).content.decode()
    assert "Wed 2 Apr 2025, 09:00" in page


def test_a_time_that_does_not_exist_in_the_viewers_zone_is_refused(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    ReminderPreferenceFactory(user=manager, time_zone="Europe/Amsterdam")
    before = world.snapshot()

    # Clocks jump from 02:00 to 03:00 on 30 March 2025 in Amsterdam.
    response = client_for(manager).post(
        url_of("checkin_create", world), {"scheduled_for": "2025-03-30T02:30"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["scheduled_for"]
    assert world.snapshot() == before


def test_saving_settings_switches_the_zone_at_once(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    client.post(
        reverse("engagements:reminder_preferences"),
        {
            "time_zone": "Asia/Kolkata",
            "digest_enabled": "on",
            "digest_weekday": 0,
            "digest_hour": 8,
        },
    )

    page = client.get(url_of("engagement_communication", world)).content.decode()

    assert "Tue 4 Mar 2025, 15:30" in page  # 10:00 UTC


def test_two_levels_swapping_numbers_write_nothing_and_say_why(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    second = EscalationLevelFactory(plan=world.plan, level=2, who="Ben")
    before = world.snapshot()
    data = plan_data(world) | formset(
        "levels",
        [
            {"id": world.level.pk, "level": 2, "who": "Ana", "response_time_hours": 8},
            {"id": second.pk, "level": 1, "who": "Ben", "response_time_hours": 24},
        ],
        initial=2,
    )

    response = client_for(manager).post(url_of("communication_plan_edit", world), data, follow=True)

    assert world.snapshot() == before
    assert "Two levels cannot swap numbers in one save" in response.content.decode()


# --- cancelling and moving a check-in ------------------------------------------------


def test_a_check_in_is_cancelled_with_a_reason_everyone_reads(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)

    client.post(
        url_of("checkin_change", world),
        {"what": "cancel", "reason": "Vendor's office closed for a holiday."},
    )

    world.overdue.refresh_from_db()
    assert world.overdue.cancelled
    page = client.get(url_of("engagement_communication", world)).content.decode()
    assert "Vendor&#x27;s office closed for a holiday." in page
    assert "Overdue check-ins" not in page


def test_a_moved_check_in_keeps_its_old_slot_so_the_cadence_does_not_refill_it(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    old_time = world.overdue.scheduled_for

    client_for(manager).post(
        url_of("checkin_change", world),
        {"what": "move", "to": "2025-03-12T15:00", "reason": "Their lead is travelling."},
    )
    world.plan.schedule_checkins(now=NOW, until=NOW + datetime.timedelta(days=60))

    moved = CheckIn.objects.get(engagement=world.engagement, change_note__startswith="Moved from")
    assert moved.scheduled_for == datetime.datetime(
        2025, 3, 12, 15, tzinfo=timezone.get_current_timezone()
    )
    old = CheckIn.objects.get(engagement=world.engagement, scheduled_for=old_time)
    assert old.cancelled and old.change_note.startswith("Moved to")


def test_moving_needs_a_time_and_a_reason_and_writes_nothing_without_them(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(url_of("checkin_change", world), {"what": "move"})

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"to", "reason"}
    assert world.snapshot() == before


def test_moving_onto_a_taken_slot_is_refused(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    taken = timezone.localtime(world.recorded.scheduled_for)
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("checkin_change", world),
        {"what": "move", "to": f"{taken:%Y-%m-%dT%H:%M}", "reason": "Clash."},
    )

    assert response.status_code == 200
    assert "There is a check-in at that time already." in response.content.decode()
    assert world.snapshot() == before


def test_another_action_row_comes_with_the_next_index_and_count(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    url = url_of("action_item_row", world) + "?items-TOTAL_FORMS=4"

    fragment = client_for(manager).get(url).content.decode()

    assert 'name="items-4-description"' in fragment
    assert 'name="items-TOTAL_FORMS" value="5"' in fragment
    assert 'hx-swap-oob="true"' in fragment


def test_the_record_form_offers_three_action_rows_and_a_way_to_add_more(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    page = client_for(manager).get(url_of("checkin_record", world)).content.decode()

    assert 'name="items-2-description"' in page
    assert "Add another action" in page


def test_a_check_in_cannot_move_beyond_reach(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("checkin_change", world),
        {"what": "move", "to": "9999-12-31T23:30", "reason": "Far away."},
    )

    assert response.status_code == 200
    assert "Pick a time within" in str(response.context["form"].errors["to"])
    assert world.snapshot() == before


def test_signing_in_leaves_the_time_zone_to_the_requests(
    manager: Any, client_for: Callable[[Any], Any], settings: Any
) -> None:
    ReminderPreferenceFactory(user=manager, time_zone="Asia/Tokyo")

    client_for(manager)

    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
