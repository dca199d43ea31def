"""The health check for load balancers, and the embedded outbox (every email the site sent)."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from townhall.core.http import no_store
from townhall.core.models import OutboxMessage


def _require_outbox() -> None:
    if not settings.TOWNHALL["OUTBOX_ENABLED"]:
        raise Http404("The outbox exists only in the embedded set-up.")


@no_store
@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    _require_outbox()
    return render(request, "core/outbox.html", {"messages_sent": OutboxMessage.objects.all()[:200]})


@no_store
@require_safe
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_outbox()
    return render(request, "core/outbox_message.html", {"message": get_object_or_404(OutboxMessage, pk=pk)})


@no_store
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """`/healthz`: 200 "ok" when this web node can reach its database, else 503, for nginx,
    a load balancer or a monitor to take a node out of rotation. Says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
