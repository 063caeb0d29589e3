"""Typed text refuses invisible characters that disguise what is shown (issue 14)."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError

from outsourcing.forms import Form
from outsourcing.text import HIDDEN_CHARACTERS, multi_line_text, single_line_text

ORDINARY_TEXT = [
    "Acme Back Office Ltd",
    "Société Générale — Zürich Ørsted Łódź",
    "Launch 🎉 with 👍🏽 and 🇵🇭",
    "Family 👩‍👩‍👧‍👦 and 🏳️‍🌈 flag",  # zero-width joiners that make one emoji
    "مرحبا بالعالم",
    "שלום עולם",
    "می‌خواهم",  # Persian: a zero-width non-joiner parts two letters visibly
    "日本語のテキスト 中文 한국어",
    "x² ≤ 5 % & <b>",
    "שלום\u200f (HQ)",  # a right-to-left mark, as Hebrew keyboards type it
    "مرحبا\u061c 2026",  # an Arabic letter mark
]


@pytest.mark.parametrize("character", sorted(HIDDEN_CHARACTERS))
@pytest.mark.parametrize("check", [single_line_text, multi_line_text])
def test_each_hidden_character_is_refused_and_named(character: str, check: object) -> None:
    with pytest.raises(ValidationError) as refused:
        check(f"RTL evil{character}gnp.exe")  # type: ignore[operator]

    message = refused.value.messages[0]
    assert HIDDEN_CHARACTERS[character] in message
    assert "invisible character" in message


def test_the_message_names_a_right_to_left_override_for_a_busy_manager() -> None:
    with pytest.raises(ValidationError) as refused:
        single_line_text("RTL evil\u202egnp.exe\u200b")

    assert refused.value.messages == [
        "This contains an invisible character (right-to-left override) that can disguise "
        "text; please retype it without it."
    ]


@pytest.mark.parametrize("text", ORDINARY_TEXT)
def test_ordinary_text_in_any_script_is_accepted(text: str) -> None:
    single_line_text(text)
    multi_line_text(text)


def test_a_joiner_between_latin_letters_is_refused() -> None:
    with pytest.raises(ValidationError):
        single_line_text("Ac\u200dme")


def test_multi_line_text_keeps_line_breaks_and_tabs() -> None:
    multi_line_text("First line\r\nSecond line\n\tindented\r\n")


@pytest.mark.parametrize("text", ["one\ntwo", "one\r\ntwo", "one\u2028two"])
def test_single_line_text_refuses_a_line_break(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        single_line_text(text)

    assert "line break" in refused.value.messages[0]


@pytest.mark.parametrize("check", [single_line_text, multi_line_text])
def test_a_control_character_is_refused(check: object) -> None:
    with pytest.raises(ValidationError) as refused:
        check("bell\x07here")  # type: ignore[operator]

    assert "U+0007" in refused.value.messages[0]


class NoteForm(Form):
    title = forms.CharField()
    body = forms.CharField(widget=forms.Textarea, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["added_later"] = forms.CharField(required=False)


def test_every_text_field_of_a_form_refuses_hidden_characters() -> None:
    form = NoteForm(
        data={"title": "RTL evil\u202egnp.exe", "body": "ok\u200b", "added_later": "a\u2066b"}
    )

    assert not form.is_valid()
    assert set(form.errors) == {"title", "body", "added_later"}
    assert "right-to-left override" in form.errors["title"][0]


def test_a_text_area_keeps_its_line_breaks() -> None:
    form = NoteForm(data={"title": "Weekly notes", "body": "First\r\nSecond"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == "First\r\nSecond"


def test_a_one_line_field_refuses_a_line_break() -> None:
    form = NoteForm(data={"title": "First\nSecond"})

    assert not form.is_valid()
    assert "line break" in form.errors["title"][0]


# Written by the application, never typed: outgoing emails, job results, and the name and
# type of an upload (validate_document checks the name as the file arrives).
MACHINE_WRITTEN = {
    "engagements.OutboundEmail",
    "engagements.JobRun",
    "original_name",
    "document_name",
    "evidence_name",
    "content_type",
}


def test_every_typed_text_field_of_a_model_refuses_hidden_characters() -> None:
    from django.apps import apps
    from django.db import models

    unchecked = []
    for label in ("vendors", "engagements"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.label in MACHINE_WRITTEN or model.__name__.startswith("Historical"):
                continue
            for field in model._meta.concrete_fields:
                typed = isinstance(field, models.CharField | models.TextField)
                if not typed or field.choices or field.name in MACHINE_WRITTEN:
                    continue
                if type(field) not in (models.CharField, models.TextField):
                    continue  # e-mail addresses and URLs have validators of their own
                if not any(v in (single_line_text, multi_line_text) for v in field.validators):
                    unchecked.append(f"{model._meta.label}.{field.name}")

    assert unchecked == []
