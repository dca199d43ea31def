"""Hand tasks orphaned by a dead worker back to the queue.

A task worker that is killed, or loses its database, mid-task leaves the task's row in
RUNNING for ever: no worker picks it up again. The scheduler runs `reclaim_stale_tasks`
periodically; a row RUNNING for longer than `TASK_RUNNING_TIMEOUT_SECONDS` is made READY
again, so the next worker runs it. Townhall's tasks may run twice safely: the email drains
claim each row with SELECT … FOR UPDATE SKIP LOCKED and mark it sent in the same
transaction (docs/decisions/0002).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("townhall.tasks")


def reclaim_stale_tasks() -> int:
    """Make every task RUNNING past the timeout READY again; return how many."""
    timeout = timedelta(seconds=float(settings.TOWNHALL["TASK_RUNNING_TIMEOUT_SECONDS"]))
    stale = DBTaskResult.objects.running().filter(started_at__lt=timezone.now() - timeout)
    reclaimed = stale.update(status=TaskResultStatus.READY, started_at=None)
    if reclaimed:
        logger.warning("reclaimed %d task(s) left running for over %s by a stopped worker", reclaimed, timeout)
    return reclaimed
