"""Step 3 rules: check-in slots from the cadence, overdue check-ins and milestones, and the
engagement's status flow."""

import datetime
import zoneinfo

import pytest
import time_machine

from engagements.models import Cadence, CheckIn, CommunicationPlan, Engagement, Weekday
from engagements.services import communication as services
from engagements.tests.factories import (
    CheckInFactory,
    CommunicationPlanFactory,
    MilestoneFactory,
)

# Dated: CI runs these at awkward moments too (outsourcing/tests/clock.py).
pytestmark = pytest.mark.dates

UTC = datetime.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def plan(
    *,
    cadence: str = Cadence.WEEKLY,
    weekday: int = Weekday.TUESDAY,
    time: datetime.time = datetime.time(10, 0),
    time_zone: str = "Europe/London",
    starts_on: datetime.date = datetime.date(2025, 1, 6),
) -> CommunicationPlan:
    """An unsaved plan: next_checkins needs no database."""
    return CommunicationPlan(
        cadence=cadence, weekday=weekday, time=time, time_zone=time_zone, starts_on=starts_on
    )


def at(
    tz: datetime.tzinfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=tz)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    return at(UTC, year, month, day, hour, minute, second)


# --- next_checkins(): cadences ------------------------------------------------


def test_weekly_check_ins_fall_on_the_weekday_every_week():
    slots = plan().next_checkins(utc(2025, 1, 6, 12), count=3)

    assert slots == [utc(2025, 1, 7, 10), utc(2025, 1, 14, 10), utc(2025, 1, 21, 10)]


def test_fortnightly_check_ins_skip_a_week():
    slots = plan(cadence=Cadence.FORTNIGHTLY).next_checkins(utc(2025, 1, 6, 12), count=3)

    assert slots == [utc(2025, 1, 7, 10), utc(2025, 1, 21, 10), utc(2025, 2, 4, 10)]


def test_fortnightly_check_ins_keep_their_rhythm_from_the_start_date():
    # After the first slot, the next one is two weeks on, not the coming Tuesday.
    slots = plan(cadence=Cadence.FORTNIGHTLY).next_checkins(utc(2025, 1, 8, 12), count=2)

    assert slots == [utc(2025, 1, 21, 10), utc(2025, 2, 4, 10)]


def test_monthly_check_ins_fall_on_the_first_such_weekday_of_each_month():
    slots = plan(cadence=Cadence.MONTHLY).next_checkins(utc(2025, 1, 6, 12), count=6)

    assert [slot.astimezone(LONDON).date() for slot in slots] == [
        datetime.date(2025, 1, 7),
        datetime.date(2025, 2, 4),
        datetime.date(2025, 3, 4),
        datetime.date(2025, 4, 1),  # the 1st is itself a Tuesday
        datetime.date(2025, 5, 6),
        datetime.date(2025, 6, 3),
    ]


def test_monthly_check_ins_cross_the_year_end():
    slots = plan(cadence=Cadence.MONTHLY, weekday=Weekday.MONDAY).next_checkins(
        utc(2025, 12, 2), count=2
    )

    assert slots == [utc(2026, 1, 5, 10), utc(2026, 2, 2, 10)]


def test_it_returns_as_many_check_ins_as_asked_for():
    assert len(plan().next_checkins(utc(2025, 1, 6))) == 5
    assert len(plan().next_checkins(utc(2025, 1, 6), count=12)) == 12


# --- next_checkins(): time zones and daylight saving --------------------------


def test_check_in_times_are_in_the_plans_time_zone():
    slots = plan(time_zone="America/New_York").next_checkins(utc(2025, 1, 6, 12), count=1)

    assert slots == [utc(2025, 1, 7, 15)]  # 10:00 EST


def test_the_weekday_is_the_plans_local_weekday():
    # Tuesday 09:00 in Tokyo is midnight UTC on the same Tuesday.
    slots = plan(time=datetime.time(9, 0), time_zone="Asia/Tokyo").next_checkins(
        utc(2025, 1, 6, 12), count=1
    )

    assert slots == [at(TOKYO, 2025, 1, 7, 9)]
    assert slots[0] == utc(2025, 1, 7, 0)


def test_london_check_ins_keep_their_wall_clock_time_when_summer_time_ends():
    # British Summer Time ends on Sunday 26 October 2025.
    slots = plan().next_checkins(utc(2025, 10, 15), count=2)

    assert [slot.astimezone(LONDON).time() for slot in slots] == [datetime.time(10, 0)] * 2
    assert slots == [utc(2025, 10, 21, 9), utc(2025, 10, 28, 10)]


