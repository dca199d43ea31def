"""One backend's run, start to finish, giving a `BackendResult`.

In order: a throwaway database, set up by `setup_db` in a child process (migrations, one
open petition, and on PostgreSQL the history); the production WSGI server (granian), the
task worker and the scheduler, all with `--settings`, mail going to an SMTP sink in this
process; a warm-up; the bounded sign → confirm burst (`load`); the drain — every
confirmation, count.json exact, the outbox empty; the read phases (`reads`); peak memory;
everything stopped; the exactness checks (`checks`); and on PostgreSQL the database floor
(`floor`). Whatever happens, everything started is stopped and the database dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from . import checks, cpu, procs
from .cpu import CpuUse
from .database import Database
from .floor import Floor, run_floor
from .load import JourneyLoad, get_count, read_load
from .options import BASE_DIR, VENV_BIN, Backend, Options
from .reads import ReadPhases
from .results import REQUEST_KINDS, BackendResult, Count, Emails, History, Journeys, Reads
from .smtp_sink import Sink
from .stats import Recorder, percentile

SETUP_TIMEOUT = 120.0
READY_TIMEOUT = 30.0
# After the outbox is empty, one more scheduler email interval: a duplicate would show by then.
DUPLICATE_GRACE = 1.5


async def run_backends(options: Options, *, run_id: str, log_dir: Path) -> list[BackendResult]:
    """Each backend in turn (never at once: they would share the cores)."""
    return [await BackendRun(backend, options, log_dir, run_id).run() for backend in options.backends]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class SetUp:
    petition_id: int  # the bench petition, open, with its sponsors counted
    baseline: int  # its count before the burst
    history: History
    seconds: float


def parse_set_up(output: str, seconds: float) -> SetUp:
    """`setup_db`'s JSON line (the last of its output)."""
    info = json.loads(output.strip().splitlines()[-1])
    return SetUp(
        petition_id=int(info["petition_id"]),
        baseline=int(info["baseline"]),
        history=History(
            signatures=int(info["history_signatures"]),
            petition_id=info["history_petition_id"],
            seconds=info["history_seconds"],
        ),
        seconds=seconds,
    )


async def set_up_database(env: dict[str, str], *, history: int) -> SetUp:
    """`setup_db` in a child process with the servers' environment, bounded by SETUP_TIMEOUT."""
    started = time.monotonic()
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
        out, err = await asyncio.wait_for(setup.communicate(), SETUP_TIMEOUT)
    except TimeoutError:
        setup.kill()
        await setup.wait()
        raise RuntimeError(f"database set-up took over {SETUP_TIMEOUT:.0f} s") from None
    if setup.returncode != 0:
        raise RuntimeError(f"database set-up failed:\n{err.decode()[-3000:]}")
    return parse_set_up(out.decode(), time.monotonic() - started)


