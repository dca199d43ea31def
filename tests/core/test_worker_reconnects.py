"""The task worker (`manage.py worker`) outlives its database connections.

A PostgreSQL restart or a network blip drops every connection the worker holds and refuses
new ones for a while. The test runs the worker in a subprocess against the test database,
makes that database refuse connections (ALLOW_CONNECTIONS false) and terminates the worker's
with pg_terminate_backend for a few seconds, lets it back, and shows the worker is still
running and drains the tasks queued afterwards.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.core.outage import manage_process, outage
from townhall.mail.models import OutboxMessage
from townhall.mail.services import Letter, queue_letters

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def queue_email(to: str) -> DBTaskResult[..., object]:
    """A letter in the outbox and a task to send it, as a service queues them."""
    queue_letters([Letter(dedupe_key=f"test:{to}", to=to, subject="Thank you", body="Signed.\n")], drain=False)
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="townhall.mail.tasks.send_queued_emails",
        queue_name="email",
        backend_name="default",
        run_after=timezone.now(),
    )


def wait_until_done(tasks: list[DBTaskResult[..., object]], worker: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    pks = [task.pk for task in tasks]
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker stopped"
        done = DBTaskResult.objects.filter(pk__in=pks, status=TaskResultStatus.SUCCESSFUL).count()
        if done == len(pks):
            return
        time.sleep(0.2)
    pytest.fail(f"tasks not done after {seconds} s")


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    command = ["worker", "--queue-name=*", "--interval=0.2", "--no-startup-delay", "--no-reload"]
    with manage_process(tmp_path, command, environment={}) as process:
        yield process


def test_the_worker_survives_terminated_connections_and_drains_later_tasks(
    worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    wait_until_done([queue_email("first@example.org")], worker, 60)

    terminated = outage(seconds=5)  # as in a PostgreSQL restart
    assert terminated >= 1

    later = [queue_email(f"later{n}@example.org") for n in range(3)]
    wait_until_done(later, worker, 60)
    assert worker.poll() is None
    assert OutboxMessage.objects.filter(to__startswith="later").count() == 3
    assert "reconnecting" in (tmp_path / "worker.log").read_text()
