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
from django.core.cache import cache
from django.db.models import Count, Q

from townhall.core.net import ClientFingerprint
from townhall.signatures.models import ListAction, ListKind, Signature, SignerListEntry

LISTS_CACHE_KEY = "townhall:signer-lists"
LISTS_CACHE_SECONDS = 30


@dataclass(frozen=True)
class SignerLists:
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    block_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    allow_domains: frozenset[str]
    block_domains: frozenset[str]
    block_emails: frozenset[str]


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
    """The allow and block lists, cached briefly so signing costs no extra query."""
    lists = cache.get(LISTS_CACHE_KEY)
    if lists is None:
        lists = _load_lists()
        cache.set(LISTS_CACHE_KEY, lists, LISTS_CACHE_SECONDS)
    return lists  # type: ignore[no-any-return]


def forget_signer_lists() -> None:
    cache.delete(LISTS_CACHE_KEY)


def _in(address: object, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def is_disposable(domain: str) -> bool:
    return domain.lower() in disposable_email_domains.blocklist


@dataclass(frozen=True)
class Assessment:
    is_fraudulent: bool
    reason: str = ""


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
        longest = max(burst_seconds, sustained_seconds, network_seconds)
        since = now - datetime.timedelta(seconds=longest)
        # One query: this address's recent signatures, and its whole /24's (bots rotate
        # addresses within a range; people behind one address are few).
        recent = Signature.objects.filter(
            Q(ip_hash=client.ip_hash) | Q(ip_prefix=client.ip_prefix), petition_id=petition_id, created_at__gte=since
        ).aggregate(
            burst=Count(
                "id",
                filter=Q(ip_hash=client.ip_hash, created_at__gte=now - datetime.timedelta(seconds=burst_seconds)),
            ),
            sustained=Count(
                "id",
                filter=Q(ip_hash=client.ip_hash, created_at__gte=now - datetime.timedelta(seconds=sustained_seconds)),
            ),
            network=Count(
                "id",
                filter=Q(ip_prefix=client.ip_prefix, created_at__gte=now - datetime.timedelta(seconds=network_seconds)),
            ),
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
