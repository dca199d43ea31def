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

from townhall.accounts.decorators import administrator_required, moderator_required
from townhall.accounts.policies import can_administer
from townhall.core.errors import DomainError
from townhall.core.forms import raise_if_page_level, show_refusal
from townhall.moderation.forms import RejectForm
from townhall.moderation.selectors import (
    moderation_history,
    moderation_list_queue,
    moderation_lock_status,
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
from townhall.petitions.models import Petition
from townhall.petitions.policies import petition_actions
from townhall.petitions.selectors import petition_get, petition_list_similar
from townhall.schemes.selectors import scheme_get_current


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
    lock = moderation_lock_status(petition_id=pk, actor=request.user)
    similar = [
        item for item in petition_list_similar(text=petition.action, limit=6) if item.petition.pk != petition.pk
    ][:5]
    return {
        "petition": petition,
        "actions": petition_actions(petition),
        "reject_form": RejectForm(),
        "take_down_form": RejectForm(prefix="takedown"),
        "scheme": scheme_get_current(),
        "warnings": moderation_warnings(petition=petition),
        "similar": similar,
        "notes": moderation_notes(petition_id=pk),
        "second_opinions": moderation_open_second_opinions(petition_id=pk),
        "history": moderation_history(petition_id=pk),
        "lock_holder": lock.held_by_another,
        "lock_is_mine": lock.is_mine,
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


def _reason_decision(
    request: HttpRequest,
    pk: int,
    *,
    form: RejectForm,
    form_name: str,
    decide: Callable[..., Petition],
    done: str,
    then: HttpResponse,
) -> HttpResponse:
    """A decision with a reason and an explanation (reject, take down): the service decides,
    its refusal goes on the form with its status, nothing typed is lost."""
    status = 400
    if form.is_valid():
        try:
            petition = decide(
                petition_id=pk,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                actor=request.user,
            )
        except DomainError as error:
            status = show_refusal(form, error, fields_by_code={"reason_invalid": "reason"})
        else:
            messages.success(request, done % {"action": petition.action})
            return then
    return render(request, "moderation/detail.html", _workspace(request, pk, **{form_name: form}), status=status)


@moderator_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_decision(
        request,
        pk,
        form=RejectForm(request.POST),
        form_name="reject_form",
        decide=moderation_reject,
        done="Rejected: “%(action)s”.",
        then=redirect("moderation:queue"),
    )


@moderator_required
@require_POST
def take_down(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_decision(
        request,
        pk,
        form=RejectForm(request.POST, prefix="takedown"),
        form_name="take_down_form",
        decide=moderation_take_down,
        done="Taken down: “%(action)s”.",
        then=redirect("moderation:detail", pk=pk),
    )


def _simple_post(
    request: HttpRequest, pk: int, action: Callable[[], object], done: str, *, to_queue: bool = False
) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        raise_if_page_level(error)
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


# Decisions without a form, like approve: a refusal (the state does not allow it, or the
# role) is answered with its error page and status by DomainErrorMiddleware.


@administrator_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    moderation_remove(petition_id=pk, actor=request.user)
    messages.success(request, "Petition removed (410).")
    return redirect("moderation:detail", pk=pk)


@administrator_required
@require_POST
def remoderate(request: HttpRequest, pk: int) -> HttpResponse:
    moderation_remoderate(petition_id=pk, actor=request.user)
    messages.success(request, "Sent back to the moderation queue.")
    return redirect("moderation:detail", pk=pk)


@moderator_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Start reviewing: take the edit lock (reading the page never takes it)."""
    return _simple_post(
        request,
        pk,
        lambda: moderation_lock_acquire(petition_id=pk, actor=request.user),
        "You are reviewing this petition: other moderators are told, and cannot decide it meanwhile.",
    )


@moderator_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    moderation_lock_release(petition_id=pk, actor=request.user)
    return redirect("moderation:queue")
