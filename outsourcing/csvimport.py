"""Reading an uploaded CSV file for an import: checked as a whole before any row is looked at.

Every import (vendors, KPI measurements, spend) reads its file here, so that what a file
may be is decided once: at most `MAX_BYTES` and `MAX_ROWS`, UTF-8 with or without
the byte-order mark Excel writes ("CSV UTF-8"), comma- or semicolon-separated
(Excel in much of Europe writes semicolons), a header row naming known columns
once each. What is wrong with the file comes back as a `CsvFileError` whose
messages go next to the file field; what is wrong with a row is the importer's
business and is reported as `RowError`s with the row's line in the file.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat

from outsourcing.forms import Form

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
# A single cell longer than this is refused by the csv module itself.
MAX_CELL = 100_000
# The error report shows this many errors; a file with more is usually the wrong file.
MAX_ERRORS_SHOWN = 500

SAVE_AS_UTF8 = "Save the file as 'CSV UTF-8' and upload it again."
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
NEEDS_ISO = "Write the date as YYYY-MM-DD, e.g. 2026-03-31 (in Excel: Format Cells → yyyy-mm-dd)."
NO_SUCH_DAY = "There is no such day in the calendar."
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


class CsvFileError(Exception):
    """The file as a whole cannot be read; `messages` say why, for the person who uploaded it."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the line in the file (the header is line 1), the column, why."""

    line: int
    column: str
    message: str
    value: str = ""


@dataclass
class ImportResult:
    """What an import did: rows read, created and updated, or the errors that stopped it."""

    rows: int
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def shown_errors(self) -> list[RowError]:
        return self.errors[:MAX_ERRORS_SHOWN]

    @property
    def more_errors(self) -> int:
        return max(len(self.errors) - MAX_ERRORS_SHOWN, 0)

    @property
    def lines_with_errors(self) -> int:
        return len({error.line for error in self.errors})


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class CsvTable:
    columns: list[str]
    rows: list[CsvRow]
    delimiter: str = ","
    header_line: int = 1


def column_key(header: str) -> str:
    """'Legal name', ' LEGAL_NAME ', 'legal-name' → 'legal_name'."""
    return re.sub(r"[\s_\-]+", "_", header.strip().lower()).strip("_")


