"""The bench's command line: its options, their defaults and what it refuses.

`parse_args` returns an `Options`, frozen. Its fields are the argparse destinations in the
order argparse defines them, because the JSON document records them under "arguments" in
that order and older result files are compared key for key.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from .wrk import WRK

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent
DESCRIPTION = "`make bench`: the viral-petition benchmark."

type Backend = Literal["postgres", "sqlite"]
type Reader = Literal["wrk", "aiohttp"]
BACKENDS: tuple[Backend, ...] = ("postgres", "sqlite")


@dataclass(frozen=True)
class Options:
    backends: tuple[Backend, ...]
    duration: float
    read_seconds: float
    sign_concurrency: int
    confirm_concurrency: int
    read_concurrency: int
    reader: Reader
    history: int
    max_journeys: int
    workers: int
    threads: int
    floor_seconds: float
    floor_connections: int
    drain_timeout: float
    time_limit: float
    single_ip: bool
    pg_url: str
    settings: str
    profile: float
    output: str
    wait_quiet: float
    commit: str

    def as_json(self) -> dict[str, object]:
        """The options as the JSON document's "arguments" (backends as a list)."""
        return {**dataclasses.asdict(self), "backends": list(self.backends)}


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="make bench", description=DESCRIPTION)
    parser.add_argument("--backends", default="postgres,sqlite", help="comma-separated: postgres, sqlite")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of signing (journeys start)")
    parser.add_argument("--read-seconds", type=float, default=5.0, help="seconds of each read phase")
    parser.add_argument("--sign-concurrency", type=int, default=24, help="journeys signing at once")
    parser.add_argument("--confirm-concurrency", type=int, default=24, help="confirmations in flight at once")
    parser.add_argument("--read-concurrency", type=int, default=32, help="connections in each read phase")
    parser.add_argument(
        "--reader",
        choices=["wrk", "aiohttp"],
        default="wrk" if WRK.exists() else "aiohttp",
        help="load generator for the read phases: wrk (default when /usr/bin/wrk exists; whole seconds) or the "
        "harness's own aiohttp client (default: %(default)s)",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=50_000,
        help="PostgreSQL: counted signatures on an older petition before the run, so tables have history and "
        "statistics as on a live site (0: none; default %(default)s)",
    )
    parser.add_argument("--max-journeys", type=int, default=60_000)
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument("--threads", type=int, default=2, help="granian blocking threads per worker")
    parser.add_argument("--floor-seconds", type=float, default=10.0)
    parser.add_argument("--floor-connections", type=int, default=16)
    parser.add_argument("--drain-timeout", type=float, default=60.0, help="max seconds to wait for mail and counts")
    parser.add_argument("--time-limit", type=float, default=290.0, help="hard limit for the whole run (seconds)")
    parser.add_argument("--single-ip", action="store_true", help="every client from 127.0.0.1 (rate-limit stress)")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/townhall_bench")
    parser.add_argument("--settings", default="config.settings.bench", help="Django settings for server processes")
    parser.add_argument("--profile", type=float, default=0.0, help="py-spy record web workers for N s of signing")
    parser.add_argument("--output", default=str(BASE_DIR / "bench-results"))
    parser.add_argument("--wait-quiet", type=float, default=0.0, help="wait up to N s for an idle machine first")
    parser.add_argument("--commit", default="", help="label for the code measured (default: git rev-parse)")
    namespace = parser.parse_args(argv)
    backends = [b.strip() for b in namespace.backends.split(",") if b.strip()]
    if namespace.reader == "wrk" and not WRK.exists():
        parser.error(f"--reader wrk: {WRK} is missing (scripts/ensure-wrk installs it)")
    if namespace.history < 0:
        parser.error("--history must be 0 or more")
    for backend in backends:
        if backend not in BACKENDS:
            parser.error(f"unknown backend {backend!r}")
    if "bench" not in urlparse(namespace.pg_url).path:
        parser.error("the --pg-url database name must contain 'bench' (it is dropped and re-created)")
    if urlparse(namespace.pg_url).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("the bench only talks to 127.0.0.1")
    return Options(**{**vars(namespace), "backends": tuple(backends)})


def git_commit() -> str:
    """The commit measured, "+uncommitted" when tracked files differ from it; "unknown" without git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, like the Makefile)
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return commit + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
