"""List pages: one page size, pages counted in SQL, filters that never fail a page."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When, Window
from django.http import HttpRequest

# Beyond this a page number is a typo (or an attack): counted and clamped the usual way.
LAST_PLAUSIBLE_PAGE = 1_000_000


def page_of(
    request: HttpRequest,
    rows: QuerySet[Any],
    size: int | None = None,
    *,
    narrow: bool = False,
    count: int | None = None,
) -> Page:
    """The page the request asks for (?page=); a bad or too-high number shows a real page.

    The page's rows and the total come in one query (COUNT(*) OVER ()), so a list costs
    the same queries empty or full (issue 15); Django's paginator would count first and
    skip reading rows when there are none. A page past the end, or DISTINCT rows (counted
    before DISTINCT by a window), go the usual way: a count, then the rows.

    `count`: the number of rows, where the caller knows it (the risk overview sums its
    heat map) or counts it apart (the compliance matrix and the vendor list, so that the
    page is read in index order and stops after a page): the rows are then read without
    a window count, and an empty list reads none.

    `narrow`: for rows whose joins are wide and many (the engagement list sorts a thousand
    engagements joined to vendor and owner), sort and count only the ids, then read
    the page's rows whole: two queries, each cheap, instead of one that carries every
    joined column of every row through the sort.
    """
    if narrow and not rows.query.distinct and not rows.query.combinator:
        page = page_of(request, rows.select_related(None).only("pk"), size, count=count)
        ids = [row.pk for row in page.object_list]
        by_id = {row.pk: row for row in rows.order_by().filter(pk__in=ids)}
        page.object_list = [by_id[pk] for pk in ids if pk in by_id]
        return page
    paginator = Paginator(rows, size or settings.PAGE_SIZE)
    asked = request.GET.get("page")
    if count is not None:
        # Paginator.count is a cached property: set, it is never asked of the database.
        paginator.count = count  # type: ignore[misc]
        return paginator.get_page(asked)
    try:
        number = int(asked or 1)
    except ValueError:
        number = 1
    if rows.query.distinct or rows.query.combinator or not 1 <= number <= LAST_PLAUSIBLE_PAGE:
        return paginator.get_page(asked)
    bottom = (number - 1) * paginator.per_page
    found = list(
        rows.annotate(page_total_rows=Window(Count("*")))[bottom : bottom + paginator.per_page]
    )
    if not found and number > 1:
        return paginator.get_page(asked)
    paginator.count = found[0].page_total_rows if found else 0  # type: ignore[misc]
    return Page(found, number, paginator)


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
