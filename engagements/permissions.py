"""Who may do what with engagement work: the evaluator's rules, on top of the roles.

The roles and the checks every app asks (`can_read`, `can_change`, …) live in
outsourcing.roles and are re-exported here so the engagement views ask one module.
"""

from __future__ import annotations

from typing import Any

from outsourcing.roles import (
    ADMIN,
    MANAGER,
    ROLES,
    VIEWER,
    can_change,
    can_create,
    can_read,
    is_admin,
    is_manager,
    owns,
    require,
    roles,
)

from .models import Evaluator, Score, Selection

__all__ = [
    "ADMIN",
    "MANAGER",
    "ROLES",
    "VIEWER",
    "can_change",
    "can_change_score",
    "can_create",
    "can_read",
    "can_score",
    "evaluator_for",
    "is_admin",
    "is_manager",
    "owns",
    "require",
    "roles",
]


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
