"""Rolling renewals: an automatically renewing contract past its renewal date, with no
notice given, rolls on by its renewal term (a scheduled job); notice stops the roll and
takes the deadline out of the reminders."""

from __future__ import annotations

import datetime
import zoneinfo
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

from engagements.models import Contract, Engagement, OutboundEmail, ReminderPreference, Weekday
from engagements.selectors.history import contract_versions
from engagements.selectors.risk import notice_deadlines
from engagements.services.engagement import give_notice, renew_contracts, roll_contract
from engagements.services.reminders import queue_reminders
from engagements.tasks import renew_contracts_due
from engagements.tests.factories import ContractFactory, EngagementFactory
from outsourcing.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 1)
END = datetime.date(2025, 12, 31)  # notice deadline 2 Oct 2025 with 90 days' notice


def rolling(**fields: Any) -> Contract:
    """A year's contract from 1 Jan 2025 renewing itself by 12 months, 90 days' notice."""
    values: dict[str, Any] = {
        "start_date": START,
        "end_date": END,
        "auto_renews": True,
        "renewal_term_months": 12,
        "notice_period_days": 90,
        **fields,
    }
    engagement = values.pop("engagement", None) or EngagementFactory(start_date=START)
    return ContractFactory(engagement=engagement, **values)


def terms(contract: Contract) -> tuple[datetime.date, datetime.date | None, datetime.date]:
    contract.refresh_from_db()
    return contract.end_date, contract.renewal_date, contract.notice_deadline


def reasons(contract: Contract) -> list[str]:
    rows = Contract.history.filter(id=contract.pk).order_by("history_id")
    return [row.history_change_reason for row in rows if row.history_change_reason]


def test_a_contract_past_its_end_rolls_a_term_and_its_notice_deadline_follows() -> None:
    contract = rolling()

    assert renew_contracts(today=datetime.date(2026, 1, 2)) == 1

    assert terms(contract) == (datetime.date(2026, 12, 31), None, datetime.date(2026, 10, 2))
    assert reasons(contract) == [
        "Renewed automatically for 12 months; notice deadline now 2 Oct 2026"
    ]
    latest = Contract.history.filter(id=contract.pk).latest("history_id")
    assert latest.history_user is None


def test_it_rolls_on_the_renewal_date_when_there_is_one() -> None:
    contract = rolling(renewal_date=datetime.date(2025, 11, 30), renewal_term_months=6)

    assert renew_contracts(today=datetime.date(2025, 12, 1)) == 1

    assert terms(contract) == (
        datetime.date(2026, 6, 30),
        datetime.date(2026, 5, 30),
        datetime.date(2026, 3, 1),  # the new renewal date less 90 days
    )


def test_nothing_rolls_on_or_before_the_renewal_date() -> None:
    contract = rolling()

    assert renew_contracts(today=END) == 0
    assert renew_contracts(today=END - datetime.timedelta(days=200)) == 0

    assert terms(contract)[0] == END
    assert reasons(contract) == []


def test_the_job_runs_twice_and_late_and_rolls_once_by_as_many_terms_as_passed() -> None:
    contract = rolling(renewal_term_months=6)
    # Down for a year and a half: three terms of six months have passed since 31 Dec 2025.
    late = datetime.datetime(2027, 6, 15, 12, tzinfo=datetime.UTC)

    with time_machine.travel(late, tick=False):
        assert renew_contracts_due() == 1
        assert renew_contracts_due() == 0
        out = StringIO()
        call_command("renew_contracts", stdout=out)

    assert "Renewed 0 contract(s)." in out.getvalue()
    assert terms(contract) == (
        datetime.date(2027, 6, 30),
        None,
        datetime.date(2027, 6, 30) - datetime.timedelta(days=90),
    )
    assert reasons(contract) == [
        "Renewed automatically for 18 months; notice deadline now 1 Apr 2027"
    ]
    assert Contract.history.filter(id=contract.pk).count() == 2  # created, rolled once


def test_a_roll_asks_again_on_the_row_so_a_second_runner_rolls_nothing() -> None:
    contract = rolling()
    today = datetime.date(2026, 1, 2)
    # Two runners found the contract due; the first rolls it, the second finds it no longer due.
    assert roll_contract(contract_id=contract.pk, today=today)
    assert not roll_contract(contract_id=contract.pk, today=today)

    assert terms(contract)[0] == datetime.date(2026, 12, 31)


def test_a_crash_before_a_roll_commits_loses_nothing_the_next_run_rolls_it() -> None:
    contract = rolling()
    today = datetime.date(2026, 1, 2)

    with pytest.raises(RuntimeError), transaction.atomic():
        roll_contract(contract_id=contract.pk, today=today)
        raise RuntimeError("worker killed")

    assert terms(contract)[0] == END
    assert renew_contracts(today=today) == 1
    assert terms(contract)[0] == datetime.date(2026, 12, 31)


