"""Killing the workers mid-run on PostgreSQL: every opted-in signer still gets exactly one
email.

Both halves of the delivery run in separate processes, with the embedded settings
(config.settings.dev, whose mail backend is the outbox table, so a letter's sending and
its marking as sent commit together), and are killed with SIGKILL part-way through:

1. the fan-out, which queues one letter per subscriber in batches;
2. the drain, which sends the queued letters one by one.

Each is then started again and run to completion. Both are throttled (a short sleep per
batch or letter, inside its transaction) only so that the kill lands mid-run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from pytest_django.fixtures import Settings

from tests.responses.conftest import owe_response, publish
from townhall.accounts.models import User
from townhall.mail.models import OutboxMessage, QueuedEmail
from townhall.mail.selectors import letters_owed
from townhall.responses.models import Response
from townhall.responses.services import response_fanout
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature, SignatureState

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 500
FANOUT_BATCH = 10
WAIT_SECONDS = 120

THROTTLED_FANOUT = """
import time
from townhall.responses.services import response_fanout
from townhall.signatures import services
queue = services.queue_letters
def slowly(letters):
    time.sleep(0.05)
    return queue(letters)
services.queue_letters = slowly
response_fanout(response_id={response_id}, batch_size={batch})
"""
FANOUT = "from townhall.responses.services import response_fanout; response_fanout(response_id={response_id})"
THROTTLED_DRAIN = """
import time
from townhall.mail.backends import OutboxBackend
from townhall.mail.services import send_queued_letters
deliver = OutboxBackend.send_messages
def slowly(self, messages):
    time.sleep(0.01)
    return deliver(self, messages)
OutboxBackend.send_messages = slowly
send_queued_letters()
"""
DRAIN = "from townhall.mail.services import send_queued_letters; send_queued_letters()"


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _command(code: str) -> list[str]:
    return [sys.executable, "manage.py", "shell", "-c", code]


def _environment() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(django_settings.BASE_DIR)),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "TOWNHALL_DATABASE_URL": _database_url(),
    }


def _run_to_completion(code: str) -> None:
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        _command(code),
        cwd=django_settings.BASE_DIR,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _run_and_kill(code: str, *, kill_when: Callable[[], bool]) -> None:
    """Start `code` in a worker process and SIGKILL it as soon as `kill_when()` holds."""
    worker = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        _command(code),
        cwd=django_settings.BASE_DIR,
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while not kill_when():
            if worker.poll() is not None:
                stderr = worker.stderr.read().decode() if worker.stderr else ""
                pytest.fail(f"the worker finished before it could be killed (exit {worker.returncode}): {stderr}")
            if time.monotonic() > deadline:
                pytest.fail("the worker made no progress in time")
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        if worker.stderr:
            worker.stderr.close()


def _letters(response: Response) -> Any:
    return QueuedEmail.objects.filter(dedupe_key__startswith=f"response:{response.pk}:signature:")


def test_killed_workers_still_email_every_subscriber_exactly_once(
    scheme: Scheme, moderator: User, responder: User, settings: Settings
) -> None:
    response = owe_response(moderator=moderator, subscribers=SUBSCRIBERS)
    subscribers = set(
        Signature.objects.filter(
            petition_id=response.petition_id, state=SignatureState.VERIFIED, wants_updates=True
        ).values_list("email", flat=True)
    )
    assert len(subscribers) == SUBSCRIBERS
    # Publish without running the fan-out here: the worker processes below do it.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["email"]}}
    publish(response, by=responder)

    # 1. The fan-out is killed after some batches, then started again.
    _run_and_kill(
        THROTTLED_FANOUT.format(response_id=response.pk, batch=FANOUT_BATCH),
        kill_when=lambda: _letters(response).count() >= 100,
    )
    response.refresh_from_db()
    queued_at_kill = _letters(response).count()
    assert 100 <= queued_at_kill < SUBSCRIBERS
    assert queued_at_kill % FANOUT_BATCH == 0  # whole batches only: the killed one rolled back
    last_key = _letters(response).order_by("-id").values_list("dedupe_key", flat=True).first()
    assert last_key is not None
    assert response.fanout_after_id == int(last_key.rsplit(":", 1)[1])  # the cursor moved with its batch
    assert response.fanout_finished_at is None

    _run_to_completion(FANOUT.format(response_id=response.pk))
    # Running the fan-out again, twice, queues nothing more.
    assert response_fanout(response_id=response.pk) == 0
    assert response_fanout(response_id=response.pk) == 0
    response.refresh_from_db()
    assert response.fanout_finished_at is not None
    assert Counter(_letters(response).values_list("to", flat=True)) == Counter(dict.fromkeys(subscribers, 1))

    # 2. The drain is killed after some letters were sent, then started again.
    _run_and_kill(THROTTLED_DRAIN, kill_when=lambda: _letters(response).filter(sent_at__isnull=False).count() >= 100)
    sent_at_kill = _letters(response).filter(sent_at__isnull=False).count()
    assert 100 <= sent_at_kill < SUBSCRIBERS
    # Sending and marking sent commit together: nothing was delivered but not marked.
    assert OutboxMessage.objects.filter(to__in=subscribers).count() == sent_at_kill

    for _ in range(10):  # as the scheduler would, every second, while letters are owed
        _run_to_completion(DRAIN)
        if not letters_owed():
            break
        time.sleep(0.5)

    assert not letters_owed()
    delivered = Counter(OutboxMessage.objects.values_list("to", flat=True))
    assert delivered == Counter(dict.fromkeys(subscribers, 1))


def test_two_fan_outs_at_once_queue_each_letter_once(
    scheme: Scheme, moderator: User, responder: User, settings: Settings
) -> None:
    """Say the stalled-fan-out resume fired while the first task was still running."""
    from concurrent.futures import ThreadPoolExecutor

    response = owe_response(moderator=moderator, subscribers=300)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["email"]}}
    publish(response, by=responder)

    def fan_out() -> int:
        try:
            return response_fanout(response_id=response.pk, batch_size=20)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = [pool.submit(fan_out) for _ in range(3)]
        queued = [run.result(timeout=WAIT_SECONDS) for run in runs]

    assert sum(queued) == 300
    assert _letters(response).count() == 300
    assert len(set(_letters(response).values_list("to", flat=True))) == 300
    response.refresh_from_db()
    assert response.fanout_finished_at is not None
