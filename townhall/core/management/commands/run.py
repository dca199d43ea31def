"""`make run`: migrate, load the demo borough, then run web, worker and scheduler together."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from townhall.core.stopping import stop_on_signals

FIRST_RESTART_SECONDS = 1.0
MAX_RESTART_SECONDS = 30.0
# A child that ran this long before it stopped is restarted after the first, short wait.
STEADY_SECONDS = 60.0


def stop_leftovers(group: int) -> None:
    """Kill whatever a dead child left running in its process group (each child leads its
    own), so that its replacement is the only one of its kind."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


class Command(BaseCommand):
    help = "Start the embedded Townhall: web server, task worker and scheduler. Ctrl-C stops all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=settings.TOWNHALL_PORT)
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo borough.")

    def handle(self, *args: Any, **options: Any) -> None:
        port: int = options["port"]
        environment = os.environ.copy()
        if "TOWNHALL_BASE_URL" not in environment:
            # Emailed links lead to this server, on whatever port it was given (the demo
            # loader writes some in this process, the worker and scheduler the rest).
            base_url = f"http://127.0.0.1:{port}"
            environment["TOWNHALL_BASE_URL"] = base_url
            settings.TOWNHALL = {**settings.TOWNHALL, "BASE_URL": base_url}
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("load_demo")
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            # No autoreloader: it would run the worker as a grandchild, which outlives a
            # SIGKILL of the child this command watches, leaving two workers after a restart.
            "worker": [*manage, "worker", "--queue-name=*", "--interval=0.5", "--no-startup-delay", "--no-reload"],
            "scheduler": [*manage, "scheduler"],
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        stop = stop_on_signals()

        def start(name: str) -> None:
            # Children get their own process group so that Ctrl-C reaches this supervisor
            # only, and it stops them in order.
            children[name] = subprocess.Popen(commands[name], env=environment, start_new_session=True)  # noqa: S603 (our own manage.py)
            started_at[name] = time.monotonic()

        started_at: dict[str, float] = {}
        backoff = dict.fromkeys(commands, FIRST_RESTART_SECONDS)
        restart_at: dict[str, float] = {}
        for name in commands:
            start(name)
        self.stdout.write(self.style.SUCCESS(f"Townhall is running on http://127.0.0.1:{port}/ (Ctrl-C stops it)"))
        while not stop.requested:
            now = time.monotonic()
            for name, child in children.items():
                if name in restart_at or child.poll() is None:
                    continue
                stop_leftovers(child.pid)
                # A child that ran a while before dying starts again after 1 s; one that keeps
                # dying waits longer each time (doubling to 30 s).
                if now - started_at[name] > STEADY_SECONDS:
                    backoff[name] = FIRST_RESTART_SECONDS
                wait = backoff[name]
                self.stderr.write(
                    f"{name} stopped unexpectedly (exit code {child.returncode}); restarting it in {wait:.0f} s"
                )
                restart_at[name] = now + backoff[name]
                backoff[name] = min(backoff[name] * 2, MAX_RESTART_SECONDS)
            for name, due in list(restart_at.items()):
                if now >= due and not stop.requested:
                    del restart_at[name]
                    start(name)
                    self.stdout.write(f"{name} restarted")
            time.sleep(0.3)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("Townhall stopped.")
