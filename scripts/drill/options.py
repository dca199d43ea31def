"""The drill's command line: its options, their defaults, the faults and their order.

`parse_args` returns frozen `Options`. The timeline, from the moment the load starts:
`--baseline` seconds of plain load, then each chosen fault in the fixed order of `FAULTS`,
each watched for `--window` seconds before the next (the SMTP outage for `--smtp-away`
seconds more), then the drain (at most `--drain-timeout`). `--time-limit` stops the whole
drill whatever happens.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from scripts.bench.options import BASE_DIR

DESCRIPTION = (
    "`make drill`: a bounded fault drill on PostgreSQL. Under a steady stream of sign → confirm journeys "
    "it kills a web worker, kills the task worker, restarts PostgreSQL, has the mail server refuse some "
    "recipients for good and then go away for a while, and checks that nothing was lost, nothing sent "
    "twice beyond the documented bound, and that everything came back without a hand."
)

# key: what it does (the table's row name). The drill injects them in this order.
FAULTS: dict[str, str] = {
    "web": "kill -9 a web worker",
    "worker": "kill -9 the task worker",
    "db": "restart PostgreSQL",
    "refuse": "SMTP refuses some recipients",
    "smtp": "SMTP server away",
}


@dataclass(frozen=True)
class Options:
    faults: tuple[str, ...]
    rate: float
    refuse_every: int
    baseline: float
    window: float
    supervisor_delay: float
    db_down: float
    smtp_away: float
    task_timeout: float
    reclaim_interval: float
    email_retry_base: float
    duplicates_per_interruption: int
    drain_timeout: float
    time_limit: float
    workers: int
    threads: int
    settings: str
    pg_bin: str
    output: str

    def load_seconds(self) -> float:
        """How long journeys keep starting: the baseline and every fault's window."""
        return self.baseline + sum(self.window_of(f) for f in self.faults)

    def window_of(self, fault: str) -> float:
        return self.window + (self.smtp_away if fault == "smtp" else 0.0)


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="make drill",
        description=DESCRIPTION,
        epilog="Exit status: 0 every check passed; 1 a check failed (loss, duplicates beyond the bound, "
        "a process that did not come back); 2 the drill could not run or hit its time limit; 130 interrupted.",
    )
    parser.add_argument(
        "--faults",
        default=",".join(FAULTS),
        help="comma-separated, injected in this order whatever order is given (default: %(default)s)",
    )
    parser.add_argument("--rate", type=float, default=10.0, help="journeys started per second (default %(default)s)")
    parser.add_argument(
        "--refuse-every",
        type=int,
        default=50,
        help="from the refusal fault on, every N-th new signer has an address the SMTP sink refuses with 550 "
        "(default %(default)s)",
    )
    parser.add_argument("--baseline", type=float, default=8.0, help="seconds of load before the first fault")
    parser.add_argument("--window", type=float, default=20.0, help="seconds each fault is watched before the next")
    parser.add_argument(
        "--supervisor-delay",
        type=float,
        default=2.0,
        help="seconds before the drill, playing systemd's Restart=always, starts the killed task worker again",
    )
    parser.add_argument("--db-down", type=float, default=5.0, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--smtp-away", type=float, default=15.0, help="seconds the SMTP sink refuses connections")
    parser.add_argument(
        "--task-timeout",
        type=float,
        default=10.0,
        help="TOWNHALL_TASK_RUNNING_TIMEOUT for the run: a task running this long is reclaimed (production: 900)",
    )
    parser.add_argument(
        "--reclaim-interval", type=float, default=2.0, help="TOWNHALL_TASK_RECLAIM_INTERVAL (production: 60)"
    )
    parser.add_argument(
        "--email-retry-base",
        type=float,
        default=2.0,
        help="TOWNHALL_EMAIL_RETRY_BASE_SECONDS: first wait before a deferred email is tried again",
    )
    parser.add_argument(
        "--duplicates-per-interruption",
        type=int,
        default=1,
        help="emails allowed twice per interruption of the sender (task worker killed, database restarted, "
        "SMTP server gone): the one being handed over when it was cut off (default %(default)s)",
    )
    parser.add_argument("--drain-timeout", type=float, default=45.0, help="max seconds to wait for mail and counts")
    parser.add_argument("--time-limit", type=float, default=290.0, help="hard limit for the whole drill (seconds)")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes (at least 2)")
    parser.add_argument("--threads", type=int, default=2, help="granian blocking threads per worker")
    parser.add_argument("--settings", default="config.settings.bench", help="Django settings for the server processes")
    parser.add_argument(
        "--pg-bin", default="", help="PostgreSQL binaries (default: the newest /usr/lib/postgresql/*/bin)"
    )
    parser.add_argument(
        "--output", default=str(BASE_DIR / "drill-results"), help="where each run's logs go (default %(default)s)"
    )
    namespace = parser.parse_args(argv)
    chosen = {f.strip() for f in namespace.faults.split(",") if f.strip()}
    unknown = chosen - set(FAULTS)
    if unknown:
        parser.error(f"unknown fault(s) {', '.join(sorted(unknown))}; choose from {', '.join(FAULTS)}")
    if namespace.window <= 0 or namespace.baseline < 0:
        parser.error("--window must be positive and --baseline not negative")
    if namespace.workers < 2:
        parser.error("--workers must be at least 2: one is killed while the other keeps answering")
    if namespace.rate <= 0 or namespace.refuse_every < 1:
        parser.error("--rate must be positive and --refuse-every at least 1")
    if namespace.pg_bin and not (Path(namespace.pg_bin) / "initdb").exists():
        parser.error(f"--pg-bin {namespace.pg_bin}: no initdb there")
    faults = tuple(f for f in FAULTS if f in chosen)
    return Options(**{**vars(namespace), "faults": faults})
