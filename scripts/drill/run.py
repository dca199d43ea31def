"""One drill, start to finish.

In order: the drill's own PostgreSQL cluster; the SMTP sink; the database set up by the
bench's `setup_db` (migrations, one open petition, no history); the production processes
(granian with --respawn-failed-workers, `manage.py worker`, `manage.py scheduler`, with the
bench's settings and a short stale-task timeout); a warm-up; the steady load with the faults
injected one after another (`faults`); the drain, bounded; what was seen (`observe`). The
caller (`__main__`) stops every process and removes the cluster whatever happens.
"""

from __future__ import annotations

import asyncio
import datetime
import math
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psycopg

from scripts.bench import procs
from scripts.bench.database import Database
from scripts.bench.load import get_count
from scripts.bench.options import BASE_DIR
from scripts.bench.run import free_port, granian_command, server_environment, set_up_database, wait_ready, warm_up

from . import observe
from .checks import Check, Observed, verdicts
from .cluster import Cluster
from .faults import FaultRecord, Stage, run_faults
from .journeys import DrillLoad
from .options import Options
from .report import Window
from .sink import FaultySink

RECLAIMED = re.compile(r"reclaimed (\d+) task\(s\)")
# After the drain, how long a late copy of an email has to show up at the sink.
DUPLICATE_GRACE = 3.0
DRAIN_POLL = 0.5


@dataclass(frozen=True)
class Outcome:
    observed: Observed
    checks: list[Check]
    windows: list[Window]
    started: int
    skipped: int
    unexpected_mail: int
    log_notes: list[str]


def say(text: str) -> None:
    print(f"[drill {datetime.datetime.now():%H:%M:%S}] {text}", flush=True)


@dataclass
class Drill:
    options: Options
    run_id: str
    log_dir: Path
    processes: procs.Processes
    cluster: Cluster

    async def run(self) -> Outcome:
        sink = FaultySink()
        try:
            return await self._run(sink)
        finally:
            await sink.stop()

    async def _run(self, sink: FaultySink) -> Outcome:
        options = self.options
        cluster = self.cluster
        say(
            f"its own PostgreSQL {cluster.bin_dir.parent.name} cluster in {cluster.directory} "
            f"on 127.0.0.1:{cluster.port}"
        )
        await asyncio.to_thread(cluster.create)
        db = Database("postgres", cluster.url)
        smtp_port = await sink.start()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **server_environment(options.settings, db.url, base, smtp_port),
            "TOWNHALL_TASK_RUNNING_TIMEOUT": str(options.task_timeout),
            "TOWNHALL_TASK_RECLAIM_INTERVAL": str(options.reclaim_interval),
            "TOWNHALL_EMAIL_RETRY_BASE_SECONDS": str(options.email_retry_base),
        }
        say("migrating and creating an open petition")
        set_up = await set_up_database(env, history=0)
        petition_id, baseline = set_up.petition_id, set_up.baseline
        say(f"set up in {set_up.seconds:.1f} s: petition {petition_id}, baseline count {baseline}")

        manage = [sys.executable, str(BASE_DIR / "manage.py")]
        self.processes.start(
            "web",
            granian_command(
                port, workers=options.workers, threads=options.threads, extra=("--respawn-failed-workers",)
            ),
            env=env,
            cwd=BASE_DIR,
        )
        self.processes.start("task worker", [*manage, "worker", "--queue-name=*"], env=env, cwd=BASE_DIR)
        self.processes.start("scheduler", [*manage, "scheduler"], env=env, cwd=BASE_DIR)
        first_pids = {name: p.pid for name, p in self.processes.children.items()}
        cluster.remember_processes(list(first_pids.values()))
        say(
            f"granian --respawn-failed-workers ({options.workers} workers × {options.threads} threads) on {base}, "
            f"manage.py worker, manage.py scheduler ({options.settings}); SMTP sink on 127.0.0.1:{smtp_port}; "
            f"stale tasks reclaimed after {options.task_timeout:.0f} s"
        )
        await wait_ready(base, petition_id, self.processes)
        await warm_up(base, petition_id)

        load = DrillLoad(
            base=base, petition_id=petition_id, run=self.run_id, rate=options.rate, refuse_every=options.refuse_every
        )
        sink.on_link = load.on_link
        stage = Stage(options, self.processes, cluster, sink, load, say)
        say(
            f"load: {options.rate:g} journeys/s for {options.load_seconds():.0f} s; faults: {', '.join(options.faults)}"
        )
        load_task = asyncio.create_task(load.drive(options.load_seconds()))
        try:
            await asyncio.sleep(0)  # load.started is set
            records = await run_faults(stage)
            await load_task
        except BaseException:
            load_task.cancel()
            await load.close()
            raise
        say(f"load stopped after {load.stopped - load.started:.0f} s; draining (at most {options.drain_timeout:.0f} s)")
        outbox = await asyncio.to_thread(observe.outbox_present, db)
        await self._drain(load, db, base, petition_id=petition_id, baseline=baseline, outbox=outbox)
        await asyncio.sleep(DUPLICATE_GRACE)
        await load.close()
        shown = await _count(base, petition_id)
        first_refused = min(
            (s.acknowledged_at for s in load.signers.values() if s.refused and s.acknowledged_at), default=None
        )
        for record in records:
            if record.key == "refuse":
                record.ended_at = first_refused or record.injected_at
        processes = observe.processes_seen(self.processes, cluster, first_pids=first_pids, options=options)
        self.processes.stop_all()
        observed = await asyncio.to_thread(
            observe.observe,
            db,
            load=load,
            sink=sink,
            records=records,
            options=options,
            run_id=self.run_id,
            petition_id=petition_id,
            baseline=baseline,
            shown_count=shown,
            processes=processes,
        )
        return Outcome(
            observed=observed,
            checks=verdicts(observed),
            windows=_windows(load, records),
            started=load.launched,
            skipped=load.skipped,
            unexpected_mail=load.unexpected_mail,
            log_notes=_log_notes(self.log_dir),
        )

    async def _drain(
        self, load: DrillLoad, db: Database, base: str, *, petition_id: int, baseline: int, outbox: bool
    ) -> int | None:
        """Until every acknowledged signer the sink accepts is mailed and confirmed, nothing is
        owed, and count.json shows every verified signature; or the drain timeout."""
        deadline = time.monotonic() + self.options.drain_timeout
        shown: int | None = None
        waiting = "?"
        while time.monotonic() < deadline:
            unmailed = sum(1 for s in load.signers.values() if s.acknowledged_at and not s.refused and not s.mailed_at)
            try:
                owed = await asyncio.to_thread(
                    observe.owed_emails, db, run_id=self.run_id, petition_id=petition_id, outbox=outbox
                )
                verified = await asyncio.to_thread(
                    lambda: int(
                        db.fetch(
                            "SELECT count(*) FROM signatures_signature WHERE petition_id = ? AND email LIKE ? "
                            "AND state = 'verified'",
                            (petition_id, observe.run_addresses(self.run_id)),
                        )[0][0]
                    )
                )
            except psycopg.Error as error:
                waiting = f"database: {error}"
                await asyncio.sleep(DRAIN_POLL)
                continue
            shown = await _count(base, petition_id)
            waiting = (
                f"{unmailed} acknowledged signers not mailed, {load.owed_confirmations()} confirmations in progress, "
                f"{owed if owed is not None else '?'} emails owed, count.json {shown} of {baseline + verified}"
            )
            if unmailed == 0 and load.owed_confirmations() == 0 and not owed and shown == baseline + verified:
                say(f"drained: {waiting}")
                return shown
            await asyncio.sleep(DRAIN_POLL)
        say(f"drain timed out after {self.options.drain_timeout:.0f} s: {waiting}")
        return shown


