"""The read phases driven by wrk (Debian's C load generator), and its report parsed.

The harness's own aiohttp client spends about as much CPU per request as the server does
for a cached petition page, so on a small machine it measures itself. wrk does the same
closed loop (`--read-concurrency` keep-alive connections for `--read-seconds`) for a
fraction of the CPU. Its CPU time is the kernel's accounting of the process (wait4
rusage) and its peak memory the VmHWM of /proc/<pid>/status sampled while it runs (rusage's
ru_maxrss would include the harness's memory from before the exec), so the report shows
what the load generator cost.

Failed requests count as errors, as the harness's client counts them: responses other
than 2xx/3xx ("Non-2xx or 3xx responses") and socket errors (connect, read, write,
timeout). wrk's latency distribution covers every response it received, including
non-2xx ones, so percentiles are only meaningful when the error count is zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import resource
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .procs import status_kib
from .stats import Recorder

WRK = Path("/usr/bin/wrk")

_UNITS_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_TIME = r"([0-9.]+)(us|ms|s|m|h)"
_DISTRIBUTION = re.compile(r"^\s*(50|75|90|99)%\s+" + _TIME + r"\s*$", re.MULTILINE)
_LATENCY_ROW = re.compile(r"^\s*Latency\s+" + _TIME + r"\s+" + _TIME + r"\s+" + _TIME + r"\s", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in " + _TIME + r",", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([0-9.]+)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses: (\d+)\s*$", re.MULTILINE)
_SOCKET = re.compile(r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.MULTILINE)


class WrkError(Exception):
    """wrk did not run, or its report is not the one this parser knows."""


@dataclass(frozen=True)
class WrkReport:
    requests: int  # responses received, whatever their status
    seconds: float
    requests_per_s: float  # as wrk prints it (all responses)
    p50_s: float
    p75_s: float
    p90_s: float
    p99_s: float
    max_s: float
    non_2xx_3xx: int = 0
    connect_errors: int = 0
    read_errors: int = 0
    write_errors: int = 0
    timeouts: int = 0

    @property
    def ok(self) -> int:
        return self.requests - self.non_2xx_3xx

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + self.connect_errors + self.read_errors + self.write_errors + self.timeouts

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def error_detail(self) -> str:
        return (
            f"{self.non_2xx_3xx} non-2xx/3xx responses; socket errors: connect {self.connect_errors}, "
            f"read {self.read_errors}, write {self.write_errors}, timeout {self.timeouts}"
        )

    def record(self, recorder: Recorder, kind: str) -> None:
        """Put this report's counts and percentiles into the harness's recorder under `kind`."""
        recorder.measured(
            kind,
            ok=self.ok,
            errors=self.errors,
            p50_ms=self.p50_s * 1000,
            p90_ms=self.p90_s * 1000,
            p99_ms=self.p99_s * 1000,
            max_ms=self.max_s * 1000,
            by="wrk",
            error_detail=self.error_detail(),
        )


def _seconds(value: str, unit: str) -> float:
    return float(value) * _UNITS_S[unit]


def parse_wrk_output(text: str) -> WrkReport:
    """The figures of one `wrk --latency` run from its standard output (wrk 4.x format)."""
    total = _TOTAL.search(text)
    rate = _RATE.search(text)
    latency = _LATENCY_ROW.search(text)
    distribution = {int(p): _seconds(v, u) for p, v, u in _DISTRIBUTION.findall(text)}
    if total is None or rate is None or latency is None or set(distribution) != {50, 75, 90, 99}:
        raise WrkError(f"not a wrk --latency report: {text[-500:]!r}")
    non_2xx = _NON_2XX.search(text)
    sockets = _SOCKET.search(text)
    connect, read, write, timeout = (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0)
    return WrkReport(
        requests=int(total.group(1)),
        seconds=_seconds(total.group(2), total.group(3)),
        requests_per_s=float(rate.group(1)),
        p50_s=distribution[50],
        p75_s=distribution[75],
        p90_s=distribution[90],
        p99_s=distribution[99],
        max_s=_seconds(latency.group(5), latency.group(6)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        connect_errors=connect,
        read_errors=read,
        write_errors=write,
        timeouts=timeout,
    )


def wrk_command(url: str, *, connections: int, seconds: float, wrk: Path = WRK) -> list[str]:
    """One thread, `connections` keep-alive connections, a closed loop for `seconds`
    (wrk takes whole seconds: rounded, at least 1; the report gives the time it ran)."""
    return [str(wrk), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", url]


@dataclass(frozen=True)
class WrkRun:
    report: WrkReport
    output: str
    cpu_seconds: float  # user + system CPU of the wrk process (rusage)
    peak_memory_kib: int  # its peak resident memory (VmHWM, sampled while it ran)


def _wait4(pid: int) -> tuple[int, resource.struct_rusage]:
    _, status, usage = os.wait4(pid, 0)
    return status, usage


async def run_wrk(url: str, *, connections: int, seconds: float, log: Path, grace: float = 20.0) -> WrkRun:
    """Run wrk against `url` and parse its report; killed if it outlives `seconds + grace`
    or if the caller is cancelled (Ctrl-C, the run's time limit). Output kept in `log`."""
    command = wrk_command(url, connections=connections, seconds=seconds)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (a fixed path and our own arguments)
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    # wait4 rather than Popen.wait: it also returns the process's own CPU use.
    waited = asyncio.ensure_future(asyncio.to_thread(_wait4, process.pid))
    deadline = time.monotonic() + seconds + grace
    peak_kib = 0
    try:
        while not waited.done():
            peak_kib = max(peak_kib, status_kib(process.pid, "VmHWM"))
            if time.monotonic() > deadline:
                raise TimeoutError(f"wrk still running {seconds + grace:.0f} s after it started")
            await asyncio.wait({waited}, timeout=0.25)
        status, usage = waited.result()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(BaseException):
            await asyncio.shield(waited)  # reaped by the waiting thread once killed
        raise
    process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(errors="replace")
    if process.returncode != 0:
        raise WrkError(f"wrk exited with code {process.returncode}: {output.strip()[-500:]}")
    return WrkRun(
        report=parse_wrk_output(output),
        output=output,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_memory_kib=peak_kib,
    )
