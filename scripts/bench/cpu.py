"""CPU accounting: who used the machine's cores while the bench measured, and how busy it was before.

A `CpuSample` is a reading of cumulative CPU seconds: each process the bench started, the
harness itself (journey client, SMTP sink, aiohttp reader), PostgreSQL, and the whole
machine's busy and total seconds. Two samples around a phase give a `CpuUse`: CPU seconds
per party and the window, the seconds all cores had between the samples, so
100 × seconds ÷ window is a party's share of the whole machine. Whatever the machine was
busy with that no named party accounts for is "anything else on the machine": other
sessions' work, which makes figures low.

The arithmetic is pure (`journey_use`, `read_use`, `busy_fraction`); `sample` and
`quiet_machine` read /proc and the clock.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import procs

# The parties of a CPU account, as the table and the JSON name them. HARNESS and WRK also
# name the load generators' rows of peak memory.
WEB = "web server (all granian processes)"
TASKS = "task worker and scheduler"
WRK = "load generator (wrk)"
HARNESS = "load generator (harness)"
POSTGRES = "PostgreSQL (all its processes)"
ELSE = "anything else on the machine"


@dataclass(frozen=True)
class CpuSample:
    processes: Mapping[str, float]  # CPU seconds so far of each started process, by role
    harness: float
    postgres: float
    machine_busy: float  # busy CPU seconds of all cores since boot
    machine_total: float  # all CPU seconds of all cores since boot, busy or idle


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds by party over a window of `window_s` seconds of all cores."""

    seconds: Mapping[str, float]
    window_s: float

    def __add__(self, other: CpuUse) -> CpuUse:
        """Two windows as one: seconds summed per party (in order of first appearance)."""
        seconds = dict(self.seconds)
        for name, value in other.seconds.items():
            seconds[name] = seconds.get(name, 0.0) + value
        return CpuUse(seconds, self.window_s + other.window_s)

    def rounded(self) -> CpuUse:
        """To the centisecond, the resolution of /proc's clock ticks: the figures a result keeps,
        so the table's percentages and the JSON come from the same numbers."""
        return CpuUse({name: round(value, 2) for name, value in self.seconds.items()}, round(self.window_s, 2))

    def percent(self, party: str) -> float:
        """The party's share of all cores over the window; NaN if it has no account here."""
        return 100 * self.seconds.get(party, math.nan) / self.window_s


NO_USE = CpuUse({}, 0.0)


def harness_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sample(pids: Mapping[str, int]) -> CpuSample:
    """A reading now, for the processes in `pids` (role → pid; 0 s for one that has gone)."""
    busy, total = procs.machine_busy_seconds()
    return CpuSample(
        processes={name: procs.cpu_seconds(pid) for name, pid in pids.items()},
        harness=harness_seconds(),
        postgres=procs.postgres_cpu_seconds(),
        machine_busy=busy,
        machine_total=total,
    )


def _with_the_rest(shares: dict[str, float], before: CpuSample, after: CpuSample) -> CpuUse:
    shares[HARNESS] = after.harness - before.harness
    shares[POSTGRES] = after.postgres - before.postgres
    # Clock ticks are coarse: the remainder can come out a hair below zero on an idle machine.
    shares[ELSE] = max(0.0, (after.machine_busy - before.machine_busy) - sum(shares.values()))
    return CpuUse(shares, after.machine_total - before.machine_total)


def journey_use(before: CpuSample, after: CpuSample) -> CpuUse:
    """Each started process on its own (every web worker a party), then the harness,
    PostgreSQL and the rest. A process missing from `before` started in the window."""
    shares = {name: value - before.processes.get(name, 0.0) for name, value in after.processes.items()}
    return _with_the_rest(shares, before, after)


def read_use(before: CpuSample, after: CpuSample, *, wrk_seconds: float | None) -> CpuUse:
    """The web server's processes together, the task worker and scheduler together, then wrk
    (its own rusage, when it drove the phase), the harness, PostgreSQL and the rest."""
    spent = {name: value - before.processes.get(name, 0.0) for name, value in after.processes.items()}
    shares = {
        WEB: sum(v for name, v in spent.items() if name.split()[0] == "web"),
        TASKS: sum(v for name, v in spent.items() if name.split()[0] != "web"),
    }
    if wrk_seconds is not None:
        shares[WRK] = wrk_seconds
    return _with_the_rest(shares, before, after)


def busy_fraction(before: tuple[float, float], after: tuple[float, float]) -> float:
    """The busy share of all cores between two (busy, total) readings of the machine."""
    return (after[0] - before[0]) / max(1e-9, after[1] - before[1])


def measure_busy(seconds: float = 2.0) -> float:
    """How busy the machine is over the next `seconds`."""
    before = procs.machine_busy_seconds()
    time.sleep(seconds)
    return busy_fraction(before, procs.machine_busy_seconds())


QUIET = 0.15  # busier than this before the run, and other work will lower the figures


def quiet_machine(
    wait: float,
    *,
    measure: Callable[[float], float] = measure_busy,
    clock: Callable[[], float] = time.monotonic,
    say: Callable[[str], None] = lambda text: print(text, flush=True),
) -> float:
    """How busy the machine is before we start; waits up to `wait` s for it to be under 15 %."""
    deadline = clock() + wait
    busy = measure(2.0)
    while busy > QUIET and clock() < deadline:
        say(f"machine {busy:.0%} busy with other work; waiting (up to {wait:.0f} s, --wait-quiet)")
        busy = measure(5.0)
    return busy