@pytest.mark.parametrize(
    "fields",
    [
        {"auto_renews": False},
        {"notice_given_on": datetime.date(2025, 9, 1), "notice_reason": "Bringing it in-house"},
    ],
    ids=["no automatic renewal", "notice given"],
)
def test_a_contract_without_automatic_renewal_or_with_notice_given_does_not_roll(
    fields: dict[str, Any],
) -> None:
    contract = rolling(**fields)

    assert renew_contracts(today=datetime.date(2026, 3, 1)) == 0

    assert terms(contract)[0] == END


def test_the_contract_of_a_closed_engagement_does_not_roll() -> None:
    engagement = EngagementFactory(start_date=START, status=Engagement.Status.IN_HOUSE)
    contract = rolling(engagement=engagement)

    assert renew_contracts(today=datetime.date(2026, 3, 1)) == 0
    assert terms(contract)[0] == END


def test_a_month_end_rolls_to_the_month_end_without_drifting() -> None:
    contract = rolling(
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 1, 31),
        renewal_term_months=1,
        notice_period_days=10,
    )

    renew_contracts(today=datetime.date(2025, 4, 15))

    # Three terms at once from 31 Jan: 30 Apr, not 28 Apr via 28 Feb and 28 Mar.
    assert terms(contract)[0] == datetime.date(2025, 4, 30)


# --- notice --------------------------------------------------------------------------


def test_giving_notice_records_who_when_and_why_and_stops_the_roll(manager: Any) -> None:
    contract = rolling()

    assert give_notice(
        contract=contract, on=datetime.date(2025, 9, 1), reason="Moving to a new vendor", by=manager
    )
    assert not give_notice(
        contract=contract, on=datetime.date(2025, 9, 2), reason="Twice", by=manager
    )

    contract.refresh_from_db()
    assert (contract.notice_given_on, contract.notice_given_by, contract.notice_reason) == (
        datetime.date(2025, 9, 1),
        manager,
        "Moving to a new vendor",
    )
    assert renew_contracts(today=datetime.date(2026, 1, 2)) == 0
    assert terms(contract)[0] == END
    assert reasons(contract) == ["Notice given"]


# --- what the reminders, the dashboard and the digest show ---------------------------------


def test_notice_given_takes_the_deadline_out_of_the_dashboard_and_digest(manager: Any) -> None:
    contract = rolling()
    today = datetime.date(2025, 9, 15)  # the deadline, 2 Oct, is 17 days away
    assert list(notice_deadlines(Engagement.objects.all(), today)) == [contract]

    give_notice(contract=contract, on=today, reason="Ending the work", by=manager)

    assert list(notice_deadlines(Engagement.objects.all(), today)) == []


def test_after_a_roll_the_dashboard_shows_the_new_deadline() -> None:
    rolling()
    today = datetime.date(2026, 9, 15)
    # Its deadline, 2 Oct 2025, has long passed.
    assert list(notice_deadlines(Engagement.objects.all(), today)) == []

    renew_contracts(today=today)

    assert [c.notice_deadline for c in notice_deadlines(Engagement.objects.all(), today)] == [
        datetime.date(2026, 10, 2)
    ]


def a_manager_in_utc() -> Any:
    user = UserFactory(username="owner")
    user.groups.add(Group.objects.get_or_create(name="Manager")[0])
    ReminderPreference.objects.update_or_create(
        user=user,
        defaults={"time_zone": "UTC", "digest_weekday": Weekday.MONDAY, "digest_hour": 8},
    )
    return user


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 9, tzinfo=zoneinfo.ZoneInfo("UTC"))


def test_reminders_go_out_before_the_rolled_deadline_and_not_after_notice(
    manager: Any,
) -> None:
    owner = a_manager_in_utc()
    engagement = EngagementFactory(owner=owner, title="Payroll", start_date=START)
    contract = rolling(engagement=engagement)
    other = rolling(engagement=EngagementFactory(owner=owner, title="Helpdesk", start_date=START))
    today = datetime.date(2026, 9, 15)  # 17 days before the rolled deadline, 2 Oct 2026
    renew_contracts(today=today)
    give_notice(contract=other, on=today, reason="Bringing it in-house", by=manager)

    queue_reminders(now=at(today))

    assert [
        (e.key, e.subject) for e in OutboundEmail.objects.filter(kind="notice").order_by("pk")
    ] == [(f"{contract.pk}:2026-10-02:30", "Notice deadline for Payroll in 17 days")]


def test_the_term_history_shows_each_roll_with_what_changed() -> None:
    contract = rolling()
    renew_contracts(today=datetime.date(2026, 1, 2))
    renew_contracts(today=datetime.date(2027, 1, 2))

    versions = contract_versions(contract)

    assert [(v.action, v.reason) for v in versions] == [
        ("changed", "Renewed automatically for 12 months; notice deadline now 2 Oct 2027"),
        ("changed", "Renewed automatically for 12 months; notice deadline now 2 Oct 2026"),
        ("created", ""),
    ]
    assert [c.field for c in versions[0].changes] == ["end date"]


def test_the_job_is_on_the_beat_schedule() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "engagements.tasks.renew_contracts_due" in tasks
