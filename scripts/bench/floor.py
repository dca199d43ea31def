"""The database floor: one journey's writes issued straight to PostgreSQL, no web stack.

Per journey, four transactions with a durable commit each (the server's
synchronous_commit, `on` by default), as the application commits them:

1. INSERT the pending signature (every column the application writes);
2. INSERT its letter into the outbox and UPDATE it as emailed (email_pending false,
   emails_sent + 1, email_sent_at) — one transaction, as the sender does per batch;
3. UPDATE the letter as sent (the sender commits each letter's outcome on its own);
4. UPDATE the signature as confirmed (state verified, verified_at) where still pending.

`connections` concurrent psycopg connections loop until the time or count limit. The
journeys/s this reaches is the ceiling for the application on the same database.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import psycopg

INSERT = """
INSERT INTO signatures_signature (
    petition_id, petition_version_id, name, email, email_canonical, postcode, household_slot,
    is_sponsor, wants_updates, state, token, created_at, link_expires_at, ip_hash, ip_prefix,
    fraud_reason, invalidation_reason, email_pending, emails_sent, hold_reason, released_by
) VALUES (
    %s, %s, %s, %s, %s, %s, 0, false, false, 'pending', %s, now(), now() + interval '30 days',
    %s, %s, '', '', true, 0, '', ''
) RETURNING id
"""
MARK_SENT = (
    "UPDATE signatures_signature SET email_pending = false, emails_sent = emails_sent + 1, "
    "email_sent_at = now() WHERE id = ANY(%s)"
)
QUEUE_LETTER = """
INSERT INTO mail_queuedemail (
    dedupe_key, "to", subject, body, headers, priority, status, attempts, next_attempt_at,
    last_error, created_at
) VALUES (%s, %s, 'Confirm your signature', %s, '{}', 0, 'queued', 0, now(), '', now())
RETURNING id
"""
LETTER_SENT = "UPDATE mail_queuedemail SET status = 'sent', attempts = 1, sent_at = now() WHERE id = %s"
CONFIRM = "UPDATE signatures_signature SET state = 'verified', verified_at = now() WHERE id = %s AND state = 'pending'"


@dataclass(frozen=True)
class Floor:
    journeys: int
    seconds: float
    journeys_per_s: float
    commits_per_s: float  # four per journey
    connections: int
    p50_ms: float  # one journey's four commits, issued back to back (0 without journeys)
    p99_ms: float


async def run_floor(
    conninfo: str, *, petition_id: int, version_id: int, connections: int, seconds: float, max_journeys: int
) -> Floor:
    counter = 0
    latencies: list[float] = []
    conns = [await psycopg.AsyncConnection.connect(conninfo, autocommit=True) for _ in range(connections)]
    try:
        started = time.monotonic()
        deadline = started + seconds

        async def loop(conn: psycopg.AsyncConnection) -> None:
            nonlocal counter
            while time.monotonic() < deadline and counter < max_journeys:
                i = counter
                counter += 1
                email = f"floor{i}@example.org"
                t = time.perf_counter()
                cursor = await conn.execute(
                    INSERT,
                    (
                        petition_id,
                        version_id,
                        f"Floor {i}",
                        email,
                        email,
                        "KM1 1AA",
                        f"floor-token-{i}",
                        f"{i:032x}",
                        f"10.{i % 250}.{i // 250 % 256}.0/24",
                    ),
                    prepare=True,
                )
                row = await cursor.fetchone()
                if row is None:
                    raise RuntimeError("INSERT … RETURNING gave no row")
                async with conn.transaction():
                    letter = await conn.execute(
                        QUEUE_LETTER, (f"signature:{row[0]}:email:1", email, f"Link for {i}"), prepare=True
                    )
                    letter_row = await letter.fetchone()
                    await conn.execute(MARK_SENT, ([row[0]],), prepare=True)
                if letter_row is None:
                    raise RuntimeError("INSERT … RETURNING gave no letter")
                await conn.execute(LETTER_SENT, (letter_row[0],), prepare=True)
                await conn.execute(CONFIRM, (row[0],), prepare=True)
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(loop(conn) for conn in conns))
        elapsed = time.monotonic() - started
    finally:
        for conn in conns:
            await conn.close()
    latencies.sort()
    return Floor(
        journeys=len(latencies),
        seconds=elapsed,
        journeys_per_s=len(latencies) / elapsed,
        commits_per_s=4 * len(latencies) / elapsed,
        connections=connections,
        p50_ms=latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
    )
