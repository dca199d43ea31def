"""`make drill`: the fault drill. `python -m scripts.drill --help` lists the options.

Starts everything it needs (its own PostgreSQL cluster, the SMTP sink, granian, the task
worker, the scheduler), injects the faults under load, prints the table and the checks, and
stops everything and removes the cluster on every way out: success, failure, an error,
Ctrl-C, SIGTERM and its hard time limit. Exit status: 0 every check passed, 1 one failed,
2 the drill could not run to the end, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import datetime
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from scripts.bench import procs
from scripts.bench.options import BASE_DIR, git_commit
from scripts.bench.run import free_port

from . import report
from .cluster import Cluster, cluster_places, sweep_orphans
from .options import parse_args
from .run import Drill, Outcome, say


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    began = time.monotonic()
    started = datetime.datetime.now(datetime.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    run_id = "d" + started.strftime("%H%M%S")
    log_dir = Path(options.output) / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    var = BASE_DIR / "var"
    var.mkdir(exist_ok=True)
    pg_bin = Path(options.pg_bin) if options.pg_bin else None
    try:
        for orphan in sweep_orphans(cluster_places(var), bin_dir=pg_bin):
            say(f"removed the cluster of an earlier drill that did not clean up: {orphan}")
        cluster = Cluster.for_run(var / f"drill-{run_id}", port=free_port(), bin_dir=pg_bin)
    except RuntimeError as error:
        say(f"FAILED: {error}")
        return 2
    processes = procs.Processes(log_dir)
    say(
        f"make drill: commit {git_commit()}; faults {', '.join(options.faults)}; time limit "
        f"{options.time_limit:.0f} s; logs in {log_dir}"
    )

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    drill = Drill(options=options, run_id=run_id, log_dir=log_dir, processes=processes, cluster=cluster)
    outcome: Outcome | None = None
    status = 2
    try:
        outcome = asyncio.run(asyncio.wait_for(drill.run(), options.time_limit))
    except TimeoutError:
        say(f"FAILED: the drill hit its time limit of {options.time_limit:.0f} s")
    except KeyboardInterrupt:
        say("interrupted")
        status = 130
    except RuntimeError as error:
        say(f"FAILED: {error}")
    finally:
        processes.stop_all()
        cluster.remove()
        say(f"stopped every process and removed {cluster.directory}")
    wall = time.monotonic() - began
    if outcome is None:
        say(f"the drill did not finish (wall time {wall:.0f} s); logs in {log_dir}")
        return status
    print()
    for line in report.fault_table(outcome.observed.faults, outcome.windows):
        print(line)
    print()
    for line in report.totals(
        outcome.observed, started=outcome.started, skipped=outcome.skipped, unexpected_mail=outcome.unexpected_mail
    ):
        print(line)
    for note in outcome.log_notes:
        print(note)
    print()
    for line in report.check_lines(outcome.checks):
        print(line)
    print()
    print(report.verdict(outcome.checks, wall))
    print(f"logs: {log_dir}")
    return 1 if any(c.status == "FAIL" for c in outcome.checks) else 0


if __name__ == "__main__":
    sys.exit(main())
