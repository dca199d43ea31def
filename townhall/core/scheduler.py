"""The one scheduler entry point for periodic work (counting, closing, sending).

Apps register their periodic jobs in `AppConfig.ready()`; the `scheduler` management
command runs each job when it is due, one at a time, in a single process. Running jobs
in one process makes the counter a single writer by construction.

A job that fails is logged and tried again at its next interval. One that fails because the
database cannot be reached is not the job's fault: `run_due_jobs` raises the error and leaves
the job due, and the command waits (with backoff) and reconnects, running nothing meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, close_old_connections, connections

logger = logging.getLogger("townhall.scheduler")


@dataclass
class PeriodicJob:
    name: str
    interval_key: str
    func: Callable[[], object]
    next_run: float = field(default=0.0)

    @property
    def interval(self) -> float:
        seconds: Any = settings.TOWNHALL[self.interval_key]
        return float(seconds)


_registry: dict[str, PeriodicJob] = {}


def register(*, name: str, interval_key: str, func: Callable[[], object]) -> None:
    """Register a periodic job; `interval_key` names its interval in settings.TOWNHALL."""
    _registry[name] = PeriodicJob(name=name, interval_key=interval_key, func=func)


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_registry.values(), key=lambda job: job.name)


def database_reachable() -> bool:
    """Whether a query reaches the database now, on a fresh connection if the last one broke."""
    try:
        close_old_connections()
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Error:
        return False
    return True


def run_due_jobs(*, now: float) -> list[str]:
    """Run every job whose time has come; a failing job is logged and retried next time.

    `now` is the caller's clock (the command passes `time.monotonic()`); each job's next
    run is scheduled on that same clock, so a job falls due one interval after `now`.

    A database error raised while the database cannot be reached (a restart, a network
    blip) is raised to the caller instead, and the job stays due, to run once it is back.
    """
    ran = []
    for job in registered_jobs():
        if now < job.next_run:
            continue
        close_old_connections()
        try:
            job.func()
        except Error:
            if not database_reachable():
                raise
            logger.exception("periodic job %s failed", job.name)
        except Exception:
            logger.exception("periodic job %s failed", job.name)
        job.next_run = now + job.interval
        ran.append(job.name)
    return ran


def run_all_once() -> None:
    """Run every registered job once, in name order (tests, the demo loader, `--once`)."""
    for job in registered_jobs():
        job.func()
