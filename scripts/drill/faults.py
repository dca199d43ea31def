"""The five faults, injected one after another while the load runs, and what each did.

Each injector does its harm, undoes it where a person or a supervisor would (the drill
restarts the killed task worker as systemd's `Restart=always` does, and starts PostgreSQL
and the SMTP server again), watches for the faulted part to be back, and returns a
`FaultRecord` of monotonic times. Nothing else is touched: whatever else must recover
(granian's respawn, the worker's and scheduler's reconnects, the reclaim of orphaned tasks,
the outbox's retries) has to do so by itself, and the checks say whether it did.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from scripts.bench import procs

from .cluster import Cluster
from .journeys import DrillLoad
from .options import FAULTS, Options
from .sink import FaultySink

TASKS = "django_tasks_database_dbtaskresult"
ESTABLISHED = "01"  # the state column of /proc/net/tcp
# How long the drill waits for the task worker to hand a letter over before killing it anyway,
# and how long the sink keeps it waiting for the 250 meanwhile.
HELD_TASK_WAIT = 5.0
HANDOVER_HOLD = 2.0


@dataclass
class FaultRecord:
    key: str
    injected_at: float
    window_end: float
    # From when the service should be whole again: the fault undone (worker restarted,
    # PostgreSQL started, SMTP back), or at once for a kill the server heals itself. For the
    # refusals, when the first refused signer was acknowledged (set after the run).
    ended_at: float | None = None
    back_at: float | None = None  # the faulted part running again; None: not before the load ended
    back_what: str = ""
    notes: list[str] = field(default_factory=list)
    held_tasks: tuple[str, ...] = ()  # task ids RUNNING when the task worker was killed
    reclaimed_at: float | None = None  # when none of them was RUNNING any more


@dataclass
class Stage:
    """What the injectors act on."""

    options: Options
    processes: procs.Processes
    cluster: Cluster
    sink: FaultySink
    load: DrillLoad
    say: Callable[[str], None]
    watchers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def load_ends(self) -> float:
        return self.load.started + self.options.load_seconds()

    def watch(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Keep watching for a fault's recovery while the next faults run (until the load ends)."""
        self.watchers.append(asyncio.get_running_loop().create_task(coroutine))


type Injector = Callable[[Stage, float], Awaitable[FaultRecord]]


async def kill_web_worker(stage: Stage, window_end: float) -> FaultRecord:
    """kill -9 one granian worker (a child, never the main process); watch, until the load
    ends, for its successor to start and then to serve (it holds a connection to PostgreSQL
    once it has answered a request that reads the database: Django connects on first use)."""
    web = stage.processes.children["web"]
    before = procs.children(web.pid)
    victim = min(before)
    record = FaultRecord("web", time.monotonic(), window_end)
    os.kill(victim, signal.SIGKILL)
    record.ended_at = record.injected_at
    stage.say(f"killed web worker pid {victim} of granian {web.pid} (workers {sorted(before)})")

    async def watch() -> None:
        successor = None
        while time.monotonic() < stage.load_ends:
            now = procs.children(web.pid)
            if successor is None and now - before and len(now) >= len(before):
                successor = min(now - before)
                after = time.monotonic() - record.injected_at
                stage.say(f"granian started pid {successor} in its place after {after:.1f} s")
            if successor is not None and connected_to(successor, stage.cluster.port):
                record.back_at = time.monotonic()
                record.back_what = f"its successor pid {successor} serving"
                stage.say(f"{record.back_what}, {record.back_at - record.injected_at:.1f} s after the kill")
                return
            await asyncio.sleep(0.05)

    stage.watch(watch())
    return record


