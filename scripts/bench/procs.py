"""Processes the bench starts: started in their own session, always stopped, measured via /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """pid and every process below it (Linux /proc)."""
    found = [pid]
    for p in found:
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                children = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                found.extend(int(c) for c in children if int(c) not in found)
        except OSError:
            continue
    return found


def children(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is `pid` (Linux /proc)."""
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found.update(int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except OSError:
            continue
    return {c for c in found if process_state(c) not in {"", "Z"}}


def process_state(pid: int) -> str:
    """The state letter of /proc/<pid>/stat (R, S, Z, …); "" if the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def status_kib(pid: int, key: str) -> int:
    """A field of /proc/<pid>/status in KiB (VmHWM: peak resident memory); 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def postgres_cpu_seconds() -> float:
    """CPU used so far by PostgreSQL: its live processes, plus the exited backends the
    postmaster has reaped (its cutime + cstime). 0 if no PostgreSQL runs on this machine."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name not in {"postgres", "postmaster"} and not name.startswith("postgres"):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        if fields[1] == "1" or name == "postmaster":  # the postmaster: add its reaped children
            total += (int(fields[13]) + int(fields[14])) / CLK_TCK
    return total


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


@dataclass(frozen=True)
class Launch:
    """How a process was started, so it can be started again the same way."""

    command: list[str]
    env: dict[str, str]
    cwd: Path


@dataclass
class Processes:
    log_dir: Path
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    launches: dict[str, Launch] = field(default_factory=dict)
    starts: Counter[str] = field(default_factory=Counter)  # times each was started

    def start(self, name: str, command: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        # Appended to: a process started again (`restart`) keeps its earlier log.
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, granian and manage.py)
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.children[name] = process
        self.launches[name] = Launch(command, env, cwd)
        self.starts[name] += 1
        return process

    def restart(self, name: str) -> subprocess.Popen[bytes]:
        """Start `name` again as it was first started (as a supervisor would), after reaping
        the old process; it must have stopped already."""
        old = self.children[name]
        if old.poll() is None:
            raise RuntimeError(f"{name} is still running (pid {old.pid})")
        launch = self.launches[name]
        return self.start(name, launch.command, env=launch.env, cwd=launch.cwd)

    def check_alive(self) -> None:
        for name, process in self.children.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}; see {self.log_dir}/{name}.log")

    def pids(self) -> dict[str, int]:
        """Every live process we started, by role (the web server's workers one by one)."""
        named: dict[str, int] = {}
        for name, process in self.children.items():
            tree = descendants(process.pid)
            named[name] = tree[0]
            for n, pid in enumerate(tree[1:], 1):
                named[f"{name} worker {n}"] = pid
        return named

    def stop_all(self, timeout: float = 10.0) -> None:
        """SIGTERM each started process group, then SIGKILL what is left after the timeout."""
        for process in self.children.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.children.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            if process.poll() is None:
                process.wait(timeout=5)
        self.children.clear()
