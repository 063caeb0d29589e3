"""page_of: a page of rows and the count of all, in the usual and in the narrow way."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from outsourcing.lists import page_of
from outsourcing.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def people() -> Any:
    return User.objects.order_by("-last_name", "pk")


@pytest.fixture
def thirty_people() -> None:
    for number in range(30):
        UserFactory(username=f"person-{number:02}", last_name=f"Surname {number % 7}")


@pytest.mark.usefixtures("thirty_people")
@pytest.mark.parametrize("asked", ["1", "2", "3", "99", "x"])
def test_the_narrow_way_shows_the_same_page_as_the_usual_one(asked: str) -> None:
    request = RequestFactory().get("/", {"page": asked})
    usual = page_of(request, people(), size=12)
    narrow = page_of(request, people(), size=12, narrow=True)
    assert [p.username for p in narrow] == [p.username for p in usual]
    assert (narrow.number, narrow.paginator.count) == (usual.number, usual.paginator.count)


@pytest.mark.usefixtures("thirty_people")
def test_the_narrow_way_reads_ids_then_the_page_in_two_queries() -> None:
    request = RequestFactory().get("/", {"page": "2"})
    with CaptureQueriesContext(connection) as queries:
        page = page_of(request, people(), size=12, narrow=True)
        names = [person.get_full_name() for person in page]
    assert len(names) == 12
    assert len(queries) == 2
    # The sort and the count read the ids only; the page's rows come whole afterwards.
    assert '"auth_user"."email"' not in queries[0]["sql"]
    assert '"auth_user"."email"' in queries[1]["sql"]


def test_an_empty_list_costs_one_query_in_the_narrow_way() -> None:
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        page = page_of(request, people(), size=12, narrow=True)
    assert list(page) == [] and page.paginator.count == 0
    assert len(queries) == 1  # no ids: nothing more to read


@pytest.mark.usefixtures("thirty_people")
@pytest.mark.parametrize("narrow", [False, True])
@pytest.mark.parametrize("asked", ["1", "3", "99", "x"])
def test_a_known_count_is_not_asked_again(asked: str, narrow: bool) -> None:
    request = RequestFactory().get("/", {"page": asked})
    usual = page_of(request, people(), size=12)
    with CaptureQueriesContext(connection) as queries:
        page = page_of(request, people(), size=12, narrow=narrow, count=30)
        names = [p.username for p in page]
    assert names == [p.username for p in usual]
    assert (page.number, page.paginator.num_pages) == (usual.number, 3)
    assert len(queries) == (2 if narrow else 1)
    assert not any("OVER ()" in query["sql"] for query in queries)


def test_a_known_count_of_nothing_reads_nothing() -> None:
    request = RequestFactory().get("/", {"page": "4"})
    with CaptureQueriesContext(connection) as queries:
        page = page_of(request, people(), size=12, narrow=True, count=0)
    assert list(page) == [] and page.number == 1
    assert len(queries) == 0
