"""The admin toolkit every app's admin builds on: private files, uploads, bulk changes,
joined querysets and read-only history."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.options import IncorrectLookupParameters, InlineModelAdmin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from outsourcing.forms import FiniteDecimalField
from outsourcing.uploads import UPLOAD_NAMES, content_type_for, validate_document
from outsourcing.versions import VERSION_FIELD, VersionedForm, VersionField

BULK_REASON = "Bulk action by admin"


class PrivateFileInput(forms.ClearableFileInput):
    """A file input that names the stored file without linking to it.

    Private files have no URL (`PrivateStorage.url` raises), and the stock
    widget asks for one, which would break every change page with a file.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        upload = forms.FileInput(attrs=self.attrs).render(name, None, attrs, renderer)
        if not (value and getattr(value, "name", "")):
            return upload
        parts = [format_html("{}: {}", self.initial_text, PurePath(value.name).name)]
        if not self.is_required:
            checkbox_name = self.clear_checkbox_name(name)
            checkbox_id = self.clear_checkbox_id(checkbox_name)
            parts.append(
                format_html(
                    ' <input type="checkbox" name="{}" id="{}"> <label for="{}">{}</label>',
                    checkbox_name,
                    checkbox_id,
                    checkbox_id,
                    self.clear_checkbox_label,
                )
            )
        parts.append(format_html("<br>{}: {}", self.input_text, upload))
        # Every part is already safe HTML from format_html; join them without re-escaping.
        return format_html_join("", "{}", ((part,) for part in parts))


# Every admin's form fields: private files named without a link, decimals that refuse NaN
# and infinity beside the field (outsourcing.forms).
PRIVATE_FILES: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.FileField: {"widget": PrivateFileInput},
    models.DecimalField: {"form_class": FiniteDecimalField},
}


class UploadForm(forms.ModelForm):
    """Checks a new upload as every other upload is checked, and keeps its name, size and type."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for file_field in UPLOAD_NAMES:
            upload = cleaned.get(file_field)
            if file_field in self.changed_data and isinstance(upload, UploadedFile):
                try:
                    validate_document(upload)
                except ValidationError as error:
                    self.add_error(file_field, error)
        return cleaned

    def save(self, commit: bool = True) -> Any:
        instance = self.instance
        for file_field, name_field in UPLOAD_NAMES.items():
            if file_field not in self.changed_data or not hasattr(instance, name_field):
                continue
            upload = self.cleaned_data.get(file_field)
            setattr(instance, name_field, PurePath(upload.name).name[:255] if upload else "")
            if upload and hasattr(instance, "size"):
                instance.size = upload.size
            if upload and hasattr(instance, "content_type"):
                # From the name, as downloads are served: the browser's claim is not trusted.
                instance.content_type = content_type_for(upload.name)[:100]
        return super().save(commit)


def log_bulk_change(request: HttpRequest, queryset: QuerySet[Any], message: str) -> None:
    """One admin history entry per changed row, as the change form would write."""
    LogEntry.objects.log_actions(
        user_id=cast(int, request.user.pk),
        queryset=queryset,
        action_flag=CHANGE,
        change_message=message,
    )


class VersionedAdmin(admin.ModelAdmin):
    """A change form that refuses to overwrite a change made since it was opened, as the
    app's own forms do (outsourcing/versions.py; the version rides in a hidden field that
    templates/admin/change_form.html adds). The admin saves in one transaction, so the
    check's row lock holds until the save commits."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return versioned(super().get_form(request, obj, change, **kwargs))

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        """The rows of an editable list, each with its version (templates/admin/
        change_list.html adds the hidden fields)."""
        return versioned(super().get_changelist_form(request, **kwargs), only_when_changed=True)


def versioned(form: Any, **attrs: Any) -> Any:
    """The form class with the version check mixed in."""
    if issubclass(form, VersionedForm):
        return form
    return type(form.__name__, (VersionedForm, form), {"__module__": form.__module__, **attrs})


class VersionedInline(InlineModelAdmin):  # type: ignore[type-arg]
    """Rows edited inside another row's change form, versioned each like a change form:
    a row changed since the page was opened is refused beside it, not overwritten. The
    version is a declared field here, so the inline's columns carry it (hidden)."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = versioned(
            kwargs.get("form", self.form),
            only_when_changed=True,
            **{VERSION_FIELD: VersionField()},
        )
        return super().get_formset(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        return fields if VERSION_FIELD in fields else [*fields, VERSION_FIELD]


class JoinedAdmin(VersionedAdmin):
    """Joins `list_select_related` in every query of this admin, not only the list's.

    Autocomplete answers and change pages name rows by `__str__`, which reads
    those relations too. Django drops `list_select_related` from the list once
    `get_queryset` joins anything, so joining it all here keeps the two in step.
    Decimals refuse NaN and infinity beside the field (outsourcing.forms).
    """

    formfield_overrides = PRIVATE_FILES

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        related = self.list_select_related
        if isinstance(related, list | tuple) and related:
            queryset = queryset.select_related(*related)
        return queryset


class ReadOnly:
    """Change history is kept as written: it can be read, never added, edited or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HistoryAdmin(ReadOnly, admin.ModelAdmin):
    """A history table of its own in the admin: read only."""


class HistoryInline(ReadOnly, admin.TabularInline):
    """A history table shown under the row it belongs to: read only."""

    extra = 0
    can_delete = False
    show_change_link = False


def month_filter(field: str, *, back: int = 24, ahead: int = 0) -> type[admin.SimpleListFilter]:
    """A list filter by calendar month of a date or date-time field: this month, the
    `back` months before it and the `ahead` after it.

    For the lists of tables that grow with the data, in place of date_hierarchy, whose
    links come from reading the year of every row (0.15 s a page on a million
    measurements): these choices are a fixed list, and choosing one filters a range
    that the field's index can answer. "YYYY-MM" in the query string; another value
    is refused as any bad filter is (the admin's "?e=1").
    """

    class MonthFilter(admin.SimpleListFilter):
        title = "month"
        parameter_name = f"{field}__month_of"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            today = timezone.localdate()
            months = [shifted(today, step) for step in range(ahead, -back - 1, -1)]
            return [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            if not value:
                return queryset
            # Four-digit years from 0001 (a date has no year 0), months 01 to 12.
            if not re.fullmatch(r"(?!0000)\d{4}-(0[1-9]|1[0-2])", value):
                raise IncorrectLookupParameters(f"Not a month: {value!r}")
            start = datetime.date(int(value[:4]), int(value[5:]), 1)
            if start.year == datetime.MAXYEAR and start.month == 12:
                bounds = {f"{field}__gte": start}
            else:
                bounds = {f"{field}__gte": start, f"{field}__lt": shifted(start, 1)}
            model_field = queryset.model._meta.get_field(field)
            if isinstance(model_field, models.DateTimeField):  # local midnights, aware
                bounds = {
                    key: timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
                    for key, day in bounds.items()
                }
            return queryset.filter(**bounds)

    return MonthFilter


def shifted(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after (or before) `day`'s."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return datetime.date(year, month + 1, 1)
