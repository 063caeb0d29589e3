"""The vendor page's sections about work with the vendor: its engagements, their
performance and the selections it took part in. The vendor registry knows nothing of
engagements; its page asks for these with {% load vendor_work %}{% vendor_work vendor %}."""

from __future__ import annotations

from typing import Any

from django import template

from engagements.models import Engagement, Proposal
from engagements.selectors.monitoring import vendor_performance
from vendors.models import Vendor

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
    }
