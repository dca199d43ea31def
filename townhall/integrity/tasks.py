from __future__ import annotations

from django.tasks import task

from townhall.integrity.services import invalidation_run


@task()
def run_invalidation(*, invalidation_id: int) -> int:
    """Run an invalidation in the background; progress is visible on the staff page."""
    return invalidation_run(invalidation_id=invalidation_id).invalidated
