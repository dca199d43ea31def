"""The drill's smaller pieces: its command line, its signers, restarting a process as a
supervisor would, and removing the clusters of drills that were killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.bench.procs import Processes
from scripts.drill.cluster import Cluster, sweep_orphans
from scripts.drill.journeys import drill_signer
from scripts.drill.options import FAULTS, parse_args
from scripts.drill.sink import refused


def test_help_lists_the_faults_and_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_args(["--help"])
    assert stop.value.code == 0
    assert "--faults" in capsys.readouterr().out


def test_faults_run_in_their_fixed_order_and_unknown_ones_are_refused() -> None:
    assert parse_args([]).faults == tuple(FAULTS)
    assert parse_args(["--faults", "smtp,web"]).faults == ("web", "smtp")
    for bad in (["--faults", "web,disk"], ["--workers", "1"], ["--rate", "0"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_the_default_drill_fits_its_time_limit() -> None:
    options = parse_args([])
    # Set-up and start-up take about 30 s and the end about 15 s on a busy 2-core machine.
    assert options.load_seconds() + options.drain_timeout + 60 < options.time_limit


def test_refused_signers_are_unique_and_refused_by_the_sink() -> None:
    plain = drill_signer("d1", 49, refuse=False)
    refused_one = drill_signer("d1", 49, refuse=True)
    assert refused_one["email"] == "refuse-" + plain["email"]
    assert refused_one["email"].endswith(".d1@example.org")
    assert refused(refused_one["email"])
    assert not refused(plain["email"])
    assert refused_one["postcode"] == plain["postcode"]


def wait_for_line(log: Path, line: str) -> None:
    deadline = time.monotonic() + 20
    while line not in log.read_text().split():
        assert time.monotonic() < deadline, f"{line} never written to {log}"
        time.sleep(0.05)


def test_a_killed_process_is_started_again_as_it_was_first_started(tmp_path: Path) -> None:
    processes = Processes(tmp_path)
    log = tmp_path / "task worker.log"
    command = [sys.executable, "-c", "import os, time; print(os.getpid(), flush=True); time.sleep(30)"]
    try:
        first = processes.start("task worker", command, env=dict(os.environ), cwd=tmp_path)
        with pytest.raises(RuntimeError):
            processes.restart("task worker")  # still running
        wait_for_line(log, str(first.pid))
        first.kill()
        first.wait(timeout=10)
        second = processes.restart("task worker")
        wait_for_line(log, str(second.pid))
        assert second.pid != first.pid
        assert processes.starts["task worker"] == 2
    finally:
        processes.stop_all()
    # The log is appended to, not replaced: both processes' lines are there.
    assert log.read_text().split() == [str(first.pid), str(second.pid)]


def test_clusters_left_by_a_killed_drill_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    orphan = tmp_path / "drill-d1"
    live = tmp_path / "drill-d2"
    for directory, owner in ((orphan, dead.stdout.decode().strip()), (live, str(os.getpid()))):
        (directory / "pg").mkdir(parents=True)
        (directory / "owner.pid").write_text(owner)

    # A process the killed drill started in its own session, and an unrelated one.
    left_running = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "manage.py", "worker"], start_new_session=True
    )
    unrelated = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    (orphan / "processes").write_text(f"{left_running.pid} {unrelated.pid}")
    try:
        removed = sweep_orphans([tmp_path], bin_dir=tmp_path)

        assert removed == [orphan]
        assert not orphan.exists()
        assert live.exists()
        assert left_running.wait(timeout=10) == -9
        assert unrelated.poll() is None
    finally:
        for process in (left_running, unrelated):
            process.kill()
            process.wait()


def test_the_cluster_listens_on_loopback_only() -> None:
    cluster = Cluster(Path("/nonexistent/drill-d1"), port=54329, bin_dir=Path("/nonexistent"), run_as=None)
    assert cluster.url == "postgres://postgres@127.0.0.1:54329/townhall_drill"
    assert cluster.conninfo.startswith("postgresql://postgres@127.0.0.1:54329/")