async def _count(base: str, petition_id: int) -> int | None:
    try:
        return await asyncio.wait_for(get_count(base, petition_id), 10)
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
        return None


def _windows(load: DrillLoad, records: list[FaultRecord]) -> list[Window]:
    def window(name: str, start: float, end: float) -> Window:
        inside = [o for o in load.outcomes if start <= o.at < end]
        errors: dict[str, int] = {}
        for o in inside:
            if o.result != "ok":
                errors[o.result] = errors.get(o.result, 0) + 1
        return Window(name, len(inside), errors)

    first = records[0].injected_at if records else math.inf
    last = records[-1].window_end if records else load.started
    return [
        window("before the faults", load.started, first),
        window("after the faults (drain)", last, math.inf),
    ]


def _log_notes(log_dir: Path) -> list[str]:
    """What the processes said about the faults, counted from their logs."""
    notes = []
    patterns = {
        "task worker": ("lost its database", "task worker: 'lost its database; reconnecting' lines"),
        "scheduler": ("Traceback", "scheduler: tracebacks logged (failed jobs, retried at their next interval)"),
    }
    for name, (needle, label) in patterns.items():
        path = log_dir / f"{name}.log"
        if path.exists():
            notes.append(f"{label}: {path.read_text(errors='replace').count(needle)}")
    scheduler = log_dir / "scheduler.log"
    if scheduler.exists():
        counts = [
            int(match.group(1))
            for line in scheduler.read_text(errors="replace").splitlines()
            if (match := RECLAIMED.search(line))
        ]
        notes.append(
            f"scheduler: reclaim-stale-tasks made {sum(counts)} orphaned task(s) ready again, {len(counts)} time(s)"
        )
    return notes
