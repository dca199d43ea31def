"""`manage.py scheduler`: runs the periodic jobs (townhall/core/scheduler.py) until stopped.

It survives losing its database: when a job fails because the database cannot be reached, it
prints a line saying so, drops its connections, waits (1 s, doubling to at most 30 s, back to
1 s once a round of jobs has run) and carries on, the job still due. It never exits for that.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import Error

from townhall.core import scheduler
from townhall.core.reconnect import FIRST_BACKOFF_SECONDS, forget_connections, lost_reason, next_backoff
from townhall.core.stopping import stop_on_signals

TICK_SECONDS = 0.2


class Command(BaseCommand):
    help = "Run periodic work (counting signatures, sending confirmations, closing petitions)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            scheduler.run_all_once()
            return
        stop = stop_on_signals()
        names = ", ".join(job.name for job in scheduler.registered_jobs())
        self.stdout.write(f"Scheduler running: {names}")
        backoff = FIRST_BACKOFF_SECONDS
        while not stop.requested:
            try:
                ran = scheduler.run_due_jobs(now=time.monotonic())
            except Error as error:
                self.stderr.write(
                    f"Scheduler lost its database ({lost_reason(error)}); reconnecting in {backoff:.0f} s"
                )
                forget_connections()
                # In short steps, so that a stop signal is answered at once.
                for _ in range(round(backoff / TICK_SECONDS)):
                    if stop.requested:
                        break
                    time.sleep(TICK_SECONDS)
                backoff = next_backoff(backoff)
                continue
            if ran:
                backoff = FIRST_BACKOFF_SECONDS
            time.sleep(TICK_SECONDS)
        self.stdout.write("Scheduler stopped.")
