"""How long personal data is kept: one rule per table, all enforced by the `anonymise` job.

Each app that stores personal data registers a rule from its `AppConfig.ready()`: the
models it covers, the settings.TOWNHALL key holding its period (the one home of every
period; the privacy page reads the same keys), and a function that anonymises or deletes
the rows past it. `retention_enforce` runs every rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class RetentionRule:
    name: str
    models: tuple[str, ...]  # model labels, e.g. "mail.QueuedEmail"
    period_key: str  # its period in settings.TOWNHALL
    enforce: Callable[[datetime.datetime], int]  # (now) -> rows anonymised or deleted


_rules: dict[str, RetentionRule] = {}


def register(
    *, name: str, models: tuple[str, ...], period_key: str, enforce: Callable[[datetime.datetime], int]
) -> None:
    _rules[name] = RetentionRule(name=name, models=models, period_key=period_key, enforce=enforce)


def registered_rules() -> list[RetentionRule]:
    return list(_rules.values())


def covered_models() -> set[str]:
    return {label for rule in _rules.values() for label in rule.models}


def retention_enforce(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Run every rule once (the `anonymise` job). Returns rows changed, by rule."""
    now = now or timezone.now()
    return {rule.name: rule.enforce(now) for rule in _rules.values()}


def task_results_forget(now: datetime.datetime) -> int:
    """Delete finished background-task rows older than TASK_RESULT_RETENTION_DAYS: their
    arguments can hold email addresses. Rows waiting or running are kept."""
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    cutoff = now - datetime.timedelta(days=int(settings.TOWNHALL["TASK_RESULT_RETENTION_DAYS"]))
    deleted, _ = DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"], finished_at__lte=cutoff).delete()
    return int(deleted)
