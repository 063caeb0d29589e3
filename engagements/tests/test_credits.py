"""Service credits: a KPI's credit rule judged on each closed period by the rollup, and
the owner tracking each credit as claimed, received or waived."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from engagements.models import CreditProblem, Direction, Measurement, Period, ServiceCredit
from engagements.models.monitoring import service_credit
from engagements.services.monitoring import recompute_kpi, rollup_kpis
from engagements.services.monitoring.credits import refresh_kpi_credits
from engagements.tests.factories import ContractFactory, EngagementFactory, KpiFactory
from outsourcing.tests.downloads import xlsx_rows

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

D = Decimal
UTC = datetime.UTC
JAN, FEB, MAR, APR, MAY = (datetime.date(2025, month, 1) for month in range(1, 6))


def at(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


def run_at(day: datetime.date, **options: Any) -> Any:
    with time_machine.travel(at(day), tick=False):
        return rollup_kpis(**options)


def measure(kpi: Any, day: datetime.date, value: str, *, saved: datetime.date | None = None) -> Any:
    with time_machine.travel(at(saved or day, 1), tick=False):
        return Measurement.objects.create(kpi=kpi, measured_on=day, value=D(value))


def uptime_with_credits(owner: Any = None, **rule: Any) -> Any:
    """Monthly uptime (higher is better) promised at 99.5%: a month below earns 10% of the
    3,000 EUR monthly fee, at most 250 EUR."""
    engagement = EngagementFactory(**({"owner": owner} if owner else {}))
    ContractFactory(engagement=engagement, monthly_fee=D("3000.00"), currency="EUR")
    fields = {
        "credit_threshold": D("99.5"),
        "credit_percent": D("10"),
        "credit_cap": D("250.00"),
        **rule,
    }
    return KpiFactory(
        engagement=engagement,
        name="Uptime",
        target=D("99.9"),
        amber_threshold=D("99.5"),
        red_threshold=D("99"),
        **fields,
    )


def credits(kpi: Any) -> list[tuple[Any, ...]]:
    return list(
        ServiceCredit.objects.filter(kpi=kpi)
        .order_by("period_start")
        .values_list("period_start", "kpi_value", "amount", "currency", "problem", "state")
    )


# --- the rule ---------------------------------------------------------------------------


def rule(value: str | None, **overrides: Any) -> Any:
    options: dict[str, Any] = {
        "direction": Direction.HIGHER,
        "threshold": D("99.5"),
        "percent": D("10"),
        "fixed": None,
        "cap": None,
        "period": Period.MONTH,
        "monthly_fee": D("3000"),
        **overrides,
    }
    return service_credit(None if value is None else D(value), **options)


def test_the_promised_level_itself_earns_no_credit_and_worse_earns_the_share_of_the_fee():
    assert rule("99.5") is None
    assert rule("99.6") is None
    assert rule("99.4").amount == D("300.00")


def test_lower_is_better_breaches_above_the_threshold():
    hours = {"direction": Direction.LOWER, "threshold": D("4"), "percent": None, "fixed": D("150")}
    assert rule("4", **hours) is None
    assert rule("4.01", **hours).amount == D("150.00")


def test_the_cap_limits_a_period_and_weeks_and_quarters_take_their_share_of_the_monthly_fee():
    assert rule("90", cap=D("250")).amount == D("250.00")
    assert rule("90", period=Period.QUARTER).amount == D("900.00")
    assert rule("90", period=Period.WEEK).amount == D("69.23")  # 3,000 × 12 / 52 × 10%


def test_no_data_and_no_fee_are_flagged_never_counted():
    assert rule(None) == type(rule(None))(None, CreditProblem.NO_DATA)
    assert rule("90", monthly_fee=None).problem == CreditProblem.NO_FEE
    assert rule("99.9", monthly_fee=None) is None  # met: no fee needed


# --- computed by the rollup --------------------------------------------------------------


def test_the_rollup_credits_each_closed_breached_period_and_flags_one_without_values():
    kpi = uptime_with_credits()
    measure(kpi, datetime.date(2025, 1, 20), "98.0")  # January: 300 → capped at 250
    measure(kpi, datetime.date(2025, 2, 20), "99.8")  # February: met
    run_at(datetime.date(2025, 3, 10))  # March: no values at all, the job saw it open
    measure(kpi, datetime.date(2025, 4, 2), "97.0")  # April: still open on 3 April

    report = run_at(datetime.date(2025, 4, 3))

    assert credits(kpi) == [
        (JAN, D("98.0000"), D("250.00"), "EUR", "", "due"),
        (MAR, None, None, "EUR", CreditProblem.NO_DATA, "due"),
    ]
    assert report.credits == 1  # January's was written by the run in March


def test_running_again_writes_nothing_and_a_closed_period_gets_its_credit_on_the_next_run():
    kpi = uptime_with_credits(credit_cap=None)
    measure(kpi, datetime.date(2025, 1, 20), "99.0")
    first = run_at(datetime.date(2025, 1, 25))  # January still open: nothing yet
    closed = run_at(datetime.date(2025, 2, 1))
    again = run_at(datetime.date(2025, 2, 1))

    assert (first.credits, closed.credits, again.credits) == (0, 1, 0)
    assert credits(kpi) == [(JAN, D("99.0000"), D("300.00"), "EUR", "", "due")]
    assert ServiceCredit.history.count() == 1


def test_a_late_value_that_meets_the_level_removes_a_due_credit_but_never_a_claimed_one():
    due_kpi = uptime_with_credits()
    claimed_kpi = uptime_with_credits()
    for kpi in (due_kpi, claimed_kpi):
        measure(kpi, datetime.date(2025, 1, 20), "99.0")
    run_at(FEB)
    ServiceCredit.objects.filter(kpi=claimed_kpi).update(
        state=ServiceCredit.State.CLAIMED, claimed_on=datetime.date(2025, 2, 3)
    )
    for kpi in (due_kpi, claimed_kpi):
        measure(kpi, datetime.date(2025, 1, 21), "100", saved=datetime.date(2025, 2, 10))
        measure(kpi, datetime.date(2025, 1, 22), "100", saved=datetime.date(2025, 2, 10))

    run_at(datetime.date(2025, 2, 11))

    assert credits(due_kpi) == []
    assert credits(claimed_kpi) == [(JAN, D("99.0000"), D("250.00"), "EUR", "", "claimed")]


def test_a_value_saved_for_a_closed_period_recomputes_its_credit_at_once():
    kpi = uptime_with_credits(credit_cap=None)
    measure(kpi, datetime.date(2025, 1, 20), "99.4")
    run_at(FEB)
    day = datetime.date(2025, 1, 21)
    measure(kpi, day, "97.4", saved=datetime.date(2025, 2, 5))

    with time_machine.travel(at(datetime.date(2025, 2, 5), 9), tick=False):
        report = recompute_kpi(kpi_id=kpi.pk, days=[day])

    assert report.credits == 1
    assert credits(kpi) == [(JAN, D("98.4000"), D("300.00"), "EUR", "", "due")]


def test_without_a_fee_the_share_is_flagged_until_the_contract_has_one(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = uptime_with_credits(owner=manager, credit_cap=None)
    contract = kpi.engagement.contract
    contract.monthly_fee = None
    contract.save()
    measure(kpi, datetime.date(2025, 1, 20), "99.0")
    run_at(FEB)
    assert credits(kpi)[0][2:5] == (None, "EUR", CreditProblem.NO_FEE)

    with time_machine.travel(at(datetime.date(2025, 2, 5), 9), tick=False):
        response = client_for(manager).get(
            reverse("engagements:contract_edit", args=[kpi.engagement.pk])
        )
        data = {
            key: value
            for key, value in response.context["form"].initial.items()
            if value is not None and key != "document"
        }
        data.update(monthly_fee="2000.00", currency="USD")
        saved = client_for(manager).post(
            reverse("engagements:contract_edit", args=[kpi.engagement.pk]), data
        )

    assert saved.status_code == 302, saved.context["form"].errors
    assert credits(kpi) == [(JAN, D("99.0000"), D("200.00"), "USD", "", "due")]


def test_editing_the_rule_judges_the_closed_periods_again_and_taking_it_away_removes_due_credits(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    kpi = uptime_with_credits(owner=manager, credit_cap=None)
    measure(kpi, datetime.date(2025, 1, 20), "99.0")
    run_at(FEB)
    url = reverse("engagements:kpi_update", args=[kpi.engagement.pk, kpi.pk])
    form = client_for(manager).get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["is_active"] = "on"

    with time_machine.travel(at(datetime.date(2025, 2, 5), 9), tick=False):
        fixed = client_for(manager).post(url, {**data, "credit_percent": "", "credit_fixed": "75"})
        assert fixed.status_code == 302
        assert credits(kpi)[0][2] == D("75.00")
        version = client_for(manager).get(url).context["form"]["version"].value()
        cleared = {**data, "credit_threshold": "", "credit_percent": "", "credit_cap": ""}
        client_for(manager).post(url, {**cleared, "version": version})

    assert credits(kpi) == []
    assert ServiceCredit.history.filter(history_type="-").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"credit_percent": "10"}, "credit_threshold", "from which value"),
        ({"credit_threshold": "99"}, "credit_percent", "share of the fee or as a fixed amount"),
        (
            {"credit_threshold": "99", "credit_percent": "5", "credit_fixed": "10"},
            "credit_fixed",
            "not both",
        ),
        ({"credit_threshold": "99", "credit_percent": "101"}, "credit_percent", "less than"),
        ({"credit_threshold": "99", "credit_fixed": "-1"}, "credit_fixed", "greater than"),
        ({"credit_threshold": "1e400", "credit_fixed": "1"}, "credit_threshold", ""),
    ],
)
def test_an_incomplete_or_absurd_rule_is_refused_next_to_its_field(
    changes: dict[str, str], field: str, message: str, manager: Any, client_for: Any
) -> None:
    kpi = KpiFactory(engagement=EngagementFactory(owner=manager))
    url = reverse("engagements:kpi_update", args=[kpi.engagement.pk, kpi.pk])
    form = client_for(manager).get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}

    response = client_for(manager).post(url, {**data, **changes})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    kpi.refresh_from_db()
    assert kpi.credit_threshold is None


# --- shown and tracked -------------------------------------------------------------------


@pytest.fixture
def credited(manager: Any) -> Any:
    """An engagement of the manager's with January's uptime credit due and March flagged."""
    kpi = uptime_with_credits(owner=manager)
    measure(kpi, datetime.date(2025, 1, 20), "98.0")
    measure(kpi, datetime.date(2025, 2, 20), "99.9")
    run_at(datetime.date(2025, 3, 10))
    run_at(datetime.date(2025, 4, 3))
    return kpi


def test_the_kpi_tab_and_the_credits_page_show_the_credits_and_what_they_add_up_to(
    credited: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = credited.engagement
    client = client_for(viewer)

    tab = client.get(reverse("engagements:engagement_kpis", args=[engagement.pk])).content.decode()
    page = client.get(reverse("engagements:engagement_credits", args=[engagement.pk]))
    html = page.content.decode()

    assert "Service credits" in tab and "250.00 EUR" in tab and "Not computed" in tab
    assert page.status_code == 200
    assert "a month worse than 99.5 % earns 10% of the period's fee, at most 250.00" in html
    assert "No values for the period" in html
    assert "Track" not in html  # a viewer reads, never changes


def test_the_owner_claims_then_receives_a_credit_with_its_history(
    credited: Any, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    credit = ServiceCredit.objects.get(period_start=JAN)
    url = reverse("engagements:credit_update", args=[credited.engagement.pk, credit.pk])
    client = client_for(manager)

    with time_machine.travel(at(datetime.date(2025, 4, 10), 9), tick=False):
        form = client.get(url).context["form"]
        version = form["version"].value()
        claimed = client.post(
            url, {"state": "claimed", "claimed_on": "2025-04-08", "version": version}
        )
        credit.refresh_from_db()
        received = client.post(
            url,
            {
                "state": "received",
                "claimed_on": "2025-04-08",
                "received_on": "2025-04-10",
                "note": "Credit note CN-77",
                "version": client.get(url).context["form"]["version"].value(),
            },
        )

    assert (claimed.status_code, received.status_code) == (302, 302)
    credit.refresh_from_db()
    assert (credit.state, credit.claimed_on, credit.received_on, credit.note) == (
        "received",
        datetime.date(2025, 4, 8),
        datetime.date(2025, 4, 10),
        "Credit note CN-77",
    )
    assert credit.history.count() == 3


@pytest.mark.parametrize(
    ("period", "data", "field", "message"),
    [
        (MAR, {"state": "claimed", "claimed_on": "2025-04-08"}, "state", "could not be computed"),
        (JAN, {"state": "claimed"}, "claimed_on", "Say when the credit was claimed"),
        (JAN, {"state": "claimed", "claimed_on": "2025-05-01"}, "claimed_on", "in the future"),
        (JAN, {"state": "claimed", "claimed_on": "2025-01-15"}, "claimed_on", "before the period"),
        (
            JAN,
            {"state": "received", "claimed_on": "2025-04-08", "received_on": "2025-04-01"},
            "received_on",
            "before it is claimed",
        ),
        (JAN, {"state": "waived", "note": "  "}, "note", "Say why"),
        (JAN, {"state": "paid"}, "state", "Select a valid choice"),
        (JAN, {"state": "claimed", "claimed_on": "2025-02-30"}, "claimed_on", "valid date"),
        (JAN, {"state": "waived", "note": "x" * 20 + "\x00"}, "note", ""),
    ],
)
def test_tracking_refuses_bad_input_next_to_its_field(
    period: datetime.date,
    data: dict[str, str],
    field: str,
    message: str,
    credited: Any,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    credit = ServiceCredit.objects.get(period_start=period)
    url = reverse("engagements:credit_update", args=[credited.engagement.pk, credit.pk])
    client = client_for(manager)

    with time_machine.travel(at(datetime.date(2025, 4, 10), 9), tick=False):
        version = client.get(url).context["form"]["version"].value()
        response = client.post(url, {**data, "version": version})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    credit.refresh_from_db()
    assert credit.state == "due"


@pytest.mark.parametrize("role", ["viewer", "other_manager"])
def test_only_who_may_change_the_engagement_tracks_a_credit(
    role: str, credited: Any, client_for: Callable[[Any], Any], request: pytest.FixtureRequest
) -> None:
    credit = ServiceCredit.objects.get(period_start=JAN)
    url = reverse("engagements:credit_update", args=[credited.engagement.pk, credit.pk])

    response = client_for(request.getfixturevalue(role)).post(
        url, {"state": "waived", "note": "no"}
    )

    assert response.status_code == 403
    credit.refresh_from_db()
    assert credit.state == "due"


def test_a_credit_of_another_engagement_is_not_found_through_this_one(
    credited: Any, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    mine = EngagementFactory(owner=manager)
    credit = ServiceCredit.objects.get(period_start=JAN)

    response = client_for(manager).get(
        reverse("engagements:credit_update", args=[mine.pk, credit.pk])
    )

    assert response.status_code == 404


def test_the_credits_download_as_a_spreadsheet_with_the_filters_applied(
    credited: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    url = reverse("engagements:engagement_credits", args=[credited.engagement.pk])

    everything = client_for(viewer).get(url, {"export": "xlsx"})
    flagged = client_for(viewer).get(url, {"export": "csv", "state": "flagged"})

    rows = xlsx_rows(everything)
    assert rows[0][:3] == ["KPI", "Period from", "Period to"]
    assert [row[0] for row in rows[1:]] == ["Uptime", "Uptime"]
    lines = b"".join(flagged.streaming_content).decode().splitlines()
    assert len(lines) == 2 and "No values for the period" in lines[1]


def test_the_dashboard_the_contract_and_the_vendor_page_show_what_is_due(
    credited: Any, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = credited.engagement
    client = client_for(manager)

    with time_machine.travel(at(datetime.date(2025, 4, 10), 9), tick=False):
        dashboard = client.get(reverse("engagements:dashboard")).content.decode()
        worklist = client.get(reverse("engagements:worklist_credits")).content.decode()
    overview = client.get(reverse("engagements:engagement_detail", args=[engagement.pk]))
    vendor = client.get(reverse("vendors:vendor_detail", args=[engagement.vendor_id]))

    assert "Service credits to claim or check" in dashboard
    assert "250.00 EUR" in dashboard
    assert "Uptime" in worklist and "No values for the period" in worklist
    for page in (overview.content.decode(), vendor.content.decode()):
        assert "Due, not claimed</span> 250.00 EUR" in page
        assert "Not computed</span> 1 period" in page


def test_a_run_that_failed_after_its_rollups_leaves_their_credits_to_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engagements.services.monitoring import rollup as rollup_job

    kpi = uptime_with_credits(credit_cap=None)
    measure(kpi, datetime.date(2025, 1, 20), "99.4")
    run_at(FEB)
    measure(kpi, datetime.date(2025, 1, 21), "97.4", saved=datetime.date(2025, 2, 10))

    def crash(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("worker lost")

    with monkeypatch.context() as patched:
        patched.setattr(rollup_job, "_refresh_credits", crash)
        with pytest.raises(RuntimeError):
            run_at(datetime.date(2025, 2, 11))
    assert credits(kpi)[0][1] == D("99.4000")  # the rollup was rewritten, its credit not

    run_at(datetime.date(2025, 2, 12))

    assert credits(kpi) == [(JAN, D("98.4000"), D("300.00"), "EUR", "", "due")]


def test_a_new_period_drops_the_due_credits_of_the_old_periods_and_prices_the_new_one():
    kpi = uptime_with_credits(credit_cap=None)
    measure(kpi, datetime.date(2025, 1, 20), "99.0")
    run_at(FEB)
    assert credits(kpi)[0][:3] == (JAN, D("99.0000"), D("300.00"))

    kpi.period = Period.QUARTER
    kpi.save()
    with time_machine.travel(at(datetime.date(2025, 2, 5), 9), tick=False):
        refresh_kpi_credits(kpi)
    assert credits(kpi) == []  # January is no quarter

    run_at(datetime.date(2025, 4, 2), since=JAN)

    assert credits(kpi) == [(JAN, D("99.0000"), D("900.00"), "EUR", "", "due")]


def test_a_period_without_values_can_be_waived_and_leaves_the_worklist(
    credited: Any, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    flagged = ServiceCredit.objects.get(period_start=MAR)
    url = reverse("engagements:credit_update", args=[credited.engagement.pk, flagged.pk])
    client = client_for(manager)

    with time_machine.travel(at(datetime.date(2025, 4, 10), 9), tick=False):
        version = client.get(url).context["form"]["version"].value()
        claimed = client.post(
            url, {"state": "claimed", "claimed_on": "2025-04-08", "version": version}
        )
        waived = client.post(
            url, {"state": "waived", "note": "Monitoring was down all March.", "version": version}
        )
        worklist = client.get(reverse("engagements:worklist_credits")).content.decode()

    assert "could not be computed" in " ".join(claimed.context["form"].errors["state"])
    assert waived.status_code == 302
    flagged.refresh_from_db()
    assert (flagged.state, flagged.amount) == ("waived", None)
    assert "No values for the period" not in worklist
