"""Reading back what a list downloads (outsourcing/exports.py), for the tests."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl


def body_of(response: Any) -> bytes:
    """The whole body, streamed (CSV, XLSX from its file) or not; read once, kept."""
    if not hasattr(response, "read_body"):
        streamed = response.streaming
        response.read_body = b"".join(response.streaming_content) if streamed else response.content
    return bytes(response.read_body)


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body_of(response).decode("utf-8-sig"))))


def xlsx_sheet(response: Any) -> Any:
    """The workbook's one sheet, opened by a spreadsheet reader of its own (openpyxl)."""
    workbook = openpyxl.load_workbook(io.BytesIO(body_of(response)))
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def xlsx_rows(response: Any) -> list[list[Any]]:
    return [list(row) for row in xlsx_sheet(response).iter_rows(values_only=True)]
