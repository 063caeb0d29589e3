"""Badges: one filter for every choice field, each app naming its colours."""

import pytest
from django.template import Context, Template

from outsourcing.badges import PALETTES, badge


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_every_coloured_value_is_a_value_of_its_choices(name: str) -> None:
    palette = PALETTES[name]

    assert set(palette.colours) <= set(palette.choices.values)


def test_a_badge_shows_the_label_in_its_colour() -> None:
    assert badge("on_hold", "engagement_status") == (
        '<span class="badge rounded-pill text-bg-warning">On hold</span>'
    )
    assert badge("critical", "vendor_tier") == '<span class="badge text-bg-danger">Critical</span>'


def test_an_unknown_value_shows_as_it_is_in_the_default_colour_and_escaped() -> None:
    assert badge("<b>odd</b>", "vendor_status") == (
        '<span class="badge text-bg-secondary">&lt;b&gt;odd&lt;/b&gt;</span>'
    )


def test_templates_ask_for_a_badge_with_the_filter() -> None:
    rendered = Template('{% load badges %}{{ status|badge:"kpi_status" }}').render(
        Context({"status": "no_data"})
    )

    assert rendered == '<span class="badge rounded-pill text-bg-secondary">No data</span>'
