"""The vendor page's sections about work with the vendor: its engagements, their
performance and the selections it took part in, and the data-access grants each of its
sub-processors touches. The vendor registry knows nothing of engagements; its page asks
for these with {% load vendor_work %}{% vendor_work vendor %} and
{% sub_processor_rows vendor as rows %}…{% grants_touched row.grants %}."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import template
from django.db.models import F

from engagements.models import DataAccessGrant, Engagement, Proposal
from engagements.selectors.credits import credit_totals, credits_of
from engagements.selectors.monitoring import vendor_performance
from vendors.models import SubProcessor, Vendor

register = template.Library()


@register.inclusion_tag("engagements/vendor/_work.html")
def vendor_work(vendor: Vendor) -> dict[str, Any]:
    engagements = list(
        Engagement.objects.filter(vendor=vendor).select_related("owner").order_by("-start_date")
    )
    proposals = list(
        Proposal.objects.filter(vendor=vendor)
        .select_related("selection")
        .order_by("-selection__created_at")
    )
    return {
        "vendor": vendor,
        "engagements": engagements,
        "proposals": proposals,
        "performance": vendor_performance(vendor, engagements),
        "credits": credit_totals(credits_of([e.pk for e in engagements])),
    }


@dataclass(frozen=True)
class SubProcessorRow:
    sub_processor: SubProcessor
    grants: list[DataAccessGrant]  # the ones it touches: active first, then latest revoked


@register.simple_tag
def sub_processor_rows(vendor: Vendor) -> list[SubProcessorRow]:
    """The vendor's sub-processors (as the page loaded them), each with the grants it
    touches: one query for the whole page, however many there are."""
    links = (
        DataAccessGrant.sub_processors.through.objects.filter(subprocessor__vendor=vendor)
        .select_related("dataaccessgrant__engagement")
        .order_by(
            F("dataaccessgrant__revoked_on").desc(nulls_first=True),
            "dataaccessgrant__system",
            "dataaccessgrant_id",
        )
    )
    touched: dict[int, list[DataAccessGrant]] = defaultdict(list)
    for link in links:
        touched[link.subprocessor_id].append(link.dataaccessgrant)
    return [SubProcessorRow(sub, touched[sub.pk]) for sub in vendor.sub_processors.all()]


@register.inclusion_tag("engagements/vendor/_grants_touched.html")
def grants_touched(grants: list[DataAccessGrant]) -> dict[str, Any]:
    """A sub-processor's grants on the vendor page, each linked to its engagement's data
    access tab."""
    return {"grants": grants}
