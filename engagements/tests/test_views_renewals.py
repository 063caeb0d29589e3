"""The renewal view: which contracts it lists, what it shows beside them, who may act."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import Contract
from engagements.tests.factories import (
    ContractFactory,
    EngagementFactory,
    KpiFactory,
    KpiRollupFactory,
    ScorecardFactory,
    ServiceCreditFactory,
    SpendEntryFactory,
)
from outsourcing.tests.downloads import xlsx_rows
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 9, 15)
DAY = datetime.timedelta(days=1)
URL = "/renewals/"


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime.datetime(2026, 9, 15, 9, tzinfo=datetime.UTC), tick=False):
        yield


def deciding(owner: Any, title: str, deadline: datetime.date, **engagement: Any) -> Any:
    """An engagement whose contract's notice deadline is `deadline`."""
    work = EngagementFactory(
        owner=owner, title=title, start_date=datetime.date(2026, 1, 1), **engagement
    )
    contract = ContractFactory(engagement=work, start_date=datetime.date(2026, 1, 1))
    Contract.objects.filter(pk=contract.pk).update(notice_deadline=deadline)
    return work


def test_it_lists_the_deadlines_of_the_window_soonest_first(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    deciding(manager, "Later", TODAY + 100 * DAY)
    deciding(manager, "Sooner", TODAY + 10 * DAY)
    deciding(manager, "Beyond the window", TODAY + 121 * DAY)
    deciding(manager, "Passed", TODAY - DAY)
    given = deciding(manager, "Notice given", TODAY + 20 * DAY)
    Contract.objects.filter(engagement=given).update(notice_given_on=TODAY)
    client = client_for(manager)

    shown = client.get(URL)
    a_year = client.get(URL, {"days": "365"})
    nonsense = client.get(URL, {"days": "-4"})

    assert [row.engagement.title for row, _ in shown.context["rows"]] == ["Sooner", "Later"]
    assert [row.engagement.title for row, _ in a_year.context["rows"]] == [
        "Sooner",
        "Later",
        "Beyond the window",
    ]
    assert nonsense.context["days"] == 120
    assert "in 10 days" in shown.content.decode()


def test_each_row_says_what_to_weigh_and_suggests_with_reasons(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    poor = deciding(manager, "Poor vendor", TODAY + 10 * DAY)
    Vendor.objects.filter(pk=poor.vendor_id).update(standing=Vendor.Standing.POOR)
    costly = deciding(manager, "Over its value", TODAY + 20 * DAY, budget=None)
    SpendEntryFactory(engagement=costly, amount=Decimal("90000.00"))  # value 85,000
    falling = deciding(manager, "Falling score", TODAY + 30 * DAY)
    ScorecardFactory(
        engagement=falling, period_start=datetime.date(2026, 6, 1), score=Decimal("80")
    )
    ScorecardFactory(
        engagement=falling, period_start=datetime.date(2026, 8, 1), score=Decimal("65")
    )
    red = deciding(manager, "Two reds", TODAY + 40 * DAY)
    for name in ("Uptime", "Response time"):
        KpiRollupFactory(kpi=KpiFactory(engagement=red, name=name), value=Decimal("50"))
    deciding(manager, "Fine", TODAY + 50 * DAY)

    response = client_for(manager).get(URL)

    advice = {
        row.engagement.title: (row.advice.action, row.advice.reasons[0])
        for row, _ in response.context["rows"]
    }
    assert advice == {
        "Poor vendor": ("replace", "the vendor's standing is poor"),
        "Over its value": ("renegotiate", "spend is 106% of the contract's value"),
        "Falling score": ("renegotiate", "the scorecard fell 15.0 points over 3 months"),
        "Two reds": ("replace", "2 KPIs are in red"),
        "Fine": ("renew", "standing, KPIs and spend give no reason to change"),
    }
    page = response.content.decode()
    assert "Replace the vendor" in page and "Renegotiate" in page
    assert "Record decision" in page


def test_viewers_read_it_but_record_no_decision(
    manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    deciding(manager, "Sooner", TODAY + 10 * DAY)

    response = client_for(viewer).get(URL)

    assert response.status_code == 200
    assert response.context["scope"] == "all"
    assert "Record decision" not in response.content.decode()


def test_it_downloads_with_the_suggestions(manager: Any, client_for: Callable[[Any], Any]) -> None:
    deciding(manager, "Sooner", TODAY + 10 * DAY)

    rows = xlsx_rows(client_for(manager).get(URL, {"export": "xlsx"}))

    assert rows[0][:2] == ["Notice deadline", "Engagement"]
    assert rows[1][1] == "Sooner"
    assert rows[1][10:12] == ["Renew", "standing, KPIs and spend give no reason to change"]


def test_it_costs_the_same_queries_for_2_contracts_as_for_12(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    for n in range(2):
        deciding(manager, f"Work {n}", TODAY + (n + 1) * DAY)
    client.get(URL)
    with_2 = queries()
    for n in range(2, 12):
        work = deciding(manager, f"Work {n}", TODAY + (n + 1) * DAY)
        ScorecardFactory(engagement=work, period_start=datetime.date(2026, 8, 1))
        SpendEntryFactory(engagement=work)

    assert queries() == with_2


def test_open_credits_show_beside_the_contract_and_three_credited_months_say_renegotiate(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    work = deciding(manager, "Credited", TODAY + 10 * DAY)
    kpi = KpiFactory(engagement=work, credit_threshold=Decimal("99"), credit_fixed=Decimal("500"))
    for month, state in ((5, "due"), (6, "claimed"), (7, "received")):
        ServiceCreditFactory(
            kpi=kpi,
            period_start=datetime.date(2026, month, 1),
            amount=Decimal("500.00"),
            state=state,
            claimed_on=None if state == "due" else datetime.date(2026, 8, 1),
            received_on=datetime.date(2026, 8, 20) if state == "received" else None,
        )

    html = client_for(manager).get(URL).content.decode()
    rows = xlsx_rows(client_for(manager).get(URL, {"export": "xlsx"}))

    assert "500.00 EUR credits open" not in html  # due and claimed add up
    assert "1,000.00 EUR credits open" in html
    assert "Service levels missed in 3 of the last 12 months" in html
    assert rows[1][9] == "1000.00 EUR"


def test_weeks_missed_in_one_month_count_as_one_month(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    work = deciding(manager, "Weekly", TODAY + 10 * DAY)
    kpi = KpiFactory(
        engagement=work,
        period="week",
        credit_threshold=Decimal("99"),
        credit_fixed=Decimal("100"),
    )
    for monday in (3, 10, 17):
        ServiceCreditFactory(
            kpi=kpi,
            period_start=datetime.date(2026, 8, monday),
            period_end=datetime.date(2026, 8, monday + 6),
            amount=Decimal("100.00"),
        )

    html = client_for(manager).get(URL).content.decode()

    assert "300.00 EUR credits open" in html
    assert "Service levels missed" not in html
