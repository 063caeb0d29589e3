"""Spend against value: invoices entered on the spend tab, converted to the base currency,
the burn against the budget and the contract's value, and the forecast at the run rate."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from engagements.models import SpendEntry
from engagements.selectors.spend import spend_summary, spend_warnings
from engagements.tests.factories import (
    ContractFactory,
    EngagementFactory,
    ExchangeRateFactory,
    SpendEntryFactory,
)
from outsourcing.formatting import whole_percent
from outsourcing.tests.downloads import xlsx_rows

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 7, 1)
JAN = datetime.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime.datetime(2026, 7, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


def a_year_of_work(owner: Any, *, budget: str = "120000.00", value: str = "100000.00") -> Any:
    """A year's engagement from 1 January, its contract to 31 December."""
    engagement = EngagementFactory(
        owner=owner,
        start_date=JAN,
        end_date=datetime.date(2026, 12, 31),
        budget=Decimal(budget),
        currency="EUR",
    )
    ContractFactory(
        engagement=engagement,
        start_date=JAN,
        end_date=datetime.date(2026, 12, 31),
        value=Decimal(value),
        currency="EUR",
    )
    return engagement


def month(engagement: Any, number: int, amount: str, currency: str = "EUR", **fields: Any) -> Any:
    start = datetime.date(2026, number, 1)
    end = datetime.date(2026, number + 1, 1) - datetime.timedelta(days=1)
    return SpendEntryFactory(
        engagement=engagement,
        period_start=start,
        period_end=end,
        spent_on=end,
        amount=Decimal(amount),
        currency=currency,
        **fields,
    )


# --- the figures -----------------------------------------------------------------------


def test_spend_adds_up_in_the_base_currency_with_the_rate_of_each_invoice_day(
    manager: Any,
) -> None:
    engagement = a_year_of_work(manager)
    ExchangeRateFactory(currency="USD", rate=Decimal("0.90"), valid_from=JAN)
    ExchangeRateFactory(currency="USD", rate=Decimal("0.80"), valid_from=datetime.date(2026, 3, 1))
    month(engagement, 1, "10000.00")
    month(engagement, 2, "10000.00", currency="USD")  # 28 Feb: the January rate
    month(engagement, 3, "10000.00", currency="USD")  # 31 Mar: the March rate

    summary = spend_summary(engagement)

    assert summary.spent == Decimal("27000.00")
    by_month = {entry.period_start.month: line for entry, line in summary.lines}
    assert by_month[2].in_base == Decimal("9000.00")
    assert by_month[3].in_base == Decimal("8000.00")
    assert "1 USD = 0.8 EUR, rate of 1 Mar 2026" == by_month[3].conversion
    assert by_month[1].conversion == ""


def test_a_missing_rate_is_shown_as_missing_and_left_out_never_counted_as_zero(
    manager: Any,
) -> None:
    engagement = a_year_of_work(manager)
    month(engagement, 1, "10000.00")
    month(engagement, 2, "5000.00", currency="GBP")

    summary = spend_summary(engagement)

    assert summary.spent == Decimal("10000.00")
    assert summary.unconverted == 1
    gbp = next(line for entry, line in summary.lines if entry.currency == "GBP")
    assert gbp.in_base is None
    assert gbp.conversion == "GBP rate missing on 28 Feb 2026"


def test_a_line_and_the_total_round_half_a_cent_alike_up(manager: Any) -> None:
    engagement = a_year_of_work(manager)
    ExchangeRateFactory(currency="GBP", rate=Decimal("1.15000375"), valid_from=JAN)
    month(engagement, 1, "12000.00", currency="GBP")  # 13,800.045 EUR

    summary = spend_summary(engagement)

    ((_, line),) = summary.lines
    assert line.in_base == summary.spent == Decimal("13800.05")


def test_a_missing_rate_names_its_day_as_the_rates_are_named(manager: Any) -> None:
    engagement = a_year_of_work(manager)
    SpendEntryFactory(
        engagement=engagement,
        spent_on=datetime.date(2026, 2, 5),
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        amount=Decimal("100.00"),
        currency="GBP",
    )

    ((_, line),) = spend_summary(engagement).lines

    assert line.conversion == "GBP rate missing on 5 Feb 2026"  # "j M Y", not "05 Feb"