async def kill_task_worker(stage: Stage, window_end: float) -> FaultRecord:
    """kill -9 the task worker while it hands a letter over (the sink holds back its 250), so
    it dies holding a task and a letter it cannot know was taken; start it again after
    --supervisor-delay; watch the orphaned task until the scheduler reclaims it."""
    worker = stage.processes.children["task worker"]
    conninfo = stage.cluster.conninfo
    # The worst moment: the sink has kept a letter but the worker has not heard the 250 yet.
    stage.sink.hold_replies = HANDOVER_HOLD
    try:
        handing_over = await wait_for(lambda: stage.sink.holding > 0, HELD_TASK_WAIT)
        record = FaultRecord("worker", time.monotonic(), window_end)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
    finally:
        stage.sink.hold_replies = 0.0
    await asyncio.to_thread(worker.wait, 10)
    # Its only worker is dead: every task still RUNNING now is orphaned.
    record.held_tasks = tuple(await running_tasks(conninfo))
    stage.say(
        f"killed task worker pid {worker.pid}"
        + (f" holding {len(record.held_tasks)} task(s)" if record.held_tasks else " (it held no task)")
        + (
            ", while a letter it handed over waited for the SMTP server's 250"
            if handing_over
            else f"; it handed no letter over within {HELD_TASK_WAIT:.0f} s"
        )
    )
    await asyncio.sleep(stage.options.supervisor_delay)
    new = stage.processes.restart("task worker")
    stage.cluster.remember_processes([p.pid for p in stage.processes.children.values()])
    record.ended_at = record.back_at = time.monotonic()
    record.back_what = f"restarted by the drill (the supervisor) as pid {new.pid}"
    stage.say(f"{record.back_what}, {record.back_at - record.injected_at:.1f} s after the kill")

    async def watch() -> None:
        while record.held_tasks and time.monotonic() < stage.load_ends:
            with contextlib.suppress(psycopg.Error):
                if not set(record.held_tasks) & set(await running_tasks(conninfo)):
                    record.reclaimed_at = time.monotonic()
                    stage.say(
                        f"the held task(s) left RUNNING {record.reclaimed_at - record.injected_at:.1f} s after the "
                        f"kill (reclaim-stale-tasks, timeout {stage.options.task_timeout:.0f} s)"
                    )
                    return
            await asyncio.sleep(0.25)

    stage.watch(watch())
    return record


async def restart_database(stage: Stage, window_end: float) -> FaultRecord:
    """pg_ctl stop -m fast (every connection dropped), --db-down seconds, pg_ctl start."""
    cluster = stage.cluster
    record = FaultRecord("db", time.monotonic(), window_end)
    await asyncio.to_thread(cluster.stop, "fast")
    stopped = time.monotonic()
    await asyncio.sleep(stage.options.db_down)
    try:
        await asyncio.to_thread(cluster.start)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        record.notes.append(f"PostgreSQL did not start again: {error}")
        return record
    record.ended_at = record.back_at = time.monotonic()
    record.back_what = "PostgreSQL accepting connections"
    record.notes.append(
        f"pg_ctl stop -m fast took {stopped - record.injected_at:.1f} s; down {record.back_at - stopped:.1f} s "
        "until pg_ctl start returned"
    )
    stage.say(record.notes[-1])
    return record


async def refuse_recipients(stage: Stage, window_end: float) -> FaultRecord:
    """From now on every --refuse-every-th new signer has an address the sink refuses (550)."""
    record = FaultRecord("refuse", time.monotonic(), window_end)
    stage.load.refuse_from = record.injected_at
    stage.say(f"from now on every {stage.options.refuse_every}th new signer's address is refused with 550")
    return record


async def smtp_away(stage: Stage, window_end: float) -> FaultRecord:
    """The SMTP sink stops listening (connections refused) for --smtp-away seconds."""
    record = FaultRecord("smtp", time.monotonic(), window_end)
    await stage.sink.away()
    stage.say(f"SMTP sink stopped listening; back in {stage.options.smtp_away:.0f} s")
    await asyncio.sleep(stage.options.smtp_away)
    await stage.sink.back()
    record.ended_at = record.back_at = time.monotonic()
    record.back_what = f"listening again on port {stage.sink.port}"
    stage.say(record.back_what)
    return record


INJECTORS: dict[str, Injector] = {
    "web": kill_web_worker,
    "worker": kill_task_worker,
    "db": restart_database,
    "refuse": refuse_recipients,
    "smtp": smtp_away,
}


def connected_to(pid: int, port: int) -> bool:
    """Whether process `pid` holds an established TCP connection to `port` (Linux /proc)."""
    sockets = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    sockets.add(target[len("socket:[") : -1])
        table = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return False
    for line in table:
        fields = line.split()
        remote_port = int(fields[2].rsplit(":", 1)[1], 16)
        if fields[3] == ESTABLISHED and remote_port == port and fields[9] in sockets:
            return True
    return False


async def running_tasks(conninfo: str) -> list[str]:
    async with await psycopg.AsyncConnection.connect(conninfo, connect_timeout=2, autocommit=True) as conn:
        cursor = await conn.execute(f"SELECT id::text FROM {TASKS} WHERE status = 'RUNNING'")  # noqa: S608
        return [row[0] for row in await cursor.fetchall()]


async def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll `condition` until it holds, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.005)
    return False


async def run_faults(stage: Stage) -> list[FaultRecord]:
    """Each chosen fault in order, after the baseline, each given its window."""
    options = stage.options
    started = stage.load.started
    next_at = started + options.baseline
    records = []
    for key in options.faults:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        window_end = next_at + options.window_of(key)
        stage.say(f"+{time.monotonic() - started:.0f} s: {FAULTS[key]}")
        record = await INJECTORS[key](stage, window_end)
        records.append(record)
        next_at = window_end
    await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.gather(*stage.watchers)
    return records
