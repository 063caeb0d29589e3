"""The shared SVG building blocks escape user text and say why a chart is empty."""

from outsourcing.svg import document, empty, fmt, text


def test_user_text_is_escaped_inside_the_svg() -> None:
    svg = document(
        chart_id="kpi-1",
        width=100,
        height=50,
        title='<script>alert("x")</script>',
        description="A & B",
        body="",
    )

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "A &amp; B" in svg
    assert 'aria-labelledby="kpi-1-title kpi-1-desc"' in svg


def test_the_empty_state_says_why_there_is_nothing_to_draw_in_html() -> None:
    html = empty(chart_id="c", title="Trend <b>", message="No measurements & no rollups")

    assert html == (
        '<p class="chart-empty" data-chart="c"><span class="visually-hidden">Trend &lt;b&gt;: '
        "</span>No measurements &amp; no rollups</p>"
    )


def test_coordinates_are_short() -> None:
    assert fmt(12.345678) == "12.35"
    assert fmt(10) == "10"
    assert text(3) == "3"
