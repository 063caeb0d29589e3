"""What a browser sends for a form it was shown, for the simulated people of `make load`."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit


class FormFields(HTMLParser):
    """The fields of every POST form on a page, as a browser would send them untouched,
    by the form's action ("" when it posts back to the page itself)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.fields: dict[str, str] | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and attr.get("method", "").lower() == "post":
            self.fields = self.forms.setdefault(attr.get("action", ""), {})
        if self.fields is None:
            return
        name = attr.get("name", "")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind not in ("checkbox", "radio", "submit", "file") or "checked" in attr:
                self.fields[name] = attr.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select:
            if self.select not in self.fields or "selected" in attr:
                self.fields[self.select] = attr.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.fields = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea and self.fields is not None:
            # As browsers do: a newline right after <textarea> is not part of the value.
            self.fields[self.textarea] = self.fields[self.textarea].removeprefix("\n")
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.fields is not None:
            self.fields[self.textarea] += data


def form_fields(html: str, url: str) -> dict[str, str]:
    """The fields of the form on the page that posts to `url` (or back to the page)."""
    parser = FormFields()
    parser.feed(html)
    path = urlsplit(url).path
    for action, fields in parser.forms.items():
        if action in ("", url) or urlsplit(action).path == path:
            return fields
    raise ValueError(f"No form on the page posts to {url}.")
