"""Rate limits: the one home of every counter that refuses attempts beyond a limit.

`take_slot` counts an attempt first and compares it with the limit afterwards, in one
statement on the database (INSERT … ON CONFLICT … DO UPDATE … RETURNING, on PostgreSQL
and SQLite alike). However many attempts race, the database hands out the counts 1, 2,
3, … one at a time, so no more than `limit` of them are let through in a window. Django's
cache is not used for this: its database backend's `incr` reads and then writes, so two
racing requests can read the same count and both pass.

A window starts at a subject's first attempt and lasts `seconds`; the first attempt after
it ends starts a new one. Refused attempts are counted too but do not stretch the window.
Called inside a transaction, the count belongs to it: an attempt whose transaction rolls
back (a refusal, or any other error) is not counted, and on PostgreSQL a racing attempt
for the same subject waits until that transaction ends.

Counters hold no personal data: a subject (a username, an email address, an address's
hash) is kept only as a keyed hash. The `forget-rate-counters` job deletes finished
windows (`purge_expired_counters`).
"""

from __future__ import annotations

import datetime

from django.db import connections, router
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from townhall.core.models import RateCounter


def _key(scope: str, subject: str) -> str:
    return f"{scope}:{salted_hmac('townhall.core.ratelimit', subject, algorithm='sha256').hexdigest()}"


def take_slot(*, scope: str, subject: str, limit: int, seconds: int) -> bool:
    """Count one attempt by `subject` against `scope`'s limit; True while within it."""
    database = router.db_for_write(RateCounter)
    connection = connections[database]
    ops = connection.ops
    table = ops.quote_name(RateCounter._meta.db_table)
    key, count, expires = (ops.quote_name(name) for name in ("key", "count", "expires_at"))
    now = timezone.now()
    started = ops.adapt_datetimefield_value(now)
    ends = ops.adapt_datetimefield_value(now + datetime.timedelta(seconds=seconds))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {count}, {expires}) VALUES (%s, 1, %s) "  # noqa: S608 (names quoted)
            f"ON CONFLICT ({key}) DO UPDATE SET "
            f"{count} = CASE WHEN {table}.{expires} <= %s THEN 1 ELSE {table}.{count} + 1 END, "
            f"{expires} = CASE WHEN {table}.{expires} <= %s THEN excluded.{expires} ELSE {table}.{expires} END "
            f"RETURNING {count}",
            [_key(scope, subject), ends, started, started],
        )
        row = cursor.fetchone()
    return row is not None and int(row[0]) <= limit


def give_back(*, scope: str, subject: str) -> None:
    """Uncount one attempt (it turned out not to be one the limit is about)."""
    RateCounter.objects.filter(key=_key(scope, subject), count__gt=0).update(count=F("count") - 1)


def forget(*, scope: str, subject: str) -> None:
    """Start `subject` afresh: its next attempt opens a new window."""
    RateCounter.objects.filter(key=_key(scope, subject)).delete()


def purge_expired_counters() -> int:
    """Delete the counters whose window has ended (the `forget-rate-counters` job)."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