def _decode(data: bytes) -> str:
    if data.startswith(WORKBOOK_SIGNATURES):
        raise CsvFileError(
            "This is an Excel workbook, not a CSV file. In Excel choose File → Save As → "
            "'CSV UTF-8 (comma delimited)' and upload that file."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(f"The file is saved as UTF-16 (Unicode text). {SAVE_AS_UTF8}")
    if b"\x00" in data:
        raise CsvFileError(
            f"The file contains NUL characters, so it is not a text file. {SAVE_AS_UTF8}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFileError(
            f"The file is not UTF-8 text (an unreadable byte at position {error.start}). "
            f"{SAVE_AS_UTF8}"
        ) from None


def _delimiter(text: str) -> str:
    """Semicolon when the header line has more semicolons than commas, as Excel writes in Europe."""
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _header(cells: list[str], *, required: Sequence[str], optional: Sequence[str]) -> list[str]:
    known = [*required, *optional]
    keys = [column_key(cell) for cell in cells]
    # Excel keeps empty cells at the end of a row it once wrote something into.
    while keys and not keys[-1]:
        keys.pop()
    problems: list[str] = []
    seen: set[str] = set()
    for position, key in enumerate(keys, start=1):
        if not key:
            problems.append(f"Column {position} of the header row has no name.")
        elif key in seen:
            problems.append(f"The column '{key}' appears twice in the header row; keep one.")
        elif key not in known:
            problems.append(f"Unknown column '{key[:60]}'.")
        seen.add(key)
    missing = [name for name in required if name not in seen]
    if missing:
        problems.append(
            "Missing required column"
            + ("s" if len(missing) > 1 else "")
            + ": "
            + ", ".join(missing)
            + "."
        )
    if problems:
        problems.append("The columns are: " + ", ".join(known) + " (the first line of the file).")
        raise CsvFileError(*problems)
    return keys


def read_csv(
    upload: UploadedFile,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    max_rows: int = MAX_ROWS,
) -> CsvTable:
    """The file's rows, each with its line number, keyed by normalised column name.

    Raises CsvFileError when the file is too big, not UTF-8 text, has no usable header
    or too many rows. Blank rows are skipped; missing cells at the end of a row are blank.
    """
    size = upload.size or 0
    if size > MAX_BYTES:
        raise CsvFileError(
            f"The file is {filesizeformat(size)}; the limit is "
            f"{filesizeformat(MAX_BYTES)}. Split it into smaller files."
        )
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise CsvFileError(f"The file is larger than {filesizeformat(MAX_BYTES)}. Split it.")
    text = _decode(data)
    if not text.strip():
        raise CsvFileError("The file is empty. The first line must name the columns.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns: list[str] | None = None
    rows: list[CsvRow] = []
    header_line = 1
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header(cells, required=required, optional=optional)
                header_line = line
                continue
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                raise CsvFileError(
                    f"Line {line} has {len(cells)} cells but the header names "
                    f"{len(columns)} columns. Check for a separator inside a value "
                    "and put that value in double quotes."
                )
            if len(rows) >= max_rows:
                raise CsvFileError(
                    f"The file has more than {max_rows:,} rows. Split it into smaller files."
                )
            values = dict(zip(columns, cells, strict=False))
            rows.append(CsvRow(line=line, values={c: values.get(c, "") for c in columns}))
    except csv.Error as error:
        raise CsvFileError(
            f"Line {next_line} cannot be read as CSV ({error}). Check the quotes on that line."
        ) from None
    if columns is None:
        raise CsvFileError("The file is empty. The first line must name the columns.")
    if not rows:
        raise CsvFileError("The file has a header but no rows below it.")
    return CsvTable(columns=columns, rows=rows, delimiter=delimiter, header_line=header_line)


class CsvUploadForm(Form):
    """The upload field of an import page; `table` holds the rows once the form is valid.

    Subclasses name their columns in `required_columns` and `optional_columns`.
    """

    required_columns: Sequence[str] = ()
    optional_columns: Sequence[str] = ()
    max_rows = MAX_ROWS

    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8, comma- or semicolon-separated, up to {filesizeformat(MAX_BYTES)}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    table: CsvTable

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            self.table = read_csv(
                upload,
                required=self.required_columns,
                optional=self.optional_columns,
                max_rows=self.max_rows,
            )
        except CsvFileError as error:
            raise forms.ValidationError(error.messages) from None
        return upload


def read_day(text: str) -> datetime.date:
    """A date cell written YYYY-MM-DD; ValueError, its message for the person who uploaded
    the file, otherwise. Only that format: 03/04/2026 is the 3rd of April in Europe and the
    4th of March in the US, and an amount filed under the wrong day is worse than a
    refused row."""
    text = text.strip()
    if not ISO_DAY.fullmatch(text):
        raise ValueError(NEEDS_ISO)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(NO_SUCH_DAY) from None


def read_number(text: str, table: CsvTable) -> str:
    """A number cell as a form field reads it: a decimal comma, which Excel writes in a
    semicolon-separated file, becomes a point (in a comma-separated file it would have
    split the cell)."""
    text = text.strip()
    if table.delimiter == ";" and DECIMAL_COMMA.fullmatch(text):
        return text.replace(",", ".")
    return text


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote (CSV injection)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def unquote_formula(text: str) -> str:
    """What `spreadsheet_safe` wrote, read back: a template downloaded here uploads again."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_download(
    filename: str, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> HttpResponse:
    """A small CSV file to download (an import template), UTF-8 with the BOM Excel looks for."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    return response


# Rows written into one piece of a streamed CSV: fewer, larger writes to the client.
STREAM_ROWS = 500


class _Lines:
    """A file for csv.writer that hands back what it is given instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_stream(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A CSV file of any length (an export), sent while its rows are read: memory and the
    time to the first byte stay the same however many rows there are. UTF-8 with the BOM
    Excel looks for; text that would run as a formula defused as in `csv_download`,
    numbers written as they are (a negative number is not a formula)."""
    writer = csv.writer(_Lines())

    def pieces() -> Iterator[str]:
        lines = ["\ufeff", writer.writerow(header)]
        for row in rows:
            lines.append(
                writer.writerow(
                    [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row]
                )
            )
            if len(lines) >= STREAM_ROWS:
                yield "".join(lines)
                lines = []
        yield "".join(lines)

    response = StreamingHttpResponse(pieces(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
