"""Fraud controls on the signing path: decided silently, before the one INSERT.

A signature from a blocked address, domain or network, or over the per-IP rate limits
for its petition, is stored as `fraudulent`: the signer sees exactly what anyone else
sees (the same page, the same email, a confirm button that "works") and it is never
counted. Disposable email domains are flagged, or blocked, by setting. Allow lists
(trusted networks such as a council's own, or partner domains) skip the rate limits.

IP addresses are never stored: only a keyed hash (for rate limits and invalidation by
exact address) and the truncated network (/24 or /48, for trending and invalidation
by range).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

import disposable_email_domains
from django.conf import settings
from django.db import connections, router

from townhall.core.localcache import LocalCache
from townhall.core.net import ClientFingerprint
from townhall.signatures.models import ListAction, ListKind, Signature, SignerListEntry


@dataclass(frozen=True)
class SignerLists:
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    block_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    allow_domains: frozenset[str]
    block_domains: frozenset[str]
    block_emails: frozenset[str]


# Read on every signature; each process keeps its copy this long, so an entry added in the
# admin applies everywhere within it (at once in the process that saved it).
LISTS_CACHE_SECONDS = 5.0
_lists: LocalCache[SignerLists] = LocalCache("signer-lists", max_entries=1)


def _load_lists() -> SignerLists:
    networks: dict[str, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {"allow": [], "block": []}
    domains: dict[str, set[str]] = {"allow": set(), "block": set()}
    emails: set[str] = set()
    for kind, action, value in SignerListEntry.objects.values_list("kind", "action", "value"):
        value = value.strip().lower()
        if kind == ListKind.IP:
            try:
                networks[action].append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                continue
        elif kind == ListKind.EMAIL_DOMAIN:
            domains[action].add(value.lstrip("@"))
        elif kind == ListKind.EMAIL and action == ListAction.BLOCK:
            emails.add(value)
    return SignerLists(
        allow_networks=tuple(networks["allow"]),
        block_networks=tuple(networks["block"]),
        allow_domains=frozenset(domains["allow"]),
        block_domains=frozenset(domains["block"]),
        block_emails=frozenset(emails),
    )


def signer_lists() -> SignerLists:
    """The allow and block lists, kept in this process briefly so signing costs no extra
    query (nor a round trip to a shared cache)."""
    return _lists.get_or_load("lists", _load_lists, seconds=LISTS_CACHE_SECONDS)


def forget_signer_lists(**_: object) -> None:
    """Drop this process's copy (also connected to SignerListEntry's save and delete)."""
    _lists.clear()


def _in(address: object, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def is_disposable(domain: str) -> bool:
    return domain.lower() in disposable_email_domains.blocklist


@dataclass(frozen=True)
class Assessment:
    is_fraudulent: bool
    reason: str = ""


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
    lists = signer_lists()
    domain = email_canonical.rpartition("@")[2]
    if email_canonical in lists.block_emails:
        return Assessment(True, "blocked_email")
    if domain in lists.block_domains:
        return Assessment(True, "blocked_domain")
    if _in(client.address, lists.block_networks):
        return Assessment(True, "blocked_ip")
    disposable = is_disposable(domain) and domain not in lists.allow_domains
    if disposable and config["DISPOSABLE_EMAIL_POLICY"] == "block":
        return Assessment(True, "disposable_domain")
    allowed = _in(client.address, lists.allow_networks) or domain in lists.allow_domains
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
