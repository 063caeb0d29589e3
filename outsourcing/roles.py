"""Who may do what (PRODUCT.md, "Who may do what"): roles and the checks every app asks.

Roles are Django groups: Admin, Manager, Viewer (a superuser is an Admin).
- Admin: everything.
- Manager: read everything; create candidates, vendors and selections; change
  what they own or co-own.
- Evaluator: a manager or viewer invited to a selection scores vendors there,
  and only their own scores (engagements.permissions).
- Viewer: read everything, export; change nothing.
A signed-in account with none of these roles may read nothing.

Ownership is asked of the object itself (`Owned`, outsourcing.models): each model
names the object whose owners decide over it, so this module knows no app's models.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

ADMIN = "Admin"
MANAGER = "Manager"
VIEWER = "Viewer"
ROLES = (ADMIN, MANAGER, VIEWER)


def roles(user: Any) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_outsourcing_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        cached = frozenset(names)
        user._outsourcing_roles = cached
    return cached


def is_admin(user: Any) -> bool:
    return ADMIN in roles(user)


def is_manager(user: Any) -> bool:
    """Managers and admins: the people who may create and own work."""
    return bool(roles(user) & {ADMIN, MANAGER})


def can_read(user: Any) -> bool:
    return bool(roles(user))


def can_create(user: Any) -> bool:
    """Candidates, vendors and selections."""
    return is_manager(user)


def owns(user: Any, obj: Any) -> bool:
    """Whether the user owns (or co-owns) the object that decides over `obj`."""
    return bool(obj.owner_root.is_owned_by(user))


def can_change(user: Any, obj: Any) -> bool:
    """Admins and the owners; nobody, through the app's pages, once the root is closed
    (an ended engagement asks for nothing more; admins still fix rows in the Django admin)."""
    if obj.owner_root.is_closed:
        return False
    if is_admin(user):
        return True
    return is_manager(user) and owns(user, obj)


def require(allowed: bool) -> None:
    """Raise 403 unless allowed; views call this after fetching the object."""
    if not allowed:
        raise PermissionDenied


def people_with_role(*names: str) -> QuerySet[Any]:
    """Active people holding any of these roles (superusers count as admins), by name."""
    held = Q(groups__name__in=names)
    if ADMIN in names:
        held |= Q(is_superuser=True)
    return (
        get_user_model()
        .objects.filter(held, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def managers() -> QuerySet[Any]:
    """Everyone who may own work: managers and admins."""
    return people_with_role(MANAGER, ADMIN)
