"""The shared CSV reading of the imports: what a file may be, and the lines rows come from."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from outsourcing.csvimport import (
    MAX_BYTES,
    MAX_ROWS,
    SAVE_AS_UTF8,
    CsvFileError,
    ImportResult,
    RowError,
    column_key,
    read_csv,
    spreadsheet_safe,
    unquote_formula,
)

REQUIRED = ("kpi", "date", "value")
OPTIONAL = ("note",)


def upload(content: bytes | str, name: str = "values.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, "text/csv")


def read(content: bytes | str) -> object:
    return read_csv(upload(content), required=REQUIRED, optional=OPTIONAL)


def refusal(content: bytes | str) -> str:
    with pytest.raises(CsvFileError) as caught:
        read(content)
    return " ".join(caught.value.messages)


def test_it_reads_rows_with_their_line_numbers_counting_the_header_as_line_one() -> None:
    table = read_csv(
        upload("kpi,date,value\nUptime,2026-01-01,99\nUptime,2026-01-02,98\n"),
        required=REQUIRED,
        optional=OPTIONAL,
    )
    assert [(row.line, row.values) for row in table.rows] == [
        (2, {"kpi": "Uptime", "date": "2026-01-01", "value": "99"}),
        (3, {"kpi": "Uptime", "date": "2026-01-02", "value": "98"}),
    ]
    assert table.delimiter == ","


def test_a_quoted_cell_over_two_lines_keeps_the_next_rows_line_numbers_right() -> None:
    table = read_csv(
        upload('kpi,date,value,note\nA,2026-01-01,1,"two\nlines"\nB,2026-01-02,2,\n'),
        required=REQUIRED,
        optional=OPTIONAL,
    )
    assert [row.line for row in table.rows] == [2, 4]
    assert table.rows[0].get("note") == "two\nlines"


def test_it_reads_excel_csv_utf8_with_a_byte_order_mark() -> None:
    table = read_csv(
        upload("\ufeffkpi,date,value\nZufriedenheit,2026-01-01,4\n".encode()),
        required=REQUIRED,
    )
    assert table.columns == ["kpi", "date", "value"]
    assert table.rows[0].get("kpi") == "Zufriedenheit"


def test_it_reads_semicolons_as_excel_writes_them_in_europe() -> None:
    table = read_csv(
        upload('kpi;date;value;note\r\nUptime;2026-01-01;99,5;"a; b"\r\n'),
        required=REQUIRED,
        optional=OPTIONAL,
    )
    assert table.delimiter == ";"
    assert table.rows[0].values == {
        "kpi": "Uptime",
        "date": "2026-01-01",
        "value": "99,5",
        "note": "a; b",
    }


def test_headers_are_matched_whatever_their_case_and_spacing() -> None:
    table = read_csv(
        upload(" KPI ;Date;VALUE;Note\nA;2026-01-01;1;\n"), required=REQUIRED, optional=OPTIONAL
    )
    assert table.columns == ["kpi", "date", "value", "note"]
    assert column_key("Legal name") == "legal_name"
    assert column_key(" legal-NAME ") == "legal_name"


def test_blank_rows_and_trailing_empty_cells_are_ignored() -> None:
    table = read("kpi,date,value,,\nA,2026-01-01,1,,\n,,,,\n\nB,2026-01-02,2\n")
    assert [row.line for row in table.rows] == [2, 5]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"\n\n  \n", "The file is empty"),
        (b"kpi,date,value\n", "no rows below"),
        ("kpi,date,value\nCafé,2026-01-01,1\n".encode("latin-1"), SAVE_AS_UTF8),
        ("kpi,date,value\nA,2026-01-01,1\n".encode("utf-16"), "UTF-16"),
        (b"kpi,date,value\nA,2026-01-01,1\x00\n", "NUL"),
        (b"PK\x03\x04rest of a workbook", "Excel workbook"),
        (b"kpi,date\nA,2026-01-01\n", "Missing required column: value"),
        (b"kpi,date,value,colour\nA,2026-01-01,1,red\n", "Unknown column 'colour'"),
        (b"kpi,date,value,Value\nA,2026-01-01,1,2\n", "appears twice"),
        (b"kpi,,date,value\nA,,2026-01-01,1\n", "Column 2 of the header row has no name"),
        (b"kpi,date,value\nA,2026-01-01,1,surplus\n", "Line 2 has 4 cells"),
        (b'kpi,date,value\nA,2026-01-01,"1\n', "Line 2 cannot be read"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(
    content: bytes, expected: str
) -> None:
    assert expected in refusal(content)


def test_header_problems_also_name_the_expected_columns() -> None:
    assert "The columns are: kpi, date, value, note" in refusal(b"kpi;when;value\nA;1;2\n")


def test_a_file_over_the_size_limit_is_refused() -> None:
    big = b"kpi,date,value\n" + b"A,2026-01-01,1\n" * (MAX_BYTES // 15 + 1)
    assert "the limit is 2.0" in refusal(big)


def test_a_file_over_the_row_limit_is_refused() -> None:
    rows = "".join(f"A,2026-01-01,{n}\n" for n in range(MAX_ROWS + 1))
    assert "more than 5,000 rows" in refusal("kpi,date,value\n" + rows)


def test_exactly_the_row_limit_is_read() -> None:
    rows = "".join(f"A,2026-01-01,{n}\n" for n in range(MAX_ROWS))
    assert len(read("kpi,date,value\n" + rows).rows) == MAX_ROWS  # type: ignore[attr-defined]


def test_formula_cells_are_quoted_on_the_way_out_and_unquoted_on_the_way_in() -> None:
    assert spreadsheet_safe("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert spreadsheet_safe("Uptime") == "Uptime"
    assert unquote_formula("'=SUM(1)") == "=SUM(1)"
    assert unquote_formula("'quoted") == "'quoted"


def test_the_error_report_escapes_and_truncates_the_value_shown() -> None:
    report = ImportResult(
        rows=3,
        errors=[
            RowError(2, "kpi", "No such KPI.", "<script>alert('xss-probe')</script>"),
            RowError(3, "note", "Too long.", "x" * 500),
        ],
    )
    html = render_to_string("_import_report.html", {"report": report})
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "x" * 100 not in html
    assert "2 problems on 2 of 3 rows" in html
