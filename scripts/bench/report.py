"""What the bench prints and writes: the table, the JSON document, the lines around them.

`result_json` is the one place a `BackendResult` becomes string-keyed: its keys and values
are those of every earlier bench-results/<stamp>.json, so runs stay comparable across
versions of the harness. The table is built from the typed results. Nothing here measures
or reads the machine; `Machine.here` only describes it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cpu import CpuUse
from .options import Options
from .results import REQUEST_KINDS, BackendResult
from .wrk import WrkRun


@dataclass(frozen=True)
class Machine:
    cpus: int | None
    python: str
    kernel: str

    @classmethod
    def here(cls) -> Machine:
        return cls(cpus=os.cpu_count(), python=platform.python_version(), kernel=platform.release())


@dataclass(frozen=True)
class RunInfo:
    """The whole run, around the backends' results."""

    commit: str
    started: datetime.datetime
    wall_seconds: float
    command: str
    options: Options
    machine_busy_before: float  # fraction of all cores, before the first backend started
    machine: Machine


# --- before the run -----------------------------------------------------------------------
def preamble(options: Options, *, commit: str, log_dir: Path, machine: Machine) -> list[str]:
    """What the run is about to do, printed before it starts."""
    return [
        f"make bench: commit {commit}, {machine.cpus} CPUs, Python {machine.python}, "
        f"time limit {options.time_limit:.0f} s; logs in {log_dir}",
        "fraud controls: config.settings.bench raises SIGN_RATE_BURST/SUSTAINED/NETWORK out of reach; "
        + (
            "every client connects from 127.0.0.1"
            if options.single_ip
            else "each journey connects from its own loopback address in its own /24 (127.a.b.c), so the rate-limit "
            "query runs and finds nothing, as for real signers"
        ),
        f"reads driven by {options.reader}"
        + (
            " (/usr/bin/wrk, 1 thread)"
            if options.reader == "wrk"
            else " (the harness's own client; --reader wrk is lighter)"
        )
        + f"; history before the run: {options.history:,} counted signatures on an older petition (PostgreSQL only)",
    ]


def machine_busy(background: float, machine: Machine) -> str:
    return f"machine busy before the run (other sessions' work): {background:.0%} of {machine.cpus} CPUs" + (
        "  ← figures will be low: other work shares the cores" if background > 0.15 else ""
    )


# --- after the run ------------------------------------------------------------------------
def headline(info: RunInfo) -> str:
    """The configuration measured, above the table."""
    o = info.options
    return (
        f"commit {info.commit} · {o.workers} granian workers × {o.threads} threads · {o.duration:.0f} s of "
        f"signing, {o.sign_concurrency} signing / {o.confirm_concurrency} confirming at once · reads "
        f"{o.read_concurrency} connections × {o.read_seconds:.0f} s by {o.reader} · history "
        f"{o.history:,} signatures (PostgreSQL) · {info.wall_seconds:.0f} s wall"
    )


def outcome(results: Sequence[BackendResult]) -> list[str]:
    """Below the table: each failed check, each note, and the request errors with examples."""
    lines = []
    for r in results:
        lines += [f"FAILED [{r.backend}]: {check.name}" for check in r.checks if not check.passed]
        lines += [f"note [{r.backend}]: {note}" for note in r.notes]
        if r.journeys.errors:
            lines.append(f"errors [{r.backend}]: {dict(r.journeys.errors)} e.g. {dict(r.journeys.error_examples)}")
    return lines


