"""Administrators' integrity pages: held signatures, trend alerts, and invalidations, releases
and rejections with progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from townhall.accounts.decorators import administrator_required
from townhall.accounts.models import Actor
from townhall.core.errors import DomainError
from townhall.core.forms import show_refusal
from townhall.integrity.forms import FIELDS_BY_CODE, InvalidationForm
from townhall.integrity.models import Invalidation, InvalidationAction, TrendAlert
from townhall.integrity.services import (
    FLAGGED_DAYS,
    Criteria,
    alert_criteria,
    flagged_groups,
    held_groups,
    invalidation_preview,
    invalidation_request,
    rejection_request,
    release_request,
)


@administrator_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    held, held_total = held_groups()
    flagged, flagged_total = flagged_groups()
    return render(
        request,
        "integrity/overview.html",
        {
            # Each alert with the query string that selects exactly what it names.
            "alerts": [
                (alert, alert_criteria(alert).as_query())
                for alert in TrendAlert.objects.select_related("petition")[:50]
            ],
            "invalidations": Invalidation.objects.all()[:50],
            "held_groups": held,
            "held_total": held_total,
            "flagged_groups": flagged,
            "flagged_total": flagged_total,
            "flagged_days": FLAGGED_DAYS,
            "fast_seconds": settings.TOWNHALL["HOLD_FAST_CONFIRM_SECONDS"],
            "staff_nav": True,
        },
    )


def _request(action: str, criteria: Criteria, data: dict[str, Any], actor: Actor) -> Invalidation:
    if action == InvalidationAction.RELEASE:
        return release_request(criteria=criteria, note=data["note"], actor=actor)
    if action == InvalidationAction.REJECT:
        return rejection_request(criteria=criteria, note=data["note"], actor=actor)
    return invalidation_request(criteria=criteria, reason=data["reason"], note=data["note"], actor=actor)


@administrator_required
@require_http_methods(["GET", "POST"])
def invalidate(request: HttpRequest) -> HttpResponse:
    """One form to remove, release or reject signatures by criteria. A link's query string
    fills it in and shows how many match at once (a GET changes nothing); a POST previews,
    or, confirming the action it previewed, runs it in the background."""
    data = request.POST if request.method == "POST" else request.GET
    form = InvalidationForm(data or None)
    preview: int | None = None
    action = ""
    if form.is_bound and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            criteria = Criteria.from_query(data)
            if request.method == "POST" and request.POST.get("confirm") == action:
                _request(action, criteria, form.cleaned_data, request.user)
                return redirect("integrity:overview")
            if request.method == "POST" or criteria.as_dict():
                preview = invalidation_preview(criteria=criteria, action=action)
        except DomainError as error:
            show_refusal(form, error, fields_by_code=FIELDS_BY_CODE)
    status = 400 if form.errors else 200
    return render(
        request,
        "integrity/invalidate.html",
        {"form": form, "preview": preview, "action": action, "staff_nav": True},
        status=status,
    )