def granian_command(port: int, *, workers: int, threads: int, extra: tuple[str, ...] = ()) -> list[str]:
    """The production WSGI server on 127.0.0.1:`port` (docs/deployment.md), plus `extra` options."""
    return [
        str(VENV_BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
        *extra,
        "config.wsgi:application",
    ]


def server_environment(settings: str, database_url: str, base: str, smtp_port: int) -> dict[str, str]:
    """What the server processes run with: `settings`, the database, links to `base`, mail to the sink."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "TOWNHALL_DATABASE_URL": database_url,
        "TOWNHALL_BASE_URL": base,
        "TOWNHALL_EMAIL_HOST": "127.0.0.1",
        "TOWNHALL_EMAIL_PORT": str(smtp_port),
        "TOWNHALL_EMAIL_USE_TLS": "false",
        "TOWNHALL_DEBUG": "false",
        "PYTHONPATH": str(BASE_DIR),
    }


def journey_figures(load: JourneyLoad, recorder: Recorder) -> Journeys:
    confirmed = [j for j in load.journeys if j.confirmed_at]
    signed = sum(1 for j in load.journeys if j.signed_at)
    elapsed = (load.last_confirmed - load.started) if load.last_confirmed else math.nan
    mail_delay = sorted(max(0.0, j.mailed_at - j.signed_at) for j in confirmed if j.signed_at)
    end_to_end = sorted(j.confirmed_at - j.sign_started for j in confirmed)
    return Journeys(
        signed=signed,
        confirmed=load.confirmed,
        elapsed_s=elapsed,
        journeys_per_s=load.confirmed / elapsed if elapsed else 0.0,
        signs_per_s=signed / (load.sign_ended - load.started),
        end_to_end_p50_s=percentile(end_to_end, 50),
        end_to_end_p99_s=percentile(end_to_end, 99),
        mail_delay_p50_s=percentile(mail_delay, 50),
        mail_delay_p99_s=percentile(mail_delay, 99),
        errors=dict(recorder.errors),
        error_examples=dict(recorder.error_examples),
    )


def email_figures(load: JourneyLoad, sink: Sink) -> Emails:
    mail_times = sorted(j.mailed_at for j in load.journeys if j.mailed_at)
    return Emails(
        confirmation_emails=len(mail_times),
        emails_per_s=len(mail_times) / (mail_times[-1] - load.started) if mail_times else 0.0,
        messages_at_sink=sink.messages,
        unexpected=load.unexpected_mail,
    )


@dataclass
class BackendRun:
    backend: Backend
    options: Options
    log_dir: Path
    run_id: str  # in every signer's address, so the checks see this run's signatures only
    notes: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        print(f"[{self.backend}] {text}", flush=True)

    async def run(self) -> BackendResult:
        processes = procs.Processes(self.log_dir)
        sink = Sink()
        database = Database.for_run(self.backend, pg_url=self.options.pg_url, run_id=self.run_id)
        try:
            return await self._run(processes, sink, database)
        finally:
            processes.stop_all()
            await sink.stop()
            database.drop()

    async def _run(self, processes: procs.Processes, sink: Sink, db: Database) -> BackendResult:
        options = self.options
        db.create()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        smtp_port = await sink.start()
        env = server_environment(options.settings, db.url, base, smtp_port)
        set_up = await self._set_up(env, history=options.history if db.backend == "postgres" else 0)
        petition_id = set_up.petition_id
        version_id = int(
            db.fetch("SELECT current_version_id FROM petitions_petition WHERE id = ?", (petition_id,))[0][0]
        )
        self._start_servers(processes, env, port)
        self.say(
            f"granian ({options.workers} workers × {options.threads} threads) on {base}, task worker, scheduler; "
            f"SMTP sink on 127.0.0.1:{smtp_port}"
        )
        await wait_ready(base, petition_id, processes)
        await warm_up(base, petition_id)

        recorder = Recorder()
        load = JourneyLoad(
            base=base,
            petition_id=petition_id,
            run=self.run_id,
            recorder=recorder,
            sign_concurrency=options.sign_concurrency,
            confirm_concurrency=options.confirm_concurrency,
            single_ip=options.single_ip,
            max_journeys=options.max_journeys,
        )
        sink.on_link = load.on_link
        cpu_journeys = await self._journeys(load, processes)
        processes.check_alive()

        expected = set_up.baseline + load.confirmed
        count, count_lag = await self._wait_for_count(base, petition_id, expected, load)
        self.say(f"count.json shows {count} (expected {expected}) {count_lag:.2f} s after the last confirmation")
        await self._wait_for_outbox(db, petition_id)

        self.say(
            f"reads with {options.reader}: petition page, then count.json, {options.read_concurrency} connections, "
            f"{options.read_seconds:.0f} s each"
        )
        reads = ReadPhases(
            options=options, recorder=recorder, processes=processes, log_dir=self.log_dir, label=self.backend
        )
        page_ok, page_s = await reads.run(f"{base}/petitions/{petition_id}/", kind="page GET")
        count_ok, count_s = await reads.run(f"{base}/petitions/{petition_id}/count.json", kind="count.json GET")
        processes.check_alive()
        memory = {name: procs.status_kib(pid, "VmHWM") for name, pid in processes.pids().items()}
        memory[cpu.HARNESS] = procs.status_kib(os.getpid(), "VmHWM")
        if reads.wrk_peak_kib:
            memory[cpu.WRK] = reads.wrk_peak_kib
        processes.stop_all()

        seen = checks.gather(
            db, load, sink, run_id=self.run_id, petition_id=petition_id, shown_count=count, expected=expected
        )
        self.notes.append(seen.note())
        database = db.describe()
        floor: Floor | None = None
        if db.backend == "postgres" and options.floor_seconds > 0:
            floor = await self._floor(db, petition_id, version_id)
        return BackendResult(
            backend=self.backend,
            database=database,
            petition_id=petition_id,
            setup_s=set_up.seconds,
            history=set_up.history,
            journeys=journey_figures(load, recorder),
            emails=email_figures(load, sink),
            count=Count(baseline=set_up.baseline, final=count, expected=expected, lag_after_burst_s=count_lag),
            reads=Reads(
                reader=options.reader,
                page_req_per_s=page_ok / page_s,
                count_json_req_per_s=count_ok / count_s,
                wrk_runs=dict(reads.wrk_runs),
            ),
            latency={kind: recorder.summary(kind) for kind in REQUEST_KINDS},
            peak_memory_kib=memory,
            cpu_journeys=cpu_journeys,
            cpu_reads=reads.cpu.rounded(),
            checks=checks.exactness(seen),
            notes=tuple(self.notes),
            floor=floor,
        )

    async def _set_up(self, env: dict[str, str], *, history: int) -> SetUp:
        self.say(
            "migrating and creating an open petition"
            + (f", and {history:,} signatures of history on an older one" if history else "")
        )
        set_up = await set_up_database(env, history=history)
        history_info = set_up.history
        self.say(
            f"set up in {set_up.seconds:.1f} s: bench petition {set_up.petition_id} (baseline {set_up.baseline}); "
            "history: "
            + (
                f"{history_info.signatures:,} counted signatures on petition {history_info.petition_id} "
                f"(loaded and ANALYZEd in {history_info.seconds:.1f} s)"
                if history_info.signatures
                else "none"
            )
        )
        return set_up

    def _start_servers(self, processes: procs.Processes, env: dict[str, str], port: int) -> None:
        manage = [sys.executable, str(BASE_DIR / "manage.py")]
        server = granian_command(port, workers=self.options.workers, threads=self.options.threads)
        processes.start("web", server, env=env, cwd=BASE_DIR)
        processes.start(
            "task worker",
            [*manage, "worker", "--queue-name=*", "--interval=0.5", "--no-startup-delay", "--no-reload"],
            env=env,
            cwd=BASE_DIR,
        )
        processes.start("scheduler", [*manage, "scheduler"], env=env, cwd=BASE_DIR)

    async def _journeys(self, load: JourneyLoad, processes: procs.Processes) -> CpuUse:
        """The burst and its confirmations; the CPU each process used meanwhile."""
        options = self.options
        pids = processes.pids()
        before = cpu.sample(pids)
        self.say(
            f"journeys: {options.sign_concurrency} signing at once for {options.duration:.0f} s, "
            f"up to {options.confirm_concurrency} confirming"
        )
        profilers = await self._start_profilers(pids) if options.profile else []
        try:
            await load.run_signing(options.duration)
            signed = sum(1 for j in load.journeys if j.signed_at)
            self.say(f"signing stopped: {signed} signed; waiting for their emails and confirmations")
            await load.wait_for_confirms(options.drain_timeout)
        finally:
            await load.close()
            for profiler in profilers:
                with contextlib.suppress(ProcessLookupError):
                    profiler.send_signal(signal.SIGINT)
                await asyncio.wait_for(profiler.wait(), 30)
        return cpu.journey_use(before, cpu.sample(pids)).rounded()

    async def _wait_for_count(self, base: str, petition_id: int, expected: int, load: JourneyLoad) -> tuple[int, float]:
        """Poll count.json until it shows every confirmed signature, or the drain timeout:
        (the count it last showed, seconds since the last confirmation; NaN if none)."""
        deadline = time.monotonic() + self.options.drain_timeout
        count = await get_count(base, petition_id)
        while count != expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            count = await get_count(base, petition_id)
        lag = time.monotonic() - load.last_confirmed if load.last_confirmed else math.nan
        return count, lag

    async def _wait_for_outbox(self, db: Database, petition_id: int) -> None:
        """Until no signature of the petition is owed its email and the outbox has no letter
        left to try (or the drain timeout), then a grace period in which a late duplicate
        would arrive at the sink."""
        deadline = time.monotonic() + self.options.drain_timeout
        while time.monotonic() < deadline:
            owed = db.fetch(
                "SELECT count(*) FROM signatures_signature WHERE petition_id = ? AND email_pending = ?",
                (petition_id, True),
            )[0][0]
            waiting = db.fetch("SELECT count(*) FROM mail_queuedemail WHERE status IN ('queued', 'deferred')")[0][0]
            if owed == 0 and waiting == 0:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(DUPLICATE_GRACE)

    async def _floor(self, db: Database, petition_id: int, version_id: int) -> Floor:
        options = self.options
        self.say(f"database floor: {options.floor_connections} connections, {options.floor_seconds:.0f} s")
        return await run_floor(
            db.conninfo,
            petition_id=petition_id,
            version_id=version_id,
            connections=options.floor_connections,
            seconds=options.floor_seconds,
            max_journeys=2_000_000,
        )

    async def _start_profilers(self, pids: dict[str, int]) -> list[asyncio.subprocess.Process]:
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
                    str(int(self.options.profile)),
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


async def wait_ready(base: str, petition_id: int, processes: procs.Processes) -> None:
    """Until the server answers count.json; fails at once if a started process exits."""
    deadline = time.monotonic() + READY_TIMEOUT
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
                raise RuntimeError(f"the server did not answer within {READY_TIMEOUT:.0f} s")
            await asyncio.sleep(0.2)


async def warm_up(base: str, petition_id: int) -> None:
    """Each worker imports templates and opens caches on first use: not part of the figures."""
    scratch = Recorder()
    for path in (
        f"/petitions/{petition_id}/",
        f"/petitions/{petition_id}/count.json",
        f"/petitions/{petition_id}/sign/",
    ):
        await read_load(base + path, kind="warm-up", concurrency=8, seconds=1.0, recorder=scratch, max_requests=200)
