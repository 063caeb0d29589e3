"""Every list downloads as CSV or XLSX, with the page's filters applied (issue 16).

A list view asks `export_format(request)`; when the address says `?export=csv` or
`?export=xlsx` it answers with `export_response` instead of the page, from the same
filtered rows the page shows (all of them, not one page): one read path for the page and
its download. Columns say how a row becomes cells, once, for both formats.

- CSV is streamed while the rows are read (csvimport.csv_stream): UTF-8 with the BOM
  Excel looks for, text a spreadsheet would run as a formula defused with a quote.
- XLSX is written by XlsxWriter row by row into a temporary file (its constant-memory
  mode keeps one row in memory), then sent from that file in blocks: memory stays the
  same however many rows there are. Text is written as text, never as a formula, a
  link or a number, so nothing in a cell runs when the file is opened; numbers and
  dates are real numbers and dates a spreadsheet can sum and sort.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone

from outsourcing.csvimport import csv_stream

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A worksheet holds this many rows (the header's included); beyond, the last row says so.
XLSX_MAX_ROWS = 1_048_576
# Rows a queryset fetches at a time while an export is written.
CHUNK = 500

Cell = str | int | float | Decimal | datetime.date | None


@dataclass(frozen=True)
class Column:
    """A column of an export: its heading and how a row gives its cell."""

    heading: str
    value: Callable[[Any], Cell]


def export_format(request: HttpRequest) -> str | None:
    """The format the address asks the list for (?export=csv|xlsx), or None for the page."""
    asked = request.GET.get("export", "")
    return asked if asked in FORMATS else None


def export_response(
    file_format: str, name: str, columns: Sequence[Column], rows: Iterable[Any]
) -> StreamingHttpResponse | FileResponse:
    """The rows as a download named `<name>-<today>.<format>`."""
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{file_format}"
    header = [column.heading for column in columns]
    cells = ([column.value(row) for column in columns] for row in rows)
    if file_format == "xlsx":
        return xlsx_file(filename, header, cells, sheet=name.replace("-", " ").capitalize())
    return csv_stream(filename, header, ([_text(cell) for cell in row] for row in cells))


def _text(cell: Cell) -> Cell:
    """A cell as CSV writes it: dates as ISO dates, moments in the server's time zone to
    the minute, nothing as an empty cell; text and numbers as they are."""
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        return timezone.localtime(cell).strftime("%Y-%m-%d %H:%M") if cell.tzinfo else str(cell)
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return cell


def xlsx_file(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], *, sheet: str
) -> FileResponse:
    """An XLSX workbook of one sheet: a bold, frozen header row, then the rows."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook = xlsxwriter.Workbook(
        file,
        {
            "constant_memory": True,
            # Text stays text: "=1+1", "http://…" or "007" are shown as typed.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    worksheet = workbook.add_worksheet(sheet[:31])  # Excel's longest sheet name
    bold = workbook.add_format({"bold": True})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    worksheet.write_row(0, 0, header, bold)
    worksheet.freeze_panes(1, 0)
    widths = [len(heading) for heading in header]
    written = 0
    for written, row in enumerate(_bounded(rows), start=1):
        for column, cell in enumerate(row):
            _write(worksheet, written, column, cell, moment)
            if isinstance(cell, str) and column < len(widths):
                widths[column] = max(widths[column], min(len(cell), 60))
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, width + 2)
    if written:
        worksheet.autofilter(0, 0, written, max(len(header) - 1, 0))
    workbook.close()
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _bounded(rows: Iterable[Sequence[Cell]]) -> Iterator[Sequence[Cell]]:
    """The rows a sheet has room for; when there are more, a last row saying so."""
    room = XLSX_MAX_ROWS - 2  # the header, and the row that says what was left out
    rows = iter(rows)
    for count, row in enumerate(rows):
        if count == room:
            left = 1 + sum(1 for _ in rows)
            yield [f"{left:,} more rows did not fit in a spreadsheet: download the CSV."]
            return
        yield row


def _write(worksheet: Any, row: int, column: int, cell: Cell, moment: Any) -> None:
    if cell is None or cell == "":
        return
    if isinstance(cell, str):
        worksheet.write_string(row, column, cell)
    elif isinstance(cell, bool):
        worksheet.write_boolean(row, column, cell)
    elif isinstance(cell, int | float | Decimal):
        worksheet.write_number(row, column, float(cell))
    elif isinstance(cell, datetime.datetime):
        # Excel has no time zones: the moment as the server's clock shows it.
        local = timezone.localtime(cell) if cell.tzinfo else cell
        worksheet.write_datetime(row, column, local.replace(tzinfo=None), moment)
    else:
        worksheet.write_datetime(row, column, cell)


def person(user: Any) -> str:
    """A person as an export names them: full name, else user name; "" for nobody."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def queryset_rows(rows: Any) -> Iterable[Any]:
    """A queryset's rows read CHUNK at a time (prefetches included), not all at once."""
    return rows.iterator(chunk_size=CHUNK)
