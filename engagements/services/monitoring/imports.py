"""Importing KPI values from a CSV file: every row checked, then all saved together or none.

A row is checked by the rules of the one-value form (MeasurementForm): a KPI among
the engagement's active ones, a real date not in the future, a value the database
holds (14 digits, 4 after the point, `Kpi.value_problem`), a note of at most 300
characters. The reads are one per table for the whole file, so importing 10 rows
or 5,000 costs the same number of queries plus the bulk writes.

Dates are YYYY-MM-DD only and a decimal comma is read in a semicolon-separated file, as
in every import (`read_day`, `read_number` in outsourcing/csvimport.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from engagements.models import Engagement, Kpi, Measurement
from outsourcing.csvimport import (
    CsvRow,
    CsvTable,
    ImportResult,
    RowError,
    read_day,
    read_number,
    unquote_formula,
)
from outsourcing.text import check_typed_text


@dataclass
class MeasurementImport(ImportResult):
    """An import's result, with the days it saved values on for each KPI."""

    days_by_kpi: dict[int, set[datetime.date]] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasurementRow:
    line: int
    kpi: Kpi
    day: datetime.date
    value: Decimal
    note: str


def _value_field() -> forms.Field:
    field = Measurement._meta.get_field("value").formfield()
    assert field is not None
    return field


def _note_field() -> forms.Field:
    field = Measurement._meta.get_field("note").formfield()
    assert field is not None
    check_typed_text(field)  # as the one-value form does
    return field


def _clean(field: forms.Field, raw: str, row: CsvRow, column: str, errors: list[RowError]) -> Any:
    try:
        return field.clean(raw)
    except forms.ValidationError as error:
        errors.extend(RowError(row.line, column, message, raw) for message in error.messages)
        return None


def _day(row: CsvRow, errors: list[RowError]) -> datetime.date | None:
    raw = row.get("date")
    text = raw.strip()
    if not text:
        errors.append(RowError(row.line, "date", "Enter the date the value is for.", raw))
        return None
    try:
        day = read_day(text)
    except ValueError as error:
        errors.append(RowError(row.line, "date", str(error), raw))
        return None
    if message := Measurement.day_problem(day):
        errors.append(RowError(row.line, "date", message, raw))
        return None
    return day


def _kpi(
    row: CsvRow, by_name: dict[str, Kpi], inactive: set[str], errors: list[RowError]
) -> Kpi | None:
    raw = row.get("kpi")
    name = unquote_formula(raw.strip()).casefold()
    if not name:
        errors.append(RowError(row.line, "kpi", "Enter the KPI's name.", raw))
        return None
    kpi = by_name.get(name)
    if kpi is None:
        if name in inactive:
            message = "This KPI is inactive; values are entered for active KPIs only."
        else:
            known = ", ".join(sorted(k.name for k in by_name.values())) or "none"
            message = f"This engagement has no active KPI of this name. Its KPIs: {known[:400]}."
        errors.append(RowError(row.line, "kpi", message, raw))
    return kpi


def check_measurement_rows(
    *, engagement: Engagement, table: CsvTable
) -> tuple[list[MeasurementRow], list[RowError]]:
    """Every row checked against the engagement's active KPIs; the good ones parsed."""
    kpis = list(engagement.kpis.all())
    by_name = {kpi.name.strip().casefold(): kpi for kpi in kpis if kpi.is_active}
    inactive = {kpi.name.strip().casefold() for kpi in kpis if not kpi.is_active}
    value_field, note_field = _value_field(), _note_field()
    parsed: list[MeasurementRow] = []
    errors: list[RowError] = []
    first_line: dict[tuple[int, datetime.date], int] = {}
    for row in table.rows:
        if not row.get("value").strip() and not row.get("note").strip():
            continue  # a template row left unfilled, as blank rows on the period form
        row_errors: list[RowError] = []
        kpi = _kpi(row, by_name, inactive, row_errors)
        day = _day(row, row_errors)
        raw_value = read_number(row.get("value"), table)
        value = _clean(value_field, raw_value, row, "value", row_errors)
        note = _clean(note_field, row.get("note"), row, "note", row_errors)
        if kpi is not None and value is not None and (message := kpi.value_problem(value)):
            row_errors.append(RowError(row.line, "value", message, row.get("value")))
        if kpi is not None and day is not None:
            key = (kpi.pk, day)
            if key in first_line:
                row_errors.append(
                    RowError(
                        row.line,
                        "date",
                        f"Line {first_line[key]} already has a value for this KPI and date.",
                        row.get("date"),
                    )
                )
            else:
                first_line[key] = row.line
        errors.extend(row_errors)
        if not row_errors:
            assert kpi is not None and day is not None and value is not None
            parsed.append(MeasurementRow(row.line, kpi, day, value, note or ""))
    return parsed, errors


