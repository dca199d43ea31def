"""Tasks left "running" by a worker that died are handed back to the queue after a timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from townhall.core import scheduler
from townhall.core.taskreclaim import reclaim_stale_tasks

pytestmark = pytest.mark.django_db


def running_task(*, started_ago: timedelta) -> DBTaskResult[..., object]:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="townhall.mail.tasks.queued_emails_drain",
        backend_name="default",
        queue_name="email",
        run_after=now,
        started_at=now - started_ago,
        worker_ids=["dead-worker"],
    )


def test_a_task_running_past_the_timeout_is_ready_again_and_a_recent_one_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(settings.TOWNHALL, "TASK_RUNNING_TIMEOUT_SECONDS", 600.0)
    stale = running_task(started_ago=timedelta(seconds=601))
    recent = running_task(started_ago=timedelta(seconds=30))

    assert reclaim_stale_tasks() == 1

    stale.refresh_from_db()
    recent.refresh_from_db()
    assert stale.status == TaskResultStatus.READY
    assert stale.started_at is None
    assert DBTaskResult.objects.ready().filter(pk=stale.pk).exists()
    assert recent.status == TaskResultStatus.RUNNING


def test_finished_tasks_are_never_touched() -> None:
    done = running_task(started_ago=timedelta(days=2))
    done.status = TaskResultStatus.SUCCESSFUL
    done.finished_at = timezone.now()
    done.save()

    assert reclaim_stale_tasks() == 0
    done.refresh_from_db()
    assert done.status == TaskResultStatus.SUCCESSFUL


def test_the_scheduler_runs_the_reclaim() -> None:
    assert "reclaim-stale-tasks" in {job.name for job in scheduler.registered_jobs()}
    stale = running_task(started_ago=timedelta(days=1))
    scheduler.run_all_once()
    stale.refresh_from_db()
    assert stale.status == TaskResultStatus.READY
