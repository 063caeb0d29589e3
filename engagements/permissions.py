"""Who may do what (PRODUCT.md, "Who may do what"): the one place views, templates and exports ask.

Roles are Django groups: Admin, Manager, Viewer (a superuser is an Admin).
- Admin: everything.
- Manager: read everything; create candidates, vendors and selections; change
  what they own or co-own.
- Evaluator: a manager or viewer invited to a selection scores vendors there,
  and only their own scores.
- Viewer: read everything, export; change nothing.
A signed-in account with none of these roles may read nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

from vendors.models import Certification, Contact, Reference, SubProcessor, Vendor

from .models import (
    ActionItem,
    Assessment,
    Candidate,
    CheckIn,
    CommunicationPlan,
    ComplianceItem,
    Contract,
    Criterion,
    DataAccessGrant,
    Engagement,
    Evaluator,
    Evidence,
    Kpi,
    Measurement,
    Milestone,
    OffboardingItem,
    PerformanceReview,
    Proposal,
    ProposalAttachment,
    Risk,
    Score,
    Selection,
)

ADMIN = "Admin"
MANAGER = "Manager"
VIEWER = "Viewer"
ROLES = (ADMIN, MANAGER, VIEWER)

User = AbstractBaseUser | AnonymousUser


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


def owning_root(obj: Any) -> Any:
    """The object whose owners decide over `obj` (an engagement, selection, candidate or vendor)."""
    if isinstance(obj, (Engagement, Selection, Candidate, Vendor)):
        return obj
    if isinstance(obj, (Contact, Certification, Reference, SubProcessor)):
        return obj.vendor
    if isinstance(obj, Assessment):
        return obj.candidate
    if isinstance(obj, (Proposal, Criterion, Evaluator)):
        return obj.selection
    if isinstance(obj, ProposalAttachment):
        return obj.proposal.selection
    if isinstance(
        obj,
        (
            Contract,
            Milestone,
            CommunicationPlan,
            CheckIn,
            Kpi,
            Risk,
            DataAccessGrant,
            ComplianceItem,
            PerformanceReview,
            OffboardingItem,
        ),
    ):
        return obj.engagement
    if isinstance(obj, ActionItem):
        return obj.checkin.engagement
    if isinstance(obj, Measurement):
        return obj.kpi.engagement
    if isinstance(obj, Evidence):
        return obj.item.engagement
    raise TypeError(f"No ownership rule for {type(obj).__name__}")


def owns(user: Any, obj: Any) -> bool:
    root = owning_root(obj)
    if root.owner_id == user.pk:
        return True
    if isinstance(root, Engagement):
        return root.co_owners.filter(pk=user.pk).exists()
    return False


def can_change(user: Any, obj: Any) -> bool:
    if is_admin(user):
        return True
    return is_manager(user) and owns(user, obj)


def evaluator_for(user: Any, selection: Selection) -> Evaluator | None:
    """The user's invitation to score this selection, if they hold one and may score."""
    if not roles(user):
        return None
    return Evaluator.objects.filter(selection=selection, user_id=user.pk).first()


def can_score(user: Any, selection: Selection) -> bool:
    return (
        selection.status in (Selection.Status.OPEN, Selection.Status.EVALUATING)
        and evaluator_for(user, selection) is not None
    )


def can_change_score(user: Any, score: Score) -> bool:
    """Only the evaluator's own scores, and only until they submit."""
    return score.evaluator.user_id == user.pk and score.evaluator.submitted_at is None


def require(allowed: bool) -> None:
    """Raise 403 unless allowed; views call this after fetching the object."""
    if not allowed:
        raise PermissionDenied
