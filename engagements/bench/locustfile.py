"""The people of `make load` (engagements/bench/load.py): managers and viewers at work.

Each simulated person arrives signed in (a session made for them beforehand, see
load.py) with what they may work on: managers browse their dashboard, lists and
their own engagements, record check-ins that are due and add KPI values on free
days; viewers read the dashboard, lists, the risk overview, the compliance matrix
and vendor pages. Every save goes the way a person's does: the form is opened, its
fields (hidden ones too: the CSRF token, the row's version) are kept, and only what
a person types is filled in. A save that does not land (no redirect) is a failure.

The run stops itself after LOAD_MAX_REQUESTS requests, whatever the time limit.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

import gevent
from locust import HttpUser, between, events, task

from engagements.bench.forms import form_fields

PEOPLE = json.loads(os.environ["LOAD_PEOPLE"])
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "20000"))
SESSION_COOKIE = os.environ.get("LOAD_SESSION_COOKIE", "sessionid")
LISTS = ["/engagements/", "/vendors/", "/candidates/", "/selections/"]
VIEWER_PAGES = [*LISTS, "/risks/", "/compliance/", "/dashboard/?scope=all"]
TABS = ["", "communication/", "kpis/", "reviews/", "risks/", "compliance/"]
managers = iter(PEOPLE["managers"])
viewers = iter(PEOPLE["viewers"])
answered = itertools.count(1)


environments: list[Any] = []


@events.init.add_listener
def remember_environment(environment: Any, **kwargs: Any) -> None:
    environments.append(environment)


@events.request.add_listener
def stop_when_bounded(**kwargs: Any) -> None:
    if next(answered) == MAX_REQUESTS and environments[0].runner is not None:
        # In a greenlet of its own: quitting kills every user's, this one's included.
        gevent.spawn(environments[0].runner.quit)


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 5)  # reading the page before the next click
    person: dict[str, Any]

    def on_start(self) -> None:
        self.client.cookies.set(SESSION_COOKIE, self.person["session"])

    def page(self, url: str, name: str) -> None:
        self.client.get(url, name=name)

    def save(self, url: str, name: str, typed: dict[str, str]) -> None:
        """Open the form, fill in what a person types, send it; it lands with a redirect."""
        opened = self.client.get(url, name=f"{name} (form)")
        fields = {**form_fields(opened.text, url), **typed}
        with self.client.post(
            url,
            data=fields,
            headers={"Referer": f"{self.host}{url}"},
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"not saved: {answer.status_code}")


class Manager(Person):
    weight = 7

    def on_start(self) -> None:
        self.person = next(managers)
        super().on_start()

    def engagement(self) -> str:
        return f"/engagements/{random.choice(self.person['engagements'])}/"  # noqa: S311

    @task(4)
    def dashboard(self) -> None:
        self.page("/dashboard/", "dashboard")

    @task(3)
    def a_list(self) -> None:
        self.page(random.choice(LISTS), "list")  # noqa: S311

    @task(6)
    def an_engagement_tab(self) -> None:
        self.page(self.engagement() + random.choice(TABS), "engagement tab")  # noqa: S311

    @task(1)
    def record_a_checkin(self) -> None:
        if self.person["checkins"]:
            engagement, checkin = self.person["checkins"].pop()
            self.save(
                f"/engagements/{engagement}/checkins/{checkin}/",
                "record a check-in",
                {
                    "held_on": self.person["today"],
                    "status": "green",
                    "attendees": "Vendor lead, service owner",
                    "progress_summary": "On track; backlog down to two days.",
                },
            )

    @task(1)
    def add_a_kpi_value(self) -> None:
        if self.person["free_days"]:
            engagement, kpi, day = self.person["free_days"].pop()
            self.save(
                f"/engagements/{engagement}/measurements/new/?kpi={kpi}",
                "add a KPI value",
                {"kpi": str(kpi), "measured_on": day, "value": str(random.randint(80, 99))},  # noqa: S311
            )


class Viewer(Person):
    weight = 3

    def on_start(self) -> None:
        self.person = next(viewers)
        super().on_start()

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard/", "dashboard")

    @task(6)
    def a_page(self) -> None:
        self.page(random.choice(VIEWER_PAGES), "list")  # noqa: S311

    @task(2)
    def a_vendor(self) -> None:
        self.page(f"/vendors/{random.choice(self.person['vendors'])}/", "vendor page")  # noqa: S311
