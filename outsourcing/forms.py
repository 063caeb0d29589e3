"""Form building blocks every app uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models


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


def formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """The form field of a model field, decimals as FiniteDecimalField."""
    if isinstance(field, models.DecimalField):
        kwargs.setdefault("form_class", FiniteDecimalField)
    return field.formfield(**kwargs)


class ModelForm(forms.ModelForm):
    """The base of every model form here (its Meta's formfield_callback is inherited)."""

    class Meta:
        formfield_callback = formfield
