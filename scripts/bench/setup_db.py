"""Prepare a benchmark database: migrate, the cache table, one body and scheme, one open
petition, and (PostgreSQL) an older petition with a history of counted signatures.

Run by the harness as `python -m scripts.bench.setup_db [--history N]` with
DJANGO_SETTINGS_MODULE and TOWNHALL_DATABASE_URL set. Prints one JSON line:
{"petition_id", "baseline", "history_petition_id", "history_signatures", "history_seconds"}.
Petitions, sponsors and counts go through the same services as the product; only the
history's signatures are written in bulk.

Why history: a live site's signature table holds many signatures and the planner has
statistics about them. A freshly created table has neither, and PostgreSQL then plans the
per-petition rate-limit lookups badly (it reads every signature of the petition through
the (petition, state) index and filters them, instead of using the (petition, ip_hash,
created_at) index). So on PostgreSQL, after the bench petition is open, a second, older
petition gets `--history` verified, counted signatures (one INSERT … SELECT over
generate_series: unique emails, distinct IP hashes, a few thousand /24 networks, spread
over the past 30 days), its counts and breakdowns are brought into line by the product's
own reconciliation in the same transaction, and the signature and petition tables are
ANALYZEd. The bench petition is untouched: its baseline and the harness's exactness checks
concern it alone. (The reconciliation records the history petition's count as corrected
from 0 in the audit log, as it would for any bulk-loaded signatures.)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import django

HISTORY_POSTCODES = ["KM1 1AA", "KM1 2AB", "KM2 3CD", "KM3 4EF", "KM4 5GH", "KM5 6JK", "KM6 7LM", "KM7 8NP"]
HISTORY_DAYS = 30

# One statement: N verified, counted signatures on one petition, the n-th signed at
# start + n/N of the 30 days (ids follow time, as on a live site), confirmed 2-10 minutes
# later and counted a few seconds after that. Each has its own mailbox, token and IP hash;
# 2,500 /24 networks between them. Columns as in townhall/signatures/models.py.
HISTORY_INSERT = """
INSERT INTO signatures_signature (
    petition_id, petition_version_id, name, email, email_canonical, postcode, household_slot,
    is_sponsor, wants_updates, state, token, created_at, link_expires_at, verified_at, counted_at,
    location_id, ip_hash, ip_prefix, fraud_reason, invalidated_at, invalidation_reason,
    email_pending, emails_sent, email_sent_at, hold_reason, held_at, released_at, released_by
)
SELECT
    %(petition)s, %(version)s, 'History Signer ' || n, 'history-' || n || '@bench.invalid',
    'history-' || n || '@bench.invalid', (%(postcodes)s::text[])[1 + n %% %(npostcodes)s], 0,
    false, n %% 3 = 0, 'verified', md5('token-' || n) || md5('token+' || n), at, at + interval '7 days',
    at + (120 + n %% 480) * interval '1 second', at + (120 + n %% 480 + 5) * interval '1 second',
    NULL, substr(md5('ip-' || n), 1, 32),
    '10.' || (n %% 2500) / 250 || '.' || (n %% 2500) %% 250 || '.0/24', '', NULL, '',
    false, 1, at + interval '30 seconds', '', NULL, NULL, ''
FROM (
    SELECT n, %(start)s::timestamptz + (n - 1) * (%(span)s::interval / %(count)s) AS at
    FROM generate_series(1, %(count)s) AS n
) AS history
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.setup_db")
    parser.add_argument("--history", type=int, default=0, help="PostgreSQL: signatures on an older petition")
    return parser.parse_args(argv)


def open_petition(*, action: str, creator: str, moderator: Any, sponsors: int) -> Any:
    """A petition created, confirmed, sponsored and approved through the product's services."""
    from townhall.petitions.services import petition_confirm_creator, petition_create, petition_open
    from townhall.signatures.models import Signature
    from townhall.signatures.services import signature_confirm, signature_create

    petition = petition_create(
        action=action,
        background="A benchmark petition: many people sign it at once.",
        additional_details="",
        decision_maker="Cabinet Member for Culture",
        official_id=None,
        creator_name=f"{creator.title()} Creator",
        creator_email=f"{creator}@bench.invalid",
        creator_postcode="KM1 1AA",
    )
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    for s in range(sponsors):
        outcome = signature_create(
            petition_id=petition.pk,
            name=f"Sponsor {s}",
            email=f"sponsor{s}.{creator}@bench.invalid",
            postcode="KM2 2BB",
            declared_eligible=True,
            wants_updates=False,
            sponsor_token=petition.sponsor_token,
        )
        sponsor = Signature.objects.get(pk=outcome.signature_id)
        signature_confirm(signature_id=sponsor.pk, token=sponsor.token)
    return petition_open(petition_id=petition.pk, actor=moderator)


