"""{% load cards %}: a card's table of rows, or the sentence that stands in for it.

    {% card_table milestones "table-inset table-sm table-stack" %}
      <thead>…</thead>
      <tbody>{% for milestone in milestones %}…{% endfor %}</tbody>
    {% footer %}<div class="card-body pt-0">{% include "_pagination.html" %}</div>
    {% empty %}No milestones yet.{% if can_edit %} Add the dates the vendor delivers by.{% endif %}
    {% endcard_table %}

The markup is templates/_card_table.html. `{% footer %}` (below the table, such as the
pages) is optional; the second argument adds classes to the table's own.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString

register = template.Library()


class CardTableNode(template.Node):
    def __init__(
        self,
        rows: FilterExpression,
        classes: FilterExpression | None,
        table: NodeList,
        footer: NodeList,
        empty: NodeList,
    ) -> None:
        self.rows, self.classes = rows, classes
        self.table, self.footer, self.empty = table, footer, empty

    def render(self, context: Context) -> SafeString:
        parts: dict[str, object]
        if self.rows.resolve(context):
            parts = {
                "rows": True,
                "classes": self.classes.resolve(context) if self.classes else "",
                "table": self.table.render(context),
                "footer": self.footer.render(context),
            }
        else:
            parts = {"rows": False, "empty": self.empty.render(context)}
        markup = context.template.engine.get_template("_card_table.html")  # type: ignore[union-attr]
        return markup.render(context.new(parts))


@register.tag
def card_table(parser: Parser, token: Token) -> CardTableNode:
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(f"{bits[0]} takes the rows and, optionally, classes")
    rows = parser.compile_filter(bits[1])
    classes = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    table = parser.parse(("footer", "empty"))
    footer = NodeList()
    if parser.next_token().contents == "footer":
        footer = parser.parse(("empty",))
        parser.delete_first_token()
    empty = parser.parse(("endcard_table",))
    parser.delete_first_token()
    return CardTableNode(rows, classes, table, footer, empty)
