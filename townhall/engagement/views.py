"""Updates from creators, and the contact relay. Thin: parse, call one service, render.

Every page here is no-store: each either carries a private link or shows a form.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from townhall.accounts.decorators import moderator_required
from townhall.core.errors import DomainError, InvalidState
from townhall.core.forms import show_refusal
from townhall.core.http import no_store
from townhall.core.net import client_ip
from townhall.engagement import selectors, services
from townhall.engagement.forms import (
    CONTACT_FIELDS_BY_CODE,
    UPDATE_FIELDS_BY_CODE,
    ContactForm,
    ReplyForm,
    ReportForm,
    UpdateForm,
    UpdateRejectForm,
)
from townhall.integrity.prechecks import precheck_text
from townhall.petitions import policies
from townhall.petitions.selectors import petition_get_by_creator_token, petition_get_public


def _show_refusal(form: ContactForm | ReplyForm | UpdateForm | ReportForm, error: DomainError) -> int:
    return show_refusal(form, error, fields_by_code={**CONTACT_FIELDS_BY_CODE, **UPDATE_FIELDS_BY_CODE})


# --- updates: the creator -----------------------------------------------------------------


@no_store
@require_http_methods(["GET", "POST"])
def update_new(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The creator writes an update from their private link; it goes to the moderators."""
    petition = petition_get_by_creator_token(petition_id=pk, token=token, purpose="update")
    if not policies.is_live(petition):
        raise InvalidState(_("Updates can be posted only while a petition is open or after it has closed."))
    form = UpdateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_submit(
                    petition_id=pk, token=token, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
                )
            except DomainError as error:
                status = _show_refusal(form, error)
            else:
                messages.success(
                    request, _("Thank you. Your update will be published once a moderator has checked it.")
                )
                return redirect(reverse("engagement:update_new", kwargs={"pk": pk, "token": token}))
    return render(
        request,
        "engagement/update_new.html",
        {"petition": petition, "form": form, "updates": selectors.update_list_for_petition(petition_id=pk)},
        status=status,
    )


# --- updates: moderators --------------------------------------------------------------------


@moderator_required
@require_safe
def update_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "engagement/update_queue.html",
        {"updates": selectors.update_list_awaiting_moderation(), "staff_nav": True},
    )


def _update_page(request: HttpRequest, pk: int, form: UpdateRejectForm, *, status: int = 200) -> HttpResponse:
    update = selectors.update_get(update_id=pk)
    return render(
        request,
        "engagement/update_detail.html",
        {
            "update": update,
            "reject_form": form,
            # Automated pre-checks inform the moderator (phone numbers, allegations…); never decide.
            "findings": precheck_text(f"{update.title}\n{update.body}"),
            "staff_nav": True,
        },
        status=status,
    )


@moderator_required
@require_safe
def update_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _update_page(request, pk, UpdateRejectForm())


@moderator_required
@require_POST
def update_approve(request: HttpRequest, pk: int) -> HttpResponse:
    update = services.update_approve(update_id=pk, actor=request.user)
    messages.success(request, _("Published the update “%(title)s”.") % {"title": update.title})
    return redirect("engagement:update_queue")


@moderator_required
@require_POST
def update_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = UpdateRejectForm(request.POST)
    if form.is_valid():
        try:
            update = services.update_reject(update_id=pk, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as error:
            show_refusal(form, error, fields_by_code={"reason_blank": "reason", "reason_too_long": "reason"})
        else:
            messages.success(request, _("Rejected the update “%(title)s”.") % {"title": update.title})
            return redirect("engagement:update_queue")
    return _update_page(request, pk, form, status=400)


# --- the contact relay ------------------------------------------------------------------------


@no_store
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to the petition's creator. Nothing is sent until the sender confirms their address."""
    petition = petition_get_public(petition_id=pk)
    if not policies.is_live(petition):
        raise InvalidState(_("The creator of this petition cannot be contacted."), code="petition_state")
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.contact_message_create(
                    petition_id=pk,
                    sender_name=form.cleaned_data["name"],
                    sender_email=form.cleaned_data["email"],
                    body=form.cleaned_data["message"],
                    ip=client_ip(request),
                )
            except DomainError as error:
                status = _show_refusal(form, error)
            else:
                return redirect("engagement:contact_check_email", pk=pk)
    return render(request, "engagement/contact.html", {"petition": petition, "form": form}, status=status)


@no_store
@require_safe
def contact_check_email(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "engagement/contact_check_email.html", {"petition": petition_get_public(petition_id=pk)})


@no_store
@require_http_methods(["GET", "POST"])
def message_confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows a button and sends nothing (mail scanners fetch links); the POST relays."""
    if request.method == "POST":
        message = services.contact_message_confirm(message_id=pk, token=token)
        # A blocked sender sees exactly what everyone else sees.
        return render(request, "engagement/message_sent.html", {"petition": message.petition, "is_reply": False})
    message = selectors.contact_message_get_for_sender(message_id=pk, token=token)
    return render(
        request,
        "engagement/message_confirm.html",
        {"message": message, "petition": message.petition, "already": message.state != "pending"},
    )


@no_store
@require_http_methods(["GET", "POST"])
def message_reply(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The recipient of a relayed message replies; the reply is relayed the same way."""
    original = selectors.contact_message_get_for_recipient(message_id=pk, token=token)
    form = ReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.contact_reply(
                    message_id=pk, token=token, body=form.cleaned_data["message"], ip=client_ip(request)
                )
            except DomainError as error:
                status = _show_refusal(form, error)
            else:
                return render(
                    request, "engagement/message_sent.html", {"petition": original.petition, "is_reply": True}
                )
    return render(
        request,
        "engagement/message_reply.html",
        {"original": original, "petition": original.petition, "form": form},
        status=status,
    )


@no_store
@require_http_methods(["GET", "POST"])
def message_report(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET asks the recipient to confirm; the POST reports the message and blocks its sender."""
    message = selectors.contact_message_get_for_recipient(message_id=pk, token=token, purpose="report")
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.contact_report(message_id=pk, token=token, reason=form.cleaned_data["reason"])
            except DomainError as error:
                status = _show_refusal(form, error)
            else:
                return render(request, "engagement/message_reported.html", {"petition": message.petition})
    return render(
        request,
        "engagement/message_report.html",
        {"message": message, "petition": message.petition, "form": form, "already": message.reported_at is not None},
        status=status,
    )


@moderator_required
@require_safe
def reported_messages(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "engagement/reported_messages.html",
        {"reported": selectors.contact_message_list_reported(), "staff_nav": True},
    )
