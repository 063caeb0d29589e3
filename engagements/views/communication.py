"""Step 3 pages: the engagement list and the engagement page (overview; more tabs follow)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from engagements.forms.communication import EngagementFilterForm
from engagements.models import Contract, Engagement
from engagements.permissions import can_read, require

PAGE_SIZE = 25


@login_required
@require_safe
def engagement_list(request: HttpRequest) -> HttpResponse:
    require(can_read(request.user))
    filters = EngagementFilterForm(request.GET or None)
    engagements = filters.filter(Engagement.objects.select_related("vendor", "owner"))
    page = Paginator(engagements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagements/communication/engagement_list.html",
        {"page": page, "filters": filters},
    )


@login_required
@require_safe
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read(request.user))
    engagement = get_object_or_404(
        Engagement.objects.select_related(
            "vendor", "owner", "candidate", "selection__awarded_proposal"
        ).prefetch_related("co_owners", "vendor_contacts", "milestones"),
        pk=pk,
    )
    contract = Contract.objects.filter(engagement=engagement).first()
    today = timezone.localdate()
    days_left = (contract.notice_deadline - today).days if contract else None
    return render(
        request,
        "engagements/communication/engagement_detail.html",
        {
            "engagement": engagement,
            "contract": contract,
            "notice_days_left": days_left,
            "notice_days_ago": -days_left if days_left is not None and days_left < 0 else None,
            "milestones": [(m, m.is_overdue(today)) for m in engagement.milestones.all()],
        },
    )
