"""A database restart or failover drops connections: a read is answered after one
reconnect, a write gets the "try again" page and leaves nothing half-written.

On real PostgreSQL only: the connection is killed from a second one, as a restart would.
Transactional tests: the test client must see what each request commits.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from django.contrib.auth.models import Group, User
from django.db import OperationalError, connection
from django.db.models.signals import post_save
from django.test import Client

from outsourcing.middleware import _connection_lost
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.outages import database_unreachable, kill_database_connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client: Client, postgres: None, settings: Any) -> Client:
    settings.DATABASE_RECONNECT_WAIT = 2
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200  # the connection is open
    return client


def test_a_page_read_on_a_dropped_connection_answers_after_one_reconnect(
    admin_client: Client,
) -> None:
    kill_database_connection()

    response = admin_client.get("/admin/auth/user/")

    assert response.status_code == 200
    assert "ada" in response.content.decode()


def test_a_view_that_meets_a_dropped_connection_runs_once_more(admin_client: Client) -> None:
    killed: list[str] = []

    def drop_before_the_list_is_counted(execute: Any, sql: str, *args: Any) -> Any:
        if "COUNT(" in sql and not killed:  # the view is under way: the user is loaded
            killed.append(sql)
            kill_database_connection()
        return execute(sql, *args)

    with connection.execute_wrapper(drop_before_the_list_is_counted):
        response = admin_client.get("/admin/auth/user/")

    assert killed
    assert response.status_code == 200
    assert "ada" in response.content.decode()


def test_a_save_on_a_dropped_connection_answers_try_again_and_writes_nothing(
    admin_client: Client,
) -> None:
    def drop_the_connection_mid_save(**kwargs: Any) -> None:
        kill_database_connection()  # the group is inserted, its log entry is not yet

    post_save.connect(drop_the_connection_mid_save, sender=Group, weak=False)
    try:
        response = admin_client.post("/admin/auth/group/add/", {"name": "Night shift"})
    finally:
        post_save.disconnect(drop_the_connection_mid_save, sender=Group)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "none of it was saved" in response.content.decode()
    assert not Group.objects.filter(name="Night shift").exists()
    assert admin_client.get("/admin/auth/group/").status_code == 200


def test_a_save_while_the_database_is_away_answers_try_again(admin_client: Client) -> None:
    with database_unreachable():
        response = admin_client.post("/admin/auth/group/add/", {"name": "Night shift"})

    assert response.status_code == 503
    assert "We could not reach our records just now" in response.content.decode()
    assert not Group.objects.filter(name="Night shift").exists()


def test_a_read_while_the_database_stays_away_answers_try_again_not_500(
    admin_client: Client, settings: Any
) -> None:
    settings.DATABASE_RECONNECT_WAIT = 0.3

    with database_unreachable():
        response = admin_client.get("/admin/auth/user/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert User.objects.filter(username="ada").exists()  # back to the real database


@pytest.mark.parametrize(
    ("cause", "lost"),
    [
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.ConnectionFailure("connection failure"), True),
        (psycopg.OperationalError("the connection is closed"), True),  # no code: client side
        (psycopg.errors.QueryCanceled("statement timeout"), False),
        (psycopg.errors.DeadlockDetected("deadlock detected"), False),
        (sqlite3.OperationalError("database is locked"), False),
    ],
)
def test_only_a_lost_connection_counts_as_a_blip(cause: Exception, lost: bool) -> None:
    """A statement timeout, a deadlock or SQLite's lock is the query's own error: it is
    not run a second time."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    assert _connection_lost(error) is lost
