"""Reading the change history of any tracked model: who changed what, and when.

Reads django-simple-history's tables. A fixed number of queries whatever the size of
the history: per tracked model one for its latest rows (with their users and the id of
each row's previous version), one for those previous versions, one per tracked
many-to-many field (an engagement's co-owners) for the members of both, then one per
related model whose value changed, to name it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from simple_history.models import HistoricalRecords
from simple_history.utils import get_m2m_reverse_field_name

# The entries a page holds: the latest ones across everything the section covers; of
# those the first few show, the others behind a "Show all" (templates/_history.html).
HISTORY_LIMIT = 20
HISTORY_SHOWN = 5
# Bookkeeping and derived fields: they change with every save or run and say nothing.
HIDDEN_FIELDS = frozenset({"created_at", "updated_at", "computed_at", "breakdown"})
EMPTY = "—"
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    user: Any  # None when a job or the shell made the change
    subject: str
    action: str
    changes: list[FieldChange]
    # Why, when a job or workflow said (e.g. "Renewed automatically for 12 months").
    reason: str = ""


class History(list[HistoryEntry]):
    """The latest entries, newest first; `more` when older ones were left out."""

    more: bool = False

    @property
    def shown(self) -> list[HistoryEntry]:
        return self[:HISTORY_SHOWN]

    @property
    def folded(self) -> list[HistoryEntry]:
        return self[HISTORY_SHOWN:]


# A tracked model's history rows, and how to name the object of one row.
Source = tuple[QuerySet[Any], Callable[[Any], str]]


def recent_history(*sources: Source, limit: int = HISTORY_LIMIT) -> History:
    """The latest `limit` changes across these history querysets, newest first, each
    with its field changes against the previous version of the same object."""
    found: list[tuple[Any, Any, Callable[[Any], str]]] = []
    for history, name in sources:
        rows = history.model._default_manager
        previous_id = Subquery(
            rows.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        latest = list(
            history.select_related("history_user")
            .annotate(previous_id=previous_id)
            .order_by("-history_date", "-history_id")[: limit + 1]  # one more: any left out?
        )
        previous = rows.in_bulk([row.previous_id for row in latest if row.previous_id])
        found.extend((row, previous.get(row.previous_id), name) for row in latest)
    found.sort(key=lambda item: (item[0].history_date, item[0].history_id), reverse=True)
    more = len(found) > limit
    found = found[:limit]

    deltas = [
        _changed_fields(row, before) if row.history_type == "~" and before else []
        for row, before, _ in found
    ]
    for changes, members in zip(deltas, _m2m_changes(found), strict=True):
        changes.extend(members)
    names = _related_names(
        (row.instance_type._meta.get_field(change.field), change.old, change.new)
        for (row, _, _), changes in zip(found, deltas, strict=True)
        for change in changes
    )
    entries = History(
        HistoryEntry(
            when=row.history_date,
            user=row.history_user,
            subject=name(row),
            action=ACTIONS.get(row.history_type, row.history_type),
            changes=[
                _shown(row.instance_type._meta.get_field(change.field), change, names)
                for change in changes
            ],
            reason=getattr(row, "history_change_reason", None) or "",
        )
        for (row, _, name), changes in zip(found, deltas, strict=True)
    )
    entries.more = more
    return entries


def _changed_fields(row: Any, before: Any) -> list[Any]:
    model = row.instance_type
    hidden = HIDDEN_FIELDS | {
        field.name for field in model._meta.get_fields() if field.many_to_many
    }
    return list(row.diff_against(before, excluded_fields=hidden).changes)


@dataclass(frozen=True)
class MembersChange:
    """A many-to-many field's members (primary keys) before and after one history row."""

    field: str
    old: tuple[Any, ...]
    new: tuple[Any, ...]


def _m2m_changes(found: list[tuple[Any, Any, Any]]) -> list[list[MembersChange]]:
    """Per row, its tracked many-to-many fields that differ from the previous version.

    diff_against would ask two queries per row and field; this asks one per field for
    the members of every row and previous version at once.
    """
    result: list[list[MembersChange]] = [[] for _ in found]
    pairs = [
        (index, row, before)
        for index, (row, before, _) in enumerate(found)
        if row.history_type == "~" and before is not None
    ]
    fields = {field for _, row, _ in pairs for field in getattr(row, "_history_m2m_fields", [])}
    for field in fields:
        snapshots = HistoricalRecords.m2m_models[field]._default_manager
        member = get_m2m_reverse_field_name(field)
        wanted = [
            (index, row, before) for index, row, before in pairs if field in row._history_m2m_fields
        ]
        ids = {row.history_id for _, row, _ in wanted} | {b.history_id for _, _, b in wanted}
        members: dict[Any, set[Any]] = defaultdict(set)
        for history_id, pk in snapshots.filter(history_id__in=ids).values_list(
            "history_id", f"{member}_id"
        ):
            members[history_id].add(pk)
        for index, row, before in wanted:
            old, new = members[before.history_id], members[row.history_id]
            if old != new:
                result[index].append(
                    MembersChange(field.name, tuple(sorted(old)), tuple(sorted(new)))
                )
    return result


RelatedNames = dict[type[models.Model], dict[Any, str]]


def _related_names(changed: Iterable[tuple[Any, Any, Any]]) -> RelatedNames:
    """Names of the related objects in the changes: one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for field, old, new in changed:
        if field.is_relation and field.many_to_one:
            wanted[field.related_model].update(v for v in (old, new) if v is not None)
        elif field.many_to_many:
            wanted[field.related_model].update((*old, *new))
    names: RelatedNames = {}
    for model, pks in wanted.items():
        objects: dict[Any, Any] = model._default_manager.in_bulk(pks)
        names[model] = {pk: _name(obj) for pk, obj in objects.items()}
    return names


def _name(obj: Any) -> str:
    if hasattr(obj, "get_full_name"):  # a user
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _shown(field: Any, change: Any, names: RelatedNames) -> FieldChange:
    if isinstance(field, models.FileField):
        # Files are stored under random names that mean nothing (and must not be shown):
        # say only that one came, went or was replaced.
        return FieldChange(
            str(field.verbose_name),
            "on file" if change.old else EMPTY,
            "a new file" if change.new else EMPTY,
        )

    def text(value: Any) -> str:
        if value is None or value == "" or value == ():
            return EMPTY
        if field.many_to_many:
            known = names.get(field.related_model, {})
            return ", ".join(sorted(known.get(pk, f"#{pk} (deleted)") for pk in value))
        if field.is_relation:
            return names.get(field.related_model, {}).get(value, f"#{value} (deleted)")
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return date_format(value)
        return Truncator(str(value)).chars(120)

    return FieldChange(str(field.verbose_name), text(change.old), text(change.new))
