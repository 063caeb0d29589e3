"""The reviews tab: who may open and decide reviews, and what a decision leaves behind."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from engagements.models import Engagement, PerformanceReview
from engagements.tests.factories import (
    KpiFactory,
    PerformanceReviewFactory,
    ScorecardFactory,
)
from engagements.tests.worlds import EngagementWorld, world_fixture
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.roles import CHANGE, READ, ROLES, user_for

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


class World(EngagementWorld):
    """A live engagement owned by `manager` with one open review from a red KPI."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Customer support")
        self.kpi = KpiFactory(engagement=self.engagement, name="First-contact resolution")
        self.review = PerformanceReviewFactory(
            engagement=self.engagement,
            trigger=PerformanceReview.Trigger.KPI_RED_STREAK,
            kpi=self.kpi,
            summary="Red for three months running.",
        )

    def snapshot(self) -> list[tuple[Any, ...]]:
        return list(
            PerformanceReview.objects.order_by("pk").values_list(
                "pk", "trigger", "summary", "decision", "decision_notes", "decided_by", "decided_at"
            )
        )


world = world_fixture(World)


def url_of(route: str, world: World) -> str:
    args = {
        "engagement_reviews": [world.engagement.pk],
        "review_create": [world.engagement.pk],
        "review_decide": [world.engagement.pk, world.review.pk],
    }
    return reverse(f"engagements:{route}", args=args[route])


