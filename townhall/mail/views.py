"""The embedded outbox: every email the site sent, to read and follow its links."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from townhall.core.http import no_store
from townhall.mail import selectors


def _require_outbox() -> None:
    if not settings.TOWNHALL["OUTBOX_ENABLED"]:
        raise Http404("The outbox exists only in the embedded set-up.")


@no_store
@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    _require_outbox()
    return render(request, "mail/outbox.html", {"messages_sent": selectors.outbox_message_list()})


@no_store
@require_safe
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_outbox()
    return render(request, "mail/outbox_message.html", {"message": selectors.outbox_message_get(message_id=pk)})
