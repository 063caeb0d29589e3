"""Demo story files write dates relative to the day it is seeded (engagements/demo/dates.py)."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from engagements.demo.dates import Story
from engagements.demo.people import People
from engagements.models import Risk

NOW = datetime.datetime(2028, 3, 31, 14, 30, tzinfo=datetime.UTC)


def story(**dates: str) -> Story:
    nobody = User(username="nobody")
    people = People(nobody, nobody, nobody, nobody, nobody)
    told = Story(today=datetime.date(2028, 3, 31), now=NOW, people=people, vendors={})
    return told.with_dates(dates)


@pytest.mark.parametrize(
    ("expression", "day"),
    [
        ("today", datetime.date(2028, 3, 31)),
        ("month", datetime.date(2028, 3, 1)),
        ("month-10m", datetime.date(2027, 5, 1)),
        ("month+1m-1d", datetime.date(2028, 3, 31)),
        ("today-1m", datetime.date(2028, 2, 29)),  # the last day of a shorter month
        ("today+2w-3d", datetime.date(2028, 4, 11)),
        ("today-1y", datetime.date(2027, 3, 31)),
    ],
)
def test_it_reads_steps_from_the_day_the_demo_is_told(expression: str, day: datetime.date):
    assert story().day(expression) == day


def test_named_dates_build_on_those_above_them():
    told = story(start="month-1d", end="start+1y-1d")

    assert told.day("start") == datetime.date(2028, 2, 29)
    # The 29th of February a year on is the 28th.
    assert told.day("end") == datetime.date(2029, 2, 27)
    assert told.day("checkin+3d", checkin=datetime.date(2028, 1, 30)) == datetime.date(2028, 2, 2)


def test_a_moment_is_local_at_ten_unless_told_and_now_is_the_telling():
    told = story()

    assert told.moment("today") == datetime.datetime.combine(
        datetime.date(2028, 3, 31), datetime.time(10), tzinfo=timezone.get_current_timezone()
    )
    assert timezone.localtime(told.moment("today-1d 02:15")).time() == datetime.time(2, 15)
    assert told.moment("now") == NOW


@pytest.mark.parametrize("expression", ["yesterday", "today+3", "today - 3d", "today+3d 2pm"])
def test_it_refuses_what_is_not_a_demo_date(expression: str):
    with pytest.raises((ValueError, KeyError)):
        story().day(expression)


def test_fields_read_each_value_as_the_models_field_reads_it():
    fields = story(start="month").fields(
        Risk,
        {"title": "Due {start:%B %Y}", "last_reviewed_on": "start+2d", "likelihood": 3, "x": 1},
    )

    assert fields == {
        "title": "Due March 2028",
        "last_reviewed_on": datetime.date(2028, 3, 3),
        "likelihood": 3,
    }