def _fmt(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def _ms(value: float) -> str:
    """A latency: whole milliseconds from 10 ms up, one decimal below."""
    return _fmt(value, 0 if value >= 10 else 1)


def _cpu_rows(label: str, uses: list[CpuUse]) -> list[tuple[str, list[str]]]:
    """One row per party that any backend accounted for, in order of first appearance."""
    parties = list(dict.fromkeys(party for use in uses for party in use.seconds))
    return [(f"{label}, % of all cores: {party}", [_fmt(use.percent(party), 0) for use in uses]) for party in parties]


def table(results: Sequence[BackendResult]) -> str:
    """The Markdown table: one column per backend, in the order they ran."""
    rs = list(results)

    def each(cell: Callable[[BackendResult], str]) -> list[str]:
        return [cell(r) for r in rs]

    rows: list[tuple[str, list[str]]] = [
        ("journeys/s (sign → confirm, complete)", each(lambda r: _fmt(r.journeys.journeys_per_s, 1))),
        ("  journeys completed (signed)", each(lambda r: f"{r.journeys.confirmed:,} ({r.journeys.signed:,})")),
        ("  signing rate (signs/s)", each(lambda r: _fmt(r.journeys.signs_per_s, 1))),
        ("history: counted signatures already in the database", each(lambda r: f"{r.history.signatures:,}")),
        ("reads driven by", each(lambda r: r.reads.reader)),
        ("petition page req/s", each(lambda r: _fmt(r.reads.page_req_per_s))),
        ("count.json req/s", each(lambda r: _fmt(r.reads.count_json_req_per_s))),
    ]
    for kind in REQUEST_KINDS:
        rows.append(
            (
                f"{kind} p50 / p90 / p99 ms",
                [
                    f"{_ms(r.latency[kind].p50_ms)} / {_ms(r.latency[kind].p90_ms)} / {_ms(r.latency[kind].p99_ms)}"
                    for r in rs
                ],
            )
        )
    rows += [
        (
            "email delay (signed → at sink) p50 / p99 s",
            each(lambda r: f"{_fmt(r.journeys.mail_delay_p50_s, 2)} / {_fmt(r.journeys.mail_delay_p99_s, 2)}"),
        ),
        (
            "journey end to end p50 / p99 s",
            each(lambda r: f"{_fmt(r.journeys.end_to_end_p50_s, 2)} / {_fmt(r.journeys.end_to_end_p99_s, 2)}"),
        ),
        ("count lag after the burst (s)", each(lambda r: _fmt(r.count.lag_after_burst_s, 2))),
        ("emails/s (confirmation emails at the sink)", each(lambda r: _fmt(r.emails.emails_per_s, 1))),
        ("request errors", each(lambda r: str(sum(r.journeys.errors.values())))),
    ]
    for process in dict.fromkeys(name for r in rs for name in r.peak_memory_kib):
        rows.append(
            (
                f"peak memory (VmHWM) {process}, MiB",
                [_fmt(r.peak_memory_kib[process] / 1024, 0) if process in r.peak_memory_kib else "–" for r in rs],
            )
        )
    rows += _cpu_rows("CPU during journeys", [r.cpu_journeys for r in rs])
    rows += _cpu_rows("CPU during reads", [r.cpu_reads for r in rs])
    rows += [
        (
            "database floor journeys/s (4 durable commits each)",
            each(lambda r: f"{_fmt(r.floor.journeys_per_s, 0)} ({r.floor.connections} conns)" if r.floor else "–"),
        ),
        ("app ÷ floor", each(lambda r: f"{r.app_over_floor:.2f}" if r.app_over_floor is not None else "–")),
        ("exact count, each email once", each(lambda r: "PASS" if r.passed else "FAIL")),
    ]

    names = [r.name for r in rs]
    width = max(len(label) for label, _ in rows)
    cols = [max(len(n), *(len(v[i]) for _, v in rows)) for i, n in enumerate(names)]
    header = " | ".join(n.rjust(c) for n, c in zip(names, cols, strict=True))
    lines = ["| " + "measure".ljust(width) + " | " + header + " |"]
    lines.append("|" + "-" * (width + 2) + "|" + "|".join("-" * (c + 1) + ":" for c in cols) + "|")
    for label, values in rows:
        cells = " | ".join(v.rjust(c) for v, c in zip(values, cols, strict=True))
        lines.append("| " + label.ljust(width) + " | " + cells + " |")
    return "\n".join(lines)


# --- the JSON document --------------------------------------------------------------------
def _wrk_json(run: WrkRun) -> dict[str, object]:
    report = run.report
    return {
        **dataclasses.asdict(report),
        "ok": report.ok,
        "errors": report.errors,
        "cpu_s": round(run.cpu_seconds, 2),
        "peak_memory_kib": run.peak_memory_kib,
    }


def result_json(r: BackendResult) -> dict[str, object]:
    """One backend's result as the JSON document holds it (keys in the order files have them)."""
    j = r.journeys
    document: dict[str, object] = {
        "backend": r.backend,
        "database": dict(r.database),
        "petition_id": r.petition_id,
        "setup_s": round(r.setup_s, 1),
        "history": dataclasses.asdict(r.history),
        "journeys": {
            "signed": j.signed,
            "confirmed": j.confirmed,
            "elapsed_s": j.elapsed_s,
            "journeys_per_s": j.journeys_per_s,
            "signs_per_s": j.signs_per_s,
            "end_to_end_p50_s": j.end_to_end_p50_s,
            "end_to_end_p99_s": j.end_to_end_p99_s,
            "mail_delay_p50_s": j.mail_delay_p50_s,
            "mail_delay_p99_s": j.mail_delay_p99_s,
            "errors": dict(j.errors),
            "error_examples": dict(j.error_examples),
        },
        "emails": dataclasses.asdict(r.emails),
        "count": dataclasses.asdict(r.count),
        "reads": {
            "reader": r.reads.reader,
            "page_req_per_s": r.reads.page_req_per_s,
            "count_json_req_per_s": r.reads.count_json_req_per_s,
            "wrk_reports": {kind: _wrk_json(run) for kind, run in r.reads.wrk_runs.items()},
        },
        "latency_ms": {kind: dataclasses.asdict(latency) for kind, latency in r.latency.items()},
        "peak_memory_kib": dict(r.peak_memory_kib),
        "cpu_seconds_during_journeys": dict(r.cpu_journeys.seconds),
        "cpu_window_s": r.cpu_journeys.window_s,
        "cpu_seconds_during_reads": dict(r.cpu_reads.seconds),
        "cpu_reads_window_s": r.cpu_reads.window_s,
        "checks": {check.name: check.passed for check in r.checks},
        "notes": list(r.notes),
    }
    if r.floor is not None:
        document["floor"] = dataclasses.asdict(r.floor)
        document["app_over_floor"] = r.app_over_floor
    return document


def document(info: RunInfo, results: Sequence[BackendResult]) -> dict[str, object]:
    return {
        "commit": info.commit,
        "started_at": info.started.isoformat(),
        "wall_seconds": round(info.wall_seconds, 1),
        "command": info.command,
        "arguments": info.options.as_json(),
        "machine_busy_before": round(info.machine_busy_before, 3),
        "machine": dataclasses.asdict(info.machine),
        "results": [result_json(r) for r in results],
    }


def write(path: Path, info: RunInfo, results: Sequence[BackendResult]) -> None:
    # NaN (a figure with no samples) is written as JSON's common NaN extension, as it always was.
    path.write_text(json.dumps(document(info, results), indent=2) + "\n")
