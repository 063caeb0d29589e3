"""Ten people signing in and browsing, for the resilience figures in the README.

Not part of the test suite: run it against a server, then stop Redis or restart
PostgreSQL while it runs (README, "When Redis or the database is away"):

    locust -f outsourcing/tests/load/locustfile.py --headless -u 10 -r 10 -t 90s \\
        --host http://127.0.0.1:8123

At the end it prints every answer by method and status code, and when each 5xx came.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from collections import Counter
from typing import Any

from locust import HttpUser, between, events, task

# The demo people (engagements/demo/people.py), taken in turn.
PASSWORD = "demo-outsourcing-2026"  # noqa: S105 - the published demo password
USERNAMES = itertools.cycle(["manager", "manager2", "viewer", "evaluator", "admin"])
PAGES = [
    "/dashboard/",
    "/engagements/",
    "/vendors/",
    "/candidates/",
    "/selections/",
    "/risks/",
    "/compliance/",
]
ENGAGEMENT_TABS = ["", "kpis/", "risks/"]

answers: Counter[tuple[str, int]] = Counter()
signed_out: list[str] = []  # pages that sent a signed-in person to the sign-in page
server_errors: list[tuple[float, str, str, int]] = []
started = time.monotonic()


@events.request.add_listener
def count(request_type: str, name: str, response: Any, **kwargs: Any) -> None:
    status = getattr(response, "status_code", 0)
    answers[(request_type, status)] += 1
    if (
        request_type == "GET"
        and "/accounts/login/" in getattr(response, "url", "")
        and name != "sign-in page"
    ):
        signed_out.append(name)
    if status == 0 or status >= 500:
        server_errors.append((time.monotonic() - started, request_type, name, status))


@events.quitting.add_listener
def report(environment: Any, **kwargs: Any) -> None:
    print("\nAnswers by method and status (0: no answer):")
    for (method, status), number in sorted(answers.items()):
        print(f"  {method:4} {status}: {number}")
    print(f"Total: {sum(answers.values())}; 5xx or no answer: {len(server_errors)}")
    print(f"Signed-in pages that sent the person to the sign-in page: {len(signed_out)}")
    for at, method, name, status in server_errors:
        print(f"  at {at:6.1f} s  {method} {name} -> {status}")


class Person(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.username = next(USERNAMES)
        self.engagements: list[str] = []
        self.sign_in()

    def sign_in(self) -> None:
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,  # 302: signed in; 200: the form again
            name="sign in",
        )
        listing = self.client.get("/engagements/", name="/engagements/")
        self.engagements = sorted(set(re.findall(r'href="(/engagements/\d+/)"', listing.text)))

    @task(6)
    def browse(self) -> None:
        self.client.get(random.choice(PAGES), name="page")  # noqa: S311

    @task(3)
    def open_an_engagement(self) -> None:
        if self.engagements:
            tab = random.choice(self.engagements) + random.choice(ENGAGEMENT_TABS)  # noqa: S311
            self.client.get(tab, name="tab")

    @task(1)
    def sign_out_and_in_again(self) -> None:
        self.client.post(
            "/accounts/logout/",
            headers={
                "Referer": f"{self.host}/dashboard/",
                "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            },
            allow_redirects=False,
            name="sign out",
        )
        self.sign_in()