def test_london_check_ins_keep_their_wall_clock_time_when_summer_time_starts():
    # British Summer Time starts on Sunday 30 March 2025.
    slots = plan().next_checkins(utc(2025, 3, 20), count=2)

    assert [slot.astimezone(LONDON).time() for slot in slots] == [datetime.time(10, 0)] * 2
    assert slots == [utc(2025, 3, 25, 10), utc(2025, 4, 1, 9)]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Daylight saving ends on Sunday 2 November 2025: EDT (UTC-4) to EST (UTC-5).
        (utc(2025, 10, 21), [utc(2025, 10, 27, 13), utc(2025, 11, 3, 14)]),
        # Daylight saving starts on Sunday 9 March 2025: EST to EDT.
        (utc(2025, 2, 25), [utc(2025, 3, 3, 14), utc(2025, 3, 10, 13)]),
    ],
    ids=["autumn", "spring"],
)
def test_new_york_check_ins_keep_their_wall_clock_time_across_daylight_saving(after, expected):
    monday_nine = plan(
        weekday=Weekday.MONDAY, time=datetime.time(9, 0), time_zone="America/New_York"
    )

    slots = monday_nine.next_checkins(after, count=2)

    assert slots == expected
    assert [slot.astimezone(NEW_YORK).time() for slot in slots] == [datetime.time(9, 0)] * 2


def test_monthly_check_ins_follow_the_wall_clock_across_daylight_saving():
    slots = plan(cadence=Cadence.MONTHLY).next_checkins(utc(2025, 9, 15), count=2)

    assert slots == [utc(2025, 10, 7, 9), utc(2025, 11, 4, 10)]


# --- next_checkins(): where the series starts ---------------------------------


def test_a_plan_starting_in_the_future_has_no_check_in_before_its_start():
    later = plan(starts_on=datetime.date(2025, 3, 1))  # a Saturday

    assert later.next_checkins(utc(2025, 1, 1), count=2) == [
        utc(2025, 3, 4, 10),
        utc(2025, 3, 11, 10),
    ]


def test_a_monthly_plan_starting_after_this_months_slot_begins_next_month():
    later = plan(cadence=Cadence.MONTHLY, starts_on=datetime.date(2025, 1, 10))

    assert later.next_checkins(utc(2025, 1, 1), count=1) == [utc(2025, 2, 4, 10)]


def test_a_check_in_exactly_at_after_is_not_next():
    slots = plan().next_checkins(utc(2025, 1, 7, 10), count=1)

    assert slots == [utc(2025, 1, 14, 10)]


def test_a_check_in_a_second_after_after_is_next():
    slots = plan().next_checkins(utc(2025, 1, 7, 9, 59, 59), count=1)

    assert slots == [utc(2025, 1, 7, 10)]


def test_todays_check_in_counts_while_its_time_is_still_ahead():
    assert plan().next_checkins(utc(2025, 1, 7, 8), count=1) == [utc(2025, 1, 7, 10)]


def test_todays_check_in_is_skipped_once_its_time_has_passed():
    assert plan().next_checkins(utc(2025, 1, 7, 11), count=1) == [utc(2025, 1, 14, 10)]


def test_todays_monthly_check_in_counts_while_its_time_is_still_ahead():
    # 1 April 2025 is the first Tuesday; 08:00 UTC is 09:00 BST.
    slots = plan(cadence=Cadence.MONTHLY).next_checkins(utc(2025, 4, 1, 8), count=1)

    assert slots == [at(LONDON, 2025, 4, 1, 10)]


def test_today_is_the_local_day_of_the_plan_not_the_utc_day():
    # Monday 23:00 UTC is already Tuesday 08:00 in Tokyo: Tuesday's 09:00 slot is still ahead.
    tokyo = plan(time=datetime.time(9, 0), time_zone="Asia/Tokyo")

    assert tokyo.next_checkins(utc(2025, 1, 13, 23), count=1) == [at(TOKYO, 2025, 1, 14, 9)]


def test_todays_late_slot_counts_where_the_utc_day_is_already_tomorrow():
    # Wednesday 02:00 UTC is still Tuesday 21:00 in New York: the 22:30 slot is ahead.
    evening = plan(time=datetime.time(22, 30), time_zone="America/New_York")

    assert evening.next_checkins(utc(2025, 1, 15, 2), count=1) == [
        at(NEW_YORK, 2025, 1, 14, 22, 30)
    ]


# --- CheckIn overdue ----------------------------------------------------------

NOW = utc(2025, 2, 1, 12)


