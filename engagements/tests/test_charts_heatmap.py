"""The risk heat map: cells in the right place, coloured by band, linked and escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from engagements.charts.heatmap import heat_map, level_tone

SVG = "{http://www.w3.org/2000/svg}"


def link(likelihood: int, impact: int) -> str:
    return f"?l={likelihood}&i={impact}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # also proves the markup is well-formed


def cell_rects(root: ET.Element) -> dict[tuple[int, int], ET.Element]:
    return {
        (int(rect.get("data-likelihood", 0)), int(rect.get("data-impact", 0))): rect
        for rect in root.iter(f"{SVG}rect")
        if rect.get("data-likelihood")
    }


def test_it_draws_twenty_five_cells_with_likelihood_five_at_the_top_left() -> None:
    root = parse(heat_map({(5, 1): 2, (1, 5): 3}, link_for=link, chart_id="m", title="Risks"))
    cells = cell_rects(root)

    assert len(cells) == 25
    top_left, bottom_right = cells[(5, 1)], cells[(1, 5)]
    xs = {float(r.get("x", 0)) for r in cells.values()}
    ys = {float(r.get("y", 0)) for r in cells.values()}
    assert (float(top_left.get("x", 0)), float(top_left.get("y", 0))) == (min(xs), min(ys))
    assert (float(bottom_right.get("x", 0)), float(bottom_right.get("y", 0))) == (
        max(xs),
        max(ys),
    )


def test_it_writes_each_count_inside_its_own_cell_link() -> None:
    root = parse(
        heat_map({(5, 1): 2, (1, 5): 3, (4, 5): 1}, link_for=link, chart_id="m", title="Risks")
    )

    links = {a.get("href"): a for a in root.iter(f"{SVG}a")}
    assert set(links) == {"?l=5&i=1", "?l=1&i=5", "?l=4&i=5"}
    for href, expected in (("?l=5&i=1", "2"), ("?l=1&i=5", "3"), ("?l=4&i=5", "1")):
        numbers = [t.text for t in links[href].iter(f"{SVG}text")]
        assert numbers == [expected]


def test_empty_cells_have_no_link_and_no_number() -> None:
    root = parse(heat_map({(3, 3): 1}, link_for=link, chart_id="m", title="Risks"))

    assert len(list(root.iter(f"{SVG}a"))) == 1
    counts = [t.text for t in root.iter(f"{SVG}text") if t.get("font-size") == "20"]
    assert counts == ["1"]


def test_cells_are_coloured_by_the_band_of_likelihood_times_impact() -> None:
    cells = cell_rects(parse(heat_map({(1, 1): 1}, link_for=link, chart_id="m", title="R")))

    assert cells[(1, 4)].get("fill") == level_tone("low").tint  # 4
    assert cells[(1, 5)].get("fill") == level_tone("medium").tint  # 5
    assert cells[(3, 3)].get("fill") == level_tone("medium").tint  # 9
    assert cells[(2, 5)].get("fill") == level_tone("high").tint  # 10
    assert cells[(3, 4)].get("fill") == level_tone("high").tint  # 12
    assert cells[(3, 5)].get("fill") == level_tone("critical").tint  # 15
    assert cells[(5, 5)].get("fill") == level_tone("critical").tint  # 25


def test_links_are_escaped_in_the_markup() -> None:
    svg = heat_map(
        {(2, 2): 1},
        link_for=lambda likelihood, impact: f'?l={likelihood}&i={impact}&x="><script>',
        chart_id="m",
        title="Risks",
    )

    assert 'href="?l=2&amp;i=2&amp;x=&quot;&gt;&lt;script&gt;"' in svg
    assert "<script>" not in svg
    assert parse(svg).find(f"{SVG}a") is not None


def test_a_cell_without_a_link_still_shows_its_count() -> None:
    root = parse(heat_map({(2, 2): 4}, link_for=lambda _l, _i: None, chart_id="m", title="R"))

    assert list(root.iter(f"{SVG}a")) == []
    assert "4" in [t.text for t in root.iter(f"{SVG}text")]


def test_it_has_a_title_and_a_text_alternative_listing_the_cells_worst_first() -> None:
    svg = heat_map(
        {(4, 5): 1, (2, 3): 2, (1, 1): 0}, link_for=link, chart_id="risk-map", title="Open risks"
    )
    root = parse(svg)

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "risk-map-title risk-map-desc"
    assert root.find(f"{SVG}title").text == "Open risks"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == (  # type: ignore[union-attr]
        "3 open risks: 1 critical (likelihood 4, impact 5); 2 medium (likelihood 2, impact 3)."
    )


def test_it_labels_both_axes() -> None:
    root = parse(heat_map({(1, 1): 1}, link_for=link, chart_id="m", title="R"))
    labels = [t.text for t in root.iter(f"{SVG}text")]

    assert "Likelihood →" in labels
    assert "Impact →" in labels
    assert labels.count("5") == 2  # one on each axis


def test_without_risks_it_says_so_in_html_not_in_the_svg() -> None:
    html = heat_map({(3, 3): 0}, link_for=link, chart_id="m", title="Open risks")
    root = ET.fromstring(html)

    assert root.tag == "p"
    assert "<svg" not in html
    assert "".join(root.itertext()) == "Open risks: No open risks to place on the map yet."


def test_no_user_text_reaches_the_markup_unescaped() -> None:
    svg = heat_map(
        {(5, 5): 1},
        link_for=link,
        chart_id='x"><b>',
        title="<img src=x onerror=alert(1)>",
        empty_message="<b>",
    )

    assert "<img" not in svg
    assert "<b>" not in svg
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg
    parse(svg)


def test_the_selected_cell_is_outlined() -> None:
    svg = heat_map({(3, 4): 1}, link_for=link, chart_id="m", title="R", selected=(3, 4))
    cells = cell_rects(parse(svg))

    assert cells[(3, 4)].get("stroke-width") == "3"
    assert {c.get("stroke-width") for k, c in cells.items() if k != (3, 4)} == {"2"}
    assert not re.search(r"\bNaN\b", svg)
