"""Administrators' integrity pages: held signatures, trend alerts, and invalidations, releases
and rejections with progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from townhall.accounts.decorators import administrator_required, moderator_required
from townhall.accounts.models import Actor
from townhall.accounts.policies import can_administer
from townhall.core.errors import DomainError
from townhall.core.exports import stream_csv
from townhall.core.forms import show_refusal
from townhall.core.http import page_number
from townhall.integrity.forms import FIELDS_BY_CODE, InvalidationForm, SignatureSearchForm
from townhall.integrity.models import Invalidation, InvalidationAction, TrendAlert
from townhall.integrity.services import (
    FLAGGED_DAYS,
    SEARCH_EXPORT_HEADER,
    SEARCH_SORT_DEFAULT,
    Criteria,
    alert_criteria,
    criteria_ip_hashed,
    flagged_groups,
    held_groups,
    invalidation_preview,
    invalidation_request,
    marked_words,
    rejection_request,
    release_request,
    search_state_words,
    signature_search_export,
    signature_search_page,
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
    form.describe_errors()
    status = 400 if form.errors else 200
    return render(
        request,
        "integrity/invalidate.html",
        {"form": form, "preview": preview, "action": action, "staff_nav": True},
        status=status,
    )


@moderator_required
@require_safe
def signature_search(request: HttpRequest) -> HttpResponse:
    """Find signatures in any state by the criteria of the invalidation tools (so an alert's
    or a held group's link opens here too), 50 a page. An empty form lists nothing."""
    form = SignatureSearchForm(request.GET or None)
    page = None
    criteria = Criteria()
    sort = request.GET.get("sort") or SEARCH_SORT_DEFAULT
    if form.is_bound and form.is_valid():
        try:
            criteria = Criteria.from_query(request.GET)
            if criteria.ip:
                # A typed address goes no further than this request: the search continues
                # by its keyed hash, so no address, history or log line keeps the address.
                hashed = criteria_ip_hashed(criteria)
                return redirect(
                    f"{request.path}?{hashed.as_query()}" + (f"&sort={sort}" if sort != SEARCH_SORT_DEFAULT else "")
                )
            if criteria.as_dict():
                page = signature_search_page(criteria=criteria, sort=sort, page=page_number(request))
        except DomainError as error:
            show_refusal(form, error, fields_by_code=FIELDS_BY_CODE)
    form.describe_errors()
    rows = [
        (
            signature,
            search_state_words(signature.state, signature.invalidation_reason),
            marked_words(signature.hold_reason),
            marked_words(signature.fraud_reason),
        )
        for signature in (page.object_list if page is not None else [])
    ]
    query = criteria.as_query()
    return render(
        request,
        "integrity/signature_search.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "sorted_query": f"{query}&sort={sort}" if sort != SEARCH_SORT_DEFAULT else query,
            "administers": can_administer(request.user),
            "staff_nav": True,
        },
        status=400 if form.errors else 200,
    )


@administrator_required
@require_safe
def signature_search_csv(request: HttpRequest) -> HttpResponseBase:
    """Every signature the search finds, as a CSV streamed as it is read (audited)."""
    criteria = Criteria.from_query(request.GET)
    sort = request.GET.get("sort") or SEARCH_SORT_DEFAULT
    rows = signature_search_export(criteria=criteria, sort=sort, actor=request.user)
    return stream_csv(SEARCH_EXPORT_HEADER, rows, filename="signatures.csv")
