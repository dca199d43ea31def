"""Public reads from a read replica; everything else from the primary.

When a `replica` database is configured (TOWNHALL_REPLICA_DATABASE_URL), anonymous GET and
HEAD requests for public pages and open data (petition list and pages, count.json, the JSON
APIs; the paths in settings.READ_REPLICA_PATHS) read from it. Everything else reads from and
writes to `default`: every write, every staff page, the sign, confirm and "check your email"
pages (a signature written a moment ago must be read back from the primary, and a replica
may lag), the task worker and the scheduler (which never pass through this middleware).

A few tables are always read from the primary, even on public pages: the shared cache
(rate limits, replay protection), sessions and the task queue hold state that must be
exact at the instant it is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
READ_METHODS = frozenset({"GET", "HEAD"})
# App labels whose tables are read from the primary whatever the request.
PRIMARY_ONLY_APPS = frozenset({"django_cache", "sessions", "django_tasks_db", "otp_totp", "otp_static"})

_reads_from_replica: ContextVar[bool] = ContextVar("townhall_reads_from_replica", default=False)


def replica_enabled() -> bool:
    """Whether public reads go to the replica: it is configured and switched on."""
    return bool(getattr(settings, "READ_REPLICA_ENABLED", False)) and REPLICA in settings.DATABASES


@cache
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def is_public_read_path(path: str) -> bool:
    patterns = tuple(getattr(settings, "READ_REPLICA_PATHS", ()))
    return bool(patterns) and _compiled(patterns).fullmatch(path) is not None


def request_may_use_replica(request: HttpRequest) -> bool:
    """An anonymous GET or HEAD of a public read-only path."""
    if request.method not in READ_METHODS or not is_public_read_path(request.path_info):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class ReplicaReadMiddleware:
    """Marks replica-eligible requests for ReplicaRouter. Placed after authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_enabled() or not request_may_use_replica(request):
            return self.get_response(request)
        token = _reads_from_replica.set(True)
        try:
            return self.get_response(request)
        finally:
            _reads_from_replica.reset(token)


class ReplicaRouter:
    """Reads go to the replica only inside a request the middleware marked; writes never do."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        if not _reads_from_replica.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return None
        return REPLICA if replica_enabled() else None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: an object read from either may refer to the other.
        if {obj1._state.db, obj2._state.db} <= {"default", REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # A replica copies the primary's schema; migrations run on the primary only.
        return False if db == REPLICA else None
