"""The test run's clock: `pytest --today=YYYY-MM-DD[THH:MM]` (or TEST_TODAY) moves it.

The whole run — collection, fixtures, the live server's thread, every test — then
lives at that moment in the server's time zone (TIME_ZONE): the clock ticks, and is
set back to the moment before each test, so a test meets the date the way a user on
that day would. Tests that freeze time themselves (time-machine) still do; leaving
their block returns them to the moved clock. Processes a test starts (a Celery
worker) get the moved clock through `command_at_now()`.

The date-sensitive tests carry the marker `dates`. `make test-dates` runs them at
every awkward moment in the Makefile's MOMENTS (the first and the last day of a
month, New Year's Eve, the days clocks change in Europe and the United States, a
Sunday just before midnight, a Monday just after); CI runs them at three of those
besides today.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
import zoneinfo
from collections.abc import Iterator

import time_machine

_traveller: time_machine.travel | None = None
_moment: datetime.datetime | None = None


def parse_moment(text: str, time_zone: str) -> datetime.datetime:
    """`YYYY-MM-DD` (at 10:00) or `YYYY-MM-DDTHH:MM`, as an aware datetime in `time_zone`."""
    try:
        if "T" in text or " " in text:
            moment = datetime.datetime.fromisoformat(text)
        else:
            moment = datetime.datetime.combine(
                datetime.date.fromisoformat(text), datetime.time(10, 0)
            )
    except ValueError:
        raise ValueError(f"--today takes YYYY-MM-DD or YYYY-MM-DDTHH:MM, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    return moment


def move_to(moment: datetime.datetime) -> None:
    """Start the whole run at `moment`; the clock ticks on from there."""
    global _moment
    stop()
    _moment = moment
    rewind()


def rewind() -> None:
    """Back to the run's moment before each test, so that a long run never drifts past
    midnight: every test meets the day it was asked for."""
    global _traveller
    if _moment is None:
        return
    if _traveller is not None:
        _traveller.stop()
    _traveller = time_machine.travel(_moment, tick=True)
    _traveller.start()


def stop() -> None:
    global _traveller, _moment
    if _traveller is not None:
        _traveller.stop()
    _traveller = _moment = None


@contextlib.contextmanager
def moved(moment: datetime.datetime) -> Iterator[None]:
    """The clock moved to `moment` for a block, then back to where the run had it."""
    previous = _moment
    move_to(moment)
    try:
        yield
    finally:
        stop()
        if previous is not None:
            move_to(previous)


def is_moved() -> bool:
    return _moment is not None


# Run in a child process: move its clock to the given epoch seconds, then run the script.
_CHILD = (
    "import runpy, sys, time_machine; "
    "time_machine.travel(float(sys.argv[1]), tick=True).start(); "
    "sys.argv = sys.argv[2:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


def command_at_now(command: list[str]) -> list[str]:
    """`command` (a Python script and its arguments), started at this run's moved "now".

    Unchanged when the clock is not moved. The child's clock starts where this
    process's stands and ticks on, so both agree on what today is.
    """
    if not is_moved():
        return command
    now = datetime.datetime.now(tz=datetime.UTC).timestamp()
    return [sys.executable, "-c", _CHILD, repr(now), *command]
