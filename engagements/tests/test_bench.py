"""`make bench`'s own logic, without a benchmark run: pages, arithmetic, the table."""

from typing import Any

import pytest
from django.test import override_settings
from django.urls import resolve, reverse

from engagements.bench import PAGES, RATIO_GOAL, median_ms, p1_table, p2_table, ratio, spread
from engagements.bench.__main__ import server_problem
from engagements.bench.forms import form_fields


def figures(median: float, queries: int) -> dict[str, float | int]:
    return {"median_ms": median, "queries": queries}


def test_every_page_resolves_to_a_view() -> None:
    for page in PAGES:
        url = reverse(page.route, args=[1] if page.needs else [])
        assert resolve(url).view_name == page.route


def test_it_measures_every_tab_of_an_engagement() -> None:
    tabs = {page.route for page in PAGES if page.needs == "engagement"}
    assert tabs == {
        f"engagements:engagement_{tab}"
        for tab in (
            "detail",
            "communication",
            "kpis",
            "reviews",
            "risks",
            "access",
            "compliance",
            "offboarding",
        )
    }


def test_page_labels_are_unique() -> None:
    assert len({page.label for page in PAGES}) == len(PAGES)


def test_median_is_in_milliseconds() -> None:
    assert median_ms([0.010, 0.030, 0.020]) == pytest.approx(20.0)
    assert median_ms([0.010, 0.020]) == pytest.approx(15.0)


def test_ratio_is_large_over_small() -> None:
    assert ratio(10.0, 25.0) == 2.5
    assert ratio(0.0, 1.0) == float("inf")


def test_table_marks_each_goal() -> None:
    small = {page.label: figures(10.0, 5) for page in PAGES}
    large = {page.label: figures(10.0 * RATIO_GOAL, 5) for page in PAGES}
    large["dashboard"] = figures(35.0, 6)
    large["vendor page"] = figures(11.0, 7)

    table = p1_table({"small": small, "large": large})

    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()}
    assert rows["dashboard"] == "| dashboard | 10.0 | 35.0 | 3.50 ✗ | 5 | 6 ✗ |"
    assert rows["vendor page"] == "| vendor page | 10.0 | 11.0 | 1.10 ✓ | 5 | 7 ✗ |"
    assert rows["engagement list"] == "| engagement list | 10.0 | 12.0 | 1.20 ✓ | 5 | 5 ✓ |"
    assert table.endswith(f"{len(PAGES) - 2} of {len(PAGES)} pages meet both goals.")


def test_spread_gives_min_median_max() -> None:
    assert spread([0.002, 0.001, 0.004]) == "min 1.0, median 2.0, max 4.0 ms"


def test_it_explains_an_unreachable_server() -> None:
    # Port 1 on the loopback: refused at once, nothing listens there.
    assert server_problem("postgres://postgres@127.0.0.1:1") != ""


def throughput(minimal: int, dashboard: int, failed: int = 0) -> dict[str, Any]:
    return {
        "user": "scale-00798",
        "workers": 2,
        "clients": 4,
        "pages": {
            "minimal": {
                "requests": minimal,
                "failed": 0,
                "seconds": 10.0,
                "per_second": minimal / 10,
            },
            "dashboard": {
                "requests": dashboard,
                "failed": failed,
                "seconds": 10.0,
                "per_second": dashboard / 10,
            },
        },
    }


def test_p2_compares_the_dashboard_with_the_minimal_page() -> None:
    assert p2_table(throughput(1000, 300)).endswith(
        "Dashboard ÷ minimal: 0.30 ✓ (goal ≥ 0.3, no failed requests)"
    )
    assert "0.07 ✗" in p2_table(throughput(1000, 70))
    assert "0.40 ✗" in p2_table(throughput(1000, 400, failed=1))


@override_settings(ROOT_URLCONF="engagements.bench.urls")
def test_the_benchmark_server_adds_a_minimal_page_for_signed_in_people(
    manager: Any, client_for: Any
) -> None:
    assert client_for(None).get("/bench/minimal/").status_code == 302
    response = client_for(manager).get("/bench/minimal/")
    assert response.status_code == 200
    assert b"Signed in as" in response.content
    # The app's pages are all there too.
    assert client_for(manager).get(reverse("engagements:dashboard")).status_code == 200


def test_the_app_itself_has_no_minimal_page() -> None:
    with pytest.raises(Exception, match="bench_minimal"):
        reverse("bench_minimal")


def test_make_load_sends_a_form_as_the_page_shows_it(manager: Any, client_for: Any) -> None:
    page = client_for(manager).get(reverse("password_change")).content.decode()

    fields = form_fields(page, reverse("password_change"))

    # The password form, not the sign-out form in the navigation: its token and fields.
    assert set(fields) == {"csrfmiddlewaretoken", "old_password", "new_password1", "new_password2"}
    assert fields["csrfmiddlewaretoken"]


def test_make_load_reads_choices_and_text_as_a_browser_does() -> None:
    page = """<form method="post" action="/out/"><input name="a" value="1"></form>
    <form method="post"><select name="s"><option value="x">X</option>
    <option value="y" selected>Y</option></select><textarea name="t">
Kept</textarea><input type="checkbox" name="c"><input type="checkbox" name="d" checked></form>"""

    assert form_fields(page, "/here/") == {"s": "y", "t": "Kept", "d": "on"}
    assert form_fields(page, "/out/") == {"a": "1"}
    with pytest.raises(ValueError, match="No form"):
        form_fields("<p>No form here</p>", "/here/")
