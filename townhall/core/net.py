"""Client addresses: which IP sent a request, and how it may be kept.

The client IP is the connecting address unless that address is one of the configured
trusted reverse proxies; then it is the right-most X-Forwarded-For entry that is not a
trusted proxy (entries further left can be forged by the client). IPs are never stored:
only a keyed hash and the truncated network (/24 for IPv4, /48 for IPv6).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


def _networks(cidrs: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError:
            continue
    return networks


def _is_trusted(address: str, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = _networks(list(settings.TOWNHALL["TRUSTED_PROXIES"]))
    if not trusted or not _is_trusted(remote, trusted):
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _is_trusted(address, trusted):
            return address
    return remote


@dataclass(frozen=True)
class ClientFingerprint:
    ip_hash: str
    ip_prefix: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None


def client_address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client IP parsed, to compare in memory (never to store); None if it is not one."""
    try:
        return ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None


def fingerprint(ip: str | None) -> ClientFingerprint:
    """Hash and truncate a client IP; a missing or unparseable IP gives an empty one."""
    address = client_address(ip)
    if address is None:
        return ClientFingerprint(ip_hash="", ip_prefix="", address=None)
    key = hashlib.sha256(b"townhall-ip:" + settings.SECRET_KEY.encode()).digest()
    digest = hmac.new(key, address.packed, hashlib.sha256).hexdigest()[:32]
    network = ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 48}", strict=False)
    return ClientFingerprint(ip_hash=digest, ip_prefix=str(network), address=address)
