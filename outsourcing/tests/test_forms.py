"""The shared form fields: decimals that never turn hostile input into a 500."""

from decimal import Decimal

import pytest
from django import forms

from engagements.forms.sourcing import CriterionForm
from engagements.models import Criterion
from outsourcing.forms import FiniteDecimalField


@pytest.mark.parametrize("typed", ["sNaN", "NaN", "-Infinity", "inf"])
def test_a_decimal_refuses_nan_and_infinity_with_the_usual_message(typed: str) -> None:
    field = FiniteDecimalField(required=False)

    with pytest.raises(forms.ValidationError) as refused:
        field.clean(typed)

    assert refused.value.messages == ["Enter a number."]


def test_a_decimal_reads_an_ordinary_number() -> None:
    assert FiniteDecimalField().clean("12.50") == Decimal("12.50")


def test_an_edit_form_sees_a_signalling_nan_as_a_change_instead_of_crashing() -> None:
    # Django's own DecimalField compares Decimal("sNaN") with the initial value, which raises.
    form = CriterionForm(
        data={"name": "Price", "category": "price", "weight": "sNaN", "order": "1"},
        instance=Criterion(name="Price", category="price", weight=Decimal("30"), order=1),
    )

    assert "weight" in form.changed_data
    assert not form.is_valid()
    assert form.errors["weight"] == ["Enter a number."]


@pytest.mark.django_db
def test_a_ticked_id_beyond_any_row_is_a_form_error_not_a_crash() -> None:
    from django.contrib.auth.models import Group

    from outsourcing.forms import TickedRows

    field = TickedRows(queryset=Group.objects.all(), label="Groups", required_message="Tick one.")

    with pytest.raises(forms.ValidationError):
        field.clean(["9223372036854775808"])


@pytest.mark.django_db
def test_a_ticked_value_that_only_looks_like_a_digit_is_a_form_error() -> None:
    from django.contrib.auth.models import Group

    from outsourcing.forms import TickedRows

    field = TickedRows(queryset=Group.objects.all(), label="Groups", required_message="Tick one.")

    with pytest.raises(forms.ValidationError):
        field.clean(["²"])


def test_a_stored_file_name_is_escaped_in_the_help_text() -> None:
    from outsourcing.uploads import document_help_text

    text = document_help_text(on_file="<img src=x>.pdf", first="The contract")

    assert "<img" not in text and "&lt;img src=x&gt;.pdf" in text
