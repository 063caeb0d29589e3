"""Importing spend from CSV on the Spend tab: all rows or none, every error with its line,
each row checked as the spend form checks it."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagements.models import SpendEntry
from engagements.tests.factories import (
    ContractFactory,
    EngagementFactory,
    ExchangeRateFactory,
    SpendEntryFactory,
)
from outsourcing.csvimport import MAX_BYTES

JAN = datetime.date(2026, 1, 1)
HEADER = "invoice_date,period_start,period_end,amount,currency,invoice_number,note\n"


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime.datetime(2026, 7, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def engagement(manager: Any) -> Any:
    """A year's engagement in euros, its contract worth 100,000."""
    engagement = EngagementFactory(
        owner=manager,
        start_date=JAN,
        end_date=datetime.date(2026, 12, 31),
        budget=Decimal("120000.00"),
        currency="EUR",
    )
    ContractFactory(
        engagement=engagement,
        start_date=JAN,
        end_date=datetime.date(2026, 12, 31),
        value=Decimal("100000.00"),
        currency="EUR",
    )
    return engagement


def url(engagement: Any) -> str:
    return reverse("engagements:spend_import", args=[engagement.pk])


def upload(content: str | bytes, name: str = "spend.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, "text/csv")


def post(client: Any, engagement: Any, content: str | bytes) -> Any:
    return client.post(url(engagement), {"file": upload(content)})


def errors_of(response: Any) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in response.context["report"].errors]


# --- the happy paths --------------------------------------------------------------------