def load_history(*, moderator: Any, sponsors: int, count: int) -> int:
    """The older petition and its `count` counted signatures; then ANALYZE. Its id."""
    import datetime

    from django.db import connection, transaction
    from django.utils import timezone

    from townhall.petitions.models import Petition, PetitionVersion
    from townhall.signatures.services import signature_count_new, signature_reconcile_counts

    petition = open_petition(
        action="Resurface Kingsmere High Street before the winter",
        creator="history",
        moderator=moderator,
        sponsors=sponsors,
    )
    signature_count_new()  # its sponsors, as the counter would have done long ago
    now = timezone.now()
    span = datetime.timedelta(days=HISTORY_DAYS)
    start = now - span
    with transaction.atomic():
        # An older petition: created, confirmed and opened before its history began.
        shift = span + datetime.timedelta(days=1)
        Petition.objects.filter(pk=petition.pk).update(
            created_at=start - datetime.timedelta(days=1),
            creator_confirmed_at=start - datetime.timedelta(days=1),
            moderation_requested_at=start - datetime.timedelta(days=1),
            opened_at=start,
            deadline_at=petition.deadline_at - shift,
        )
        PetitionVersion.objects.filter(petition_id=petition.pk).update(created_at=start - datetime.timedelta(days=1))
        with connection.cursor() as cursor:
            params: dict[str, Any] = {
                "petition": petition.pk,
                "version": petition.current_version_id,
                "postcodes": HISTORY_POSTCODES,
                "npostcodes": len(HISTORY_POSTCODES),
                "start": start,
                "span": span,
                "count": count,
            }
            cursor.execute(HISTORY_INSERT, params)
            if cursor.rowcount != count:
                raise RuntimeError(f"history: inserted {cursor.rowcount} signatures, not {count}")
        # The product's own recount: totals, in-area and unknown counts, area and hour breakdowns.
        signature_reconcile_counts(now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE signatures_signature")
        cursor.execute("ANALYZE petitions_petition")
    stored = Petition.objects.get(pk=petition.pk).signature_count
    if stored != count + sponsors:
        raise RuntimeError(f"history petition counts {stored}, not {count + sponsors}")
    return int(petition.pk)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from townhall.accounts.models import Role, User
    from townhall.petitions.models import Petition
    from townhall.schemes.services import body_setup
    from townhall.signatures.services import signature_count_new

    call_command("migrate", interactive=False, verbosity=0)
    # Production caches in the database (config.settings.prod, and so config.settings.bench).
    call_command("createcachetable", verbosity=0)
    scheme = body_setup(
        name="Kingsmere Borough Council",
        area_name="the Borough of Kingsmere",
        population=300_600,
        preset="english-council",
    )
    moderator = User.objects.create_user(
        "bench-moderator", "moderator@bench.invalid", "bench-moderator-password", roles=[Role.MODERATOR.value]
    )
    petition = open_petition(
        action="Keep Kingsmere's libraries open on Sundays",
        creator="creator",
        moderator=moderator,
        sponsors=scheme.sponsor_count,
    )
    signature_count_new()
    baseline = Petition.objects.get(pk=petition.pk).signature_count
    history_id, history_seconds = None, 0.0
    history = args.history if connection.vendor == "postgresql" else 0
    if history > 0:
        started = time.monotonic()
        history_id = load_history(moderator=moderator, sponsors=scheme.sponsor_count, count=history)
        history_seconds = time.monotonic() - started
    if Petition.objects.get(pk=petition.pk).signature_count != baseline:
        raise RuntimeError("loading history changed the bench petition's count")
    connections.close_all()
    sys.stdout.write(
        json.dumps(
            {
                "petition_id": petition.pk,
                "baseline": baseline,
                "history_petition_id": history_id,
                "history_signatures": history,
                "history_seconds": round(history_seconds, 2),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
