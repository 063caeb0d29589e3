"""Importing vendors from a CSV file: every row checked by the vendor form, all saved or none.

Each row goes through `VendorImportForm`, the new-vendor form with two differences
that keep the import to a fixed number of queries whatever the file's length:
services and tags arrive as names and are resolved here against one read of each
table, and the legal name is checked against one read of the registry (case-
insensitively, and against the rest of the file) instead of a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, models, transaction
from simple_history.utils import bulk_create_with_history

from outsourcing.csvimport import CsvRow, CsvTable, CsvUploadForm, ImportResult, RowError

from .forms import VendorForm
from .models import DataClassification, ServiceCategory, Tag, Vendor, suggest_tier

REQUIRED_COLUMNS = ("legal_name", "country")
# Every other field of the vendor form, in its order; the owner is whoever imports.
OPTIONAL_COLUMNS = tuple(
    name for name in VendorForm.Meta.fields if name not in (*REQUIRED_COLUMNS, "owner")
)
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
MAX_VENDOR_ROWS = 1_000
LIST_SEPARATOR = ";"  # inside the services and tags cells
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}
CHOICE_COLUMNS = (
    "size",
    "status",
    "highest_data_classification",
    "replaceability",
    "annual_spend_currency",
    "tier",
)


def _defaults() -> dict[str, str]:
    """What a blank cell means: the same default a new vendor gets on the form."""
    return {
        "time_zone": "UTC",
        "status": Vendor.Status.PROSPECT,
        "highest_data_classification": DataClassification.INTERNAL,
        "replaceability": Vendor.Replaceability.MODERATE,
        "annual_spend": "0",
        "annual_spend_currency": settings.DEFAULT_CURRENCY,
    }


def _choices(column: str) -> list[tuple[str, str]]:
    field = Vendor._meta.get_field(column)
    assert isinstance(field, models.Field)
    return [(str(value), str(label)) for value, label in field.choices or []]


def allowed_values(column: str) -> list[str]:
    return [value for value, _ in _choices(column)]


def _constraints_checked_by_fields(exclude: Any = None) -> None:
    """Vendor's check constraints, already checked by the form's field validators."""


class VendorImportForm(VendorForm):
    """The new-vendor form for one CSV row. A blank tier means the suggested one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Resolved from names by the importer (see the module docstring).
        del self.fields["services"]
        del self.fields["tags"]
        self.fields["tier"].required = False
        # Django checks the model's check constraints with a query each; these two repeat
        # the field validators (spend not negative, year 1800–2100) and the database still
        # enforces them on insert, so a 5,000-row file does not cost 10,000 queries.
        self.instance.validate_constraints = _constraints_checked_by_fields  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if not data.get("tier"):
            defaults = _defaults()
            data["tier"] = suggest_tier(
                classification=data.get("highest_data_classification")
                or defaults["highest_data_classification"],
                personal_data=bool(data.get("handles_personal_data")),
                replaceability=data.get("replaceability") or defaults["replaceability"],
                annual_spend=data.get("annual_spend") or Decimal("0"),
            )
        return data

    def validate_unique(self) -> None:
        """The importer checks legal names for the whole file at once."""


class VendorUploadForm(CsvUploadForm):
    required_columns = REQUIRED_COLUMNS
    optional_columns = OPTIONAL_COLUMNS
    # Each row goes through the whole vendor form (a few milliseconds); a registry is
    # rarely bigger than this, and a larger file is better split than waited for.
    max_rows = MAX_VENDOR_ROWS


def _choice(column: str, raw: str) -> str:
    """A choice cell by its value or its label, in any case ('High', 'high' → 'high')."""
    wanted = raw.strip().casefold()
    for value, label in _choices(column):
        if wanted in (value.casefold(), label.casefold()):
            return value
    return raw


def _names(raw: str) -> list[str]:
    return [name.strip() for name in raw.split(LIST_SEPARATOR) if name.strip()]


def _resolve(
    row: CsvRow, column: str, known: dict[str, int], what: str, errors: list[RowError]
) -> list[int]:
    ids: list[int] = []
    for name in _names(row.get(column)):
        pk = known.get(name.casefold())
        if pk is None:
            errors.append(
                RowError(
                    row.line,
                    column,
                    f"No {what} called “{name[:80]}”. Use the names shown on the import page, "
                    f"separated by “{LIST_SEPARATOR}”.",
                    row.get(column),
                )
            )
        elif pk not in ids:
            ids.append(pk)
    return ids


def _form_data(row: CsvRow, errors: list[RowError]) -> dict[str, str]:
    defaults = _defaults()
    data: dict[str, str] = {}
    for column in COLUMNS:
        if column in ("services", "tags", "handles_personal_data"):
            continue
        raw = row.get(column)
        value = raw if raw.strip() else defaults.get(column, "")
        data[column] = _choice(column, value) if column in CHOICE_COLUMNS else value
    flag = row.get("handles_personal_data").strip().casefold()
    if flag in YES:
        data["handles_personal_data"] = "on"
    elif flag not in NO:
        errors.append(
            RowError(
                row.line,
                "handles_personal_data",
                "Write yes or no (a blank cell means no).",
                row.get("handles_personal_data"),
            )
        )
    return data