def test_invoices_are_entered_by_the_importer_and_added_up_on_the_spend_tab(
    client: Any, manager: Any, engagement: Any
) -> None:
    ExchangeRateFactory(currency="USD", rate=Decimal("0.80"), valid_from=JAN)
    client.force_login(manager)
    response = post(
        client,
        engagement,
        HEADER + "2026-01-31,2026-01-01,2026-01-31,40000.00,EUR,INV-1,January\n"
        "2026-02-28,2026-02-01,2026-02-28,30000,,INV-2,\n"  # blank currency: the engagement's
        "2026-03-31,2026-03-01,2026-03-31,25000.50,usd,,paid by card\n",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:engagement_spend", args=[engagement.pk])
    saved = SpendEntry.objects.order_by("spent_on")
    assert [
        (e.spent_on.isoformat(), e.amount, e.currency, e.invoice_number, e.note) for e in saved
    ] == [
        ("2026-01-31", Decimal("40000.00"), "EUR", "INV-1", "January"),
        ("2026-02-28", Decimal("30000.00"), "EUR", "INV-2", ""),
        ("2026-03-31", Decimal("25000.50"), "USD", "", "paid by card"),
    ]
    assert {e.entered_by for e in saved} == {manager}
    assert {e.history.get().history_user for e in saved} == {manager}
    tab = client.get(response["Location"]).content.decode()
    assert "Imported 3 spend entries." in tab
    # 40,000 + 30,000 + 25,000.50 USD at 0.80 (20,000.40) = 90,000.40 of 100,000: 90%.
    assert "90,000.40 EUR" in tab
    assert "90% of 100,000.00 EUR" in tab
    assert "Nearing the contract value:" in tab


def test_an_excel_file_with_semicolons_a_bom_capitals_and_decimal_commas_imports(
    client: Any, manager: Any, engagement: Any
) -> None:
    client.force_login(manager)
    text = (
        "\ufeffInvoice date;Period start;Period end;Amount;Note\r\n"
        '2026-01-31;2026-01-01;2026-01-31;7000,25;"a; b"\r\n'
    )
    response = post(client, engagement, text.encode())
    assert response.status_code == 302
    entry = SpendEntry.objects.get()
    assert (entry.amount, entry.currency, entry.note) == (Decimal("7000.25"), "EUR", "a; b")
    assert "Imported 1 spend entry." in client.get(response["Location"]).content.decode()


def test_the_template_downloads_and_imports_as_it_is(
    client: Any, manager: Any, engagement: Any
) -> None:
    client.force_login(manager)
    response = client.get(reverse("engagements:spend_import_template", args=[engagement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    header, example = list(csv.reader(io.StringIO(text)))
    assert header == [
        "invoice_date",
        "period_start",
        "period_end",
        "amount",
        "currency",
        "invoice_number",
        "note",
    ]
    assert example[:3] == ["2026-06-30", "2026-06-01", "2026-06-30"]
    assert post(client, engagement, response.content).status_code == 302
    assert SpendEntry.objects.get().period_start == datetime.date(2026, 6, 1)


def test_the_spend_tab_links_to_the_import_for_those_who_may_change(
    client: Any, manager: Any, viewer: Any, engagement: Any
) -> None:
    tab = reverse("engagements:engagement_spend", args=[engagement.pk])
    client.force_login(manager)
    assert url(engagement) in client.get(tab).content.decode()
    client.force_login(viewer)
    assert url(engagement) not in client.get(tab).content.decode()


def test_the_page_lists_the_columns_and_the_accepted_formats(
    client: Any, manager: Any, engagement: Any
) -> None:
    client.force_login(manager)
    html = client.get(url(engagement)).content.decode()
    for column in ("invoice_date", "period_start", "period_end", "amount", "currency", "note"):
        assert column in html
    assert "YYYY-MM-DD" in html
    assert "7000,50 in a semicolon-separated file" in html
    assert "EUR, USD, GBP" in html


# --- errors, each with its line -----------------------------------------------------------


def test_one_bad_row_saves_nothing_and_names_its_line(
    client: Any, manager: Any, engagement: Any
) -> None:
    client.force_login(manager)
    response = post(
        client,
        engagement,
        HEADER + "2026-01-31,2026-01-01,2026-01-31,7000,EUR,INV-1,\n"
        "2026-02-28,2026-02-01,2026-02-28,-7000,EUR,INV-2,\n"
        "2026-03-31,2026-03-01,2026-03-31,7000,EUR,INV-3,\n",
    )
    assert response.status_code == 200
    assert errors_of(response) == [
        (3, "amount", "Ensure this value is greater than or equal to 0.01.")
    ]
    assert not SpendEntry.objects.exists()
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "1 problem on 1 of 3 rows" in html


def test_every_error_is_listed_with_its_line_and_nothing_is_written(
    client: Any, manager: Any, engagement: Any
) -> None:
    SpendEntryFactory(engagement=engagement, invoice_number="INV-OLD")
    SpendEntryFactory(invoice_number="INV-ELSEWHERE")  # another engagement's: no clash
    client.force_login(manager)
    response = post(
        client,
        engagement,
        HEADER + "2026-01-31,2026-01-01,2026-01-31,7000,EUR,INV-1,fine\n"  # 2
        "31/01/2026,2026-01-01,2026-01-31,7000,EUR,,\n"  # 3: not YYYY-MM-DD
        "2026-02-30,2026-02-01,2026-02-28,7000,EUR,,\n"  # 4: no such day
        ",2026-02-01,2026-02-28,7000,EUR,,\n"  # 5: no invoice date
        "2026-02-28,2026-02-28,2026-02-01,7000,EUR,,\n"  # 6: ends before it starts
        "2026-02-28,2026-02-01,2026-02-28,0,EUR,,\n"  # 7: zero
        "2026-02-28,2026-02-01,2026-02-28,1e309,EUR,,\n"  # 8: absurd
        "2026-02-28,2026-02-01,2026-02-28,NaN,EUR,,\n"  # 9
        "2026-02-28,2026-02-01,2026-02-28,\u20ac7000,EUR,,\n"  # 10: a currency sign
        "2026-02-28,2026-02-01,2026-02-28,7000.123,EUR,,\n"  # 11: three decimals
        "2026-02-28,2026-02-01,2026-02-28,7000,XYZ,,\n"  # 12: unknown currency
        "2026-02-28,2026-02-01,2026-02-28,7000,EUR,INV-OLD,\n"  # 13: already entered
        "2026-02-28,2026-02-01,2026-02-28,7000,EUR,INV-1,\n"  # 14: repeats line 2
        "2026-02-28,2026-02-01,2026-02-28,,EUR,,\n"  # 15: no amount
        f"2026-02-28,2026-02-01,2026-02-28,7000,EUR,{'N' * 61},\n"  # 16: too long
        "2026-02-28,2026-02-01,2026-02-28,7000,EUR,INV-ELSEWHERE,ok\u202egnp.exe\n",  # 17
    )
    assert response.status_code == 200
    assert not SpendEntry.objects.filter(engagement=engagement).exclude(invoice_number="INV-OLD")
    found = {(line, column) for line, column, _ in errors_of(response)}
    assert found == {
        (3, "invoice_date"),
        (4, "invoice_date"),
        (5, "invoice_date"),
        (6, "period_end"),
        (7, "amount"),
        (8, "amount"),
        (9, "amount"),
        (10, "amount"),
        (11, "amount"),
        (12, "currency"),
        (13, "invoice_number"),
        (14, "invoice_number"),
        (15, "amount"),
        (16, "invoice_number"),
        (17, "note"),
    }
    messages = {(line, column): message for line, column, message in errors_of(response)}
    assert messages[(3, "invoice_date")].startswith("Write the date as YYYY-MM-DD")
    assert messages[(4, "invoice_date")] == "There is no such day in the calendar."
    assert messages[(5, "invoice_date")] == "Enter the invoice's date."
    assert messages[(6, "period_end")] == "The period ends before it starts."
    assert messages[(12, "currency")].startswith("Not a currency kept here. Use one of: EUR")
    assert messages[(13, "invoice_number")] == (
        "Invoice INV-OLD is already entered for this engagement."
    )
    assert messages[(14, "invoice_number")] == "Invoice INV-1 is already on line 2 of this file."
    assert messages[(15, "amount")] == "Enter the amount."
    assert "right-to-left override" in messages[(17, "note")]
    assert "15 problems on 15 of 16 rows" in response.content.decode()


def test_a_formula_in_a_cell_is_kept_as_text_and_defused_in_the_export(
    client: Any, manager: Any, engagement: Any
) -> None:
    client.force_login(manager)
    response = post(
        client,
        engagement,
        HEADER + '2026-01-31,2026-01-01,2026-01-31,7000,EUR,=cmd(),"=HYPERLINK(""x"")"\n',
    )
    assert response.status_code == 302
    entry = SpendEntry.objects.get()
    assert (entry.invoice_number, entry.note) == ("=cmd()", '=HYPERLINK("x")')
    export = client.get(
        reverse("engagements:engagement_spend", args=[engagement.pk]), {"export": "csv"}
    )
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "'=cmd()" in text
    assert ",=cmd()" not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("invoice_date,period_start,amount\n2026-01-31,2026-01-01,7\n", "Missing required column"),
        (HEADER.replace("note", "colour") + "x\n", "Unknown column"),
        ((HEADER + "2026-01-31,2026-01-01,2026-01-31,7,EUR,,\n").encode("utf-16"), "UTF-16"),
        ((HEADER + "2026-01-31,2026-01-01,2026-01-31,7,EUR,,Café\n").encode("latin-1"), "UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00binary workbook", "Excel workbook"),
        (b"\x00\x01\x02\xff\xfe binary", "NUL characters"),
        ("", "The submitted file is empty"),
        ("\n\n", "The file is empty"),
        (HEADER, "no rows below it"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_before_any_row(
    client: Any, manager: Any, engagement: Any, content: str | bytes, message: str
) -> None:
    client.force_login(manager)
    response = post(client, engagement, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SpendEntry.objects.exists()


def test_a_huge_file_is_refused_unread(client: Any, manager: Any, engagement: Any) -> None:
    client.force_login(manager)
    row = "2026-01-31,2026-01-01,2026-01-31,7000,EUR,,note\n"
    response = post(client, engagement, HEADER + row * (MAX_BYTES // len(row) + 1))
    assert "the limit is 2.0\xa0MB" in response.content.decode()
    response = post(client, engagement, HEADER + row * 1_001)
    assert "more than 1,000 rows" in response.content.decode()
    assert not SpendEntry.objects.exists()


# --- who may ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client: Any, engagement: Any) -> None:
    response = post(client, engagement, HEADER + "2026-01-31,2026-01-01,2026-01-31,7,EUR,,\n")
    assert response.status_code == 302
    assert "login" in response["Location"]
    template = reverse("engagements:spend_import_template", args=[engagement.pk])
    assert "login" in client.get(template)["Location"]
    assert not SpendEntry.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "other_manager"])
def test_viewers_and_other_managers_may_not_import(
    client: Any, engagement: Any, who: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(engagement)).status_code == 403
    response = post(client, engagement, HEADER + "2026-01-31,2026-01-01,2026-01-31,7,EUR,,\n")
    assert response.status_code == 403
    template = reverse("engagements:spend_import_template", args=[engagement.pk])
    assert client.get(template).status_code == 403
    assert not SpendEntry.objects.exists()


# --- cost ---------------------------------------------------------------------------------


# Reads are one per table whatever the size; on SQLite the bulk inserts of 500 entries and
# their history rows are split in batches (999 parameters), on PostgreSQL each is one.
@pytest.mark.parametrize(("size", "limit"), [(10, 9), (500, 22)])
def test_the_import_costs_a_fixed_number_of_queries(
    client: Any,
    manager: Any,
    engagement: Any,
    size: int,
    limit: int,
    django_assert_max_num_queries: Any,
) -> None:
    rows = "".join(f"2026-01-31,2026-01-01,2026-01-31,{n + 1},EUR,INV-{n},\n" for n in range(size))
    client.force_login(manager)
    with django_assert_max_num_queries(limit):
        response = post(client, engagement, HEADER + rows)
    assert response.status_code == 302
    assert SpendEntry.objects.count() == size
