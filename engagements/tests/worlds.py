"""The worlds engagement tests run in: the rows a test needs, built for its `manager`.

A module whose world is its own builds it on `EngagementWorld` and adds what its tests
need; where modules need the same world (the owners page, a selection being evaluated)
it lives here whole, and a module adds only its particulars. `world_fixture(SomeWorld)`
gives a module its `world` fixture:

    world = world_fixture(RisksWorld)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from conftest import user_with_role
from engagements.models import Engagement, Selection
from engagements.tests.factories import (
    CandidateFactory,
    CriterionFactory,
    EngagementFactory,
    ProposalFactory,
    SelectionFactory,
)

W = TypeVar("W")


class EngagementWorld:
    """An engagement owned by `owner` (the test's `manager`); subclasses add the rest."""

    def __init__(self, owner: User, **engagement: Any) -> None:
        self.owner = owner
        self.engagement = EngagementFactory(owner=owner, **engagement)


def world_fixture(world: Callable[[User], W]) -> Any:
    """A `world` fixture: `world(manager)`, built afresh for each test."""

    @pytest.fixture(name="world")
    def build(manager: User) -> W:
        return world(manager)

    return build


def named_manager(username: str, first_name: str, last_name: str) -> User:
    user = user_with_role("Manager", username)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


class OwnersWorld(EngagementWorld):
    """An engagement owned by `owner`, co-owned by Sam; Dana is a manager who may join."""

    def __init__(
        self,
        owner: User,
        *,
        first_names: tuple[str, str] = ("Sam", "Dana"),
        **engagement: Any,
    ) -> None:
        super().__init__(owner, **{"title": "Customer support", **engagement})
        self.sam = named_manager("sam", first_names[0], "Lee")
        self.dana = named_manager("dana", first_names[1], "Reyes")
        self.engagement.co_owners.add(self.sam)
        self.url = reverse("engagements:engagement_owners", args=[self.engagement.pk])

    def snapshot(self) -> tuple[Any, ...]:
        engagement = Engagement.objects.get(pk=self.engagement.pk)
        return (
            engagement.owner_id,
            sorted(engagement.co_owners.values_list("pk", flat=True)),
            Engagement.history.filter(id=engagement.pk).count(),
        )


class SelectionWorld:
    """A selection owned by `owner`, being evaluated: two proposals, two criteria (60 + 40),
    and an approved candidate without a selection yet."""

    def __init__(
        self,
        owner: User,
        *,
        vendors: Sequence[str] = ("Alpha Services Ltd", "Beta Partners LLP"),
        criteria: Sequence[str] = ("Experience", "Price"),
        first_proposal: dict[str, Any] | None = None,
        candidate: dict[str, Any] | None = None,
        **selection: Any,
    ) -> None:
        self.owner = owner
        self.selection = SelectionFactory(
            candidate__owner=owner, status=Selection.Status.EVALUATING, **selection
        )
        self.proposals = [
            ProposalFactory(
                selection=self.selection, vendor__legal_name=vendors[0], **(first_proposal or {})
            ),
            ProposalFactory(selection=self.selection, vendor__legal_name=vendors[1]),
        ]
        self.criteria = [
            CriterionFactory(selection=self.selection, name=name, weight=Decimal(weight), order=i)
            for i, (name, weight) in enumerate(zip(criteria, ("60", "40"), strict=True), 1)
        ]
        self.approved_candidate = CandidateFactory(approved=True, owner=owner, **(candidate or {}))

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"engagements:{name}", kwargs={"pk": self.selection.pk, **kwargs})
