"""The health check for load balancers."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from townhall.core.http import no_store


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
