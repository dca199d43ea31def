"""The moderators' queue and decision page (full workspace comes later)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from townhall.accounts.policies import can_moderate
from townhall.core.errors import DomainError, PermissionDeniedError
from townhall.core.http import no_store
from townhall.moderation.forms import RejectForm
from townhall.moderation.selectors import moderation_list_queue
from townhall.moderation.services import moderation_approve, moderation_reject
from townhall.petitions.selectors import petition_get
from townhall.schemes.selectors import scheme_get_current


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_moderate(request.user):
            raise PermissionDeniedError("You need the moderator role to see this page.")
        return view(request, *args, **kwargs)

    return no_store(wrapper)


@moderator_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "moderation/queue.html", {"petitions": moderation_list_queue(), "staff_nav": True})


@moderator_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "moderation/detail.html",
        {
            "petition": petition_get(petition_id=pk),
            "reject_form": RejectForm(),
            "scheme": scheme_get_current(),
            "staff_nav": True,
        },
    )


@moderator_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    petition = moderation_approve(petition_id=pk, actor=request.user)
    messages.success(request, f"Approved and published: “{petition.action}”.")
    return redirect("moderation:queue")


@moderator_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            petition = moderation_reject(
                petition_id=pk,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Rejected: “{petition.action}”.")
            return redirect("moderation:queue")
    return render(
        request,
        "moderation/detail.html",
        {
            "petition": petition_get(petition_id=pk),
            "reject_form": form,
            "scheme": scheme_get_current(),
            "staff_nav": True,
        },
        status=400,
    )
