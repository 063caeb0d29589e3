"""Leaving: the offboarding tab — start the checklist, tick items, settle what is still open,
close the engagement."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from engagements.forms.offboarding import ItemDoneForm, SettleForm, StartOffboardingForm
from engagements.models import (
    ActionItem,
    DataAccessGrant,
    Engagement,
    OffboardingItem,
    Risk,
    Scorecard,
)
from engagements.permissions import can_change
from engagements.services.offboarding import (
    STANDARD_ITEMS,
    close_blockers,
    close_engagement,
    complete_item,
    loose_ends,
    offboarding_reason,
    settle,
    start_offboarding,
)
from engagements.views.common import (
    engagement_row_to_change,
    engagement_to_change,
    engagement_to_read,
    render_tab,
    to_tab,
)
from outsourcing.uploads import private_download

CHECKLIST_ORDER: dict[str, int] = {
    kind: n for n, kind in enumerate((OffboardingItem.Kind.REVOKE_ACCESS, *STANDARD_ITEMS))
}


def _render_tab(
    request: HttpRequest,
    engagement: Engagement,
    *,
    form: StartOffboardingForm | None = None,
    refused: Form | None = None,
) -> HttpResponse:
    """`refused` brings back a row's form that was refused, with its errors, in its row."""
    items = list(
        OffboardingItem.objects.filter(engagement=engagement).select_related(
            "grant", "done_by", "owner"
        )
    )
    # Revoke-access items first, then the standard steps in the order people work through them.
    items.sort(key=lambda item: (CHECKLIST_ORDER.get(item.kind, len(CHECKLIST_ORDER)), item.title))
    grants = list(DataAccessGrant.objects.filter(engagement=engagement))
    outcome = engagement.offboarding_outcome or None
    actions, risks = loose_ends(engagement)
    may_change = can_change(request.user, engagement)
    # Open work is settled only while offboarding, by someone who may change the
    # engagement: only then do its forms show.
    may_settle = may_change and engagement.status == Engagement.Status.OFFBOARDING
    settle_form = SettleForm
    blockers = close_blockers(
        items=items, grants=grants, outcome=outcome, actions=actions, risks=risks
    )
    may_start = engagement.status in (*Engagement.LIVE_STATUSES, Engagement.Status.OFFBOARDING)
    initial = {"outcome": outcome, "reason": offboarding_reason(items)} if outcome else None
    return render_tab(
        request,
        "engagements/offboarding/engagement_offboarding.html",
        engagement,
        "offboarding",
        items=items,
        done_count=sum(1 for item in items if item.is_done),
        active_grants=[g for g in grants if g.revoked_on is None],
        reason=offboarding_reason(items),
        outcome_label=Engagement.Status(outcome).label if outcome else "",
        blockers=blockers,
        may_change=may_change,
        may_settle=may_settle,
        may_start=may_start,
        actions=[(a, _row_form(settle_form, _row_id(a), refused)) for a in actions],
        risks=[(r, _row_form(settle_form, _row_id(r), refused)) for r in risks],
        checklist=[(item, _row_form(ItemDoneForm, f"item-{item.pk}", refused)) for item in items],
        # The last scorecard with a score: what the work ended on.
        final_scorecard=Scorecard.objects.filter(engagement=engagement, score__isnull=False)
        .order_by("-period_start")
        .first(),
        form=form or StartOffboardingForm(initial=initial),
    )


@login_required
@require_safe
def engagement_offboarding(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_tab(request, engagement_to_read(request, pk))


@login_required
@require_POST
def offboarding_start(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    form = StartOffboardingForm(request.POST)
    if not form.is_valid():
        return _render_tab(request, engagement, form=form)
    try:
        items = start_offboarding(
            engagement=engagement,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_tab(request, engagement, form=form)
    messages.success(
        request, f"Offboarding started: the checklist has {len(items)} items to work through."
    )
    return redirect("engagements:engagement_offboarding", pk=engagement.pk)


@login_required
@require_POST
def offboarding_item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    engagement, item = engagement_row_to_change(request, pk, OffboardingItem, item_pk)
    if engagement.status != Engagement.Status.OFFBOARDING:
        messages.error(request, "This engagement is not being offboarded; nothing to tick.")
    elif item.is_done:
        messages.info(request, f"“{item.title}” was already done.")
    else:
        form = ItemDoneForm(request.POST, request.FILES, prefix=f"item-{item.pk}")
        if not form.is_valid():
            return _render_tab(request, engagement, refused=form)
        complete_item(
            item=item,
            by=request.user,
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
        )
        extra = f" Access to {item.grant.system} is revoked." if item.grant_id else ""  # type: ignore[union-attr]
        messages.success(request, f"“{item.title}” done.{extra}")
    return redirect("engagements:engagement_offboarding", pk=engagement.pk)


@login_required
@require_safe
def offboarding_evidence(request: HttpRequest, pk: int, item_pk: int) -> FileResponse:
    """The file that shows an offboarding item was done, for everyone who may read."""
    items = OffboardingItem.objects.filter(engagement_id=pk)
    return private_download(request, items, pk=item_pk)


@login_required
@require_POST
def offboarding_close(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = engagement_to_change(request, pk)
    try:
        engagement = close_engagement(engagement=engagement, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{engagement.title} is closed: {engagement.get_status_display().lower()}.",
        )
    return redirect("engagements:engagement_offboarding", pk=engagement.pk)


def _row_id(thing: ActionItem | Risk) -> str:
    return f"{'action' if isinstance(thing, ActionItem) else 'risk'}-{thing.pk}"


def _row_form(form_class: Callable[..., Form], prefix: str, refused: Form | None) -> Form:
    """Each row's own form (its own field ids); the refused one where it was posted."""
    if refused is not None and refused.prefix == prefix:
        return refused
    return form_class(prefix=prefix)


def _settle(request: HttpRequest, engagement: Engagement, thing: ActionItem | Risk) -> HttpResponse:
    if engagement.status != Engagement.Status.OFFBOARDING:
        messages.error(
            request, "Start offboarding first: open work is settled when the engagement ends."
        )
        return redirect("engagements:engagement_offboarding", pk=engagement.pk)
    form = SettleForm(request.POST, prefix=_row_id(thing))
    if not form.is_valid():
        return _render_tab(request, engagement, refused=form)
    settled = settle(
        thing=thing,
        reason=form.cleaned_data["reason"],
        by=request.user,
        hand_over_to=form.cleaned_data["hand_over_to"],
    )
    messages.success(request, settled.resolution)
    return to_tab("engagement_offboarding", engagement, "open-work")


@login_required
@require_POST
def action_item_settle(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    engagement, item = engagement_row_to_change(
        request, pk, ActionItem, item_pk, via="checkin__engagement"
    )
    return _settle(request, engagement, item)


@login_required
@require_POST
def risk_settle(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    engagement, risk = engagement_row_to_change(request, pk, Risk, risk_pk)
    return _settle(request, engagement, risk)
