"""Typed text: refuse characters that cannot be seen but change what is shown.

A right-to-left override makes "evil\u202egnp.exe" read as "evilexe.png"; a zero-width
space makes "Acme" and "Ac\u200bme" two vendors that look the same. Every field a person
types into refuses them: model fields carry `single_line_text` or `multi_line_text`
(which the admin and every model form run), and the shared form bases add the same
check to every text field of a form (`TextCheckedForm`), fields without a model included.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# Invisible characters that reorder or hide text -> the name a person is told. The
# direction marks (U+200E, U+200F, U+061C) are not among them: Hebrew and Arabic
# keyboards type them, and they cannot reorder what follows.
HIDDEN_CHARACTERS = {
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space",
}
JOINERS = ("\u200c", "\u200d")
LINE_BREAKS = frozenset("\n\r\v\f\x85\u2028\u2029")
# Emoji variation selector and skin tones: they may stand between an emoji and a joiner.
EMOJI_MODIFIERS = frozenset(["\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))])
# Arabic to Sinhala: scripts whose letters a joiner visibly joins or parts (Persian
# "می‌خواهم", Hindi half forms).
JOINING_SCRIPTS = range(0x0600, 0x0E00)

INVISIBLE = (
    "This contains an invisible character (%(character)s) that can disguise text; "
    "please retype it without it."
)
LINE_BREAK = "This contains a line break, which this one-line field cannot show; please retype it."
CONTROL = (
    "This contains an invisible control character (%(character)s); please retype it without it."
)


def _joins_visibly(text: str, index: int) -> bool:
    """Whether the joiner at `index` changes what is shown, as in "👩‍👩‍👧" or Persian
    words; between Latin letters it only hides."""
    before = text[:index].rstrip("".join(EMOJI_MODIFIERS))[-1:]
    after = text[index + 1 : index + 2]
    if not before or not after:
        return False
    if text[index] == "\u200d" and unicodedata.category(before) == "So":
        return unicodedata.category(after) == "So"
    return all(
        ord(neighbour) in JOINING_SCRIPTS and unicodedata.category(neighbour)[0] in "LM"
        for neighbour in (before, after)
    )


def _refuse_hidden(value: Any, *, single_line: bool) -> None:
    if not isinstance(value, str):
        return
    for index, character in enumerate(value):
        if character in HIDDEN_CHARACTERS:
            if character in JOINERS and _joins_visibly(value, index):
                continue
            raise ValidationError(
                INVISIBLE,
                code="hidden_character",
                params={"character": HIDDEN_CHARACTERS[character]},
            )
        if character in LINE_BREAKS:
            if single_line:
                raise ValidationError(LINE_BREAK, code="line_break")
            continue
        if unicodedata.category(character) == "Cc" and (single_line or character != "\t"):
            raise ValidationError(
                CONTROL, code="control_character", params={"character": f"U+{ord(character):04X}"}
            )


def single_line_text(value: Any) -> None:
    """A name, title or subject: no hidden characters, no line breaks."""
    _refuse_hidden(value, single_line=True)


def multi_line_text(value: Any) -> None:
    """Notes and descriptions: line breaks and tabs kept, hidden characters refused."""
    _refuse_hidden(value, single_line=False)


def check_typed_text(field: forms.Field) -> None:
    """Give a form's text field the check for its kind (a text area keeps line breaks)."""
    if not isinstance(field, forms.CharField):
        return
    if single_line_text in field.validators or multi_line_text in field.validators:
        return
    multi_line = isinstance(field.widget, forms.Textarea)
    field.validators.append(multi_line_text if multi_line else single_line_text)


class TextCheckedForm(forms.BaseForm):
    """A form whose every text field refuses hidden characters, fields added in a
    subclass's __init__ included (hence at cleaning, not at construction)."""

    def full_clean(self) -> None:
        for field in self.fields.values():
            check_typed_text(field)
        super().full_clean()


def is_whole_number(value: Any) -> bool:
    """Whether `value` is written as a whole number in ASCII digits ("12"), as an id in an
    address or a button is: "²" and "١" pass str.isdigit() but int() refuses them."""
    text = str(value)
    return text.isascii() and text.isdigit()