GET_ROUTES = {"engagement_reviews": READ, "review_create": CHANGE, "review_decide": CHANGE}
POST_ROUTES = {"review_create": CHANGE, "review_decide": CHANGE}
PAYLOADS = {
    "review_create": {"summary": "Two missed deadlines on the migration."},
    "review_decide": {"decision": "continue", "decision_notes": "Back on track."},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", GET_ROUTES)
def test_each_page_opens_only_for_the_roles_allowed_to_see_it(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))

    response = client.get(url_of(route, world))

    assert response.status_code == GET_ROUTES[route][role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_a_post_changes_things_only_for_the_roles_allowed_to(
    route: str, role: str, world: World, client_for: Callable[[Any], Any], request: Any
) -> None:
    client = client_for(user_for(role, request, world))
    before = world.snapshot()

    response = client.post(url_of(route, world), PAYLOADS[route])

    if POST_ROUTES[route][role] == 200:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert world.snapshot() != before
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert world.snapshot() == before


def test_the_tab_shows_each_flag_with_where_it_came_from(
    world: World, viewer: Any, client_for: Callable[[Any], Any]
) -> None:
    scorecard = ScorecardFactory(
        engagement=world.engagement, period_start=datetime.date(2025, 1, 1), score=58
    )
    PerformanceReviewFactory(
        engagement=world.engagement,
        trigger=PerformanceReview.Trigger.LOW_SCORECARD,
        scorecard=scorecard,
        summary="Score under 60.",
    )

    page = client_for(viewer).get(url_of("engagement_reviews", world)).content.decode()

    assert "KPI red for several periods" in page
    assert "KPI “First-contact resolution”" in page
    assert "Red for three months running." in page
    assert "Scorecard under threshold" in page
    assert "scorecard Jan 2025: 58" in page
    assert "Opened 10 Mar 2025" in page
    assert "Decide" not in page  # a viewer reads only


def test_a_decided_review_leaves_the_open_list_and_shows_its_decision(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    data = {"decision": "continue", "decision_notes": "Back to green in March."}

    response = client_for(manager).post(url_of("review_decide", world), data, follow=True)

    world.review.refresh_from_db()
    assert world.review.decision == "continue"
    assert world.review.decision_notes == "Back to green in March."
    assert world.review.decided_by == manager
    assert world.review.decided_at == NOW
    assert list(response.context["open_reviews"]) == []
    assert list(response.context["decided_reviews"]) == [world.review]
    page = response.content.decode()
    assert "Decision recorded: Continue." in page
    assert "No open reviews" in page
    assert "Back to green in March." in page


def test_an_improvement_plan_names_who_follows_it_up_and_when(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    before = world.snapshot()
    plan = {"decision": "improvement_plan", "decision_notes": "Thirty-day plan."}

    refused = client.post(url_of("review_decide", world), plan)
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"plan_owner", "follow_up_on"}
    assert world.snapshot() == before

    response = client.post(
        url_of("review_decide", world),
        plan | {"plan_owner": manager.pk, "follow_up_on": "2025-04-10"},
        follow=True,
    )

    world.review.refresh_from_db()
    assert world.review.plan_owner == manager
    assert world.review.follow_up_on == datetime.date(2025, 4, 10)
    assert "on 10 Apr 2025." in response.content.decode()


def test_a_decision_needs_notes(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("review_decide", world), {"decision": "continue", "decision_notes": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["decision_notes"] == [
        "Write down why: a decision needs notes."
    ]
    assert "Write down why" in response.content.decode()
    assert world.snapshot() == before


def test_an_unknown_decision_gets_a_field_message(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(
        url_of("review_decide", world), {"decision": "shrug", "decision_notes": "Hmm."}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["decision"]
    assert world.snapshot() == before


def test_a_decided_review_is_not_decided_again(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    client.post(url_of("review_decide", world), PAYLOADS["review_decide"])
    before = world.snapshot()

    response = client.post(
        url_of("review_decide", world), {"decision": "continue", "decision_notes": "Changed mind."}
    )

    assert response.status_code == 302
    assert world.snapshot() == before


@pytest.mark.parametrize("decision", ["bring_in_house", "replace_vendor"])
def test_leaving_the_vendor_suggests_the_next_step(
    decision: str, world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    data = {"decision": decision, "decision_notes": "Quality will not recover."}

    page = client_for(manager).post(url_of("review_decide", world), data, follow=True)

    text = page.content.decode()
    assert "Next step:" in text
    try:
        offboarding = reverse("engagements:engagement_offboarding", args=[world.engagement.pk])
    except NoReverseMatch:
        return
    assert f'href="{offboarding}"' in text


def test_continuing_suggests_no_offboarding(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    data = {"decision": "continue", "decision_notes": "Fine again."}

    page = client_for(manager).post(url_of("review_decide", world), data, follow=True)

    assert "Next step:" not in page.content.decode()


def test_the_owner_opens_a_manual_review(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    response = client_for(manager).post(
        url_of("review_create", world), PAYLOADS["review_create"], follow=True
    )

    review = PerformanceReview.objects.exclude(pk=world.review.pk).get()
    assert review.trigger == PerformanceReview.Trigger.MANUAL
    assert review.summary == "Two missed deadlines on the migration."
    assert review.is_open
    assert "Review opened." in response.content.decode()


def test_a_manual_review_needs_a_summary(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    before = world.snapshot()

    response = client_for(manager).post(url_of("review_create", world), {"summary": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["summary"] == ["Say what prompted the review."]
    assert world.snapshot() == before


def add_reviews(engagement: Engagement, count: int) -> None:
    for _ in range(count):
        PerformanceReviewFactory(
            engagement=engagement,
            trigger=PerformanceReview.Trigger.KPI_RED_STREAK,
            kpi=KpiFactory(engagement=engagement),
        )
        PerformanceReviewFactory(
            engagement=engagement,
            trigger=PerformanceReview.Trigger.LOW_SCORECARD,
            scorecard=ScorecardFactory(engagement=engagement),
            decided=True,
            decided_by=UserFactory(),
        )


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_tab_runs_the_same_queries_for_3_and_30_reviews(
    world: World, manager: Any, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(manager)
    url = url_of("engagement_reviews", world)
    add_reviews(world.engagement, 3)
    few = queries_for(client, url)

    add_reviews(world.engagement, 27)

    assert queries_for(client, url) == few
