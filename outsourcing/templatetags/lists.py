"""{% load lists %}: the page numbers a list's pagination shows."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.core.paginator import Page

register = template.Library()


@register.simple_tag
def page_numbers(page: Page) -> Iterable[int | str]:
    """The pages around the current one and at both ends, "…" for the pages between."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