@pytest.mark.django_db
def test_an_unrecorded_check_in_after_its_time_is_overdue():
    checkin = CheckInFactory(scheduled_for=NOW - datetime.timedelta(minutes=1))

    assert checkin.is_overdue(NOW)
    assert list(CheckIn.objects.overdue(NOW)) == [checkin]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"scheduled_for": NOW + datetime.timedelta(minutes=1)},
        {"scheduled_for": NOW},
        {"scheduled_for": NOW - datetime.timedelta(days=3), "recorded": True},
        {"scheduled_for": NOW - datetime.timedelta(days=3), "cancelled": True},
    ],
    ids=["still-ahead", "right-now", "recorded", "cancelled"],
)
def test_a_check_in_not_yet_due_recorded_or_cancelled_is_not_overdue(kwargs):
    checkin = CheckInFactory(**kwargs)

    assert not checkin.is_overdue(NOW)
    assert not CheckIn.objects.overdue(NOW).exists()


@pytest.mark.django_db
def test_overdue_defaults_to_the_current_time():
    checkin = CheckInFactory(scheduled_for=utc(2025, 1, 31, 12))

    with time_machine.travel(utc(2025, 1, 31, 11), tick=False):
        assert not checkin.is_overdue()
        assert not CheckIn.objects.overdue().exists()
    with time_machine.travel(utc(2025, 1, 31, 13), tick=False):
        assert checkin.is_overdue()
        assert list(CheckIn.objects.overdue()) == [checkin]


# --- services.schedule_checkins -----------------------------------------------

# Monday 6 January 2025, 12:00 UTC; with a 42-day horizon the window ends 17 February.
SCHEDULED_AT = utc(2025, 1, 6, 12)
WEEKLY_SLOTS = [utc(2025, 1, 7, 10) + datetime.timedelta(weeks=n) for n in range(6)]


@pytest.fixture
def horizon(settings):
    settings.CHECKIN_HORIZON_DAYS = 42


def slots_of(engagement: Engagement) -> list[datetime.datetime]:
    return sorted(engagement.checkins.values_list("scheduled_for", flat=True))


@pytest.mark.django_db
def test_scheduling_creates_each_slot_up_to_the_horizon(horizon):
    weekly = CommunicationPlanFactory()

    created = services.schedule_checkins(now=SCHEDULED_AT)

    assert created == 6
    assert slots_of(weekly.engagement) == WEEKLY_SLOTS


@pytest.mark.django_db
def test_scheduling_twice_creates_nothing_the_second_time(horizon):
    weekly = CommunicationPlanFactory()
    services.schedule_checkins(now=SCHEDULED_AT)

    created_again = services.schedule_checkins(now=SCHEDULED_AT)

    assert created_again == 0
    assert slots_of(weekly.engagement) == WEEKLY_SLOTS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "clock_change"),
    [
        # 01:30 happens twice on 26 October 2025 in London (clocks go back at 02:00 BST)…
        (utc(2025, 10, 20, 12), utc(2025, 10, 26, 0, 30)),
        # …and not at all on 30 March 2025 (clocks go forward at 01:00 GMT).
        (utc(2025, 3, 24, 12), utc(2025, 3, 30, 1, 30)),
    ],
    ids=["repeated-hour", "skipped-hour"],
)
def test_a_slot_in_the_hour_daylight_saving_repeats_or_skips_is_created_once(
    horizon, now, clock_change
):
    early_sunday = CommunicationPlanFactory(
        weekday=Weekday.SUNDAY, time=datetime.time(1, 30), starts_on=datetime.date(2025, 1, 1)
    )

    created = services.schedule_checkins(now=now)
    created_again = services.schedule_checkins(now=now)

    assert (created, created_again) == (6, 0)
    slots = slots_of(early_sunday.engagement)
    assert len(slots) == 6
    assert slots[0] == clock_change


@pytest.mark.django_db
def test_scheduling_late_adds_only_the_slots_that_came_into_the_window(horizon):
    weekly = CommunicationPlanFactory()
    services.schedule_checkins(now=SCHEDULED_AT)

    created = services.schedule_checkins(now=SCHEDULED_AT + datetime.timedelta(days=7))

    assert created == 1
    assert slots_of(weekly.engagement) == [*WEEKLY_SLOTS, utc(2025, 2, 18, 10)]


