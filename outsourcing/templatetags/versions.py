"""`{{ row|version }}`: the version token of a row, for a form written out by hand."""

from django import template
from django.db import models

from outsourcing.versions import version_of

register = template.Library()


@register.filter
def version(row: models.Model | None) -> str:
    return version_of(row)
