"""The moderators' workspace: the queue, the decision page with its checks, notes, second
opinions, locks and history, and the staff-only decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from townhall.accounts.decorators import staff_only
from townhall.accounts.policies import can_administer, can_moderate
from townhall.core.errors import DomainError, PermissionDeniedError
from townhall.moderation.forms import RejectForm
from townhall.moderation.selectors import (
    moderation_history,
    moderation_list_queue,
    moderation_notes,
    moderation_open_second_opinions,
    moderation_warnings,
)
from townhall.moderation.services import (
    moderation_approve,
    moderation_lock_acquire,
    moderation_lock_release,
    moderation_note_add,
    moderation_reject,
    moderation_remoderate,
    moderation_remove,
    moderation_second_opinion_request,
    moderation_second_opinion_resolve,
    moderation_take_down,
)
from townhall.petitions.selectors import petition_get, petition_list_similar
from townhall.schemes.selectors import scheme_get_current

moderator_required = staff_only(can_moderate, refusal="You need the moderator role to see this page.")


@moderator_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "moderation/queue.html",
        {
            "entries": moderation_list_queue(),
            "overdue_days": settings.TOWNHALL["MODERATION_OVERDUE_DAYS"],
            "staff_nav": True,
        },
    )


def _workspace(request: HttpRequest, pk: int, **extra: Any) -> dict[str, Any]:
    petition = petition_get(petition_id=pk)
    lock_holder = ""
    try:
        moderation_lock_acquire(petition_id=pk, actor=request.user)
    except DomainError as error:
        lock_holder = error.message
    similar = [
        item for item in petition_list_similar(text=petition.action, limit=6) if item.petition.pk != petition.pk
    ][:5]
    return {
        "petition": petition,
        "reject_form": RejectForm(),
        "take_down_form": RejectForm(prefix="takedown"),
        "scheme": scheme_get_current(),
        "warnings": moderation_warnings(petition=petition),
        "similar": similar,
        "notes": moderation_notes(petition_id=pk),
        "second_opinions": moderation_open_second_opinions(petition_id=pk),
        "history": moderation_history(petition_id=pk),
        "lock_holder": lock_holder,
        "is_administrator": can_administer(request.user),
        "staff_nav": True,
        **extra,
    }


@moderator_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "moderation/detail.html", _workspace(request, pk))


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
    return render(request, "moderation/detail.html", _workspace(request, pk, reject_form=form), status=400)


@moderator_required
@require_POST
def take_down(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST, prefix="takedown")
    if form.is_valid():
        try:
            petition = moderation_take_down(
                petition_id=pk,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Taken down: “{petition.action}”.")
            return redirect("moderation:detail", pk=pk)
    return render(request, "moderation/detail.html", _workspace(request, pk, take_down_form=form), status=400)


def _simple_post(
    request: HttpRequest, pk: int, action: Callable[[], object], done: str, *, to_queue: bool = False
) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        if isinstance(error, PermissionDeniedError):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("moderation:queue") if to_queue else redirect("moderation:detail", pk=pk)


@moderator_required
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    body = request.POST.get("body", "")
    return _simple_post(
        request, pk, lambda: moderation_note_add(petition_id=pk, body=body, actor=request.user), "Note added."
    )


@moderator_required
@require_POST
def second_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _simple_post(
        request,
        pk,
        lambda: moderation_second_opinion_request(petition_id=pk, reason=reason, actor=request.user),
        "Flagged for a second opinion.",
    )


@moderator_required
@require_POST
def resolve_second_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_post(
        request,
        pk,
        lambda: moderation_second_opinion_resolve(petition_id=pk, actor=request.user),
        "Second opinion given.",
    )


@moderator_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_post(
        request, pk, lambda: moderation_remove(petition_id=pk, actor=request.user), "Petition removed (410)."
    )


@moderator_required
@require_POST
def remoderate(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_post(
        request,
        pk,
        lambda: moderation_remoderate(petition_id=pk, actor=request.user),
        "Sent back to the moderation queue.",
    )


@moderator_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    moderation_lock_release(petition_id=pk, actor=request.user)
    return redirect("moderation:queue")
