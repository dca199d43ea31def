"""`make bench`: the viral-petition benchmark.

    .venv/bin/python -m scripts.bench [--backends postgres,sqlite] [--duration 15] ...

For each backend: create a throwaway database, migrate, create the cache table, set up
one open petition (the product's own services) and, on PostgreSQL, an older petition with
`--history` signatures already counted and the tables ANALYZEd, so the planner works from
statistics as on a live site (setup_db.py). Start the production WSGI server (granian), the
task worker and the scheduler with config.settings.bench, mail going to an SMTP sink inside
this process. Then drive a bounded burst of sign → confirm journeys, wait for the emails
and the counter to drain, check the bench petition's count is exact and every confirmation
email went out once, measure petition-page and count.json reads, record peak memory and
CPU, stop everything, and (PostgreSQL) measure the database floor: the journey's three
writes issued straight from 16 psycopg connections. Prints a table and writes
bench-results/<timestamp>.json.

The journeys are driven by this process (aiohttp). The read phases are driven by wrk
(`--reader wrk`, the default when /usr/bin/wrk exists; `scripts/ensure-wrk` installs it),
a C load generator that costs far less CPU per request than the harness's own client
(`--reader aiohttp`), which on a small machine saturates before the server does. The
table's CPU and memory rows name the load generator that ran ("harness" or "wrk").

Only 127.0.0.1 is contacted (clients bind other 127/8 loopback addresses as their source).
Everything started is stopped, on success, failure or Ctrl-C; the whole run has a hard
time limit (--time-limit, 290 s by default).

This module only sequences the run: options (`options`), the quiet-machine wait (`cpu`),
each backend (`run`), then the printed table and the JSON file (`report`). Exit status:
0 when every exactness check passed, 1 when one failed, 2 when the run could not finish,
130 when interrupted.
"""

from __future__ import annotations

import asyncio
import datetime
import signal
import sys
from pathlib import Path
from types import FrameType

from . import report
from .cpu import quiet_machine
from .options import git_commit, parse_args
from .report import Machine, RunInfo
from .results import BackendResult
from .run import run_backends


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    run_id = "r" + started.strftime("%H%M%S")
    output = Path(options.output)
    log_dir = output / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    commit = options.commit or git_commit()
    machine = Machine.here()
    for line in report.preamble(options, commit=commit, log_dir=log_dir, machine=machine):
        print(line)
    background = quiet_machine(options.wait_quiet)
    print(report.machine_busy(background, machine))

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        results: list[BackendResult] = asyncio.run(
            asyncio.wait_for(run_backends(options, run_id=run_id, log_dir=log_dir), options.time_limit)
        )
    except TimeoutError:
        print(f"FAILED: the bench hit its time limit of {options.time_limit:.0f} s (everything it started is stopped)")
        return 2
    except KeyboardInterrupt:
        print("interrupted: everything the bench started is stopped")
        return 130
    except RuntimeError as error:
        print(f"FAILED: {error}")
        return 2
    info = RunInfo(
        commit=commit,
        started=started,
        wall_seconds=(datetime.datetime.now(datetime.UTC) - started).total_seconds(),
        command=" ".join([Path(sys.executable).name, "-m", "scripts.bench", *(argv or sys.argv[1:])]),
        options=options,
        machine_busy_before=background,
        machine=machine,
    )
    path = output / f"{stamp}.json"
    report.write(path, info, results)
    print()
    print(report.headline(info))
    print(report.table(results))
    for line in report.outcome(results):
        print(line)
    print(f"results: {path}")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
