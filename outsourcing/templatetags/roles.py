"""{% load roles %}{% if user|may_read %}…{% endif %}: templates ask the views' role checks."""

from typing import Any

from django import template

from outsourcing import roles

register = template.Library()


@register.filter
def may_read(user: Any) -> bool:
    return roles.can_read(user)
