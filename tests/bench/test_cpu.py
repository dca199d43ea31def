"""CPU accounting of `make bench`: who used the cores in a window, from fake /proc readings."""

from __future__ import annotations

import math

import pytest

from scripts.bench.cpu import (
    ELSE,
    HARNESS,
    NO_USE,
    POSTGRES,
    TASKS,
    WEB,
    WRK,
    CpuSample,
    CpuUse,
    busy_fraction,
    journey_use,
    quiet_machine,
    read_use,
)

# Binary-exact values throughout, so sums compare exactly.
BEFORE = CpuSample(
    processes={"web": 1.0, "web worker 1": 10.0, "web worker 2": 9.0, "task worker": 5.0},
    harness=2.0,
    postgres=30.0,
    machine_busy=100.0,
    machine_total=400.0,
)


def after(*, machine_busy: float = 108.0, **processes: float) -> CpuSample:
    named = {"web": 1.0, "web worker 1": 13.5, "web worker 2": 11.0, "task worker": 5.5} | {
        name.replace("_", " "): value for name, value in processes.items()
    }
    return CpuSample(processes=named, harness=2.75, postgres=31.0, machine_busy=machine_busy, machine_total=420.0)


def test_journeys_account_each_process_then_the_harness_postgres_and_the_rest() -> None:
    use = journey_use(BEFORE, after(scheduler=0.25, machine_busy=110.0))
    assert list(use.seconds.items()) == [
        ("web", 0.0),
        ("web worker 1", 3.5),
        ("web worker 2", 2.0),
        ("task worker", 0.5),
        ("scheduler", 0.25),  # started after the first reading: all its CPU is in the window
        (HARNESS, 0.75),
        (POSTGRES, 1.0),
        (ELSE, 10.0 - 8.0),  # busy 10 s, of which the parties above explain 8 s
    ]
    assert use.window_s == 20.0
    assert use.percent("web worker 1") == pytest.approx(17.5)
    assert math.isnan(use.percent("load generator (wrk)"))


def test_the_rest_of_the_machine_is_what_the_named_parties_do_not_explain() -> None:
    named = 3.5 + 2.0 + 0.5 + 0.75 + 1.0
    assert journey_use(BEFORE, after(machine_busy=111.0)).seconds[ELSE] == 11.0 - named
    # Coarse clock ticks can make the named parties add up to a hair more than the machine's busy time.
    assert journey_use(BEFORE, after(machine_busy=100.0 + named - 0.25)).seconds[ELSE] == 0.0


def test_reads_group_the_web_server_and_the_task_processes_and_name_wrk_when_it_ran() -> None:
    with_wrk = read_use(BEFORE, after(scheduler=0.25, machine_busy=110.0), wrk_seconds=1.25)
    assert list(with_wrk.seconds.items()) == [
        (WEB, 0.0 + 3.5 + 2.0),
        (TASKS, 0.5 + 0.25),
        (WRK, 1.25),
        (HARNESS, 0.75),
        (POSTGRES, 1.0),
        (ELSE, 10.0 - 9.25),
    ]
    by_harness = read_use(BEFORE, after(machine_busy=110.0), wrk_seconds=None)
    assert WRK not in by_harness.seconds
    assert by_harness.seconds[ELSE] == 10.0 - (5.5 + 0.5 + 0.75 + 1.0)


def test_read_phases_add_up_party_by_party() -> None:
    page = CpuUse({WEB: 4.0, WRK: 1.0}, 10.0)
    count = CpuUse({WEB: 3.0, HARNESS: 0.5}, 11.0)
    both = NO_USE + page + count
    assert list(both.seconds.items()) == [(WEB, 7.0), (WRK, 1.0), (HARNESS, 0.5)]
    assert both.window_s == 21.0
    assert page.seconds == {WEB: 4.0, WRK: 1.0}  # the phases themselves are unchanged


def test_a_result_keeps_centiseconds() -> None:
    use = CpuUse({WEB: 3.14159, ELSE: 0.005001}, 19.996).rounded()
    assert use.seconds == {WEB: 3.14, ELSE: 0.01}
    assert use.window_s == 20.0


def test_busy_fraction_of_all_cores() -> None:
    assert busy_fraction((100.0, 400.0), (101.0, 404.0)) == 0.25
    assert busy_fraction((5.0, 10.0), (5.0, 10.0)) == 0.0  # no time passed: idle, not a division by zero


class FakeMachine:
    """A machine whose busy fraction follows a script; measuring takes the time asked for."""

    def __init__(self, busy: list[float]) -> None:
        self.busy = busy
        self.now = 1000.0
        self.measured: list[float] = []
        self.said: list[str] = []

    def measure(self, seconds: float) -> float:
        self.measured.append(seconds)
        self.now += seconds
        return self.busy[len(self.measured) - 1]

    def clock(self) -> float:
        return self.now


def test_a_quiet_machine_is_measured_once() -> None:
    machine = FakeMachine([0.10])
    assert quiet_machine(60, measure=machine.measure, clock=machine.clock, say=machine.said.append) == 0.10
    assert machine.measured == [2.0]
    assert machine.said == []


def test_a_busy_machine_is_waited_for_until_it_goes_quiet() -> None:
    machine = FakeMachine([0.60, 0.40, 0.05, 0.90])
    assert quiet_machine(60, measure=machine.measure, clock=machine.clock, say=machine.said.append) == 0.05
    assert machine.measured == [2.0, 5.0, 5.0]
    assert machine.said == [
        "machine 60% busy with other work; waiting (up to 60 s, --wait-quiet)",
        "machine 40% busy with other work; waiting (up to 60 s, --wait-quiet)",
    ]


def test_waiting_stops_at_the_deadline_and_reports_the_last_figure() -> None:
    machine = FakeMachine([0.60] * 10)
    assert quiet_machine(9, measure=machine.measure, clock=machine.clock, say=machine.said.append) == 0.60
    assert machine.measured == [2.0, 5.0, 5.0]  # 2 s, then 7 s < 9 s: once more; 12 s: stop
    no_wait = FakeMachine([0.60])
    assert quiet_machine(0, measure=no_wait.measure, clock=no_wait.clock, say=no_wait.said.append) == 0.60
    assert no_wait.said == []
