"""The health check for load balancers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from townhall.core import health as checks
from townhall.core.http import no_store


@no_store
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """`/healthz`: 200 "ok" when this web node can reach its database and its cache table, else
    503 naming the first part that failed, for nginx, a load balancer or a monitor to take a node
    out of rotation. `/healthz?deep` answers JSON with each check, the oldest queued email's age
    and the task worker's last work (townhall/core/health.py)."""
    verdicts = checks.run_checks()
    healthy = all(verdict == "ok" for verdict in verdicts.values())
    status = 200 if healthy else 503
    if "deep" in request.GET:
        return JsonResponse(checks.deep_report(verdicts), status=status)
    for name, verdict in verdicts.items():
        if verdict != "ok":
            return HttpResponse(f"{name} unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