def test_burn_warns_from_80_percent_and_says_over_at_100(manager: Any) -> None:
    engagement = a_year_of_work(manager, budget="120000.00", value="100000.00")
    for number in range(1, 7):  # six months of 14,000: 84,000
        month(engagement, number, "14000.00")

    summary = spend_summary(engagement)

    budget, value = summary.burns
    assert (budget.label, budget.percent, budget.level) == ("budget", 70, "ok")
    assert (value.label, value.percent, value.level) == ("contract value", 84, "near")
    assert summary.warning is value
    # 84,000 over the 181 days of January to June, on to 31 December (184 days more).
    assert summary.forecast == (Decimal("84000") + Decimal("84000") / 181 * 184).quantize(
        Decimal("0.01")
    )
    month(engagement, 7, "20000.00")
    warning = spend_summary(engagement).warning
    assert warning is not None and warning.level == "over"  # 104,000 of 100,000


def test_the_tab_and_the_dashboard_give_the_same_limits_and_burn(manager: Any) -> None:
    ExchangeRateFactory(currency="USD", rate=Decimal("0.90"), valid_from=JAN)
    in_euros = a_year_of_work(manager, budget="120000.00", value="100000.00")
    month(in_euros, 1, "84600.00")  # 84.6% of the value
    in_dollars = a_year_of_work(manager, budget="200000.00", value="100000.00")
    in_dollars.contract.currency = "USD"  # 90,000.00 EUR
    in_dollars.contract.save(update_fields=["currency"])
    month(in_dollars, 1, "81540.00")  # 90.6% of the value
    no_rate = a_year_of_work(manager, budget="50000.00", value="100000.00")
    no_rate.currency = "GBP"  # no GBP rate kept: the budget's share is unknown
    no_rate.save(update_fields=["currency"])
    month(no_rate, 1, "99600.00")  # 99.6% of the value
    engagements = [in_euros, in_dollars, no_rate]

    dashboard: dict[int, Any] = {
        row.pk: row for row in spend_warnings([e.pk for e in engagements], today=TODAY)
    }

    percents = []
    for engagement in engagements:
        tab, row = spend_summary(engagement), dashboard[engagement.pk]
        budget, value = tab.burns
        assert (budget.limit.in_base, value.limit.in_base) == (
            row.budget_in_base,
            row.value_in_base,
        )
        badge = render_to_string("engagements/spend/_burn_badge.html", {"burn": row.burn})
        assert tab.warning is not None
        assert f">{tab.warning.percent}%<" in badge
        percents.append(tab.warning.percent)
    # Rounded down: 99.6% of the value, still short of it, is not "100%" beside "nearing".
    assert percents == [84, 90, 99]
    assert no_rate.pk in dashboard and spend_summary(no_rate).burns[0].level == "unknown"


def test_without_spend_there_is_no_forecast_and_no_warning(manager: Any) -> None:
    summary = spend_summary(a_year_of_work(manager))

    assert summary.spent == 0
    assert summary.forecast is None
    assert summary.warning is None


# --- the tab ------------------------------------------------------------------------------


