"""`make bench`: the viral-petition benchmark (DESIGN §6, issue 6).

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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import psycopg

from scripts.bench import procs
from scripts.bench.floor import run_floor
from scripts.bench.load import JourneyLoad, get_count, read_load
from scripts.bench.smtp_sink import Sink
from scripts.bench.stats import Recorder, percentile
from scripts.bench.wrk import WRK, WrkError, run_wrk

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent
REQUEST_KINDS = [
    "sign GET",
    "sign POST",
    "check-email GET",
    "confirm GET",
    "confirm POST",
    "page GET",
    "count.json GET",
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
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
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.reader == "wrk" and not WRK.exists():
        parser.error(f"--reader wrk: {WRK} is missing (scripts/ensure-wrk installs it)")
    if args.history < 0:
        parser.error("--history must be 0 or more")
    for backend in args.backends:
        if backend not in {"postgres", "sqlite"}:
            parser.error(f"unknown backend {backend!r}")
    if "bench" not in urlparse(args.pg_url).path:
        parser.error("the --pg-url database name must contain 'bench' (it is dropped and re-created)")
    if urlparse(args.pg_url).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("the bench only talks to 127.0.0.1")
    return args


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- databases ---------------------------------------------------------------------------
def pg_admin(url: str, statement: str) -> None:
    parsed = urlparse(url)
    with psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as admin:
        admin.execute(statement)


def pg_recreate(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(url, f'CREATE DATABASE "{name}"')


def pg_drop(url: str) -> None:
    pg_admin(url, f'DROP DATABASE IF EXISTS "{urlparse(url).path.lstrip("/")}" WITH (FORCE)')


@dataclass
class Database:
    backend: str
    url: str
    sqlite_path: Path | None = None

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.backend == "postgres":
            with psycopg.connect(self.url.replace("postgres://", "postgresql://"), connect_timeout=5) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        if self.sqlite_path is None:
            raise RuntimeError("no SQLite path")
        with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as conn:
            return list(conn.execute(sql, params).fetchall())

    def pg_settings(self) -> dict[str, str]:
        if self.backend != "postgres":
            return {}
        names = ["server_version", "synchronous_commit", "fsync", "shared_buffers", "max_connections"]
        return {n: str(self.fetch(f"SHOW {n}")[0][0]) for n in names}


# --- one backend -------------------------------------------------------------------------
@dataclass
class BackendRun:
    backend: str
    args: argparse.Namespace
    log_dir: Path
    run_id: str
    result: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    async def run(self) -> dict[str, Any]:
        args = self.args
        processes = procs.Processes(self.log_dir)
        sink = Sink()
        database = self._database()
        try:
            return await self._run(args, processes, sink, database)
        finally:
            processes.stop_all()
            await sink.stop()
            if database.backend == "postgres":
                pg_drop(database.url)
            elif database.sqlite_path is not None:
                shutil.rmtree(database.sqlite_path.parent, ignore_errors=True)

    def _database(self) -> Database:
        if self.backend == "postgres":
            return Database("postgres", self.args.pg_url)
        directory = BASE_DIR / "var" / f"bench-{self.run_id}"
        path = directory / "townhall.sqlite3"
        return Database("sqlite", f"sqlite:///{path}", sqlite_path=path)

    async def _run(
        self, args: argparse.Namespace, processes: procs.Processes, sink: Sink, db: Database
    ) -> dict[str, Any]:
        def say(text: str) -> None:
            print(f"[{self.backend}] {text}", flush=True)

        if db.backend == "postgres":
            pg_recreate(db.url)
        else:
            if db.sqlite_path is None:
                raise RuntimeError("no SQLite path")
            shutil.rmtree(db.sqlite_path.parent, ignore_errors=True)
            db.sqlite_path.parent.mkdir(parents=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        smtp_port = await sink.start()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": args.settings,
            "TOWNHALL_DATABASE_URL": db.url,
            "TOWNHALL_BASE_URL": base,
            "TOWNHALL_EMAIL_HOST": "127.0.0.1",
            "TOWNHALL_EMAIL_PORT": str(smtp_port),
            "TOWNHALL_EMAIL_USE_TLS": "false",
            "TOWNHALL_DEBUG": "false",
            "PYTHONPATH": str(BASE_DIR),
        }
        history = args.history if db.backend == "postgres" else 0
        say(
            "migrating and creating an open petition"
            + (f", and {history:,} signatures of history on an older one" if history else "")
        )
        setup_started = time.monotonic()
        setup = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scripts.bench.setup_db",
            "--history",
            str(history),
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(setup.communicate(), 120)
        except TimeoutError:
            setup.kill()
            await setup.wait()
            raise RuntimeError("database set-up took over 120 s") from None
        if setup.returncode != 0:
            raise RuntimeError(f"database set-up failed:\n{err.decode()[-3000:]}")
        info = json.loads(out.decode().strip().splitlines()[-1])
        petition_id, baseline = int(info["petition_id"]), int(info["baseline"])
        setup_s = time.monotonic() - setup_started
        history_info = {
            "signatures": int(info["history_signatures"]),
            "petition_id": info["history_petition_id"],
            "seconds": info["history_seconds"],
        }
        say(
            f"set up in {setup_s:.1f} s: bench petition {petition_id} (baseline {baseline}); history: "
            + (
                f"{history_info['signatures']:,} counted signatures on petition {history_info['petition_id']} "
                f"(loaded and ANALYZEd in {history_info['seconds']:.1f} s)"
                if history_info["signatures"]
                else "none"
            )
        )
        version_id = int(
            db.fetch("SELECT current_version_id FROM petitions_petition WHERE id = ?", (petition_id,))[0][0]
        )

        manage = [sys.executable, str(BASE_DIR / "manage.py")]
        server = [
            str(VENV_BIN / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--blocking-threads",
            str(args.threads),
            "--no-ws",
            "--log-level",
            "warning",
            "config.wsgi:application",
        ]
        processes.start("web", server, env=env, cwd=BASE_DIR)
        processes.start(
            "task worker",
            [*manage, "db_worker", "--queue-name=*", "--interval=0.5", "--no-startup-delay"],
            env=env,
            cwd=BASE_DIR,
        )
        processes.start("scheduler", [*manage, "scheduler"], env=env, cwd=BASE_DIR)
        say(
            f"granian ({args.workers} workers × {args.threads} threads) on {base}, task worker, scheduler; "
            f"SMTP sink on 127.0.0.1:{smtp_port}"
        )
        await self._wait_ready(base, petition_id, processes)
        await self._warm_up(base, petition_id)

        recorder = Recorder()
        load = JourneyLoad(
            base=base,
            petition_id=petition_id,
            run=self.run_id,
            recorder=recorder,
            sign_concurrency=args.sign_concurrency,
            confirm_concurrency=args.confirm_concurrency,
            single_ip=args.single_ip,
            max_journeys=args.max_journeys,
        )
        sink.on_link = load.on_link
        pids = processes.pids()
        cpu_before = {name: procs.cpu_seconds(pid) for name, pid in pids.items()}
        self_before = _self_cpu()
        busy_before = procs.machine_busy_seconds()
        pg_before = procs.postgres_cpu_seconds()
        say(
            f"journeys: {args.sign_concurrency} signing at once for {args.duration:.0f} s, "
            f"up to {args.confirm_concurrency} confirming"
        )
        profiler = await self._start_profiler(pids) if args.profile else []
        try:
            await load.run_signing(args.duration)
            signed = sum(1 for j in load.journeys if j.signed_at)
            say(f"signing stopped: {signed} signed; waiting for their emails and confirmations")
            await load.wait_for_confirms(args.drain_timeout)
        finally:
            await load.close()
            for p in profiler:
                with contextlib.suppress(ProcessLookupError):
                    p.send_signal(signal.SIGINT)
                await asyncio.wait_for(p.wait(), 30)
        busy_after = procs.machine_busy_seconds()
        pg_after = procs.postgres_cpu_seconds()
        cpu_after = {name: procs.cpu_seconds(pid) for name, pid in pids.items()}
        self_after = _self_cpu()
        processes.check_alive()

        # The counter: poll count.json until it shows every confirmed signature.
        expected = baseline + load.confirmed
        lag_deadline = time.monotonic() + args.drain_timeout
        count = await get_count(base, petition_id)
        while count != expected and time.monotonic() < lag_deadline:
            await asyncio.sleep(0.05)
            count = await get_count(base, petition_id)
        count_lag = time.monotonic() - load.last_confirmed if load.last_confirmed else float("nan")
        say(f"count.json shows {count} (expected {expected}) {count_lag:.2f} s after the last confirmation")
        # The outbox: nothing owed, and no late duplicate arrives.
        outbox_deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < outbox_deadline:
            owed = db.fetch(
                "SELECT count(*) FROM signatures_signature WHERE petition_id = ? AND email_pending = ?",
                (petition_id, True),
            )[0][0]
            if owed == 0:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.5)  # one more scheduler email interval: a duplicate would show now

        say(
            f"reads with {args.reader}: petition page, then count.json, {args.read_concurrency} connections, "
            f"{args.read_seconds:.0f} s each"
        )
        reads = ReadPhases(args=args, recorder=recorder, processes=processes, log_dir=self.log_dir, label=self.backend)
        page_ok, page_s = await reads.run(f"{base}/petitions/{petition_id}/", kind="page GET")
        count_ok, count_s = await reads.run(f"{base}/petitions/{petition_id}/count.json", kind="count.json GET")
        processes.check_alive()
        memory = {name: procs.status_kib(pid, "VmHWM") for name, pid in processes.pids().items()}
        memory["load generator (harness)"] = procs.status_kib(os.getpid(), "VmHWM")
        if reads.wrk_peak_kib:
            memory["load generator (wrk)"] = reads.wrk_peak_kib
        processes.stop_all()

        self._check(db, load, sink, petition_id, baseline, count, expected)
        journeys = [j for j in load.journeys if j.confirmed_at]
        elapsed = (load.last_confirmed - load.started) if load.last_confirmed else float("nan")
        mail_times = sorted(j.mailed_at for j in load.journeys if j.mailed_at)
        mail_delay = sorted(max(0.0, j.mailed_at - j.signed_at) for j in journeys if j.signed_at)
        end_to_end = sorted(j.confirmed_at - j.sign_started for j in journeys)
        cpu_window = busy_after[1] - busy_before[1]
        cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
        cpu["load generator (harness)"] = self_after - self_before
        cpu["PostgreSQL (all its processes)"] = pg_after - pg_before
        # Clock ticks are coarse: the remainder can come out a hair below zero on an idle machine.
        cpu["anything else on the machine"] = max(0.0, (busy_after[0] - busy_before[0]) - sum(cpu.values()))
        result: dict[str, Any] = {
            "backend": self.backend,
            "database": db.pg_settings() if db.backend == "postgres" else {"sqlite": sqlite3.sqlite_version},
            "petition_id": petition_id,
            "setup_s": round(setup_s, 1),
            "history": history_info,
            "journeys": {
                "signed": sum(1 for j in load.journeys if j.signed_at),
                "confirmed": load.confirmed,
                "elapsed_s": elapsed,
                "journeys_per_s": load.confirmed / elapsed if elapsed else 0.0,
                "signs_per_s": sum(1 for j in load.journeys if j.signed_at) / (load.sign_ended - load.started),
                "end_to_end_p50_s": percentile(end_to_end, 50),
                "end_to_end_p99_s": percentile(end_to_end, 99),
                "mail_delay_p50_s": percentile(mail_delay, 50),
                "mail_delay_p99_s": percentile(mail_delay, 99),
                "errors": dict(recorder.errors),
                "error_examples": recorder.error_examples,
            },
            "emails": {
                "confirmation_emails": len(mail_times),
                "emails_per_s": len(mail_times) / (mail_times[-1] - load.started) if mail_times else 0.0,
                "messages_at_sink": sink.messages,
                "unexpected": load.unexpected_mail,
            },
            "count": {"baseline": baseline, "final": count, "expected": expected, "lag_after_burst_s": count_lag},
            "reads": {
                "reader": args.reader,
                "page_req_per_s": page_ok / page_s,
                "count_json_req_per_s": count_ok / count_s,
                "wrk_reports": reads.wrk_reports,
            },
            "latency_ms": {kind: recorder.summary(kind) for kind in REQUEST_KINDS},
            "peak_memory_kib": memory,
            "cpu_seconds_during_journeys": {k: round(v, 2) for k, v in cpu.items()},
            "cpu_window_s": round(cpu_window, 2),
            "cpu_seconds_during_reads": {k: round(v, 2) for k, v in reads.cpu.items()},
            "cpu_reads_window_s": round(reads.cpu_window, 2),
            "checks": self.checks,
            "notes": self.notes,
        }
        if db.backend == "postgres" and args.floor_seconds > 0:
            say(f"database floor: {args.floor_connections} connections, {args.floor_seconds:.0f} s")
            conninfo = db.url.replace("postgres://", "postgresql://")
            floor = await run_floor(
                conninfo,
                petition_id=petition_id,
                version_id=version_id,
                connections=args.floor_connections,
                seconds=args.floor_seconds,
                max_journeys=2_000_000,
            )
            result["floor"] = floor
            result["app_over_floor"] = result["journeys"]["journeys_per_s"] / floor["journeys_per_s"]
        return result

    async def _wait_ready(self, base: str, petition_id: int, processes: procs.Processes) -> None:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as session:
            while True:
                processes.check_alive()
                try:
                    async with session.get(f"{base}/petitions/{petition_id}/count.json") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer within 30 s")
                await asyncio.sleep(0.2)

    async def _warm_up(self, base: str, petition_id: int) -> None:
        """Each worker imports templates and opens caches on first use: not part of the figures."""
        scratch = Recorder()
        for path in (
            f"/petitions/{petition_id}/",
            f"/petitions/{petition_id}/count.json",
            f"/petitions/{petition_id}/sign/",
        ):
            await read_load(base + path, kind="warm-up", concurrency=8, seconds=1.0, recorder=scratch, max_requests=200)

    async def _start_profiler(self, pids: dict[str, int]) -> list[asyncio.subprocess.Process]:
        """py-spy record (raw collapsed stacks) of each web worker and the task worker."""
        spy = VENV_BIN / "py-spy"
        if not spy.exists():
            self.notes.append("py-spy is not installed: no profile taken")
            return []
        started = []
        for name, pid in pids.items():
            if not (name.startswith("web worker") or name == "task worker"):
                continue
            out = self.log_dir / f"profile-{name.replace(' ', '-')}.txt"
            started.append(
                await asyncio.create_subprocess_exec(
                    str(spy),
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(int(self.args.profile)),
                    "--rate",
                    "100",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        self.notes.append(f"py-spy profiles in {self.log_dir}")
        return started

    def _check(
        self, db: Database, load: JourneyLoad, sink: Sink, petition_id: int, baseline: int, count: int, expected: int
    ) -> None:
        pattern = f"%.{self.run_id}@example.org"
        rows = db.fetch(
            "SELECT state, count(*), SUM(CASE WHEN emails_sent = 1 THEN 0 ELSE 1 END), "
            "SUM(CASE WHEN email_pending THEN 1 ELSE 0 END), SUM(CASE WHEN counted_at IS NULL THEN 0 ELSE 1 END) "
            "FROM signatures_signature WHERE petition_id = ? AND email LIKE ? GROUP BY state",
            (petition_id, pattern),
        )
        by_state = {state: (n, not_once, pending, counted) for state, n, not_once, pending, counted in rows}
        verified = by_state.get("verified", (0, 0, 0, 0))
        total = sum(v[0] for v in by_state.values())
        stored = db.fetch("SELECT signature_count FROM petitions_petition WHERE id = ?", (petition_id,))[0][0]
        bench_mail = {a: n for a, n in sink.received.items() if a.endswith(f".{self.run_id}@example.org")}
        signed = {j.email for j in load.journeys if j.signed_at}
        self.checks = {
            "confirmed journeys == verified signatures in the database": verified[0] == load.confirmed,
            "no signature caught as fraudulent": by_state.get("fraudulent", (0,))[0] == 0,
            "every verified signature counted": verified[3] == verified[0],
            "final count == baseline + confirmed journeys (count.json)": count == expected,
            "final count == baseline + confirmed journeys (database)": stored == expected,
            "every signature's confirmation email sent exactly once (database)": all(
                v[1] == 0 and v[2] == 0 for v in by_state.values()
            ),
            "every signer received exactly one email (SMTP sink)": set(bench_mail) >= signed
            and all(n == 1 for n in bench_mail.values())
            and len(bench_mail) == total,
        }
        self.notes.append(
            f"bench signatures by state: { {s: v[0] for s, v in by_state.items()} }; emails at sink for them: "
            f"{sum(bench_mail.values())} to {len(bench_mail)} addresses"
        )


@dataclass
class ReadPhases:
    """Closed-loop GETs of one URL per phase, by wrk or by the harness's aiohttp client.

    Either way the phase records, under its request kind, the successful requests per
    second, the p50/p90/p99 latencies and the failures (any non-2xx response or socket
    error), and the CPU each party used while it ran: the web server, the task worker and
    scheduler, the load generator (wrk's own rusage; the harness process), PostgreSQL and
    the rest of the machine, so a read figure shows whether the client or the server ran out.
    """

    args: argparse.Namespace
    recorder: Recorder
    processes: procs.Processes
    log_dir: Path
    label: str
    cpu: dict[str, float] = field(default_factory=dict)
    cpu_window: float = 0.0
    wrk_peak_kib: int = 0
    wrk_reports: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def run(self, url: str, *, kind: str) -> tuple[int, float]:
        """One read phase of `kind` against `url`: (successful requests, seconds)."""
        pids = self.processes.pids()
        before = {name: procs.cpu_seconds(pid) for name, pid in pids.items()}
        self_before, pg_before, busy_before = _self_cpu(), procs.postgres_cpu_seconds(), procs.machine_busy_seconds()
        wrk_cpu = 0.0
        if self.args.reader == "wrk":
            log = self.log_dir / f"wrk-{self.label}-{kind.split()[0].replace('.', '-')}.txt"
            try:
                run = await run_wrk(
                    url, connections=self.args.read_concurrency, seconds=self.args.read_seconds, log=log
                )
            except (WrkError, TimeoutError) as error:
                raise RuntimeError(f"{kind} with wrk failed: {error} (output in {log})") from None
            report = run.report
            report.record(self.recorder, kind)
            wrk_cpu = run.cpu_seconds
            self.wrk_peak_kib = max(self.wrk_peak_kib, run.peak_memory_kib)
            self.wrk_reports[kind] = {
                **dataclasses.asdict(report),
                "ok": report.ok,
                "errors": report.errors,
                "cpu_s": round(run.cpu_seconds, 2),
                "peak_memory_kib": run.peak_memory_kib,
            }
            ok, seconds = report.ok, report.seconds
        else:
            ok, seconds = await read_load(
                url,
                kind=kind,
                concurrency=self.args.read_concurrency,
                seconds=self.args.read_seconds,
                recorder=self.recorder,
            )
        busy_after = procs.machine_busy_seconds()
        spent = {name: procs.cpu_seconds(pid) - before.get(name, 0.0) for name, pid in pids.items()}
        shares = {
            "web server (all granian processes)": sum(v for n, v in spent.items() if n.split()[0] == "web"),
            "task worker and scheduler": sum(v for n, v in spent.items() if n.split()[0] != "web"),
        }
        if self.args.reader == "wrk":
            shares["load generator (wrk)"] = wrk_cpu
        shares["load generator (harness)"] = _self_cpu() - self_before
        shares["PostgreSQL (all its processes)"] = procs.postgres_cpu_seconds() - pg_before
        shares["anything else on the machine"] = max(0.0, (busy_after[0] - busy_before[0]) - sum(shares.values()))
        for name, value in shares.items():
            self.cpu[name] = self.cpu.get(name, 0.0) + value
        self.cpu_window += busy_after[1] - busy_before[1]
        return ok, seconds


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the table ---------------------------------------------------------------------------
def _fmt(value: float, digits: int = 0) -> str:
    if value != value:  # NaN
        return "–"
    return f"{value:,.{digits}f}"


def table(results: list[dict[str, Any]]) -> str:
    names = [{"postgres": "PostgreSQL", "sqlite": "SQLite"}[r["backend"]] for r in results]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, values: list[str]) -> None:
        rows.append((label, values))

    row("journeys/s (sign → confirm, complete)", [_fmt(r["journeys"]["journeys_per_s"], 1) for r in results])
    row(
        "  journeys completed (signed)",
        [f"{r['journeys']['confirmed']:,} ({r['journeys']['signed']:,})" for r in results],
    )
    row("  signing rate (signs/s)", [_fmt(r["journeys"]["signs_per_s"], 1) for r in results])
    row("history: counted signatures already in the database", [f"{r['history']['signatures']:,}" for r in results])
    row("reads driven by", [r["reads"]["reader"] for r in results])
    row("petition page req/s", [_fmt(r["reads"]["page_req_per_s"]) for r in results])
    row("count.json req/s", [_fmt(r["reads"]["count_json_req_per_s"]) for r in results])
    for kind in REQUEST_KINDS:
        row(
            f"{kind} p50 / p90 / p99 ms",
            [
                "{} / {} / {}".format(
                    *(
                        _fmt(r["latency_ms"][kind][p], 0 if r["latency_ms"][kind][p] >= 10 else 1)
                        for p in ("p50_ms", "p90_ms", "p99_ms")
                    )
                )
                for r in results
            ],
        )
    row(
        "email delay (signed → at sink) p50 / p99 s",
        [
            f"{_fmt(r['journeys']['mail_delay_p50_s'], 2)} / {_fmt(r['journeys']['mail_delay_p99_s'], 2)}"
            for r in results
        ],
    )
    row(
        "journey end to end p50 / p99 s",
        [
            f"{_fmt(r['journeys']['end_to_end_p50_s'], 2)} / {_fmt(r['journeys']['end_to_end_p99_s'], 2)}"
            for r in results
        ],
    )
    row("count lag after the burst (s)", [_fmt(r["count"]["lag_after_burst_s"], 2) for r in results])
    row("emails/s (confirmation emails at the sink)", [_fmt(r["emails"]["emails_per_s"], 1) for r in results])
    row("request errors", [str(sum(r["journeys"]["errors"].values())) for r in results])
    processes = list(dict.fromkeys(name for r in results for name in r["peak_memory_kib"]))
    for name in processes:
        row(
            f"peak memory (VmHWM) {name}, MiB",
            [_fmt(r["peak_memory_kib"][name] / 1024, 0) if name in r["peak_memory_kib"] else "–" for r in results],
        )
    shares = list(dict.fromkeys(name for r in results for name in r["cpu_seconds_during_journeys"]))
    for name in shares:
        row(
            f"CPU during journeys, % of all cores: {name}",
            [
                _fmt(100 * r["cpu_seconds_during_journeys"].get(name, float("nan")) / r["cpu_window_s"], 0)
                for r in results
            ],
        )
    shares = list(dict.fromkeys(name for r in results for name in r["cpu_seconds_during_reads"]))
    for name in shares:
        row(
            f"CPU during reads, % of all cores: {name}",
            [
                _fmt(100 * r["cpu_seconds_during_reads"].get(name, float("nan")) / r["cpu_reads_window_s"], 0)
                for r in results
            ],
        )
    row(
        "database floor journeys/s (3 durable commits each)",
        [
            f"{_fmt(r['floor']['journeys_per_s'], 0)} ({r['floor']['connections']} conns)" if "floor" in r else "–"
            for r in results
        ],
    )
    row("app ÷ floor", [f"{r['app_over_floor']:.2f}" if "app_over_floor" in r else "–" for r in results])
    checks = [all(r["checks"].values()) for r in results]
    row("exact count, each email once", ["PASS" if ok else "FAIL" for ok in checks])

    width = max(len(label) for label, _ in rows)
    cols = [max(len(n), *(len(v[i]) for _, v in rows)) for i, n in enumerate(names)]
    header = " | ".join(n.rjust(c) for n, c in zip(names, cols, strict=True))
    lines = ["| " + "measure".ljust(width) + " | " + header + " |"]
    lines.append("|" + "-" * (width + 2) + "|" + "|".join("-" * (c + 1) + ":" for c in cols) + "|")
    for label, values in rows:
        cells = " | ".join(v.rjust(c) for v, c in zip(values, cols, strict=True))
        lines.append("| " + label.ljust(width) + " | " + cells + " |")
    return "\n".join(lines)


def busy_fraction(seconds: float = 2.0) -> float:
    busy0, total0 = procs.machine_busy_seconds()
    time.sleep(seconds)
    busy1, total1 = procs.machine_busy_seconds()
    return (busy1 - busy0) / max(1e-9, total1 - total0)


def quiet_machine(wait: float) -> float:
    """How busy the machine is before we start; waits up to `wait` s for it to be under 15 %."""
    deadline = time.monotonic() + wait
    busy = busy_fraction()
    while busy > 0.15 and time.monotonic() < deadline:
        print(f"machine {busy:.0%} busy with other work; waiting (up to {wait:.0f} s, --wait-quiet)", flush=True)
        busy = busy_fraction(5.0)
    return busy


def git_commit() -> str:
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


async def main_async(args: argparse.Namespace, run_id: str, log_dir: Path) -> list[dict[str, Any]]:
    results = []
    for backend in args.backends:
        results.append(await BackendRun(backend, args, log_dir, run_id).run())
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    run_id = "r" + started.strftime("%H%M%S")
    output = Path(args.output)
    log_dir = output / f"{stamp}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    commit = args.commit or git_commit()
    print(
        f"make bench: commit {commit}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"time limit {args.time_limit:.0f} s; logs in {log_dir}"
    )
    print(
        "fraud controls: config.settings.bench raises SIGN_RATE_BURST/SUSTAINED/NETWORK out of reach; "
        + (
            "every client connects from 127.0.0.1"
            if args.single_ip
            else "each journey connects from its own loopback address in its own /24 (127.a.b.c), so the rate-limit "
            "query runs and finds nothing, as for real signers"
        )
    )

    print(
        f"reads driven by {args.reader}"
        + (
            " (/usr/bin/wrk, 1 thread)"
            if args.reader == "wrk"
            else " (the harness's own client; --reader wrk is lighter)"
        )
        + f"; history before the run: {args.history:,} counted signatures on an older petition (PostgreSQL only)"
    )
    background = quiet_machine(args.wait_quiet)
    print(
        f"machine busy before the run (other sessions' work): {background:.0%} of {os.cpu_count()} CPUs"
        + ("  ← figures will be low: other work shares the cores" if background > 0.15 else "")
    )

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        results = asyncio.run(asyncio.wait_for(main_async(args, run_id, log_dir), args.time_limit))
    except TimeoutError:
        print(f"FAILED: the bench hit its time limit of {args.time_limit:.0f} s (everything it started is stopped)")
        return 2
    except KeyboardInterrupt:
        print("interrupted: everything the bench started is stopped")
        return 130
    except RuntimeError as error:
        print(f"FAILED: {error}")
        return 2
    duration = (datetime.datetime.now(datetime.UTC) - started).total_seconds()
    document = {
        "commit": commit,
        "started_at": started.isoformat(),
        "wall_seconds": round(duration, 1),
        "command": " ".join([Path(sys.executable).name, "-m", "scripts.bench", *(argv or sys.argv[1:])]),
        "arguments": dict(vars(args).items()),
        "machine_busy_before": round(background, 3),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
        "results": results,
    }
    path = output / f"{stamp}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print()
    print(
        f"commit {commit} · {args.workers} granian workers × {args.threads} threads · {args.duration:.0f} s of "
        f"signing, {args.sign_concurrency} signing / {args.confirm_concurrency} confirming at once · reads "
        f"{args.read_concurrency} connections × {args.read_seconds:.0f} s by {args.reader} · history "
        f"{args.history:,} signatures (PostgreSQL) · {duration:.0f} s wall"
    )
    print(table(results))
    failed = False
    for r in results:
        for name, ok in r["checks"].items():
            if not ok:
                failed = True
                print(f"FAILED [{r['backend']}]: {name}")
        for note in r["notes"]:
            print(f"note [{r['backend']}]: {note}")
        if r["journeys"]["errors"]:
            print(f"errors [{r['backend']}]: {r['journeys']['errors']} e.g. {r['journeys']['error_examples']}")
    print(f"results: {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
