"""A crawl of the demo as a manager: every page the links lead to opens, the pages of
issue 16 are reached by links alone, and every list's XLSX opens as a spreadsheet."""

from __future__ import annotations

from collections import Counter, deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from outsourcing.tests.downloads import xlsx_sheet

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

# Pages of one route followed at most; the rest are the same page for other rows.
PER_ROUTE = 3
# Every vendor page and spend tab, and every selection's results: what a manager may do
# on one, and whether it has rows to download, differ from one to the next.
PER_ROUTE_OF = {
    "vendors:vendor_detail": 20,
    "engagements:engagement_spend": 20,
    "engagements:results": 20,
}
# Never followed: signing out ends the crawl's session.
SKIPPED = {"logout"}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and href[0] in "/?" and not href.startswith("//"):
            self.hrefs.append(href.split("#")[0])


def route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


@pytest.fixture
def demo(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)


def test_a_manager_reaches_every_page_by_its_links_and_every_download_opens(
    demo: None, client: Any
) -> None:
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="manager"))
    queue, seen = deque(["/dashboard/"]), {"/dashboard/"}
    visits: Counter[str] = Counter()
    broken: list[tuple[str, int]] = []
    downloads: dict[str, str] = {}
    while queue:
        url = queue.popleft()
        route = route_of(url) or url
        response = client.get(url)
        visits[route] += 1
        if response.status_code == 302:  # "/" opens the dashboard
            if response["Location"] not in seen:
                seen.add(response["Location"])
                queue.append(response["Location"])
            continue
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        links = Links()
        links.feed(response.content.decode())
        for href in links.hrefs:
            if href.startswith("?"):  # the page itself, other rows or a download
                href = urlsplit(url).path + href
            name = route_of(href)
            if name and "export=" in href:  # opened below, once a list and format
                downloads.setdefault(f"{name} {href.split('export=')[1][:4]}", href)
                continue
            if href in seen or name is None or name.split(":")[-1] in SKIPPED:
                continue
            limit = PER_ROUTE_OF.get(name, PER_ROUTE)
            if name.startswith("admin:") or visits[name] + queue_count(queue, name) >= limit:
                continue
            seen.add(href)
            queue.append(href)

    assert broken == []
    for wanted in (
        "engagements:engagement_detail",  # the contract section
        "engagements:contract_edit",
        "engagements:contract_history",
        "engagements:renewals",
        "engagements:renewal_decision",
        "engagements:engagement_spend",
        "engagements:engagement_credits",
        "engagements:credit_update",
        "vendors:sub_processor_update",
    ):
        assert visits[wanted], f"no link leads to {wanted}"
    xlsx = {key.split()[0]: url for key, url in downloads.items() if key.endswith("xlsx")}
    assert sorted(xlsx) == sorted(LISTS), set(LISTS) ^ set(xlsx)
    for key, url in sorted(xlsx.items()):
        response = client.get(url)
        assert response.status_code == 200, key
        sheet = xlsx_sheet(response)
        assert sheet.max_row >= 1 and sheet.cell(1, 1).value, key


# Every registry and list that downloads, as the crawl finds them.
LISTS = [
    "vendors:vendor_list",
    "engagements:candidate_list",
    "engagements:selection_list",
    "engagements:results",
    "engagements:engagement_list",
    "engagements:engagement_kpis",
    "engagements:engagement_spend",
    "engagements:engagement_credits",
    "engagements:risk_export",
    "engagements:compliance_export",
    "engagements:renewals",
]


def queue_count(queue: deque[str], name: str) -> int:
    return sum(1 for url in queue if route_of(url) == name)
