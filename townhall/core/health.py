"""What `/healthz` checks, and what `/healthz?deep` reports.

The shallow checks (database, cache table) decide the status code a load balancer sees.
The deep report adds figures for a monitor: how long the oldest queued email has waited
and when the task worker last worked. Apps above core add their figures with
`register_figure` in `AppConfig.ready()` (core may not import them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

HEALTH_CACHE_KEY = "townhall:healthz"

_figures: dict[str, Callable[[], object]] = {}


def register_figure(name: str, func: Callable[[], object]) -> None:
    """Add `name: func()` to the deep report; func must return something JSON can hold."""
    _figures[name] = func


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    # A read of the cache table: fails when the table is missing or unreachable.
    caches["default"].get(HEALTH_CACHE_KEY)


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache}


def run_checks() -> dict[str, str]:
    """Each check's verdict, "ok" or "unavailable", in order (database first)."""
    verdicts: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            # A savepoint, so a failed statement does not spoil the next check on PostgreSQL
            # when the view runs inside a transaction (ATOMIC_REQUESTS, tests).
            with transaction.atomic():
                check()
        except Exception:  # any failure means this part is unavailable
            verdicts[name] = "unavailable"
        else:
            verdicts[name] = "ok"
    return verdicts


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def task_worker_report() -> dict[str, object]:
    """When a task was last started and finished, and how many wait or run now.

    The worker keeps no heartbeat of its own: the last finished task is the sign of life
    (the scheduler queues work at least whenever mail is owed)."""
    tasks = DBTaskResult.objects.all()
    last_started = tasks.exclude(started_at=None).order_by("-started_at").values_list("started_at", flat=True).first()
    last_finished = (
        tasks.exclude(finished_at=None).order_by("-finished_at").values_list("finished_at", flat=True).first()
    )
    age = (timezone.now() - last_finished).total_seconds() if last_finished else None
    return {
        "last_started_at": _iso(last_started),
        "last_finished_at": _iso(last_finished),
        "last_finished_age_seconds": age,
        "running": tasks.filter(status=TaskResultStatus.RUNNING).count(),
        "ready": tasks.filter(status=TaskResultStatus.READY).count(),
    }


def deep_report(verdicts: dict[str, str]) -> dict[str, object]:
    healthy = all(verdict == "ok" for verdict in verdicts.values())
    report: dict[str, object] = {"status": "ok" if healthy else "unavailable", "checks": verdicts}
    if verdicts.get("database") != "ok":
        return report
    figures: dict[str, Callable[[], object]] = {**_figures, "task_worker": task_worker_report}
    for name, func in figures.items():
        try:
            with transaction.atomic():
                report[name] = func()
        except DatabaseError:
            report[name] = "unavailable"
    return report
