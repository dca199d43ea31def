"""`manage.py run`, the embedded default, restarts a child killed with SIGKILL, for real.

The test starts `manage.py run` as `make run` does (the development settings, which migrate and
load the demo borough) on a free port and a throwaway SQLite file. Then, for the task worker,
the web server and the scheduler in turn, it kills the child with kill -9 and shows that:

- `run` says so on its output, and starts a new process of that kind;
- nothing of the killed child is left running, and there is exactly one of each kind;
- /healthz still answers 200;
- background work still gets done: a resident signs a petition through the web form, and the
  confirmation email is sent (the scheduler asks for it, the task worker sends it).

Bounded: every wait has a deadline, and every process group started is killed at the end. It
takes about a minute (migrating and loading the demo is most of it), so it carries the `slow`
marker: `make test-slow` runs it, and so does CI (.ci/run).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.local import free_port, healthz, live_processes

pytestmark = pytest.mark.slow

BASE_DIR = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 180.0  # migrate and load the demo borough on a busy machine
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def command_of(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    except OSError:
        return []


def descendants(pid: int) -> list[int]:
    processes = live_processes()
    found = [pid]
    for parent in found:
        found.extend(child for child, (ppid, _) in processes.items() if ppid == parent)
    return found[1:]


@dataclass
class Run:
    """The running `manage.py run`: its process, port, output and database."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    database: Path
    groups: set[int] = field(default_factory=set)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self, kind: str) -> list[int]:
        """The processes below `run` running `manage.py <kind>` (web: runserver)."""
        name = "runserver" if kind == "web" else kind
        found = [pid for pid in descendants(self.process.pid) if command_of(pid)[2:3] == [name]]
        # Remember each process group, to kill whatever is left at the end.
        self.groups.update(live_processes()[pid][1] for pid in found if pid in live_processes())
        return found

    def healthz(self) -> int | None:
        return healthz(self.port)

    def signature(self, email: str) -> tuple[int, int] | None:
        """(email_pending, emails_sent) of the signature by `email`, read from the database."""
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10)) as db:
            row = db.execute(
                "SELECT email_pending, emails_sent FROM signatures_signature WHERE email = ?", (email,)
            ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def sign(self, petition_id: int, email: str) -> None:
        """Sign through the web form, as a browser would: the page, its CSRF cookie and token."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        url = f"http://127.0.0.1:{self.port}/petitions/{petition_id}/sign/"
        with opener.open(url, timeout=30) as response:
            match = CSRF_INPUT.search(response.read().decode())
        assert match is not None, "the sign page has no CSRF token"
        form = {
            "csrfmiddlewaretoken": match.group(1),
            "name": "Robin Restart",
            "email": email,
            "postcode": "KM3 3DE",
            "declared_eligible": "on",
        }
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers={"Referer": url})
        with opener.open(request, timeout=30) as response:
            assert response.status == 200
            assert response.url.endswith("/check-your-email/"), response.url


def wait_for(condition: Callable[[], object], seconds: float, what: str, run: Run) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert run.process.poll() is None, f"manage.py run stopped:\n{run.output()[-3000:]}"
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up after {seconds:.0f} s waiting for {what}\n{run.output()[-3000:]}")


def kill_groups(groups: set[int], signum: int) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signum)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    port = free_port()
    database = tmp_path / "townhall.sqlite3"
    environment = {
        **os.environ,
        # As `make run`: manage.py's own default settings, the embedded development set-up.
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "TOWNHALL_DATABASE_URL": f"sqlite:///{database}",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("TOWNHALL_REPLICA_DATABASE_URL", "TOWNHALL_DATABASE_PGBOUNCER"):
        environment.pop(name, None)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, str(BASE_DIR / "manage.py"), "run", "--port", str(port)],
            cwd=BASE_DIR,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Run(process=process, port=port, log=log, database=database, groups={process.pid})
    try:
        yield running
    finally:
        for kind in ("web", "worker", "scheduler"):
            running.children(kind)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        kill_groups(running.groups, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        sys.stdout.write(running.output()[-3000:])


def open_petition(run: Run) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{run.port}/api/v1/petitions?state=open", timeout=30) as response:
        results = json.loads(response.read())["results"]
    assert results, "the demo borough has no open petition"
    petition_id: int = results[0]["id"]
    return petition_id


def test_run_restarts_each_child_killed_with_sigkill_and_work_goes_on(run: Run) -> None:
    started = time.monotonic()
    wait_for(lambda: run.healthz() == 200, STARTUP_SECONDS, "manage.py run to answer /healthz", run)
    wait_for(lambda: all(len(run.children(kind)) == 1 for kind in ("web", "worker", "scheduler")), 30, "children", run)
    petition_id = open_petition(run)
    sys.stdout.write(f"\nmanage.py run answered after {time.monotonic() - started:.1f} s\n")

    for kind in ("worker", "web", "scheduler"):
        [victim] = run.children(kind)
        victim_group = live_processes()[victim][1]
        said = run.output().count(f"{kind} restarted")

        os.kill(victim, signal.SIGKILL)

        wait_for(lambda kind=kind, said=said: run.output().count(f"{kind} restarted") > said, 30, "the restart", run)
        assert f"{kind} stopped unexpectedly (exit code -9); restarting it" in run.output()
        wait_for(lambda kind=kind: len(run.children(kind)) == 1, 30, f"a new {kind}", run)
        [replacement] = run.children(kind)
        assert replacement != victim
        # Nothing of the killed child is left behind: no process in its group, one of each kind.
        wait_for(
            lambda group=victim_group: group not in {g for _, g in live_processes().values()},
            10,
            f"the killed {kind}'s processes to be gone",
            run,
        )
        assert [len(run.children(k)) for k in ("web", "worker", "scheduler")] == [1, 1, 1]
        wait_for(lambda: run.healthz() == 200, 30, "/healthz to answer 200 again", run)

        email = f"after-{kind}-restart@example.org"
        run.sign(petition_id, email)
        # The scheduler asks for the confirmation email; the task worker sends it.
        wait_for(lambda email=email: run.signature(email) == (0, 1), 30, f"the email to {email}", run)
        sys.stdout.write(f"{kind} killed and replaced, email sent: {time.monotonic() - started:.1f} s\n")

    assert run.process.poll() is None
