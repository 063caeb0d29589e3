"""List pages: one page size, pages counted in SQL, filters that never fail a page."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest


def page_of(request: HttpRequest, rows: QuerySet[Any], size: int | None = None) -> Page:
    """The page the request asks for (?page=); a bad or too-high number shows a real page."""
    return Paginator(rows, size or settings.PAGE_SIZE).get_page(request.GET.get("page"))


def choice_order(field: str, choices: Any) -> Case:
    """Sort by a choice field in the order its choices are declared (e.g. prospect → offboarded)."""
    return Case(
        *(When(**{field: value}, then=Value(index)) for index, value in enumerate(choices.values)),
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


class ListFilter(django_filters.FilterSet):
    """The filters of one list page (django-filter), read from the query string.

    A bad value in one field is left out rather than failing the page; `sort` picks one of
    `sorts` (key -> label and order), `default_sort` without it. Widgets get the classes
    the shared filter bar (templates/_filter_bar.html) expects.
    """

    sorts: dict[str, tuple[str, list[Any]]] = {}
    default_sort = ""
    # True where the list sorts by its column headings: `sort` then rides along hidden.
    sort_in_headings = False

    sort = django_filters.ChoiceFilter(label="Sort", method="keep_rows", empty_label=None)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        sort = self.form.fields["sort"]
        if self.sorts:
            sort.choices = [(key, label) for key, (label, _) in self.sorts.items()]  # type: ignore[attr-defined]
            if self.sort_in_headings:
                sort.widget = forms.HiddenInput()
        else:
            del self.form.fields["sort"]
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"

    @property
    def noun(self) -> str:
        """What the list holds, plural ("vendors"): the filter bar's label, pages, empty states."""
        return str(self.queryset.model._meta.verbose_name_plural)

    @property
    def noun_one(self) -> str:
        return str(self.queryset.model._meta.verbose_name)

    def keep_rows(self, rows: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return rows  # `sort` orders in filter_queryset, with or without a choice

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if not self.sorts:
            return queryset
        chosen = self.form.cleaned_data.get("sort")
        label_and_order = (
            self.sorts.get(chosen or self.default_sort) or self.sorts[self.default_sort]
        )
        return queryset.order_by(*label_and_order[1])

    def _cleaned(self) -> dict[str, Any]:
        """The valid values of the query string (a field with a bad value is left out)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def sort_key(self) -> str:
        chosen = self._cleaned().get("sort")
        return chosen if chosen in self.sorts else self.default_sort

    @property
    def is_filtered(self) -> bool:
        """Whether any filter (sorting aside) narrows the list."""
        return any(value for name, value in self._cleaned().items() if name != "sort")
