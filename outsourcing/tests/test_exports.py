"""The one export helper every list downloads through (outsourcing/exports.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import RequestFactory

from outsourcing import exports
from outsourcing.exports import Column, export_format, export_response
from outsourcing.tests.downloads import body_of, csv_rows, xlsx_rows, xlsx_sheet

COLUMNS = (
    Column("Name", lambda row: row["name"]),
    Column("Amount", lambda row: row["amount"]),
    Column("Due", lambda row: row["due"]),
    Column("Changed", lambda row: row["changed"]),
)
ROWS = [
    {
        "name": '=HYPERLINK("http://evil","x")',
        "amount": Decimal("-12.50"),
        "due": datetime.date(2027, 3, 1),
        "changed": datetime.datetime(2027, 2, 28, 23, 30, tzinfo=datetime.UTC),
    },
    {"name": "007 Ltd", "amount": 3, "due": None, "changed": None},
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("export=csv", "csv"), ("export=xlsx", "xlsx"), ("export=pdf", None), ("", None)],
)
def test_the_address_says_which_download_if_any(query: str, expected: str | None) -> None:
    assert export_format(RequestFactory().get(f"/list/?{query}")) == expected


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_csv_keeps_numbers_defuses_formulas_and_writes_dates_as_iso() -> None:
    response = export_response("csv", "vendors", COLUMNS, ROWS)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="vendors-2027-03-01.csv"'
    assert body_of(response).startswith(b"\xef\xbb\xbf")
    assert csv_rows(export_response("csv", "vendors", COLUMNS, ROWS)) == [
        ["Name", "Amount", "Due", "Changed"],
        ['\'=HYPERLINK("http://evil","x")', "-12.50", "2027-03-01", "2027-02-28 23:30"],
        ["007 Ltd", "3", "", ""],
    ]


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_xlsx_opens_as_a_spreadsheet_with_text_numbers_and_dates_typed() -> None:
    response = export_response("xlsx", "risk-register", COLUMNS, ROWS)

    assert response["Content-Type"] == exports.XLSX_TYPE
    assert 'filename="risk-register-2027-03-01.xlsx"' in response["Content-Disposition"]
    sheet = xlsx_sheet(export_response("xlsx", "risk-register", COLUMNS, ROWS))
    assert sheet.title == "Risk register"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == ["Name", "Amount", "Due", "Changed"]
    assert sheet["A1"].font.bold
    # Text that looks like a formula, a link or a number stays text: nothing runs.
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://evil","x")'
    assert sheet["A3"].value == "007 Ltd"
    assert sheet["B2"].value == -12.5
    assert sheet["C2"].value == datetime.datetime(2027, 3, 1)
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["D2"].value == datetime.datetime(2027, 2, 28, 23, 30)
    assert sheet["C3"].value is None


def test_an_empty_list_downloads_its_header_alone() -> None:
    assert xlsx_rows(export_response("xlsx", "vendors", COLUMNS, [])) == [
        ["Name", "Amount", "Due", "Changed"]
    ]
    assert csv_rows(export_response("csv", "vendors", COLUMNS, [])) == [
        ["Name", "Amount", "Due", "Changed"]
    ]


def test_rows_beyond_a_sheet_end_in_a_row_that_says_how_many_did_not_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 4)
    rows: list[dict[str, Any]] = [{**ROWS[1], "name": f"Vendor {n}"} for n in range(7)]

    found = xlsx_rows(export_response("xlsx", "vendors", COLUMNS, rows))

    assert [row[0] for row in found] == [
        "Name",
        "Vendor 0",
        "Vendor 1",
        "5 more rows did not fit in a spreadsheet: download the CSV.",
    ]
