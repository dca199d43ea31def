"""The responders' pages: the queue of responses owed, drafting, preview and publication.

Only responders (and administrators) may use them: anyone signed out is sent to sign in,
anyone else is refused (403). Every page is no-store.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from townhall.accounts.decorators import responder_required
from townhall.core.errors import DomainError
from townhall.core.forms import show_refusal
from townhall.responses import selectors
from townhall.responses.forms import FIELDS_BY_CODE, DraftForm, PublishForm
from townhall.responses.models import Response
from townhall.responses.services import draft_digest, response_publish, response_render_email, response_save_draft
from townhall.schemes.selectors import scheme_get_current

UNSUBSCRIBE_PLACEHOLDER = "https://…/signatures/…/unsubscribe/…/"


@responder_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request, "responses/queue.html", {"items": selectors.response_list_for_responders(), "staff_nav": True}
    )


def _page(response: Response, **extra: Any) -> dict[str, Any]:
    return {
        "response": response,
        "petition": response.petition,
        "status": selectors.response_status_of(response=response),
        "staff_nav": True,
        **extra,
    }


@responder_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft form. "Save draft" keeps the text; "Preview" saves it and shows it as
    residents will see it. A published response is shown read-only with its emails' progress."""
    response = selectors.response_get_for_responder(response_id=pk)
    if response.is_published:
        return render(
            request,
            "responses/detail.html",
            _page(response, progress=selectors.response_fanout_progress(response=response)),
        )
    form = DraftForm(request.POST or None, initial={"text": response.draft})
    if request.method == "POST" and form.is_valid():
        try:
            response_save_draft(response_id=pk, text=form.cleaned_data["text"], actor=request.user)
        except DomainError as error:
            show_refusal(form, error, fields_by_code=FIELDS_BY_CODE)
        else:
            if request.POST.get("action") == "preview":
                return redirect("responses:preview", pk=pk)
            messages.success(request, _("Draft saved. Nothing has been published."))
            return redirect("responses:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "responses/detail.html", _page(response, form=form), status=status)


@responder_required
@require_safe
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The saved draft exactly as it will appear on the petition page and in the email."""
    response = selectors.response_get_for_responder(response_id=pk)
    if response.is_published:
        return redirect("responses:detail", pk=pk)
    subject, body = response_render_email(
        response=response,
        text=response.draft,
        body_name=scheme_get_current().body.name,
        unsubscribe_url=UNSUBSCRIBE_PLACEHOLDER,
    )
    return render(
        request,
        "responses/preview.html",
        _page(
            response,
            panel={"context": {"status": selectors.response_preview_status(response=response)}},
            email_subject=subject,
            email_body=body,
        ),
    )


@responder_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; only the POST publishes, and only the draft it showed."""
    response = selectors.response_get_for_responder(response_id=pk)
    if response.is_published and request.method == "GET":
        return redirect("responses:detail", pk=pk)
    refusal = ""
    status = 200
    if request.method == "POST":
        submitted = PublishForm(request.POST)
        if not submitted.is_valid():
            refusal, status = _("Check the response below, then publish it again."), 400
        else:
            try:
                published = response_publish(
                    response_id=pk, actor=request.user, expected_digest=submitted.cleaned_data["digest"]
                )
            except DomainError as error:
                refusal, status = error.message, error.http_status
            else:
                recipients = selectors.response_count_subscribers(response=published)
                messages.success(
                    request,
                    ngettext(
                        "Published. It is on the petition page, and %(n)s signer is being emailed.",
                        "Published. It is on the petition page, and %(n)s signers are being emailed.",
                        recipients,
                    )
                    % {"n": f"{recipients:,}"},
                )
                return redirect("responses:detail", pk=pk)
        # Show the response as it is now: someone may have changed the draft or published it.
        response = selectors.response_get_for_responder(response_id=pk)
    digest = draft_digest(text=response.draft)
    form = PublishForm(initial={"digest": digest})
    if refusal:
        # Bound to the current draft's digest, so the error summary shows the refusal and
        # a second press publishes the text now on the page.
        form = PublishForm({"digest": digest})
        form.is_valid()
        form.add_error(None, refusal)
    return render(
        request,
        "responses/publish.html",
        _page(response, form=form, recipients=selectors.response_count_subscribers(response=response)),
        status=status,
    )