@pytest.mark.django_db
def test_scheduling_leaves_recorded_and_cancelled_check_ins_as_they_are(horizon):
    weekly = CommunicationPlanFactory()
    recorded = CheckInFactory(
        engagement=weekly.engagement,
        scheduled_for=WEEKLY_SLOTS[0],
        recorded=True,
        status="amber",
        progress_summary="Backlog growing.",
    )
    cancelled = CheckInFactory(
        engagement=weekly.engagement, scheduled_for=WEEKLY_SLOTS[1], cancelled=True
    )

    created = services.schedule_checkins(now=SCHEDULED_AT)

    assert created == 4
    assert slots_of(weekly.engagement) == WEEKLY_SLOTS
    recorded.refresh_from_db()
    cancelled.refresh_from_db()
    assert (recorded.held_on, recorded.status, recorded.progress_summary) == (
        datetime.date(2025, 1, 7),
        "amber",
        "Backlog growing.",
    )
    assert cancelled.cancelled


@pytest.mark.django_db
def test_scheduling_uses_each_plans_own_cadence(horizon):
    weekly = CommunicationPlanFactory()
    monthly = CommunicationPlanFactory(cadence=Cadence.MONTHLY, weekday=Weekday.MONDAY)

    services.schedule_checkins(now=SCHEDULED_AT)

    assert slots_of(weekly.engagement) == WEEKLY_SLOTS
    assert slots_of(monthly.engagement) == [utc(2025, 2, 3, 10)]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Engagement.Status.ACTIVE, Engagement.Status.ON_HOLD])
def test_scheduling_covers_live_engagements(horizon, status):
    live = CommunicationPlanFactory(engagement__status=status)

    services.schedule_checkins(now=SCHEDULED_AT)

    assert len(slots_of(live.engagement)) == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [
        Engagement.Status.DRAFT,
        Engagement.Status.OFFBOARDING,
        Engagement.Status.COMPLETED,
        Engagement.Status.TERMINATED,
        Engagement.Status.IN_HOUSE,
    ],
)
def test_scheduling_skips_engagements_that_are_not_live(horizon, status):
    CommunicationPlanFactory(engagement__status=status)

    assert services.schedule_checkins(now=SCHEDULED_AT) == 0
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_scheduling_defaults_to_the_current_time(horizon):
    weekly = CommunicationPlanFactory()

    with time_machine.travel(SCHEDULED_AT, tick=False):
        services.schedule_checkins()

    assert slots_of(weekly.engagement) == WEEKLY_SLOTS


# --- Milestone overdue --------------------------------------------------------


@pytest.mark.django_db
def test_a_milestone_past_its_due_date_and_not_completed_is_overdue():
    milestone = MilestoneFactory(due_date=datetime.date(2025, 3, 9))

    assert milestone.is_overdue(datetime.date(2025, 3, 10))


@pytest.mark.django_db
def test_a_milestone_due_today_is_not_overdue_yet():
    milestone = MilestoneFactory(due_date=datetime.date(2025, 3, 10))

    assert not milestone.is_overdue(datetime.date(2025, 3, 10))


@pytest.mark.django_db
def test_a_completed_milestone_is_never_overdue():
    milestone = MilestoneFactory(
        due_date=datetime.date(2025, 3, 1), completed_on=datetime.date(2025, 3, 5)
    )

    assert not milestone.is_overdue(datetime.date(2025, 4, 1))


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2025, 3, 10, 9, tzinfo=UTC), tick=False)
def test_milestone_overdue_defaults_to_today():
    assert MilestoneFactory(due_date=datetime.date(2025, 3, 9)).is_overdue()
    assert not MilestoneFactory(due_date=datetime.date(2025, 3, 10)).is_overdue()


@pytest.mark.django_db
def test_scheduling_stops_at_the_engagements_end_date(horizon):
    plan = CommunicationPlanFactory()
    Engagement.objects.filter(pk=plan.engagement_id).update(end_date=datetime.date(2025, 1, 21))

    created = services.schedule_checkins(now=SCHEDULED_AT)

    assert created == 3
    assert slots_of(plan.engagement) == WEEKLY_SLOTS[:3]


# --- the status flow the owners follow by hand ---------------------------------------

Status = Engagement.Status
BY_HAND = {
    (Status.DRAFT, Status.ACTIVE),
    (Status.DRAFT, Status.PLANNED),
    # Planned work becomes active on its start date; its owners may start it early.
    (Status.PLANNED, Status.ACTIVE),
    (Status.ACTIVE, Status.ON_HOLD),
    (Status.ON_HOLD, Status.ACTIVE),
}


@pytest.mark.parametrize("current", Status.values)
@pytest.mark.parametrize("new", Status.values)
def test_only_draft_to_planned_or_active_planned_to_active_and_on_hold_move_by_hand(
    current: str, new: str
) -> None:
    problem = Engagement(status=current).status_change_problem(new)

    if current == new or (current, new) in BY_HAND:
        assert problem == ""
    else:
        assert problem, f"{current} -> {new} should be refused with a reason"
