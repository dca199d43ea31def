"""The documented web server command survives a worker killed with SIGKILL.

The test starts granian exactly as docs/deployment.md says (on a free port, SQLite settings),
kills one of its two worker processes with kill -9, and shows that the server is still up,
answering requests, with a fresh worker in the dead one's place.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.documented import BASE_DIR, documented_command
from tests.local import children_of, free_port, healthz


def answered(port: int) -> bool:
    """Whether /healthz answers 200, retried a few times over a few seconds (a connection may land
    on a worker that is still starting, or on the one just killed)."""
    for _ in range(5):
        if healthz(port) == 200:
            return True
        time.sleep(0.5)
    return False


def wait_for(condition: object, seconds: float, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up after {seconds} s waiting for {what}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TOWNHALL_DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
    }
    command = documented_command(".venv/bin/granian", port=str(port))
    log = (tmp_path / "granian.log").open("wb")
    # In its own process group: the worker granian respawns outlives granian's own exit, so the
    # whole group is killed at the end.
    process = subprocess.Popen(  # noqa: S603
        command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()
        sys.stdout.write((tmp_path / "granian.log").read_text(errors="replace")[-2000:])


def test_a_worker_killed_with_sigkill_is_replaced_and_requests_are_still_answered(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = server
    wait_for(lambda: healthz(port) == 200, 60, "granian to answer /healthz")
    wait_for(lambda: len(children_of(process.pid)) == 2, 30, "two granian workers")
    workers = children_of(process.pid)
    victim = min(workers)

    os.kill(victim, signal.SIGKILL)

    assert all(answered(port) for _ in range(10)), "requests went unanswered after the kill"
    wait_for(lambda: victim not in children_of(process.pid), 10, "the killed worker to be reaped")
    # Bounded: the respawn waits --respawn-interval (3.5 s by default) before starting a worker.
    wait_for(lambda: len(children_of(process.pid) - workers) == 1, 30, "a new worker in the dead one's place")
    assert process.poll() is None, "granian itself stopped"
    assert all(answered(port) for _ in range(10)), "requests went unanswered after the respawn"
    assert len(children_of(process.pid)) == 2
