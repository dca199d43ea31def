from __future__ import annotations

from django.tasks import task

from townhall.engagement.services import update_fanout_run


@task(queue_name="email")
def update_fanout(*, update_id: int) -> int:
    """Queue a published update's email to every opted-in signer (safe to run twice)."""
    return update_fanout_run(update_id=update_id)
