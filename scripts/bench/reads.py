"""The read phases: closed-loop GETs of one URL per phase, by wrk or the harness's aiohttp client.

Either way a phase records, under its request kind, the successful requests per second, the
p50/p90/p99 latencies and the failures (any non-2xx response or socket error), and the CPU
each party used while it ran: the web server, the task worker and scheduler, the load
generator (wrk's own rusage; the harness process), PostgreSQL and the rest of the machine,
so a read figure shows whether the client or the server ran out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import cpu, procs
from .cpu import CpuUse
from .load import read_load
from .options import Options
from .stats import Recorder
from .wrk import WrkError, WrkRun, run_wrk


@dataclass
class ReadPhases:
    options: Options
    recorder: Recorder
    processes: procs.Processes
    log_dir: Path
    label: str  # the backend, in wrk's log file names
    cpu: CpuUse = cpu.NO_USE  # every phase so far, added up
    wrk_runs: dict[str, WrkRun] = field(default_factory=dict)

    @property
    def wrk_peak_kib(self) -> int:
        """wrk's peak memory over the phases (0 when the harness read)."""
        return max((run.peak_memory_kib for run in self.wrk_runs.values()), default=0)

    async def run(self, url: str, *, kind: str) -> tuple[int, float]:
        """One read phase of `kind` against `url`: (successful requests, seconds)."""
        pids = self.processes.pids()
        before = cpu.sample(pids)
        wrk_seconds: float | None = None
        if self.options.reader == "wrk":
            log = self.log_dir / f"wrk-{self.label}-{kind.split()[0].replace('.', '-')}.txt"
            try:
                run = await run_wrk(
                    url, connections=self.options.read_concurrency, seconds=self.options.read_seconds, log=log
                )
            except (WrkError, TimeoutError) as error:
                raise RuntimeError(f"{kind} with wrk failed: {error} (output in {log})") from None
            run.report.record(self.recorder, kind)
            wrk_seconds = run.cpu_seconds
            self.wrk_runs[kind] = run
            ok, seconds = run.report.ok, run.report.seconds
        else:
            ok, seconds = await read_load(
                url,
                kind=kind,
                concurrency=self.options.read_concurrency,
                seconds=self.options.read_seconds,
                recorder=self.recorder,
            )
        self.cpu += cpu.read_use(before, cpu.sample(pids), wrk_seconds=wrk_seconds)
        return ok, seconds
