"""Planned engagements: awarded to start later, active from their start date (a scheduled job)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from engagements.models import Engagement, Selection
from engagements.selectors.scope import ALL, live_engagements
from engagements.services.engagement import activate_planned_engagements
from engagements.services.sourcing import award_selection
from engagements.tasks import activate_planned
from engagements.tests.factories import EngagementFactory, ProposalFactory, SelectionFactory
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)
NOW = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)


def awarded(manager: Any, start: datetime.date) -> Engagement:
    selection = SelectionFactory(candidate__owner=manager, status=Selection.Status.EVALUATING)
    proposal = ProposalFactory(
        selection=selection,
        vendor__status=Vendor.Status.APPROVED,
        vendor__standing=Vendor.Standing.GOOD,
        price=Decimal("4500"),
        proposed_start=start,
        proposed_end=start + datetime.timedelta(days=364),
    )
    return award_selection(selection=selection, proposal=proposal, by=manager)


@time_machine.travel(NOW, tick=False)
def test_work_awarded_to_start_next_month_is_planned_not_active(manager: Any) -> None:
    engagement = awarded(manager, datetime.date(2027, 1, 1))
    assert engagement.status == Engagement.Status.PLANNED
    assert engagement.get_status_display() == "Planned"


@time_machine.travel(NOW, tick=False)
def test_work_awarded_to_start_today_is_active(manager: Any) -> None:
    assert awarded(manager, TODAY).status == Engagement.Status.ACTIVE


def planned(start: datetime.date) -> Engagement:
    return EngagementFactory(status=Engagement.Status.PLANNED, start_date=start)


def test_the_job_activates_what_starts_today_and_leaves_later_work_planned() -> None:
    starts_today = planned(TODAY)
    starts_tomorrow = planned(TODAY + datetime.timedelta(days=1))
    on_hold = EngagementFactory(status=Engagement.Status.ON_HOLD, start_date=TODAY)

    assert activate_planned_engagements(today=TODAY) == 1

    statuses = dict(Engagement.objects.values_list("pk", "status"))
    assert statuses == {
        starts_today.pk: "active",
        starts_tomorrow.pk: "planned",
        on_hold.pk: "on_hold",
    }


def test_the_job_runs_twice_and_activates_once_writing_one_history_row() -> None:
    engagement = planned(TODAY)
    rows_before = engagement.history.count()

    assert activate_planned_engagements(today=TODAY) == 1
    assert activate_planned_engagements(today=TODAY) == 0

    history = engagement.history.order_by("-history_date")
    assert history.count() == rows_before + 1
    latest = history.first()
    assert latest is not None
    assert (latest.status, latest.history_type) == ("active", "~")
    assert latest.history_change_reason == "Started on its start date"


def test_a_late_run_catches_up_every_start_date_passed_meanwhile() -> None:
    missed = [planned(TODAY - datetime.timedelta(days=days)) for days in (1, 3, 10)]

    assert activate_planned_engagements(today=TODAY) == 3

    assert {e.status for e in Engagement.objects.filter(pk__in=[e.pk for e in missed])} == {
        "active"
    }


@time_machine.travel(NOW, tick=False)
def test_the_task_and_the_command_do_the_same_job() -> None:
    planned(TODAY)
    assert activate_planned.apply().get() == 1

    planned(TODAY)
    out = StringIO()
    call_command("activate_planned", stdout=out)
    assert "Activated 1 planned engagement(s)." in out.getvalue()
    call_command("activate_planned", stdout=out)
    assert "Activated 0 planned engagement(s)." in out.getvalue()


def test_the_owners_may_start_planned_work_early_but_not_plan_started_work() -> None:
    engagement = planned(TODAY)
    assert engagement.status_change_problem(Engagement.Status.ACTIVE) == ""
    engagement.status = Engagement.Status.ACTIVE
    assert "Only a draft becomes planned" in engagement.status_change_problem(
        Engagement.Status.PLANNED
    )


def test_planned_work_is_watched_for_risks_and_evidence_but_not_live(manager: Any) -> None:
    engagement = planned(TODAY + datetime.timedelta(days=30))
    assert not engagement.is_live
    assert engagement.is_watched
    assert engagement not in live_engagements(manager, ALL)
    assert engagement in live_engagements(manager, ALL, watched=True)


def test_the_engagement_page_shows_planned(manager: Any, client_for: Callable[[Any], Any]) -> None:
    engagement = EngagementFactory(
        owner=manager, status=Engagement.Status.PLANNED, start_date=TODAY + datetime.timedelta(7)
    )
    page = client_for(manager).get(reverse("engagements:engagement_detail", args=[engagement.pk]))
    assert "Planned" in page.content.decode()
