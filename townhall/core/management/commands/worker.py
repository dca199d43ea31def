"""`manage.py worker`: django-tasks-db's `db_worker` that survives losing its database.

`db_worker` exits on the first OperationalError, so a PostgreSQL restart or a network blip
stopped sending email until someone restarted it. This command runs the same worker (same
options) under a loop: on a database error it logs a line saying so, drops its connections,
waits (1 s, doubling to at most 30 s, back to 1 s once it has run a while) and starts over.
A task cut off mid-run stays RUNNING until the scheduler's `reclaim-stale-tasks` job makes it
ready again (townhall/core/taskreclaim.py).
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.db import Error
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from townhall.core.reconnect import FIRST_BACKOFF_SECONDS, forget_connections, lost_reason, next_backoff

# A worker that ran this long before failing starts again from the first, short wait.
STEADY_SECONDS = 60.0


class Command(DBWorkerCommand):
    help = "Run the task worker; it reconnects with backoff when the database goes away."

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(lambda: self.supervise(worker))
        else:
            worker.configure_signals()
            self.supervise(worker)

    def supervise(self, worker: Worker) -> None:
        """Run the worker until it stops of its own accord (a signal, --batch, --max-tasks)."""
        backoff = FIRST_BACKOFF_SECONDS
        while worker.running:
            started = time.monotonic()
            try:
                worker.run()
                return
            except Error as error:
                if time.monotonic() - started > STEADY_SECONDS:
                    backoff = FIRST_BACKOFF_SECONDS
                self.stderr.write(
                    f"Task worker lost its database ({lost_reason(error)}); reconnecting in {backoff:.0f} s"
                )
                forget_connections()
                worker.startup_delay = False
                time.sleep(backoff)
                backoff = next_backoff(backoff)