def test_the_tab_shows_the_burn_and_every_entry_to_whoever_may_read(
    manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = a_year_of_work(manager)
    for number in range(1, 7):
        month(engagement, number, "14000.00")

    page = client_for(viewer).get(reverse("engagements:engagement_spend", args=[engagement.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Nearing the contract value:" in html
    assert "84% of 100,000.00 EUR" in html
    assert "Enter spend" not in html  # a viewer reads, never changes


def test_a_manager_enters_an_invoice(manager: Any, client_for: Callable[[Any], Any]) -> None:
    engagement = a_year_of_work(manager)
    url = reverse("engagements:spend_create", args=[engagement.pk])

    response = client_for(manager).post(
        url,
        {
            "spent_on": "2026-01-31",
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "amount": "7100.50",
            "currency": "EUR",
            "invoice_number": "INV-2026-001",
            "note": "January, as agreed",
        },
    )

    assert response.status_code == 302
    entry = SpendEntry.objects.get()
    assert (entry.amount, entry.entered_by, entry.engagement) == (
        Decimal("7100.50"),
        manager,
        engagement,
    )
    assert entry.history.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"period_end": "2025-12-31"}, "period_end", "The period ends before it starts."),
        ({"amount": "0"}, "amount", "greater than or equal to 0.01"),
        ({"amount": "-5"}, "amount", "greater than or equal to 0.01"),
        ({"amount": "1e400"}, "amount", ""),
        ({"invoice_number": "INV-1"}, "invoice_number", "Invoice INV-1 is already entered"),
        ({"spent_on": "2026-02-30"}, "spent_on", "Enter a valid date"),
        ({"currency": "XXX"}, "currency", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    changes: dict[str, str],
    field: str,
    message: str,
    manager: Any,
    client_for: Callable[[Any], Any],
) -> None:
    engagement = a_year_of_work(manager)
    month(engagement, 1, "1000.00", invoice_number="INV-1")
    data = {
        "spent_on": "2026-02-28",
        "period_start": "2026-02-01",
        "period_end": "2026-02-28",
        "amount": "7000.00",
        "currency": "EUR",
        "invoice_number": "INV-2",
        **changes,
    }

    response = client_for(manager).post(
        reverse("engagements:spend_create", args=[engagement.pk]), data
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert SpendEntry.objects.count() == 1


@pytest.mark.parametrize("role", ["viewer", "other_manager"])
def test_only_who_may_change_the_engagement_enters_or_removes_spend(
    role: str, manager: Any, client_for: Callable[[Any], Any], request: pytest.FixtureRequest
) -> None:
    engagement = a_year_of_work(manager)
    entry = month(engagement, 1, "1000.00")
    client = client_for(request.getfixturevalue(role))

    create = client.post(reverse("engagements:spend_create", args=[engagement.pk]), {})
    delete = client.post(reverse("engagements:spend_delete", args=[engagement.pk, entry.pk]))

    assert (create.status_code, delete.status_code) == (403, 403)
    assert SpendEntry.objects.count() == 1


def test_removing_asks_first_then_keeps_the_history(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = a_year_of_work(manager)
    entry = month(engagement, 1, "1000.00")
    url = reverse("engagements:spend_delete", args=[engagement.pk, entry.pk])
    client = client_for(manager)

    assert "Remove the spend of" in client.get(url).content.decode()
    client.post(url)

    assert not SpendEntry.objects.exists()
    assert SpendEntry.history.filter(history_type="-").count() == 1


def test_an_entry_of_another_engagement_is_not_found_through_this_one(
    manager: Any, client_for: Callable[[Any], Any]
) -> None:
    mine = a_year_of_work(manager)
    theirs = month(a_year_of_work(manager), 1, "1000.00")

    url = reverse("engagements:spend_update", args=[mine.pk, theirs.pk])

    assert client_for(manager).get(url).status_code == 404


def test_the_spend_downloads_with_the_rate_each_entry_used(
    manager: Any, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    engagement = a_year_of_work(manager)
    ExchangeRateFactory(currency="USD", rate=Decimal("0.90"), valid_from=JAN)
    month(engagement, 1, "1000.00", currency="USD", invoice_number="=CMD()")

    rows = xlsx_rows(
        client_for(viewer).get(
            reverse("engagements:engagement_spend", args=[engagement.pk]), {"export": "xlsx"}
        )
    )

    assert rows[0][:6] == [
        "Invoice date",
        "Period from",
        "Period to",
        "Amount",
        "Currency",
        "Rate used",
    ]
    assert rows[1][3:6] == [1000, "USD", 0.9]
    assert rows[1][7] == "=CMD()"


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (0.0, 0),
        (0.29, 29),  # 0.29 * 100 is 28.999… in floating point
        (0.7999, 79),  # not yet the 80% the warning starts at
        (0.8, 80),
        (0.846, 84),
        (0.996, 99),  # nearing: never "100%" before the limit is reached
        (0.99999999999, 99),
        (0.7999999990000001, 79),  # 7,999,999.99 of 10,000,000: no warning yet
        (1.0, 100),
        (1.0449, 104),
        (Decimal("0.995"), 99),
    ],
)
def test_a_share_of_a_limit_shows_as_the_whole_percent_reached(share: Any, shown: int) -> None:
    assert whole_percent(share) == shown


def test_the_badge_shows_the_percent_and_says_over_only_at_the_limit() -> None:
    def badge(burn: float) -> str:
        return render_to_string("engagements/spend/_burn_badge.html", {"burn": burn})

    assert ">99%<" in badge(0.996) and "Nearing" in badge(0.996)
    assert "text-bg-warning" in badge(0.996)
    assert ">100%<" in badge(1.0) and "Over" in badge(1.0) and "text-bg-danger" in badge(1.0)
