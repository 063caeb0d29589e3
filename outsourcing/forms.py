"""Form building blocks every app uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from outsourcing.text import TextCheckedForm
from outsourcing.versions import VersionedForm


class FiniteDecimalField(forms.DecimalField):
    """A decimal that refuses NaN and infinity as it reads the value.

    Django's own field refuses them only when validating; before that, working out which
    fields changed compares the value with the initial one, and comparing a signalling
    NaN ("sNaN") raises — a 500 instead of "Enter a number."
    """

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        number = super().to_python(value)
        if number is not None and not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


# Row ids are 64-bit integers; a bigger number cannot name a row (and SQLite overflows on it).
LARGEST_ID = 2**63 - 1


class TickedRows(forms.ModelMultipleChoiceField):
    """Rows ticked in a list of check boxes (the form sets the queryset); an id out of any
    row's range is "not one of the choices", not a 500."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, label: str, required_message: str, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", None)
        super().__init__(label=label, error_messages={"required": required_message}, **kwargs)

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            try:
                number = int(str(pk).strip())
            except ValueError:
                continue  # not a number at all: Django refuses it as it should
            if abs(number) > LARGEST_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


def formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """The form field of a model field, decimals as FiniteDecimalField."""
    if isinstance(field, models.DecimalField):
        kwargs.setdefault("form_class", FiniteDecimalField)
    return field.formfield(**kwargs)


class Form(TextCheckedForm, forms.Form):
    """The base of every form here without a model: its text fields refuse hidden characters."""


class ModelForm(VersionedForm, TextCheckedForm, forms.ModelForm):
    """The base of every model form here (its Meta's formfield_callback is inherited): its
    text fields refuse hidden characters (outsourcing.text), and an edit refuses to
    overwrite a change made since the form was read (outsourcing.versions)."""

    class Meta:
        formfield_callback = formfield
