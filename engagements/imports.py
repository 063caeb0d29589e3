"""Importing spend entries from a CSV file on an engagement's spend tab: every row checked
by the spend form, then all saved together or none.

Like vendors/imports.py, each row goes through the form typed on the spend tab
(`SpendRowForm`), so this module sits above the forms; the KPI value import checks
with the model's fields and lives in services/monitoring/imports.py. Invoice numbers
are checked against one read of the engagement's invoices and the rest of the file,
so importing 10 rows or 1,000 costs the same number of queries plus the bulk write.
Dates are YYYY-MM-DD and numbers are read as in every import (outsourcing/csvimport.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from engagements.forms.spend import SpendRowForm, SpendUploadForm, invoice_already_entered
from engagements.models import Engagement, SpendEntry
from outsourcing.csvimport import (
    CsvRow,
    CsvTable,
    ImportResult,
    RowError,
    read_day,
    read_number,
    unquote_formula,
)
from outsourcing.models import Currency

COLUMNS = (*SpendUploadForm.required_columns, *SpendUploadForm.optional_columns)
# The file's column for each field of the form; the others have the field's name.
FIELD_COLUMNS = {"spent_on": "invoice_date"}
DATE_COLUMNS = ("invoice_date", "period_start", "period_end")
BLANK = {
    "invoice_date": "Enter the invoice's date.",
    "period_start": "Enter the first day of the period the invoice pays for.",
    "period_end": "Enter the last day of the period the invoice pays for.",
    "amount": "Enter the amount.",
}


def _form_data(
    row: CsvRow, table: CsvTable, engagement: Engagement, errors: list[RowError]
) -> dict[str, Any]:
    """The row as the spend form's fields, dates read as YYYY-MM-DD and a blank currency
    meaning the engagement's, as on the form."""
    data: dict[str, Any] = {}
    for column in DATE_COLUMNS:
        field = "spent_on" if column == "invoice_date" else column
        raw = row.get(column)
        if not raw.strip():
            data[field] = ""
            continue
        try:
            data[field] = read_day(raw)
        except ValueError as error:
            errors.append(RowError(row.line, column, str(error), raw))
    data["amount"] = read_number(row.get("amount"), table)
    data["currency"] = row.get("currency").strip().upper() or engagement.currency
    # A leading quote before = + - @ is a spreadsheet's "this is text", not part of it.
    data["invoice_number"] = unquote_formula(row.get("invoice_number").strip())
    data["note"] = unquote_formula(row.get("note").strip())
    return data


def _form_errors(row: CsvRow, form: SpendRowForm, reported: set[str]) -> Iterable[RowError]:
    """The form's errors in the file's columns, for the cells not already reported."""
    for field, errors in form.errors.as_data().items():
        column = "" if field == NON_FIELD_ERRORS else FIELD_COLUMNS.get(field, field)
        if column in reported:
            continue
        for error in errors:
            if error.code == "required" and column in BLANK:
                messages = [BLANK[column]]
            elif column == "currency" and error.code == "invalid_choice":
                messages = ["Not a currency kept here. Use one of: " + ", ".join(Currency.values)]
            else:
                messages = error.messages
            for message in messages:
                yield RowError(row.line, column, message, row.get(column))


def check_spend_rows(
    *, engagement: Engagement, table: CsvTable
) -> tuple[list[SpendRowForm], list[RowError]]:
    """Every row checked by the spend form; the valid ones with their form."""
    entered = set(
        SpendEntry.objects.filter(engagement=engagement)
        .exclude(invoice_number="")
        .values_list("invoice_number", flat=True)
    )
    first_line: dict[str, int] = {}
    checked: list[SpendRowForm] = []
    errors: list[RowError] = []
    for row in table.rows:
        row_errors: list[RowError] = []
        form = SpendRowForm(_form_data(row, table, engagement, row_errors), engagement=engagement)
        form.is_valid()
        row_errors.extend(_form_errors(row, form, {error.column for error in row_errors}))
        number = form.cleaned_data.get("invoice_number", "")
        if number in entered:
            message = invoice_already_entered(number)
            row_errors.append(RowError(row.line, "invoice_number", message, number))
        elif number in first_line:
            message = f"Invoice {number} is already on line {first_line[number]} of this file."
            row_errors.append(RowError(row.line, "invoice_number", message, number))
        elif number:
            first_line[number] = row.line
        errors.extend(row_errors)
        if not row_errors:
            checked.append(form)
    return checked, errors


def import_spend(*, engagement: Engagement, table: CsvTable, by: Any) -> ImportResult:
    """Save an entry per row, entered by `by`, all in one transaction — or, when any row
    has an error, nothing, and every error comes back."""
    checked, errors = check_spend_rows(engagement=engagement, table=table)
    result = ImportResult(rows=len(table.rows), errors=errors)
    if errors:
        return result
    entries: list[SpendEntry] = []
    for form in checked:
        entry: SpendEntry = form.save(commit=False)
        entry.entered_by = by  # as the spend tab's form records who typed it
        entries.append(entry)
    try:
        with transaction.atomic():
            created = bulk_create_with_history(entries, SpendEntry, default_user=by)
    except IntegrityError:
        # Someone entered one of these invoices between the check and the write.
        result.errors.append(
            RowError(
                0,
                "invoice_number",
                "Someone entered one of these invoices while the file was imported. Nothing "
                "was imported; upload the file again to see which.",
            )
        )
        return result
    result.created = len(created)
    return result


def template_rows(engagement: Engagement) -> list[list[str]]:
    """One example row for the downloadable template: last month's invoice in the
    engagement's currency."""
    this_month = timezone.localdate().replace(day=1)
    last_day = this_month - datetime.timedelta(days=1)
    example = {
        "invoice_date": last_day.isoformat(),
        "period_start": last_day.replace(day=1).isoformat(),
        "period_end": last_day.isoformat(),
        "amount": "7000.00",
        "currency": engagement.currency,
        "invoice_number": "INV-0001",
        "note": "Example row: replace it with your invoices",
    }
    return [[example[column] for column in COLUMNS]]
