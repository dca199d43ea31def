"""Reading what the drill needs from its own PostgreSQL cluster, the processes and the sink.

The outbox is read through its columns, not the product's models, and only if they are
there: the confirmation emails' outbox rows (`mail_queuedemail`, keys `signature:<id>:…`,
with `status` and `attempts`) may not exist in the code under test; then the outbox checks
say "outbox columns not present" and what is owed is read from the signature rows'
`email_pending` flag instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.bench import procs
from scripts.bench.database import Database

from .checks import FaultSeen, Letter, Observed, ProcessesSeen, SignerSeen, fault_seen
from .cluster import Cluster
from .faults import TASKS, FaultRecord
from .journeys import DrillLoad
from .options import Options
from .sink import FaultySink

OUTBOX = "mail_queuedemail"
OUTBOX_COLUMNS = {"to", "status", "attempts", "dedupe_key"}
CONFIRMATION_KEYS = "signature:%"
# Faults that cut the sender off in the middle of handing over a letter.
INTERRUPTIONS = {"worker", "db", "smtp"}


def run_addresses(run_id: str) -> str:
    """LIKE pattern for the drill's signers' addresses (refused ones included)."""
    return f"%.{run_id}@example.org"


def columns(db: Database, table: str) -> set[str]:
    rows = db.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = ?", (table,))
    return {str(r[0]) for r in rows}


def outbox_present(db: Database) -> bool:
    return columns(db, OUTBOX) >= OUTBOX_COLUMNS


def owed_emails(db: Database, *, run_id: str, petition_id: int, outbox: bool) -> int | None:
    """Confirmation emails still waiting to go (queued or deferred); None if not measurable."""
    if outbox:
        return int(
            db.fetch(
                f'SELECT count(*) FROM {OUTBOX} WHERE dedupe_key LIKE ? AND "to" LIKE ? '  # noqa: S608
                "AND status IN ('queued', 'deferred')",
                (CONFIRMATION_KEYS, run_addresses(run_id)),
            )[0][0]
        )
    if "email_pending" in columns(db, "signatures_signature"):
        return int(
            db.fetch(
                "SELECT count(*) FROM signatures_signature WHERE petition_id = ? AND email LIKE ? AND email_pending",
                (petition_id, run_addresses(run_id)),
            )[0][0]
        )
    return None


def letters(db: Database, run_id: str) -> tuple[Letter, ...] | None:
    if not outbox_present(db):
        return None
    rows = db.fetch(
        f'SELECT "to", status, attempts FROM {OUTBOX} WHERE dedupe_key LIKE ? AND "to" LIKE ?',  # noqa: S608
        (CONFIRMATION_KEYS, run_addresses(run_id)),
    )
    return tuple(Letter(str(to), str(status), int(attempts)) for to, status, attempts in rows)


def stale_tasks(db: Database, timeout: float) -> int:
    return int(
        db.fetch(
            f"SELECT count(*) FROM {TASKS} WHERE status = 'RUNNING' "  # noqa: S608
            "AND started_at < now() - make_interval(secs => ?)",
            (timeout,),
        )[0][0]
    )


def processes_seen(
    processes: procs.Processes, cluster: Cluster, *, first_pids: dict[str, int], options: Options
) -> ProcessesSeen:
    web = processes.children["web"]
    scheduler = processes.children["scheduler"]
    worker = processes.children["task worker"]
    return ProcessesSeen(
        web_server_same=web.poll() is None and web.pid == first_pids["web"],
        web_workers=len(procs.children(web.pid)),
        web_workers_expected=options.workers,
        scheduler_same=scheduler.poll() is None and scheduler.pid == first_pids["scheduler"],
        task_worker_alive=worker.poll() is None,
        task_worker_starts=processes.starts["task worker"],
        task_worker_starts_expected=1 + ("worker" in options.faults),
        database_accepting=cluster.accepting(),
    )


def fault_figures(records: Sequence[FaultRecord], load: DrillLoad, sink: FaultySink) -> tuple[FaultSeen, ...]:
    return tuple(
        fault_seen(
            record,
            load_started=load.started,
            outcomes=load.outcomes,
            deliveries=sink.deliveries,
            signers=load.signers,
        )
        for record in records
    )


def observe(
    db: Database,
    *,
    load: DrillLoad,
    sink: FaultySink,
    records: Sequence[FaultRecord],
    options: Options,
    run_id: str,
    petition_id: int,
    baseline: int,
    shown_count: int | None,
    processes: ProcessesSeen,
) -> Observed:
    rows = {
        str(email).lower(): (str(state), bool(counted))
        for email, state, counted in db.fetch(
            "SELECT email, state, counted_at IS NOT NULL FROM signatures_signature WHERE petition_id = ? "
            "AND email LIKE ?",
            (petition_id, run_addresses(run_id)),
        )
    }
    signers = tuple(
        SignerSeen(
            email=email,
            refused=s.refused,
            acknowledged=bool(s.acknowledged_at),
            delivered=sink.received.get(email, 0),
            rcpt_refusals=sink.refusals.get(email, 0),
            confirmed=bool(s.confirmed_at),
            row_state=rows[email][0] if email in rows else None,
            counted=rows[email][1] if email in rows else False,
        )
        for email, s in load.signers.items()
    )
    stored = int(db.fetch("SELECT signature_count FROM petitions_petition WHERE id = ?", (petition_id,))[0][0])
    held = [r for r in records if r.key == "worker"]
    return Observed(
        signers=signers,
        baseline=baseline,
        shown_count=shown_count,
        stored_count=stored,
        verified_rows=sum(1 for state, _ in rows.values() if state == "verified"),
        letters=letters(db, run_id),
        faults=fault_figures(records, load, sink),
        interruptions=sum(1 for r in records if r.key in INTERRUPTIONS),
        duplicates_per_interruption=options.duplicates_per_interruption,
        processes=processes,
        held_tasks=sum(len(r.held_tasks) for r in held),
        held_reclaimed=all(r.reclaimed_at is not None for r in held if r.held_tasks),
        stale_tasks_at_end=stale_tasks(db, options.task_timeout + 2 * options.reclaim_interval + 1),
    )
