"""Measure the response fan-out to many opted-in signers on PostgreSQL, and prove it exact.

    .venv/bin/python scripts/bench_response_fanout.py [--subscribers 10000]
        [--database-url postgres://postgres@127.0.0.1:5432/townhall_h1_bench] [--keep]

The database named in the URL is DROPPED and re-created (its name must contain "bench"),
migrated, and given the embedded settings (config.settings.dev: mail goes to the outbox
table, so a letter's sending and its marking as sent commit together). Then, for two
petitions with N opted-in confirmed signers each (plus N/4 who did not opt in):

A. clean run: publish; time the fan-out (queue N letters); run the fan-out twice more
   (nothing queued); time the drain (send N letters) with one worker process.
B. crash run: publish; run the fan-out in a worker process and SIGKILL it part-way;
   restart it; run the drain in a worker process and SIGKILL it part-way; restart the
   drain with four worker processes in parallel until nothing is owed.

Each petition's subscribers must each have exactly one email in the outbox, and nobody
else any. Timings are printed for the record (docs/performance.md), never asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
KILL_AT = 0.3  # kill the workers once this share of the work is done


def check(condition: bool, failure: str) -> None:
    """Stop with a message when the benchmark finds an inexact result (not a timing)."""
    if not condition:
        sys.exit(f"FAILED: {failure}")


def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    with psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    parsed = urlparse(url)
    with psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def worker(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )


def kill_when(process: subprocess.Popen[bytes], done: Callable[[], bool], *, timeout: float = 600) -> bool:
    """SIGKILL the process once `done()` holds. False if it finished first."""
    deadline = time.monotonic() + timeout
    while not done():
        if process.poll() is not None:
            return False
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            sys.exit("The worker made no progress in time.")
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/townhall_h1_bench")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()
    n: int = args.subscribers

    recreate_database(args.database_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["TOWNHALL_DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    try:
        run(n)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)


def run(n: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from townhall.accounts.models import Role, User
    from townhall.core.text import canonical_email
    from townhall.core.tokens import new_token
    from townhall.mail.models import OutboxMessage, QueuedEmail
    from townhall.mail.selectors import letters_owed
    from townhall.mail.services import send_queued_letters
    from townhall.petitions.models import Petition
    from townhall.petitions.services import petition_confirm_creator, petition_create, petition_open
    from townhall.responses.models import Response
    from townhall.responses.services import response_fanout, response_open_due, response_publish, response_save_draft
    from townhall.schemes.services import body_setup
    from townhall.signatures.models import Signature, SignatureState
    from townhall.signatures.services import signature_confirm, signature_count_new, signature_create

    call_command("migrate", verbosity=0)
    scheme = body_setup(
        name="Kingsmere Borough Council",
        area_name="the Borough of Kingsmere",
        population=300_600,
        preset="english-council",
    )
    responder = User.objects.create_user("responder", "r@example.org", "bench-responder", roles=[Role.RESPONDER.value])
    moderator = User.objects.create_user("moderator", "m@example.org", "bench-moderator", roles=[Role.MODERATOR.value])

    def petition_with_subscribers(prefix: str) -> tuple[Petition, set[str]]:
        petition = petition_create(
            action=f"Benchmark petition {prefix}",
            background="A petition with many signers who asked for updates.",
            additional_details="",
            decision_maker="Cabinet Member for Environment",
            official_id=None,
            creator_name="Ann Creator",
            creator_email=f"creator-{prefix}@example.org",
            creator_postcode="KM1 1AA",
        )
        petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
        for s in range(scheme.sponsor_count):
            outcome = signature_create(
                petition_id=petition.pk,
                name=f"Sponsor {s}",
                email=f"sponsor{s}-{prefix}@example.org",
                postcode="KM2 2BB",
                declared_eligible=True,
                wants_updates=False,
                sponsor_token=petition.sponsor_token,
            )
            sponsor = Signature.objects.get(pk=outcome.signature_id)
            signature_confirm(signature_id=sponsor.pk, token=sponsor.token)
        petition_open(petition_id=petition.pk, actor=moderator)
        now = timezone.now()
        version_id = Petition.objects.get(pk=petition.pk).current_version_id
        rows = []
        for k in range(n + n // 4):
            email = f"{prefix}{k}@example.org"
            rows.append(
                Signature(
                    petition_id=petition.pk,
                    petition_version_id=version_id,
                    name=f"Signer {k}",
                    email=email,
                    email_canonical=canonical_email(email, dot_insensitive_domains=[], plus_tag_domains=[]),
                    postcode="KM3 3DE",
                    # Every fifth signer did not ask for updates.
                    wants_updates=k % 5 != 4,
                    state=SignatureState.VERIFIED,
                    token=new_token(),
                    created_at=now,
                    link_expires_at=now + datetime.timedelta(days=30),
                    verified_at=now,
                    email_pending=False,
                    emails_sent=1,
                )
            )
        Signature.objects.bulk_create(rows, batch_size=2000)
        subscribers = set(
            Signature.objects.filter(petition=petition, wants_updates=True, state=SignatureState.VERIFIED).values_list(
                "email", flat=True
            )
        )
        check(len(subscribers) == n, f"{len(subscribers)} subscribers, expected {n}")
        return petition, subscribers

    def publish(petition: Petition) -> Response:
        response = Response.objects.get(petition=petition)
        response_save_draft(response_id=response.pk, text="Thank you for your petition.\n\nWe agree.", actor=responder)
        # Dev settings queue the fan-out task in the database; no worker runs it here.
        return response_publish(response_id=response.pk, actor=responder)

    def letters(response: Response) -> Any:
        return QueuedEmail.objects.filter(dedupe_key__startswith=f"response:{response.pk}:signature:")

    def check_exactly_once(response: Response, subscribers: set[str], prefix: str) -> None:
        queued = Counter(
            QueuedEmail.objects.filter(dedupe_key__startswith=f"response:{response.pk}:").values_list("to", flat=True)
        )
        check(queued == Counter(dict.fromkeys(subscribers, 1)), "queued letters differ from subscribers")
        delivered = Counter(OutboxMessage.objects.filter(to__regex=rf"^{prefix}[0-9]+@").values_list("to", flat=True))
        check(delivered == Counter(dict.fromkeys(subscribers, 1)), "delivered emails differ from subscribers")

    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, {n:,} opted-in signers per petition")
    setup = time.perf_counter()
    petition_a, subscribers_a = petition_with_subscribers("a")
    petition_b, subscribers_b = petition_with_subscribers("b")
    signature_count_new()
    check(response_open_due() == 2, "two responses should be owed")
    print(f"set-up (two petitions, {2 * (n + n // 4):,} signatures, counted): {time.perf_counter() - setup:.1f} s")

    # A. Clean run.
    response_a = publish(petition_a)
    start = time.perf_counter()
    queued = response_fanout(response_id=response_a.pk)
    fanout_seconds = time.perf_counter() - start
    check(queued == n, f"the fan-out queued {queued}")
    start = time.perf_counter()
    again = [response_fanout(response_id=response_a.pk), response_fanout(response_id=response_a.pk)]
    rerun_seconds = time.perf_counter() - start
    check(again == [0, 0], f"re-runs queued {again}")
    Response.objects.filter(pk=response_a.pk).update(fanout_after_id=0, fanout_finished_at=None)
    start = time.perf_counter()
    check(response_fanout(response_id=response_a.pk) == 0, "a reset cursor re-queued letters")
    reset_seconds = time.perf_counter() - start
    start = time.perf_counter()
    sent = send_queued_letters()
    drain_seconds = time.perf_counter() - start
    check(sent == n, f"the drain sent {sent}")
    check_exactly_once(response_a, subscribers_a, "a")
    print(f"A. fan-out queued {n:,} letters in {fanout_seconds:.2f} s ({n / fanout_seconds:,.0f}/s)")
    print(f"   two more fan-out runs queued 0 in {rerun_seconds:.3f} s")
    print(f"   a run with its cursor reset to 0 queued 0 in {reset_seconds:.2f} s")
    print(f"   drain (1 process) sent {sent:,} in {drain_seconds:.2f} s ({sent / drain_seconds:,.0f}/s)")
    print("   every subscriber has exactly one email: yes")

    # B. Crash run.
    connection.close()
    response_b = publish(petition_b)
    code = f"from townhall.responses.services import response_fanout; response_fanout(response_id={response_b.pk})"
    killed = kill_when(worker(code), lambda: letters(response_b).count() >= n * KILL_AT)
    queued_at_kill = letters(response_b).count()
    check(killed and queued_at_kill < n, "the fan-out finished before it could be killed")
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    check(response_fanout(response_id=response_b.pk) == 0, "a re-run queued letters")
    drain = "from townhall.mail.services import send_queued_letters; send_queued_letters()"
    killed = kill_when(
        worker(drain),
        lambda: letters(response_b).filter(sent_at__isnull=False).count() >= n * KILL_AT,
    )
    sent_at_kill = letters(response_b).filter(sent_at__isnull=False).count()
    check(killed and sent_at_kill < n, "the drain finished before it could be killed")
    start = time.perf_counter()
    for _ in range(10):
        workers = [worker(drain) for _ in range(4)]
        for process in workers:
            process.wait(timeout=600)
        if not letters_owed():
            break
        time.sleep(0.5)
    parallel_seconds = time.perf_counter() - start
    check(not letters_owed(), "letters still owed")
    check_exactly_once(response_b, subscribers_b, "b")
    print(f"B. fan-out worker SIGKILLed with {queued_at_kill:,} of {n:,} letters queued; restarted to completion")
    print(f"   drain worker SIGKILLed with {sent_at_kill:,} of {n:,} sent; restarted as 4 processes, which sent")
    print(f"   the remaining {n - sent_at_kill:,} in {parallel_seconds:.2f} s (including process start-up)")
    print("   every subscriber has exactly one email: yes")


if __name__ == "__main__":
    main()
