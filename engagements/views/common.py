"""What every engagement page starts from: the engagement, the user, the way back to a tab."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from engagements.models import Engagement, Selection
from engagements.permissions import can_change, can_read, require

RowT = TypeVar("RowT", bound=Model)


def signed_in(request: HttpRequest) -> Any:
    """The signed-in user; login_required has ruled out the anonymous one."""
    return request.user


def engagement_or_404(pk: int) -> Engagement:
    return get_object_or_404(Engagement.objects.select_related("vendor", "owner"), pk=pk)


def engagement_to_read(request: HttpRequest, pk: int) -> Engagement:
    """The engagement for a page that shows it: 403 without a role, before any lookup."""
    require(can_read(request.user))
    return engagement_or_404(pk)


def engagement_to_change(request: HttpRequest, pk: int) -> Engagement:
    """The engagement for a page that changes it: 404 when there is none, 403 unless the
    user may change it."""
    engagement = engagement_or_404(pk)
    require(can_change(request.user, engagement))
    return engagement


def engagement_row_to_change(
    request: HttpRequest,
    pk: int,
    rows: type[RowT] | QuerySet[RowT],
    row_pk: int,
    *,
    via: str = "engagement",
) -> tuple[Engagement, RowT]:
    """The engagement and one of its rows (found through `via`), for a page that changes
    them: 404 when either is not there, then 403 unless the user may change the engagement."""
    engagement = engagement_or_404(pk)
    row = get_object_or_404(rows, pk=row_pk, **{via: engagement})
    require(can_change(request.user, engagement))
    return engagement, row


def tab_url(name: str, engagement: Engagement, anchor: str = "") -> str:
    url = reverse(f"engagements:{name}", args=[engagement.pk])
    return f"{url}#{anchor}" if anchor else url


def to_tab(name: str, engagement: Engagement, anchor: str = "") -> HttpResponseRedirect:
    """Back to one of the engagement's tabs (`engagement_kpis`…), at `anchor` if given."""
    return redirect(tab_url(name, engagement, anchor))


def render_tab(
    request: HttpRequest, template: str, engagement: Engagement, tab: str, **context: Any
) -> HttpResponse:
    """A page under one of the engagement's tabs (`tab` is lit in engagement_base.html)."""
    return render(request, template, {"engagement": engagement, "active_tab": tab, **context})


def selection_or_404(pk: int) -> Selection:
    return get_object_or_404(
        Selection.objects.select_related("candidate", "owner", "awarded_proposal__vendor"), pk=pk
    )


def selection_to_change(request: HttpRequest, pk: int) -> Selection:
    """The selection for a page that changes it: 404 when there is none, 403 unless the
    user may change it."""
    selection = selection_or_404(pk)
    require(can_change(request.user, selection))
    return selection


def to_selection(selection: Selection, anchor: str = "") -> HttpResponseRedirect:
    """Back to the selection's page, at `anchor` if given."""
    url = reverse("engagements:selection_detail", args=[selection.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)
