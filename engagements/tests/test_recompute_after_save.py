"""Fresh numbers: entering, correcting, deleting or importing KPI values recomputes that
KPI's periods and the engagement's scorecard right after the save, with no rollup run."""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import strip_tags

from engagements import tasks
from engagements.models import Engagement, Kpi, KpiRollup, Measurement, Period, Scorecard
from engagements.services.monitoring import recompute_kpi, rollup_kpis
from engagements.tests.admin_helpers import admin_url
from engagements.tests.factories import EngagementFactory, KpiFactory, MeasurementFactory
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.celery import app
from outsourcing.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
# The factories' engagements start on Monday 6 January 2025.
JAN, FEB, MAR = (datetime.date(2025, month, 1) for month in (1, 2, 3))
NOW = datetime.datetime(2025, 3, 12, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _inline(settings: Any) -> None:
    """As on the embedded default (CI's Redis broker would make it a worker's job)."""
    settings.ROLLUP_INLINE = True


class World(EngagementWorld):
    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Customer support")
        self.kpi = KpiFactory(engagement=self.engagement, name="Uptime", unit="%")
        self.hours = KpiFactory(
            engagement=self.engagement, name="Response time", lower_is_better=True
        )

    def url(self, route: str, *args: int) -> str:
        return reverse(f"engagements:{route}", args=[self.engagement.pk, *args])


world = world_fixture(World)


@pytest.fixture
def owner(world: World, manager: Any, client_for: Callable[[Any], Any]) -> Any:
    return client_for(manager)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Runs what the request queues on commit, as a committed transaction would: the test's
    own transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", strip_tags(html)).strip()


def row(html: str, *words: str) -> str:
    """The text of the one table row holding all `words`."""
    rows = [text(found) for found in re.findall(r"<tr[ >].*?</tr>", html, re.S)]
    holding = [found for found in rows if all(word in found for word in words)]
    assert len(holding) == 1, (words, rows)
    return holding[0]


def kpi_page(client: Any, world: World, kpi: Kpi) -> str:
    return str(client.get(world.url("kpi_detail", kpi.pk)).content.decode())


def kpi_tab(client: Any, world: World) -> str:
    return str(client.get(world.url("engagement_kpis")).content.decode())


def enter(client: Any, world: World, kpi: Kpi, day: str, value: str) -> Any:
    return client.post(
        world.url("measurement_create"),
        {"kpi": kpi.pk, "measured_on": day, "value": value, "note": ""},
    )


# --- through the pages ------------------------------------------------------------------


def test_a_value_entered_shows_its_period_status_on_the_next_page_load(
    world: World, owner: Any, committed: Callable[[], Any]
) -> None:
    assert "No periods computed yet" in kpi_page(owner, world, world.kpi)

    with committed():
        response = enter(owner, world, world.kpi, "2025-03-10", "96")

    assert response.status_code == 302
    page = kpi_page(owner, world, world.kpi)
    assert row(page, "1 Mar 2025 – 31 Mar 2025") == "1 Mar 2025 – 31 Mar 2025 96 % Green 1"
    tab = kpi_tab(owner, world)
    assert "96 % Mar 2025" in row(tab, "Uptime") and "Green" in row(tab, "Uptime")
    assert "latest 75 of 100 (Mar 2025)" in tab  # the scorecard: (96 - 90) / (98 - 90)


def test_the_message_after_saving_no_longer_waits_for_a_rollup(
    world: World, owner: Any, committed: Callable[[], Any]
) -> None:
    measurement = MeasurementFactory(kpi=world.kpi, measured_on=datetime.date(2025, 3, 3))

    with committed():
        owner.post(
            world.url("measurement_update", measurement.pk),
            {"measured_on": "2025-03-03", "value": "91", "note": ""},
        )

    page = kpi_page(owner, world, world.kpi)  # the redirect's target, with the message
    assert "Saved Uptime: 91 % on 3 Mar 2025." in page
    assert "next rollup" not in page and "nightly" not in page
    assert row(page, "1 Mar 2025 – 31 Mar 2025") == "1 Mar 2025 – 31 Mar 2025 91 % Amber 1"


def test_a_periods_values_show_on_the_kpis_tab_with_the_scorecard(
    world: World, owner: Any, committed: Callable[[], Any]
) -> None:
    with committed():
        response = owner.post(
            world.url("measurement_period"),
            {
                "measured_on": "2025-03-10",
                f"value_{world.kpi.pk}": "85",
                f"value_{world.hours.pk}": "2",
            },
        )

    assert response.status_code == 302
    tab = kpi_tab(owner, world)
    assert "85 %" in row(tab, "Uptime") and "Red" in row(tab, "Uptime")
    assert "2 hours" in row(tab, "Response time") and "Green" in row(tab, "Response time")
    assert "latest 50 of 100 (Mar 2025)" in tab  # Uptime 0, response time 1


def test_imported_values_show_their_status_on_the_next_page_load(
    world: World, owner: Any, committed: Callable[[], Any]
) -> None:
    csv = "kpi,date,value\nUptime,2025-02-10,99\nUptime,2025-03-03,92\nResponse time,2025-03-03,9\n"

    with committed():
        response = owner.post(
            world.url("measurement_import"),
            {"file": SimpleUploadedFile("values.csv", csv.encode(), "text/csv")},
        )

    assert response.status_code == 302
    page = kpi_page(owner, world, world.kpi)
    assert row(page, "1 Feb 2025 – 28 Feb 2025") == "1 Feb 2025 – 28 Feb 2025 99 % Green 1"
    assert row(page, "1 Mar 2025 – 31 Mar 2025") == "1 Mar 2025 – 31 Mar 2025 92 % Amber 1"
    tab = kpi_tab(owner, world)
    assert "Red" in row(tab, "Response time")  # 9 hours, red beyond 8
    assert Scorecard.objects.filter(engagement=world.engagement).count() == 2


def test_deleting_a_value_recomputes_its_period_without_it(
    world: World, owner: Any, committed: Callable[[], Any]
) -> None:
    with committed():
        enter(owner, world, world.kpi, "2025-02-10", "96")
    february = world.kpi.measurements.get()
    assert "96 % Green 1" in row(kpi_page(owner, world, world.kpi), "1 Feb 2025")

    with committed():
        owner.post(world.url("measurement_delete", february.pk))

    page = kpi_page(owner, world, world.kpi)
    assert "Deleted the Uptime value of 10 Feb 2025." in page
    assert row(page, "1 Feb 2025 – 28 Feb 2025") == "1 Feb 2025 – 28 Feb 2025 — No data 0"
    assert Scorecard.objects.get(engagement=world.engagement, period_start=FEB).score is None


def test_a_value_moved_to_another_month_leaves_its_old_period_and_fills_the_new(
    world: World, owner: Any, committed: Callable[[], Any]
) -> None:
    with committed():
        enter(owner, world, world.kpi, "2025-02-10", "96")
    moved = world.kpi.measurements.get()

    with committed():
        owner.post(
            world.url("measurement_update", moved.pk),
            {"measured_on": "2025-03-04", "value": "96", "note": ""},
        )

    page = kpi_page(owner, world, world.kpi)
    assert row(page, "1 Feb 2025 – 28 Feb 2025") == "1 Feb 2025 – 28 Feb 2025 — No data 0"
    assert row(page, "1 Mar 2025 – 31 Mar 2025") == "1 Mar 2025 – 31 Mar 2025 96 % Green 1"


def test_the_pages_say_when_numbers_are_computed(
    world: World, owner: Any, committed: Callable[[], Any]
) -> None:
    with committed():
        enter(owner, world, world.kpi, "2025-03-10", "96")
    measurement = world.kpi.measurements.get()
    pages = [
        kpi_tab(owner, world),
        owner.get(world.url("measurement_update", measurement.pk)).content.decode(),
        owner.get(world.url("measurement_delete", measurement.pk)).content.decode(),
    ]

    for page in pages:
        assert "recomputes its period" in page and "hourly rollup catches up" in page
        assert "nightly" not in page and "next rollup" not in page
    world.engagement.status = Engagement.Status.DRAFT
    world.engagement.save()
    draft = kpi_page(owner, world, world.hours)
    assert "rolled up only while the engagement is active or on hold" in draft


def test_a_fix_in_the_django_admin_is_recomputed_too(
    world: World, client: Any, committed: Callable[[], Any]
) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with committed():
        enter(client, world, world.kpi, "2025-02-10", "96")
    measurement = world.kpi.measurements.get()

    with committed():
        response = client.post(
            admin_url(Measurement, "change", measurement.pk),
            {
                "kpi": world.kpi.pk,
                "measured_on": "2025-03-04",
                "value": "85",
                "source": "manual",
                "note": "",
                "entered_by": "",
            },
        )
    assert response.status_code == 302
    page = kpi_page(client, world, world.kpi)
    assert row(page, "1 Feb 2025 – 28 Feb 2025") == "1 Feb 2025 – 28 Feb 2025 — No data 0"
    assert row(page, "1 Mar 2025 – 31 Mar 2025") == "1 Mar 2025 – 31 Mar 2025 85 % Red 1"

    with committed():
        client.post(
            admin_url(Measurement, "changelist"),
            # "delete_selected", confirmed
            {"action": "delete_selected", "_selected_action": [measurement.pk], "post": "yes"},
        )
    assert not Measurement.objects.exists()
    page = kpi_page(client, world, world.kpi)
    assert row(page, "1 Mar 2025 – 31 Mar 2025") == "1 Mar 2025 – 31 Mar 2025 — No data 0"


# --- the broker: a worker's job, or down --------------------------------------------------


@pytest.fixture
def broker(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Recomputes go through a broker at the URL given. Celery reads CELERY_BROKER_URL
    from the environment before its configuration, and for every new connection."""
    settings.ROLLUP_INLINE = False
    return lambda url: monkeypatch.setenv("CELERY_BROKER_URL", url)


def test_with_a_worker_the_save_queues_the_kpi_and_the_worker_recomputes_it(
    world: World, owner: Any, committed: Callable[[], Any], broker: Callable[[str], None]
) -> None:
    broker("memory://")

    with committed():
        enter(owner, world, world.kpi, "2025-03-10", "96")

    assert not KpiRollup.objects.exists()  # the web request only queued it
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        message = queue.get(timeout=1)
        message.ack()
        queue.close()
    assert message.headers["task"] == "engagements.tasks.recompute_kpi"
    tasks.recompute_kpi.apply(args=message.payload[0])  # as the worker would
    assert "96 % Green 1" in row(kpi_page(owner, world, world.kpi), "1 Mar 2025")


def test_with_the_broker_unreachable_the_save_still_succeeds_and_the_schedule_catches_up(
    world: World,
    owner: Any,
    committed: Callable[[], Any],
    broker: Callable[[str], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1

    with caplog.at_level(logging.WARNING, logger="engagements.tasks"), committed():
        response = enter(owner, world, world.kpi, "2025-03-10", "96")

    assert response.status_code == 302
    assert world.kpi.measurements.get().value == D("96")
    assert "Could not queue the recompute of KPI" in caplog.text
    assert "hourly rollup catches up" in caplog.text
    rollup_kpis()
    assert "96 % Green 1" in row(kpi_page(owner, world, world.kpi), "1 Mar 2025")


def test_a_failing_inline_recompute_never_fails_the_save(
    world: World,
    owner: Any,
    committed: Callable[[], Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(tasks.monitoring, "recompute_kpi", broken)

    with caplog.at_level(logging.ERROR, logger="engagements.tasks"), committed():
        response = enter(owner, world, world.kpi, "2025-03-10", "96")

    assert response.status_code == 302
    assert world.kpi.measurements.exists()
    assert "Recomputing KPI" in caplog.text


# --- the recompute itself -----------------------------------------------------------------


def at(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def measure(kpi: Kpi, day: datetime.date, value: str) -> Any:
    return MeasurementFactory(kpi=kpi, measured_on=day, value=D(value))


def rollups() -> list[tuple[Any, ...]]:
    return list(
        KpiRollup.objects.order_by("kpi", "period_start").values_list(
            "kpi", "period_start", "value", "status", "trend", "measurement_count"
        )
    )


def scorecards() -> list[tuple[Any, ...]]:
    return list(
        Scorecard.objects.order_by("engagement", "period_start").values_list(
            "engagement", "period_start", "score", "kpis_counted", "breakdown"
        )
    )


Key = tuple[str, int, datetime.date]


def computed_at() -> dict[Key, datetime.datetime]:
    """When each rollup (by KPI) and scorecard (by engagement) was last computed."""
    times = {("rollup", r.kpi_id, r.period_start): r.computed_at for r in KpiRollup.objects.all()}
    times.update(
        {("card", c.engagement_id, c.period_start): c.computed_at for c in Scorecard.objects.all()}
    )
    return times


def recomputed(before: dict[Key, datetime.datetime]) -> set[Key]:
    after = computed_at()
    return {key for key in after if after[key] != before.get(key)}


def test_running_the_recompute_twice_or_beside_the_schedule_changes_nothing(
    world: World,
) -> None:
    for day, value in ((datetime.date(2025, 1, 20), "96"), (datetime.date(2025, 2, 10), "85")):
        measure(world.kpi, day, value)
    rollup_kpis(now=at(datetime.date(2025, 3, 1)))
    days = [datetime.date(2025, 1, 20), datetime.date(2025, 2, 10)]
    recompute_kpi(kpi_id=world.kpi.pk, days=days)
    first = (rollups(), scorecards(), Scorecard.history.count())

    recompute_kpi(kpi_id=world.kpi.pk, days=days)
    tasks.recompute_kpi.apply(args=(world.kpi.pk, [day.isoformat() for day in days]))
    rollup_kpis()

    assert (rollups(), scorecards(), Scorecard.history.count()) == first


def test_a_late_value_reopens_only_its_own_period_and_month(world: World) -> None:
    for month in (JAN, FEB):
        measure(world.kpi, month + datetime.timedelta(days=9), "96")
    rollup_kpis(now=at(MAR))
    before = computed_at()

    measure(world.kpi, datetime.date(2025, 1, 20), "80")
    report = recompute_kpi(kpi_id=world.kpi.pk, days=[datetime.date(2025, 1, 20)])

    assert (report.rollups, report.scorecards) == (1, 1)
    assert KpiRollup.objects.get(kpi=world.kpi, period_start=JAN).value == D("88")
    assert recomputed(before) == {
        ("rollup", world.kpi.pk, JAN),
        ("card", world.engagement.pk, JAN),
    }


def test_a_quarterly_value_reopens_only_the_scorecard_of_its_month(world: World) -> None:
    quarterly = KpiFactory(engagement=world.engagement, period=Period.QUARTER)
    rollup_kpis(now=at(datetime.date(2025, 3, 1)))  # January to March: "no data"
    before = computed_at()

    measure(quarterly, datetime.date(2025, 2, 14), "97")
    recompute_kpi(kpi_id=quarterly.pk, days=[datetime.date(2025, 2, 14)])

    assert recomputed(before) == {
        ("rollup", quarterly.pk, JAN),
        ("card", world.engagement.pk, FEB),
    }


@pytest.mark.parametrize("why", ["inactive KPI", "draft engagement", "KPI deleted"])
def test_it_leaves_what_the_schedule_leaves_alone(world: World, why: str) -> None:
    measure(world.kpi, datetime.date(2025, 3, 3), "96")
    kpi_id = world.kpi.pk
    if why == "inactive KPI":
        Kpi.objects.filter(pk=kpi_id).update(is_active=False)
    elif why == "draft engagement":
        Engagement.objects.filter(pk=world.engagement.pk).update(status=Engagement.Status.DRAFT)
    else:
        world.kpi.delete()

    report = recompute_kpi(kpi_id=kpi_id, days=[datetime.date(2025, 3, 3)])

    assert (report.rollups, report.scorecards) == (0, 0)
    assert not KpiRollup.objects.exists() and not Scorecard.objects.exists()


# --- values outside the engagement's dates ------------------------------------------------


def dated_world(manager: Any, start: datetime.date, period: str = Period.MONTH) -> Any:
    engagement = EngagementFactory(owner=manager, start_date=start)
    return KpiFactory(engagement=engagement, name="Uptime", period=period)


def scorecard_area(client: Any, engagement: Engagement) -> str:
    page = client.get(reverse("engagements:engagement_kpis", args=[engagement.pk]))
    html = page.content.decode()
    found = re.search(r'aria-labelledby="scorecard-heading">(.*?)</section>', html, re.S)
    assert found
    return text(found.group(1))


def test_the_scorecard_says_which_values_are_dated_before_the_engagement_started(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = dated_world(manager, datetime.date(2025, 2, 1))
    for day in ("2024-12-15", "2025-01-10", "2025-01-20", "2025-02-10"):
        measure(kpi, datetime.date.fromisoformat(day), "96")
    rollup_kpis()

    area = scorecard_area(client_for(manager), kpi.engagement)

    assert (
        "3 values are dated before the engagement started on 1 Feb 2025 and are not scored: "
        "scorecards begin with February 2025, the month it started." in area
    )
    months = Scorecard.objects.filter(engagement=kpi.engagement).values_list("period_start")
    assert sorted(month for (month,) in months) == [FEB, MAR]


def test_a_value_before_the_start_but_in_its_month_is_scored_and_not_mentioned(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = dated_world(manager, datetime.date(2025, 2, 15))
    measure(kpi, datetime.date(2025, 2, 10), "96")
    rollup_kpis()

    area = scorecard_area(client_for(manager), kpi.engagement)

    assert "not scored" not in area
    assert Scorecard.objects.get(engagement=kpi.engagement, period_start=FEB).score == D("75")


def test_a_week_that_began_before_the_first_scored_month_is_explained_too(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    # Saturday 1 February; Sunday the 2nd falls in the week of Monday 27 January.
    kpi = dated_world(manager, datetime.date(2025, 2, 1), period=Period.WEEK)
    measure(kpi, datetime.date(2025, 2, 2), "96")
    rollup_kpis()

    area = scorecard_area(client_for(manager), kpi.engagement)

    assert (
        "1 value is not scored: it counts in months before February 2025, the month the "
        "engagement started (1 Feb 2025), and scorecards begin with that month. A week "
        "counts in the month it starts in." in area
    )
    assert not Scorecard.objects.filter(engagement=kpi.engagement, period_start=JAN).exists()
    assert set(Scorecard.objects.values_list("score", flat=True)) == {None}
