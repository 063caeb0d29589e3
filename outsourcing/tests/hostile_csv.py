"""Hostile CSV files for the import pages: a Hypothesis strategy building whole files.

A file is mostly valid rows with a hostile cell here and there (so that hostile text
which passes the checks is really imported and shown again), written comma- or
semicolon-separated, in UTF-8 with or without a BOM — or in latin-1 or UTF-16, with a
broken header, many rows, or as random bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import event
from hypothesis import strategies as st

from outsourcing.csvimport import CsvRow, read_csv

ENCODINGS = ("utf-8", "utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-8-sig", "latin-1", "utf-16")


@st.composite
def hostile_csv(
    draw: st.DrawFn,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    valid_row: Callable[[int], Mapping[str, str]],
    hostile: Mapping[str, st.SearchStrategy[str]],
    max_rows: int = 300,
) -> bytes:
    """The bytes of an uploaded CSV file; `valid_row(i)` is the i-th valid row (unique keys)."""
    if draw(st.integers(0, 19)) == 0:
        event("file: random bytes")
        return draw(st.binary(max_size=4096))
    optional = [c for c in columns if c not in required]
    header = [*required, *draw(st.lists(st.sampled_from(optional), unique=True))]
    header = draw(st.permutations(header))
    damage = draw(st.integers(0, 11))
    if damage == 0 and header:
        header.remove(draw(st.sampled_from(list(required))))
        event("header: required column missing")
    elif damage == 1:
        header.append(draw(st.sampled_from(header)))
        event("header: column twice")
    elif damage == 2:
        header.append(draw(st.text(min_size=1, max_size=20)))
        event("header: unknown column")
    elif damage == 3:
        header = [c.upper().replace("_", " ") for c in header]
        event("header: labels in capitals")
    many = draw(st.integers(0, 9)) == 0
    count = draw(st.integers(50, max_rows)) if many else draw(st.integers(1, 4))
    event("rows: many" if many else "rows: few")
    # Few files have a bad cell in every row: most rows stay valid. A long file gets its
    # hostile cells in one or two rows, drawn once, so generating it stays cheap.
    if many:
        attacked = draw(st.sets(st.integers(0, count - 1), max_size=2))
    else:
        attacked = {i for i in range(count) if draw(st.integers(0, 99)) < 35}
    rows: list[list[str]] = []
    for i in range(count):
        values = dict(valid_row(i))
        if i in attacked:
            for column in draw(st.sets(st.sampled_from(sorted(hostile)), min_size=1, max_size=2)):
                values[column] = draw(hostile[column])
        rows.append([values.get(column.lower().replace(" ", "_"), "") for column in header])
    delimiter = draw(st.sampled_from([",", ";"]))
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\r\n", "\n"]))
    )
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    event(f"file: {encoding}, '{delimiter}'")
    return out.getvalue().encode(encoding, errors="replace")


def upload_of(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("import.csv", content, "text/csv")


def rows_of(content: bytes, *, required: Sequence[str], optional: Sequence[str]) -> list[CsvRow]:
    """The rows an accepted file held, read again: what the database should now hold."""
    return read_csv(upload_of(content), required=required, optional=optional).rows
