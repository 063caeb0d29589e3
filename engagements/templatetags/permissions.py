"""Templates ask the same rules as views: {% if user|may_change:engagement %}…{% endif %}."""

from typing import Any

from django import template

from engagements import permissions

register = template.Library()


@register.filter
def may_change(user: Any, obj: Any) -> bool:
    return permissions.can_change(user, obj)


@register.filter
def may_create(user: Any) -> bool:
    return permissions.can_create(user)


@register.filter
def may_score(user: Any, selection: Any) -> bool:
    return permissions.can_score(user, selection)


@register.filter
def is_admin(user: Any) -> bool:
    return permissions.is_admin(user)
