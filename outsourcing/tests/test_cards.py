"""{% card_table %}: a card's table of rows, or the sentence that stands in for it."""

import re

from django.template import Context, Template

CARD = Template(
    '{% load cards %}{% card_table rows "table-sm table-stack" %}'
    "<tbody>{% for row in rows %}<tr><td>{{ row }}</td></tr>{% endfor %}</tbody>"
    "{% footer %}<p>{{ rows|length }} rows</p>"
    "{% empty %} No rows yet.{% if may_add %} Add <b>one</b>.{% endif %} "
    "{% endcard_table %}"
)


def render(**context: object) -> str:
    return re.sub(r"\s+", " ", CARD.render(Context(context))).strip()


def test_it_shows_the_rows_in_a_scrolling_table_with_the_footer_below() -> None:
    assert render(rows=["<a>"]) == (
        '<div class="table-responsive position-relative"> '
        '<table class="table table-sm table-stack align-middle mb-0">'
        "<tbody><tr><td>&lt;a&gt;</td></tr></tbody></table> </div> <p>1 rows</p>"
    )


def test_it_shows_the_sentence_when_there_are_no_rows() -> None:
    assert render(rows=[], may_add=True) == (
        '<div class="card-body text-body-secondary"> No rows yet. Add <b>one</b>. </div>'
    )


def test_a_table_that_does_not_stack_keeps_a_plain_wrapper_and_classes() -> None:
    plain = Template(
        "{% load cards %}{% card_table rows %}<tbody></tbody>{% empty %}None.{% endcard_table %}"
    ).render(Context({"rows": [1]}))

    assert '<div class="table-responsive">' in plain
    assert '<table class="table align-middle mb-0">' in plain