@transaction.atomic
def import_measurements(
    *, engagement: Engagement, table: CsvTable, by: Any, replace: bool = False
) -> MeasurementImport:
    """Save the file's values as entered by `by` from CSV; with `replace`, values already
    entered for the same KPI and day are overwritten (their history keeps the old value).
    Any error in any row: nothing is saved and every error comes back."""
    parsed, errors = check_measurement_rows(engagement=engagement, table=table)
    result = MeasurementImport(rows=len(table.rows), errors=errors)
    if not parsed and not errors:
        result.errors.append(
            RowError(0, "value", "Every row's value is blank: there is nothing to import.")
        )
    existing: dict[tuple[int, datetime.date], Measurement] = {}
    if parsed:
        days = [row.day for row in parsed]
        existing = {
            (m.kpi_id, m.measured_on): m
            for m in Measurement.objects.filter(
                kpi__in={row.kpi.pk for row in parsed},
                measured_on__range=(min(days), max(days)),
            )
        }
    if not replace:
        result.errors.extend(
            RowError(
                row.line,
                "date",
                f"{row.kpi.name} already has a value for this day "
                f"({existing[(row.kpi.pk, row.day)].value.normalize():f}). Tick “Replace values "
                "already entered for the same day” to replace it.",
                row.day.isoformat(),
            )
            for row in parsed
            if (row.kpi.pk, row.day) in existing
        )
    if result.errors:
        result.errors.sort(key=lambda error: error.line)
        return result
    now = timezone.now()
    new: list[Measurement] = []
    changed: list[Measurement] = []
    for row in parsed:
        measurement = existing.get((row.kpi.pk, row.day))
        if measurement is None:
            measurement = Measurement(kpi=row.kpi, measured_on=row.day)
            new.append(measurement)
        else:
            # bulk_update does not touch auto_now; the rollup job finds changes by updated_at.
            measurement.updated_at = now
            changed.append(measurement)
        measurement.value = row.value
        measurement.note = row.note
        measurement.source = Measurement.Source.CSV
        measurement.entered_by = by
    try:
        with transaction.atomic():
            bulk_create_with_history(new, Measurement, default_user=by)
            if changed:
                bulk_update_with_history(
                    changed,
                    Measurement,
                    fields=["value", "note", "source", "entered_by", "updated_at"],
                    default_user=by,
                )
    except IntegrityError:
        # Someone entered one of these values between the check and the write.
        result.errors.append(
            RowError(
                0,
                "date",
                "Someone entered one of these values while the file was imported. Nothing "
                "was imported; upload the file again to see which.",
            )
        )
        return result
    result.created, result.updated = len(new), len(changed)
    for row in parsed:
        result.days_by_kpi.setdefault(row.kpi.pk, set()).add(row.day)
    return result


def template_rows(engagement: Engagement) -> list[list[str]]:
    """A row per active KPI for today, to fill in and upload."""
    today = timezone.localdate().isoformat()
    return [
        [kpi.name, today, "", ""] for kpi in engagement.kpis.filter(is_active=True).order_by("name")
    ]
