"""`make run`: migrate, load the demo borough, then run web, worker and scheduler together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the embedded Townhall: web server, task worker and scheduler. Ctrl-C stops all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=settings.TOWNHALL_PORT)
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo borough.")

    def handle(self, *args: Any, **options: Any) -> None:
        port: int = options["port"]
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("load_demo")
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            "worker": [*manage, "worker", "--queue-name=*", "--interval=0.5", "--no-startup-delay"],
            "scheduler": [*manage, "scheduler"],
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            # Children get their own process group so that Ctrl-C reaches this supervisor
            # only, and it stops them in order.
            children[name] = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)  # noqa: S603 (our own manage.py)
        self.stdout.write(self.style.SUCCESS(f"Townhall is running on http://127.0.0.1:{port}/ (Ctrl-C stops it)"))
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} stopped unexpectedly (exit code {child.returncode}); stopping.")
                    exit_code = 1
                    stopping = True
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
        if exit_code:
            raise SystemExit(exit_code)
