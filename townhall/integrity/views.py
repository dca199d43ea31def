"""Administrators' integrity pages: trend alerts and invalidations with progress."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from townhall.accounts.decorators import administrator_required
from townhall.core.errors import DomainError
from townhall.core.forms import show_refusal
from townhall.integrity.forms import FIELDS_BY_CODE, InvalidationForm
from townhall.integrity.models import Invalidation, TrendAlert
from townhall.integrity.services import Criteria, invalidation_preview, invalidation_request


@administrator_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrity/overview.html",
        {
            "alerts": TrendAlert.objects.select_related("petition")[:50],
            "invalidations": Invalidation.objects.all()[:50],
            "staff_nav": True,
        },
    )


def _criteria(data: dict[str, Any]) -> Criteria:
    return Criteria(
        petition_id=data.get("petition_id"),
        **{
            key: (data.get(key) or "").strip()
            for key in ("ip", "cidr", "domain", "email_pattern", "postcode", "area", "since", "until")
        },
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def invalidate(request: HttpRequest) -> HttpResponse:
    """Preview how many signatures match, then confirm to run it in the background."""
    form = InvalidationForm(request.POST or None)
    preview: int | None = None
    if request.method == "POST" and form.is_valid():
        criteria = _criteria(form.cleaned_data)
        try:
            if "confirm" in request.POST:
                invalidation_request(
                    criteria=criteria,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
                return redirect("integrity:overview")
            preview = invalidation_preview(criteria=criteria)
        except DomainError as error:
            show_refusal(form, error, fields_by_code=FIELDS_BY_CODE)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request, "integrity/invalidate.html", {"form": form, "preview": preview, "staff_nav": True}, status=status
    )
