"""KPI numbers as people write them: {{ kpi.target|plain }} shows 95, not 95.0000."""

from decimal import Decimal

from django import template

from engagements.forms.sourcing import plain_number

register = template.Library()


@register.filter
def plain(value: Decimal | None) -> str:
    return "" if value is None else plain_number(value)