def _form_errors(row: CsvRow, form: VendorImportForm) -> Iterable[RowError]:
    for field, messages in form.errors.items():
        column = "" if field == NON_FIELD_ERRORS else field
        for message in map(str, messages):
            if column in CHOICE_COLUMNS and "valid choice" in message:
                message = "Not one of the allowed values: " + ", ".join(allowed_values(column))
            yield RowError(row.line, column, message, row.get(column))


def check_vendor_rows(
    table: CsvTable,
) -> tuple[list[tuple[CsvRow, VendorImportForm, list[int], list[int]]], list[RowError]]:
    """Every row checked; the valid ones with their form and service and tag ids."""
    services = {
        name.casefold(): pk for pk, name in ServiceCategory.objects.values_list("pk", "name")
    }
    tags = {name.casefold(): pk for pk, name in Tag.objects.values_list("pk", "name")}
    registry = {name.casefold() for name in Vendor.objects.values_list("legal_name", flat=True)}
    first_line: dict[str, int] = {}
    checked: list[tuple[CsvRow, VendorImportForm, list[int], list[int]]] = []
    errors: list[RowError] = []
    for row in table.rows:
        row_errors: list[RowError] = []
        data = _form_data(row, row_errors)
        form = VendorImportForm(data)
        row_errors.extend(_form_errors(row, form))
        service_ids = _resolve(row, "services", services, "service", row_errors)
        tag_ids = _resolve(row, "tags", tags, "tag", row_errors)
        name = form.cleaned_data.get("legal_name", "") if hasattr(form, "cleaned_data") else ""
        key = name.casefold()
        if key and key in registry:
            row_errors.append(
                RowError(
                    row.line,
                    "legal_name",
                    "A vendor with this name is already in the registry.",
                    name,
                )
            )
        elif key and key in first_line:
            row_errors.append(
                RowError(
                    row.line,
                    "legal_name",
                    f"The same vendor is already on line {first_line[key]} of this file.",
                    name,
                )
            )
        elif key:
            first_line[key] = row.line
        errors.extend(row_errors)
        if not row_errors:
            checked.append((row, form, service_ids, tag_ids))
    return checked, errors


def import_vendors(*, table: CsvTable, by: Any) -> ImportResult:
    """Create a vendor per row, owned by `by`, all in one transaction — or, when any row has
    an error, nothing, and every error comes back."""
    checked, errors = check_vendor_rows(table)
    result = ImportResult(rows=len(table.rows), errors=errors)
    if errors:
        return result
    try:
        with transaction.atomic():
            vendors = []
            for _, form, _, _ in checked:
                vendor: Vendor = form.save(commit=False)
                vendor.owner = by  # as VendorForm.save_by does for a manager's new vendor
                vendors.append(vendor)
            created = bulk_create_with_history(vendors, Vendor, default_user=by)
            services = Vendor.services.through
            tags = Vendor.tags.through
            services.objects.bulk_create(
                services(vendor_id=vendor.pk, servicecategory_id=pk)
                for vendor, (_, _, service_ids, _) in zip(created, checked, strict=True)
                for pk in service_ids
            )
            tags.objects.bulk_create(
                tags(vendor_id=vendor.pk, tag_id=pk)
                for vendor, (_, _, _, tag_ids) in zip(created, checked, strict=True)
                for pk in tag_ids
            )
    except IntegrityError:
        # Someone added one of these names between the check and the write.
        result.errors.append(
            RowError(
                0,
                "legal_name",
                "A vendor with one of these names was added while the file was imported. "
                "Nothing was imported; upload the file again to see which.",
            )
        )
        return result
    result.created = len(created)
    return result


def template_rows() -> list[list[str]]:
    """One example row for the downloadable template, with real service and tag names."""
    services = list(ServiceCategory.objects.values_list("name", flat=True)[:2])
    tags = list(Tag.objects.values_list("name", flat=True)[:1])
    example = {
        "legal_name": "Example Support Ltd",
        "website": "https://support.example.com",
        "country": "PH",
        "time_zone": "Asia/Manila",
        "languages": "English, Filipino",
        "size": Vendor.Size.MEDIUM,
        "founded_year": "2009",
        "status": Vendor.Status.PROSPECT,
        "services": f"{LIST_SEPARATOR} ".join(services),
        "tags": f"{LIST_SEPARATOR} ".join(tags),
        "notes": "",
        "highest_data_classification": DataClassification.CONFIDENTIAL,
        "handles_personal_data": "yes",
        "replaceability": Vendor.Replaceability.MODERATE,
        "annual_spend": "120000",
        "annual_spend_currency": settings.DEFAULT_CURRENCY,
        "tier": "",
        "tier_override_reason": "",
    }
    return [[str(example[column]) for column in COLUMNS]]
