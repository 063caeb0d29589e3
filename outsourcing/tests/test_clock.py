"""The test run's clock (`--today`, outsourcing/tests/clock.py)."""

from __future__ import annotations

import datetime
import subprocess
import zoneinfo
from pathlib import Path

import pytest
from django.utils import timezone

from outsourcing.tests import clock

pytestmark = pytest.mark.dates

UTC = datetime.UTC


def test_a_day_alone_means_ten_in_the_morning_in_the_given_zone() -> None:
    moment = clock.parse_moment("2027-03-28", "Europe/Berlin")

    assert moment == datetime.datetime(2027, 3, 28, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert moment.utcoffset() == datetime.timedelta(hours=2)  # summer time from 02:00


def test_a_time_of_day_is_read_in_the_given_zone() -> None:
    moment = clock.parse_moment("2026-12-06T23:30", "UTC")

    assert moment == datetime.datetime(2026, 12, 6, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-13-01", "tomorrow", "06/12/2026"])
def test_anything_else_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD or YYYY-MM-DDTHH:MM"):
        clock.parse_moment(text, "UTC")


def test_the_run_lives_on_the_day_it_was_asked_for(request: pytest.FixtureRequest) -> None:
    today = request.config.getoption("--today")
    if not today:
        pytest.skip("the run's clock is not moved (no --today)")
    asked = clock.parse_moment(today, timezone.get_current_timezone_name())

    # Set back to the moment before each test, so even a long run is still on that day.
    assert datetime.timedelta(0) <= timezone.now() - asked < datetime.timedelta(minutes=1)


def test_a_process_started_by_a_test_shares_the_moved_clock(tmp_path: Path) -> None:
    script = tmp_path / "now.py"
    script.write_text("import datetime\nprint(datetime.datetime.now(datetime.UTC).isoformat())\n")
    moment = datetime.datetime(2027, 3, 28, 23, 30, tzinfo=UTC)

    with clock.moved(moment):
        command = clock.command_at_now([str(script)])
        seen = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    assert datetime.timedelta(0) <= datetime.datetime.fromisoformat(seen.strip()) - moment
    assert datetime.datetime.fromisoformat(seen.strip()) - moment < datetime.timedelta(minutes=1)
