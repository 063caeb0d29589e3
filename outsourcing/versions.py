"""No lost updates: an edit form remembers the version of the row it was read at, and a
save over a change made since is refused, saying who changed what, with the typed values
kept in the form.

The version is the row's `updated_at` (every edited model has one; `auto_now` moves it on
every save). Inside a transaction the check locks the row (`select_for_update`) until
the save commits, so two saves at the same moment cannot both pass it: views that save
wrap their POST in one (`saves_atomically`), and so does the Django admin.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import time_format
from django.utils.text import get_text_list

from outsourcing.history import recent_history

VERSION_FIELD = "version"
# Before any row: the version of a form read while the row was still to be created.
NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)
# Changes named per save in the refusal; the rest are "more".
SHOWN_CHANGES = 4


def version_of(obj: models.Model | None) -> str:
    """The version token of a saved row ("" for a new one, which nobody else can edit)."""
    stamp = getattr(obj, "updated_at", None) if obj is not None and obj.pk else None
    return stamp.isoformat() if stamp else ""


def current_version(obj: models.Model) -> datetime.datetime | None:
    """The row's version in the database now, locked until the transaction ends when
    there is one (a row deleted meanwhile has none)."""
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update()
    return rows.values_list("updated_at", flat=True).first()


def changes_since(obj: models.Model, read_at: datetime.datetime) -> str:
    """Who changed the row after `read_at`, what and when, from its history, for a person:
    "Ana Novak changed budget to “12000” and status to “active” at 14:02"."""
    history = getattr(type(obj), "history", None)
    entries = (
        recent_history((history.filter(id=obj.pk, updated_at__gt=read_at), str))
        if history is not None
        else []
    )
    said = []
    for entry in reversed(entries):  # oldest first, as they happened
        who = entry.user.get_full_name() or entry.user.get_username() if entry.user else None
        what = get_text_list(
            [f"{change.field} to “{change.new}”" for change in entry.changes[:SHOWN_CHANGES]]
            + (["more"] if len(entry.changes) > SHOWN_CHANGES else []),
            "and",
        )
        when = time_format(timezone.localtime(entry.when))
        did = (
            "created it" if entry.action == "created" else f"changed {what}" if what else "saved it"
        )
        said.append(f"{who or 'A scheduled job'} {did} at {when}")
    if not said:
        return "Someone else saved this after you opened it."
    return "; ".join(said) + ", after you opened it."


class VersionField(forms.CharField):
    """The hidden version: bookkeeping, never one of the person's changes ("Nothing was
    changed" stays true of a form saved as it was read)."""

    widget = forms.HiddenInput

    def __init__(self) -> None:
        super().__init__(required=False)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return False


class VersionedForm(forms.BaseForm):
    """Mixed into a form that edits one row (`versioned`, a ModelForm's instance unless the
    form names another): carries the row's version in a hidden field (empty while the row
    is still to be created) and refuses a save from a form read before someone else's
    change, or before someone else created the row.

    A POST without the field at all (a script) is not checked: the browser always sends it.
    """

    versioned: models.Model | None = None
    # A row among many on one page (an admin inline, an editable list) is checked only
    # when this person changed it: the rows they left alone are not saved at all.
    only_when_changed = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.versioned is None:
            self.versioned = getattr(self, "instance", None)
        if self.versioned is not None and hasattr(self.versioned, "updated_at"):
            self.fields[VERSION_FIELD] = VersionField()
            self.initial[VERSION_FIELD] = version_of(self.versioned)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        self.check_version()
        # Bookkeeping, not a value of the row: what the form hands on leaves it out.
        self.cleaned_data.pop(VERSION_FIELD, None)
        return cleaned

    def check_version(self) -> None:
        """Refuse (a form error) when the row changed after the posted version."""
        key = self.add_prefix(VERSION_FIELD)
        obj = self.versioned
        if obj is None or VERSION_FIELD not in self.fields or key not in self.data:
            return
        if self.only_when_changed and not self.has_changed():
            return
        posted = self.cleaned_data.get(VERSION_FIELD) or ""
        read_at = None
        if posted:
            try:
                read_at = parse_datetime(posted)
            except ValueError:  # the shape of a time, but not a real one
                pass
            if read_at is None:
                raise ValidationError("This form is damaged; open it again.", code="version")
        elif obj.pk is None:
            return  # a new row, as it was when the form was read
        now = current_version(obj)
        if now is None:
            raise ValidationError(
                "Someone deleted this while you were editing it; nothing was saved.",
                code="deleted",
            )
        if now == read_at:
            return
        # Saving again keeps what this person changed, knowingly; what they left as it was
        # now shows the other person's values, so it does not undo them. The form carries
        # the version they have been told about.
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict or a dict
        data[key] = now.isoformat()
        if read_at is not None:
            self._show_their_values(data, obj, read_at)
        self.data = data
        raise ValidationError(
            "Not saved: %(changes)s What you changed is still below, with their values in "
            "the fields you left alone; save again to keep your changes.",
            code="stale",
            params={
                "changes": changes_since(
                    obj, read_at or datetime.datetime.min.replace(tzinfo=datetime.UTC)
                )
            },
        )

    def _show_their_values(self, data: Any, obj: models.Model, read_at: datetime.datetime) -> None:
        """In each field this person left as they read it, the row's value now."""
        history = getattr(type(obj), "history", None)
        record = history.filter(id=obj.pk, updated_at=read_at).first() if history else None
        if record is None:
            return  # the version read is not in the history: keep the form as posted
        as_read = record.instance
        for name, field in self.fields.items():
            if name == VERSION_FIELD or isinstance(field, forms.FileField):
                continue
            try:
                model_field = obj._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if model_field.many_to_many or not hasattr(model_field, "value_from_object"):
                continue
            read_value = model_field.value_from_object(as_read)
            if field.has_changed(read_value, self[name].data):
                continue  # this person changed it: theirs stays
            current = field.prepare_value(self.get_initial_for_field(field, name))
            key = self.add_prefix(name)
            if isinstance(current, bool):
                data[key] = current
            else:
                data[key] = "" if current is None else str(current)


class RowVersion(VersionedForm, forms.Form):
    """The version alone, for a page of forms over the rows under one parent (a selection's
    criteria): the parent's version stands for them all, and the page moves it on when it
    saves them (`parent.save(update_fields=["updated_at"])`)."""

    def __init__(self, *args: Any, versioned: models.Model, **kwargs: Any) -> None:
        self.versioned = versioned
        super().__init__(*args, **kwargs)


def saves_atomically(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A view that edits: its POST runs in one transaction, so the version check's row
    lock holds until the save commits and a failure leaves nothing half-written."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            with transaction.atomic():
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    wrapper.saves_atomically = True  # type: ignore[attr-defined]  # the race test asks
    return wrapper
