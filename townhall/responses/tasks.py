"""Background work for responses, run by the task worker."""

from __future__ import annotations

from django.tasks import task

from townhall.responses.services import response_fanout


@task(queue_name="email")
def fan_out_response(response_id: int) -> int:
    """Queue the published response's email to every opted-in signer (idempotent)."""
    return response_fanout(response_id=response_id)
