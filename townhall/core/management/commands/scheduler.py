from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from townhall.core import scheduler


class Command(BaseCommand):
    help = "Run periodic work (counting signatures, sending confirmations, closing petitions)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            scheduler.run_all_once()
            return
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        names = ", ".join(job.name for job in scheduler.registered_jobs())
        self.stdout.write(f"Scheduler running: {names}")
        while not stopping:
            scheduler.run_due_jobs(now=time.monotonic())
            time.sleep(0.2)
        self.stdout.write("Scheduler stopped.")
