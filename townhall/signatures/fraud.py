"""Fraud controls on the signing path: decided silently, before the one INSERT.

A signature over the per-IP rate limits for its petition is stored as `fraudulent`: the
signer sees exactly what anyone else sees (the same page, the same email, a confirm button
that "works") and it is never counted. One from a blocked address, domain or network
(townhall.lists, the lists every resident entry point asks) is stored as `fraudulent` too,
and no email goes to it. Disposable email domains are flagged, or blocked, by setting.
Allow lists (trusted networks such as a council's own, or partner domains and addresses)
skip the rate limits.

IP addresses are never stored: only a keyed hash (for rate limits and invalidation by
exact address) and the truncated network (/24 or /48, for trending and invalidation
by range).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import disposable_email_domains
from django.conf import settings
from django.db import connections, router

from townhall.core.net import ClientFingerprint
from townhall.lists.selectors import lists_current
from townhall.signatures.models import Signature


def is_disposable(domain: str) -> bool:
    return domain.lower() in disposable_email_domains.blocklist


@dataclass(frozen=True)
class Assessment:
    is_fraudulent: bool
    reason: str = ""
    # Caught by a block list: no email goes to the address either (townhall.lists).
    sends_email: bool = True


# One statement, three counts. Each count's conditions match one index exactly
# (signature_ip_rate_idx, signature_prefix_rate_idx: petition, address or /24, created_at), so
# with the table's statistics in place each is a short range scan. Written in SQL: it runs
# on every signature, and the ORM's compilation of the aggregate cost more than the query.
_RECENT_SQL = (
    "SELECT (SELECT COUNT(*) FROM signatures_signature WHERE petition_id = %s AND ip_hash = %s AND created_at >= %s),"
    " (SELECT COUNT(*) FROM signatures_signature WHERE petition_id = %s AND ip_hash = %s AND created_at >= %s),"
    " (SELECT COUNT(*) FROM signatures_signature WHERE petition_id = %s AND ip_prefix = %s AND created_at >= %s)"
)
assert Signature._meta.db_table == "signatures_signature"  # noqa: S101 - the SQL above names it


def _recent_counts(
    *,
    petition_id: int,
    client: ClientFingerprint,
    burst_since: datetime.datetime,
    sustained_since: datetime.datetime,
    network_since: datetime.datetime,
) -> dict[str, int]:
    """This address's recent signatures on the petition, and its whole network's (bots
    rotate addresses within a range; people behind one address are few)."""
    connection = connections[router.db_for_write(Signature)]
    moment = connection.ops.adapt_datetimefield_value
    params = [
        *(petition_id, client.ip_hash, moment(burst_since)),
        *(petition_id, client.ip_hash, moment(sustained_since)),
        *(petition_id, client.ip_prefix, moment(network_since)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_RECENT_SQL, params)
        burst, sustained, network = cursor.fetchone()
    return {"burst": int(burst), "sustained": int(sustained), "network": int(network)}


def assess_signature(
    *, petition_id: int, client: ClientFingerprint, email_canonical: str, now: datetime.datetime
) -> Assessment:
    """Decide, silently, whether a new signature is fraudulent (never counted) or flagged."""
    config = settings.TOWNHALL
    lists = lists_current()
    blocked = lists.block_reason(email=email_canonical, address=client.address)
    if blocked:
        return Assessment(True, blocked, sends_email=False)
    domain = email_canonical.rpartition("@")[2]
    disposable = is_disposable(domain) and not lists.allow.covers_domain(domain)
    if disposable and config["DISPOSABLE_EMAIL_POLICY"] == "block":
        return Assessment(True, "disposable_domain")
    allowed = lists.allows(email=email_canonical, address=client.address)
    if client.ip_hash and not allowed:
        burst_count, burst_seconds = config["SIGN_RATE_BURST"]
        sustained_count, sustained_seconds = config["SIGN_RATE_SUSTAINED"]
        network_count, network_seconds = config["SIGN_RATE_NETWORK"]
        recent = _recent_counts(
            petition_id=petition_id,
            client=client,
            burst_since=now - datetime.timedelta(seconds=burst_seconds),
            sustained_since=now - datetime.timedelta(seconds=sustained_seconds),
            network_since=now - datetime.timedelta(seconds=network_seconds),
        )
        if recent["burst"] >= burst_count:
            return Assessment(True, "rate_limit_burst")
        if recent["sustained"] >= sustained_count:
            return Assessment(True, "rate_limit_sustained")
        if recent["network"] >= network_count:
            return Assessment(True, "rate_limit_network")
    if disposable and config["DISPOSABLE_EMAIL_POLICY"] == "flag":
        return Assessment(False, "disposable_domain")
    return Assessment(False, "")
