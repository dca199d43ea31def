"""The report of `make bench` from typed results: the table's rows and cells, and the JSON
document, whose keys and values older result files share (no servers, no timing)."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from pathlib import Path
from typing import Any

import pytest

from scripts.bench.cpu import ELSE, HARNESS, POSTGRES, TASKS, WEB, WRK, CpuUse
from scripts.bench.floor import Floor
from scripts.bench.options import parse_args
from scripts.bench.report import Machine, RunInfo, document, headline, outcome, result_json, table
from scripts.bench.results import (
    REQUEST_KINDS,
    BackendResult,
    Check,
    Count,
    Emails,
    History,
    Journeys,
    Reads,
)
from scripts.bench.stats import Latency
from scripts.bench.wrk import WrkRun, parse_wrk_output

SAMPLES = Path(__file__).parent / "wrk_output"
NAN = math.nan
MIB = 1024


def wrk_run(sample: str, *, cpu_seconds: float, peak_memory_kib: int) -> WrkRun:
    output = (SAMPLES / sample).read_text()
    return WrkRun(parse_wrk_output(output), output, cpu_seconds=cpu_seconds, peak_memory_kib=peak_memory_kib)


def latency(p50: float, p90: float, p99: float, *, by: str = "harness", ok: int = 1000, errors: int = 0) -> Latency:
    return Latency(ok=ok, errors=errors, p50_ms=p50, p90_ms=p90, p99_ms=p99, max_ms=p99 * 2, measured_by=by)


CHECK_NAMES = [
    "confirmed journeys == verified signatures in the database",
    "no signature caught as fraudulent",
    "every verified signature counted",
    "final count == baseline + confirmed journeys (count.json)",
    "final count == baseline + confirmed journeys (database)",
    "every signature's confirmation email sent exactly once (database)",
    "every signer received exactly one email (SMTP sink)",
]
PROCESSES = ["web", "web worker 1", "web worker 2", "task worker", "scheduler"]

POSTGRES_RESULT = BackendResult(
    backend="postgres",
    database={"server_version": "15.20", "synchronous_commit": "on"},
    petition_id=1,
    setup_s=13.26,
    history=History(signatures=50_000, petition_id=2, seconds=0.6),
    journeys=Journeys(
        signed=1240,
        confirmed=1234,
        elapsed_s=15.62,
        journeys_per_s=79.0,
        signs_per_s=83.24,
        end_to_end_p50_s=1.7,
        end_to_end_p99_s=2.372,
        mail_delay_p50_s=0.7,
        mail_delay_p99_s=1.339,
        errors={},
        error_examples={},
    ),
    emails=Emails(confirmation_emails=1240, emails_per_s=82.66, messages_at_sink=1256, unexpected=0),
    count=Count(baseline=5, final=1239, expected=1239, lag_after_burst_s=1.084),
    reads=Reads(
        reader="wrk",
        page_req_per_s=26_100.4,
        count_json_req_per_s=29_239.0,
        wrk_runs={
            "page GET": wrk_run("townhall-petition-page.txt", cpu_seconds=0.1234, peak_memory_kib=5168),
            "count.json GET": wrk_run("python-http-server.txt", cpu_seconds=0.5, peak_memory_kib=5016),
        },
    ),
    latency={
        "sign GET": latency(79.4, 155.0, 423.0),
        "sign POST": latency(89.0, 166.0, 510.0),
        "check-email GET": latency(9.96, 10.0, 519.0),
        "confirm GET": latency(90.0, 175.0, 525.0),
        "confirm POST": latency(98.0, 198.0, 544.0),
        "page GET": latency(1.0, 2.2, 31.0, by="wrk", ok=78_000),
        "count.json GET": latency(1.04, 2.0, 4.4, by="wrk", ok=88_000),
    },
    peak_memory_kib={
        "web": 34 * MIB,
        "web worker 1": 110 * MIB,
        "web worker 2": 112 * MIB,
        "task worker": 110 * MIB,
        "scheduler": 109 * MIB,
        HARNESS: 53 * MIB,
        WRK: 5 * MIB,
    },
    cpu_journeys=CpuUse(
        {
            "web": 0.0,
            "web worker 1": 5.0,
            "web worker 2": 6.0,
            "task worker": 1.8,
            "scheduler": 0.2,
            HARNESS: 3.2,
            POSTGRES: 2.0,
            ELSE: 0.4,
        },
        20.0,
    ),
    cpu_reads=CpuUse({WEB: 14.2, TASKS: 0.2, WRK: 4.4, HARNESS: 0.2, POSTGRES: 0.4, ELSE: 0.6}, 20.0),
    checks=tuple(Check(name, True) for name in CHECK_NAMES),
    notes=("bench signatures by state: {'verified': 1234}; emails at sink for them: 1240 to 1240 addresses",),
    floor=Floor(
        journeys=17_670,
        seconds=10.0,
        journeys_per_s=1767.0,
        commits_per_s=5301.0,
        connections=16,
        p50_ms=8.5,
        p99_ms=20.25,
    ),
)

SQLITE_RESULT = dataclasses.replace(
    POSTGRES_RESULT,
    backend="sqlite",
    database={"sqlite": "3.40.1"},
    history=History(signatures=0, petition_id=None, seconds=0.0),
    journeys=dataclasses.replace(
        POSTGRES_RESULT.journeys,
        confirmed=0,
        elapsed_s=NAN,
        journeys_per_s=NAN,
        end_to_end_p50_s=NAN,
        end_to_end_p99_s=NAN,
        errors={"journey": 2, "page GET": 1},
        error_examples={"journey": "sign 7: ServerDisconnectedError()", "page GET": "Failed('502')"},
    ),
    count=Count(baseline=5, final=5, expected=5, lag_after_burst_s=NAN),
    reads=Reads(reader="aiohttp", page_req_per_s=2_347.0, count_json_req_per_s=2_328.0, wrk_runs={}),
    latency={**POSTGRES_RESULT.latency, "confirm POST": latency(NAN, NAN, NAN, ok=0)},
    peak_memory_kib={name: kib for name, kib in POSTGRES_RESULT.peak_memory_kib.items() if name != WRK},
    cpu_reads=CpuUse({WEB: 10.0, TASKS: 0.2, HARNESS: 8.0, POSTGRES: 0.0, ELSE: 1.0}, 20.0),
    checks=(*POSTGRES_RESULT.checks[:6], Check(CHECK_NAMES[6], False)),
    notes=(),
    floor=None,
)


def rows(text: str) -> dict[str, list[str]]:
    """The table's body: each row's label and its cells, one per backend."""
    body = {}
    for line in text.splitlines()[2:]:
        label, *cells = line[2:-2].split(" | ")
        body[label.rstrip()] = [cell.strip() for cell in cells]
    return body


def test_the_table_has_the_rows_of_every_earlier_report_in_order() -> None:
    text = table([POSTGRES_RESULT, SQLITE_RESULT])
    assert list(rows(text)) == [
        "journeys/s (sign → confirm, complete)",
        "  journeys completed (signed)",
        "  signing rate (signs/s)",
        "history: counted signatures already in the database",
        "reads driven by",
        "petition page req/s",
        "count.json req/s",
        *(f"{kind} p50 / p90 / p99 ms" for kind in REQUEST_KINDS),
        "email delay (signed → at sink) p50 / p99 s",
        "journey end to end p50 / p99 s",
        "count lag after the burst (s)",
        "emails/s (confirmation emails at the sink)",
        "request errors",
        *(f"peak memory (VmHWM) {name}, MiB" for name in [*PROCESSES, HARNESS, WRK]),
        *(f"CPU during journeys, % of all cores: {name}" for name in [*PROCESSES, HARNESS, POSTGRES, ELSE]),
        *(f"CPU during reads, % of all cores: {name}" for name in [WEB, TASKS, WRK, HARNESS, POSTGRES, ELSE]),
        "database floor journeys/s (4 durable commits each)",
        "app ÷ floor",
        "exact count, each email once",
    ]
    lines = text.splitlines()
    assert [cell.strip() for cell in lines[0][2:-2].split(" | ")] == ["measure", "PostgreSQL", "SQLite"]
    assert lines[1].count(":|") == 2  # both backends' columns right-aligned
    assert len({len(line) for line in lines}) == 1


def test_the_table_s_cells() -> None:
    body = rows(table([POSTGRES_RESULT, SQLITE_RESULT]))
    assert body["journeys/s (sign → confirm, complete)"] == ["79.0", "–"]
    assert body["  journeys completed (signed)"] == ["1,234 (1,240)", "0 (1,240)"]
    assert body["  signing rate (signs/s)"] == ["83.2", "83.2"]
    assert body["history: counted signatures already in the database"] == ["50,000", "0"]
    assert body["reads driven by"] == ["wrk", "aiohttp"]
    assert body["petition page req/s"] == ["26,100", "2,347"]
    # Whole milliseconds from 10 ms up, one decimal below; no samples: a dash.
    assert body["sign GET p50 / p90 / p99 ms"] == ["79 / 155 / 423", "79 / 155 / 423"]
    assert body["check-email GET p50 / p90 / p99 ms"][0] == "10.0 / 10 / 519"
    assert body["page GET p50 / p90 / p99 ms"][0] == "1.0 / 2.2 / 31"
    assert body["confirm POST p50 / p90 / p99 ms"] == ["98 / 198 / 544", "– / – / –"]
    assert body["email delay (signed → at sink) p50 / p99 s"][0] == "0.70 / 1.34"
    assert body["journey end to end p50 / p99 s"] == ["1.70 / 2.37", "– / –"]
    assert body["count lag after the burst (s)"] == ["1.08", "–"]
    assert body["emails/s (confirmation emails at the sink)"] == ["82.7", "82.7"]
    assert body["request errors"] == ["0", "3"]
    assert body["peak memory (VmHWM) web worker 2, MiB"] == ["112", "112"]
    assert body[f"peak memory (VmHWM) {WRK}, MiB"] == ["5", "–"]
    assert body["CPU during journeys, % of all cores: web worker 2"] == ["30", "30"]
    assert body[f"CPU during journeys, % of all cores: {HARNESS}"] == ["16", "16"]
    assert body[f"CPU during reads, % of all cores: {WEB}"] == ["71", "50"]
    assert body[f"CPU during reads, % of all cores: {WRK}"] == ["22", "–"]
    assert body[f"CPU during reads, % of all cores: {HARNESS}"] == ["1", "40"]
    assert body["database floor journeys/s (4 durable commits each)"] == ["1,767 (16 conns)", "–"]
    assert body["app ÷ floor"] == ["0.04", "–"]
    assert body["exact count, each email once"] == ["PASS", "FAIL"]


def test_a_backend_on_its_own() -> None:
    body = rows(table([SQLITE_RESULT]))
    assert body["exact count, each email once"] == ["FAIL"]
    assert f"peak memory (VmHWM) {WRK}, MiB" not in body
    assert f"CPU during reads, % of all cores: {WRK}" not in body


RESULT_KEYS = [
    "backend",
    "database",
    "petition_id",
    "setup_s",
    "history",
    "journeys",
    "emails",
    "count",
    "reads",
    "latency_ms",
    "peak_memory_kib",
    "cpu_seconds_during_journeys",
    "cpu_window_s",
    "cpu_seconds_during_reads",
    "cpu_reads_window_s",
    "checks",
    "notes",
]


def round_trip(value: object) -> Any:
    return json.loads(json.dumps(value))


def test_a_result_s_json_has_the_keys_of_earlier_files() -> None:
    pg, sqlite = round_trip(result_json(POSTGRES_RESULT)), round_trip(result_json(SQLITE_RESULT))
    assert list(pg) == [*RESULT_KEYS, "floor", "app_over_floor"]
    assert list(sqlite) == RESULT_KEYS  # no floor on SQLite
    assert list(pg["history"]) == ["signatures", "petition_id", "seconds"]
    assert list(pg["journeys"]) == [
        "signed",
        "confirmed",
        "elapsed_s",
        "journeys_per_s",
        "signs_per_s",
        "end_to_end_p50_s",
        "end_to_end_p99_s",
        "mail_delay_p50_s",
        "mail_delay_p99_s",
        "errors",
        "error_examples",
    ]
    assert list(pg["emails"]) == ["confirmation_emails", "emails_per_s", "messages_at_sink", "unexpected"]
    assert list(pg["count"]) == ["baseline", "final", "expected", "lag_after_burst_s"]
    assert list(pg["reads"]) == ["reader", "page_req_per_s", "count_json_req_per_s", "wrk_reports"]
    assert list(pg["reads"]["wrk_reports"]) == ["page GET", "count.json GET"]
    assert list(pg["reads"]["wrk_reports"]["page GET"]) == [
        "requests",
        "seconds",
        "requests_per_s",
        "p50_s",
        "p75_s",
        "p90_s",
        "p99_s",
        "max_s",
        "non_2xx_3xx",
        "connect_errors",
        "read_errors",
        "write_errors",
        "timeouts",
        "ok",
        "errors",
        "cpu_s",
        "peak_memory_kib",
    ]
    assert sqlite["reads"]["wrk_reports"] == {}
    assert list(pg["latency_ms"]) == list(REQUEST_KINDS)
    assert list(pg["latency_ms"]["page GET"]) == ["ok", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms", "measured_by"]
    assert list(pg["floor"]) == [
        "journeys",
        "seconds",
        "journeys_per_s",
        "commits_per_s",
        "connections",
        "p50_ms",
        "p99_ms",
    ]


def test_a_result_s_json_values() -> None:
    pg = round_trip(result_json(POSTGRES_RESULT))
    assert pg["backend"] == "postgres"
    assert pg["database"] == {"server_version": "15.20", "synchronous_commit": "on"}
    assert pg["setup_s"] == 13.3
    assert pg["history"] == {"signatures": 50_000, "petition_id": 2, "seconds": 0.6}
    assert pg["journeys"]["confirmed"] == 1234
    assert pg["journeys"]["journeys_per_s"] == 79.0
    assert pg["journeys"]["errors"] == {}
    assert pg["emails"] == {
        "confirmation_emails": 1240,
        "emails_per_s": 82.66,
        "messages_at_sink": 1256,
        "unexpected": 0,
    }
    assert pg["count"] == {"baseline": 5, "final": 1239, "expected": 1239, "lag_after_burst_s": 1.084}
    page = pg["reads"]["wrk_reports"]["page GET"]
    assert (page["requests"], page["ok"], page["errors"]) == (6814, 6814, 0)
    assert page["p90_s"] == pytest.approx(22.80e-3)
    assert (page["cpu_s"], page["peak_memory_kib"]) == (0.12, 5168)
    assert pg["latency_ms"]["page GET"] == {
        "ok": 78_000,
        "errors": 0,
        "p50_ms": 1.0,
        "p90_ms": 2.2,
        "p99_ms": 31.0,
        "max_ms": 62.0,
        "measured_by": "wrk",
    }
    assert pg["peak_memory_kib"][WRK] == 5 * MIB
    assert pg["cpu_seconds_during_journeys"]["web worker 2"] == 6.0
    assert list(pg["cpu_seconds_during_journeys"]) == [*PROCESSES, HARNESS, POSTGRES, ELSE]
    assert (pg["cpu_window_s"], pg["cpu_reads_window_s"]) == (20.0, 20.0)
    assert pg["cpu_seconds_during_reads"] == {WEB: 14.2, TASKS: 0.2, WRK: 4.4, HARNESS: 0.2, POSTGRES: 0.4, ELSE: 0.6}
    assert pg["checks"] == dict.fromkeys(CHECK_NAMES, True)
    assert pg["notes"] == list(POSTGRES_RESULT.notes)
    assert pg["floor"]["journeys_per_s"] == 1767.0
    assert pg["app_over_floor"] == pytest.approx(79.0 / 1767.0)


def test_figures_without_samples_stay_nan_and_a_failed_check_false() -> None:
    sqlite = round_trip(result_json(SQLITE_RESULT))
    assert math.isnan(sqlite["count"]["lag_after_burst_s"])
    assert math.isnan(sqlite["latency_ms"]["confirm POST"]["p50_ms"])
    assert sqlite["history"]["petition_id"] is None
    assert sqlite["journeys"]["errors"] == {"journey": 2, "page GET": 1}
    assert sqlite["checks"]["every signer received exactly one email (SMTP sink)"] is False
    assert sqlite["database"] == {"sqlite": "3.40.1"}


def test_the_document_around_the_results() -> None:
    options = parse_args(["--duration", "3", "--reader", "aiohttp", "--commit", "abc1234"])
    info = RunInfo(
        commit="abc1234",
        started=datetime.datetime(2026, 11, 25, 0, 26, 40, tzinfo=datetime.UTC),
        wall_seconds=151.26,
        command="python -m scripts.bench --duration 3",
        options=options,
        machine_busy_before=0.01234,
        machine=Machine(cpus=2, python="3.13.0", kernel="6.1.0"),
    )
    doc = round_trip(document(info, [POSTGRES_RESULT, SQLITE_RESULT]))
    assert list(doc) == [
        "commit",
        "started_at",
        "wall_seconds",
        "command",
        "arguments",
        "machine_busy_before",
        "machine",
        "results",
    ]
    assert (doc["started_at"], doc["wall_seconds"], doc["machine_busy_before"]) == (
        "2026-11-25T00:26:40+00:00",
        151.3,
        0.012,
    )
    assert doc["machine"] == {"cpus": 2, "python": "3.13.0", "kernel": "6.1.0"}
    # The options under their argparse names, in argparse's order.
    assert list(doc["arguments"]) == [
        "backends",
        "duration",
        "read_seconds",
        "sign_concurrency",
        "confirm_concurrency",
        "read_concurrency",
        "reader",
        "history",
        "max_journeys",
        "workers",
        "threads",
        "floor_seconds",
        "floor_connections",
        "drain_timeout",
        "time_limit",
        "single_ip",
        "pg_url",
        "settings",
        "profile",
        "output",
        "wait_quiet",
        "commit",
    ]
    assert doc["arguments"]["backends"] == ["postgres", "sqlite"]
    assert (doc["arguments"]["duration"], doc["arguments"]["reader"], doc["arguments"]["history"]) == (
        3.0,
        "aiohttp",
        50_000,
    )
    assert [r["backend"] for r in doc["results"]] == ["postgres", "sqlite"]
    assert headline(info).endswith("history 50,000 signatures (PostgreSQL) · 151 s wall")
    assert "3 s of signing, 24 signing / 24 confirming at once" in headline(info)


def test_below_the_table_failures_notes_and_errors() -> None:
    assert outcome([POSTGRES_RESULT, SQLITE_RESULT]) == [
        "note [postgres]: bench signatures by state: {'verified': 1234}; emails at sink for them: 1240 to 1240 "
        "addresses",
        "FAILED [sqlite]: every signer received exactly one email (SMTP sink)",
        "errors [sqlite]: {'journey': 2, 'page GET': 1} e.g. {'journey': 'sign 7: ServerDisconnectedError()', "
        "'page GET': \"Failed('502')\"}",
    ]
