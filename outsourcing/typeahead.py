"""Type-ahead picking for choices that grow with the data (people, vendors, engagements).

A select of every person renders thousands of options on each page that shows it
(issue 15). `TypeAhead` renders a search box instead: typing asks the kind's search
endpoint (htmx) for at most `MATCHES` rows, and choosing one asks the endpoint to render
the widget again with the choice as a hidden input and its label. The form field keeps
its whole queryset, so a posted id is still checked by the server; the widget reads the
label of the chosen rows only. No JavaScript of our own: htmx attributes do it all.

Each kind's endpoint is `search_view(Search(...))` in the lowest app that knows the rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from outsourcing import roles
from outsourcing.forms import LARGEST_ID

# Rows one search shows: enough to spot the one meant, few enough to stay cheap.
MATCHES = 20
# Form field names and element ids echoed back into the widget: Django's own shapes
# ("owner", "id_form-0-owner"), nothing that could leave an attribute.
FIELD_NAME = re.compile(r"[A-Za-z_][\w-]{0,99}")
LONGEST_SEARCH = 100


def person_name(user: AbstractBaseUser) -> str:
    """How a person is named in choices: full name and username, or the username alone."""
    full_name = user.get_full_name()  # type: ignore[attr-defined]
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


def _ids(values: Iterable[Any]) -> list[int]:
    """The values that can be row ids, in order, once each; anything else is left out."""
    ids: list[int] = []
    for value in values:
        try:
            number = int(str(value).strip())
        except ValueError:
            continue
        if 0 < number <= LARGEST_ID and number not in ids:
            ids.append(number)
    return ids


class TypeAhead(forms.Widget):
    """A search box that picks rows of a ModelChoiceField (or, `multiple`, of a
    ModelMultipleChoiceField) through the search endpoint named `search`.

    `among` narrows the endpoint's rows to those the field accepts ("managers"); the
    field's own queryset still decides what validates.
    """

    template_name = "_typeahead.html"

    def __init__(
        self,
        search: str,
        *,
        among: str = "",
        multiple: bool = False,
        placeholder: str = "Type a name to search",
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.search = search
        self.among = among
        self.multiple = multiple
        self.placeholder = placeholder
        # Set by the model choice field (its ModelChoiceIterator), never iterated here.
        self.choices: Any = None

    def use_required_attribute(self, initial: Any) -> bool:
        # The box is for searching; a chosen row rides in a hidden input beside it.
        return False

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multiple and hasattr(data, "getlist"):
            return data.getlist(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not self.multiple and name not in data

    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]
        if value is None or value == "":
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(getattr(v, "pk", v)) for v in values]

    def chosen(self, values: list[str]) -> list[tuple[int, str]]:
        """The chosen rows' ids and labels: one query, for those rows only."""
        ids = _ids(values)
        if not ids or self.choices is None:
            return []
        field = self.choices.field
        rows = {row.pk: row for row in field.queryset.filter(pk__in=ids).order_by()}
        return [(pk, field.label_from_instance(rows[pk])) for pk in ids if pk in rows]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        chosen = self.chosen(widget["value"])
        if not self.multiple:
            chosen = chosen[:1]
        element_id = widget["attrs"].get("id") or f"id_{name}"
        widget["attrs"]["id"] = element_id
        widget["attrs"].setdefault("class", "form-control")
        widget.update(
            {
                # Bootstrap shows the field's error after an .is-invalid sibling: the box.
                "invalid": "is-invalid" in widget["attrs"]["class"].split(),
                "chosen": chosen,
                "multiple": self.multiple,
                "placeholder": self.placeholder,
                "search_url": reverse(self.search),
                # Sent with every request from inside the widget (hx-vals is inherited).
                "vals": json.dumps(
                    {
                        "field": name,
                        "id": element_id,
                        "among": self.among,
                        "multiple": "1" if self.multiple else "",
                    }
                ),
            }
        )
        return context

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> Any:
        # The project's template engine: the form renderer sees only Django's and the apps'
        # templates, and the widget's template lives with the other shared partials.
        return render_to_string(template_name, context)


@dataclass(frozen=True)
class Search:
    """What one kind's search endpoint looks through."""

    rows: Callable[[str], QuerySet[Any]]  # `among` ("" for all) -> the rows to search
    fields: tuple[str, ...]  # each matched with icontains
    label: Callable[[Any], str]
    none_found: str  # with {q}: 'No one matches “{q}”'


def search_view(search: Search) -> Callable[[HttpRequest], HttpResponse]:
    """The endpoint of one kind: `?q=` lists matches; `?choose=` or `?drop=` renders the
    widget again with that row chosen or left out (the chosen ids come along as the field)."""

    @login_required
    @require_safe
    def view(request: HttpRequest) -> HttpResponse:
        roles.require(roles.can_read(request.user))
        field_name = request.GET.get("field", "")
        element_id = request.GET.get("id", "")
        if not FIELD_NAME.fullmatch(field_name) or not FIELD_NAME.fullmatch(element_id):
            return HttpResponseBadRequest("Which field is this for?")
        among = request.GET.get("among", "")
        multiple = request.GET.get("multiple") == "1"
        rows = search.rows(among)
        assert request.resolver_match is not None
        widget = TypeAhead(request.resolver_match.view_name, among=among, multiple=multiple)
        if "choose" in request.GET or "drop" in request.GET:
            field_class = forms.ModelMultipleChoiceField if multiple else forms.ModelChoiceField
            field = field_class(queryset=rows, widget=widget)
            field.label_from_instance = search.label  # type: ignore[method-assign,assignment]
            values = request.GET.getlist(field_name) if multiple else []
            values = [*values, request.GET.get("choose", "")]
            dropped = _ids([request.GET.get("drop", "")])
            kept = [str(pk) for pk in _ids(values) if pk not in dropped]
            return HttpResponse(field.widget.render(field_name, kept, attrs={"id": element_id}))
        # Nothing unprintable reaches the database (PostgreSQL refuses a NUL outright).
        typed = "".join(ch if ch.isprintable() else " " for ch in request.GET.get("q", ""))
        text = typed.strip()[:LONGEST_SEARCH]
        matches: list[tuple[int, str]] = []
        if text:
            # Every word somewhere: "ana nov" finds Ana Novak (first and last name apart).
            for word in text.split()[:5]:
                rows = rows.filter(
                    reduce(or_, (Q(**{f"{name}__icontains": word}) for name in search.fields))
                )
            matches = [(row.pk, search.label(row)) for row in rows[:MATCHES]]
        return render(
            request,
            "_typeahead_results.html",
            {
                "text": text,
                "matches": matches,
                "more": len(matches) == MATCHES,
                "none_found": search.none_found.format(q=text),
            },
        )

    return view
