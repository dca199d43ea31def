"""wrk's report, as the read phases of `make bench` parse it (real wrk 4.1 output in wrk_output/)."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import math
import os
import threading
import uuid
from pathlib import Path

import pytest

from scripts.bench.stats import Recorder
from scripts.bench.wrk import WRK, WrkError, parse_wrk_output, run_wrk, wrk_command

# scripts/test installs wrk (scripts/ensure-wrk) when it can; CI always runs these tests.
NEEDS_WRK = pytest.mark.skipif(
    not WRK.exists() and os.environ.get("CI") != "true",
    reason="wrk is not installed: run scripts/ensure-wrk (CI always runs these tests)",
)

SAMPLES = Path(__file__).parent / "wrk_output"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_a_clean_run_in_milliseconds() -> None:
    report = parse_wrk_output(sample("python-http-server.txt"))
    assert report.requests == 1984
    assert report.seconds == pytest.approx(2.00)
    assert report.requests_per_s == pytest.approx(991.21)
    assert (report.p50_s, report.p75_s, report.p90_s, report.p99_s) == pytest.approx(
        (2.84e-3, 5.87e-3, 9.13e-3, 16.03e-3)
    )
    assert report.max_s == pytest.approx(31.58e-3)
    assert report.errors == 0
    assert report.ok == 1984
    assert report.ok_per_s == pytest.approx(992.0)


def test_microseconds_and_milliseconds_in_one_distribution() -> None:
    report = parse_wrk_output(sample("microseconds.txt"))
    assert report.p50_s == pytest.approx(311e-6)
    assert report.p75_s == pytest.approx(1.43e-3)
    assert report.p99_s == pytest.approx(6.16e-3)
    assert report.max_s == pytest.approx(11.94e-3)
    assert report.requests == 32354
    assert report.seconds == pytest.approx(2.10)


def test_seconds_with_wrk_s_trailing_space() -> None:
    report = parse_wrk_output(sample("seconds.txt"))
    assert (report.p50_s, report.p90_s, report.p99_s, report.max_s) == pytest.approx((1.30, 1.50, 1.50, 1.50))
    assert report.requests == 16


def test_non_2xx_responses_and_socket_errors_are_request_errors() -> None:
    report = parse_wrk_output(sample("errors.txt"))
    assert report.requests == 4518
    assert report.non_2xx_3xx == 461
    assert (report.connect_errors, report.read_errors, report.write_errors, report.timeouts) == (0, 126, 0, 0)
    assert report.errors == 461 + 126
    assert report.ok == 4518 - 461
    assert "461 non-2xx/3xx" in report.error_detail()


def test_a_run_that_could_not_connect_is_refused() -> None:
    with pytest.raises(WrkError):
        parse_wrk_output(sample("refused.txt"))
    with pytest.raises(WrkError):
        parse_wrk_output("")


def test_the_command_is_one_thread_whole_seconds() -> None:
    assert wrk_command("http://127.0.0.1:8000/x", connections=32, seconds=3.4) == [
        "/usr/bin/wrk",
        "-t1",
        "-c32",
        "-d3s",
        "--latency",
        "http://127.0.0.1:8000/x",
    ]
    assert "-d1s" in wrk_command("http://127.0.0.1:8000/x", connections=1, seconds=0.2)


def test_externally_measured_percentiles_read_like_the_harness_s_own() -> None:
    report = parse_wrk_output(sample("errors.txt"))
    recorder = Recorder()
    recorder.ok("sign GET", 0.010)
    report.record(recorder, "page GET")
    own, measured = recorder.summary("sign GET"), recorder.summary("page GET")
    assert (measured.ok, measured.errors) == (4518 - 461, 587)
    assert measured.p50_ms == pytest.approx(0.174)
    assert measured.measured_by == "wrk"
    assert (own.ok, own.measured_by) == (1, "harness")
    assert own.p50_ms == pytest.approx(10.0)
    assert recorder.errors["page GET"] == 587
    assert recorder.error_examples["page GET"].startswith("wrk: 461 non-2xx/3xx")
    assert math.isnan(recorder.summary("count.json GET").p50_ms)
    with pytest.raises(ValueError, match="already has latencies"):
        recorder.measured("sign GET", ok=1, errors=0, p50_ms=1, p90_ms=1, p99_ms=1, max_ms=1, by="wrk")


def test_a_townhall_petition_page_run() -> None:
    report = parse_wrk_output(sample("townhall-petition-page.txt"))
    assert (report.requests, report.errors) == (6814, 0)
    assert report.p90_s == pytest.approx(22.80e-3)
    assert report.ok_per_s == pytest.approx(6814 / 3.00)


def _serve_ok() -> tuple[http.server.ThreadingHTTPServer, str]:
    class Ok(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/{uuid.uuid4().hex}"


def _wrk_processes(url: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and url.encode() in (entry / "cmdline").read_bytes():
                found.append(entry.name)
    return found


@NEEDS_WRK
def test_wrk_runs_and_its_own_cost_is_measured(tmp_path: Path) -> None:
    server, url = _serve_ok()
    try:
        run = asyncio.run(run_wrk(url, connections=2, seconds=1, log=tmp_path / "wrk.txt"))
    finally:
        server.shutdown()
    assert run.report.ok > 0
    assert run.report.errors == 0
    assert run.cpu_seconds > 0
    # wrk's own memory, not the harness's it was forked from.
    assert 0 < run.peak_memory_kib < 30_000
    assert (tmp_path / "wrk.txt").read_text() == run.output


@NEEDS_WRK
def test_wrk_is_killed_when_the_run_is_cancelled(tmp_path: Path) -> None:
    server, url = _serve_ok()

    async def cancel_early() -> None:
        task = asyncio.ensure_future(run_wrk(url, connections=1, seconds=60, log=tmp_path / "wrk.txt"))
        while not _wrk_processes(url):
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(cancel_early())
    finally:
        server.shutdown()
    assert _wrk_processes(url) == []
