"""The lists' rules: how an entry is written down, and what it matches. Pure: no reads,
no writes.

An entry is stored in the form it is compared in, so matching is a set lookup:

- an email address: its canonical form, by the same function and settings as the
  addresses residents give (`residents.services.email_canonical`: case; dots and +tags on
  gmail-style domains; googlemail.com is gmail.com; only +tags on the domains that ignore
  them but keep dots, such as outlook.com and icloud.com), with the domain in ASCII (IDNA).
  So an entry for "ann@outlook.com" also catches "ann+anything@outlook.com";
- a domain: the same lower case, aliases and ASCII form. It covers its subdomains
  (example.com also catches mail.example.com), so a wildcard is refused as unnecessary,
  and so is a bare top-level domain;
- an IP address or network, in CIDR form: one address is a /32 (IPv4) or /128 (IPv6). A
  network with bits set after its prefix (203.0.113.7/24) is refused: whoever typed it
  meant one address or the whole network, and which is not ours to guess. An IPv4
  client seen as an IPv4-mapped IPv6 address (::ffff:203.0.113.7) matches IPv4 entries.

Entries are typed by staff. Residents' IP addresses are compared in memory and never
stored (core.net).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

import disposable_email_domains
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, validate_email
from django.utils.translation import gettext as _

from townhall.core.errors import DomainError
from townhall.lists.models import (
    SHARED_FACTOR_DEFAULT,
    SHARED_FACTOR_MAX,
    SHARED_FACTOR_MIN,
    ListAction,
    ListEntry,
    ListKind,
)
from townhall.residents.services import email_canonical

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network
type Address = ipaddress.IPv4Address | ipaddress.IPv6Address

VALUE_MAX = ListEntry._meta.get_field("value").max_length or 254
_domain_name = DomainNameValidator(accept_idna=False)


def domain_key(domain: str) -> str:
    """A domain as the lists hold it: lower case, its alias resolved as in canonical email
    addresses (googlemail.com is gmail.com, by the same settings), in ASCII (IDNA)."""
    domain = domain.strip().lower().removeprefix("@").rstrip(".")
    domain = email_canonical(f"x@{domain}").rpartition("@")[2]
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # not a domain: it matches nothing, and entries like it are refused


def email_key(email: str) -> str:
    """An email address as the lists hold it: canonical, its domain as `domain_key`."""
    local, _at, domain = email_canonical(email).rpartition("@")
    return f"{local}@{domain_key(domain)}"


def domains_covering(domain: str) -> set[str]:
    """The domain and each domain above it: mail.spam.example → it, spam.example, example.
    A domain listed anywhere covers its subdomains when this meets the list."""
    labels = domain.split(".")
    return {".".join(labels[n:]) for n in range(len(labels))}


def is_disposable(domain: str) -> bool:
    """A disposable email domain (the `disposable-email-domains` list)."""
    return domain.lower() in disposable_email_domains.blocklist


def is_relay(domain: str) -> bool:
    """A privacy relay's domain (RELAY_EMAIL_DOMAINS) or one under it: addy.io gives each
    user x@user.anonaddy.me, Firefox Relay x@user.mozmail.com."""
    relays = {relay.lower() for relay in settings.TOWNHALL["RELAY_EMAIL_DOMAINS"]}
    return not domains_covering(domain.lower()).isdisjoint(relays)


def _network_clean(value: str, *, strict: bool) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=strict))
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise DomainError(
            _(
                "“%(value)s” is not an IP address or network. Enter an address such as 203.0.113.7 "
                "or a network such as 203.0.113.0/24."
            )
            % {"value": value},
            code="list_ip_invalid",
        ) from None
    raise DomainError(
        _(
            "“%(value)s” has bits set after its /%(prefix)s: enter the network as %(network)s, "
            "or one address as %(address)s."
        )
        % {"value": value, "prefix": loose.prefixlen, "network": loose, "address": value.partition("/")[0]},
        code="list_ip_host_bits",
    )


def _domain_clean(value: str) -> str:
    if "*" in value:
        raise DomainError(
            _(
                "“%(value)s”: no wildcard is needed, as a domain entry covers its subdomains. Enter "
                "%(domain)s to cover it and every domain under it."
            )
            % {"value": value, "domain": value.lstrip("*.@") or "example.com"},
            code="list_domain_wildcard",
        )
    if "@" in value.removeprefix("@"):
        raise DomainError(
            _("“%(value)s” is an email address, not a domain. Enter the part after the @, or choose “Email address”.")
            % {"value": value},
            code="list_domain_is_email",
        )
    domain = domain_key(value)
    try:
        _domain_name(domain)
    except ValidationError:
        raise DomainError(
            _("“%(value)s” is not a domain. Enter one such as example.com.") % {"value": value},
            code="list_domain_invalid",
        ) from None
    return domain


def _email_clean(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise DomainError(
            _(
                "“%(value)s” is not an email address. Enter one such as name@example.com, or choose "
                "“Email domain” to cover a whole domain."
            )
            % {"value": value},
            code="list_email_invalid",
        ) from None
    return email_key(value)


def list_value_clean(*, kind: str, value: str, strict: bool = True) -> str:
    """The entry's value in the form it is stored and compared in, or a DomainError saying
    why it could never match. `strict=False` accepts a network with bits set after its
    prefix, as the lists applied it before they were checked (used by the migration)."""
    value = value.strip()
    if not value:
        raise DomainError(_("Give the address, network or domain."), code="list_value_blank")
    if kind == ListKind.IP:
        cleaned = _network_clean(value, strict=strict)
    elif kind == ListKind.EMAIL_DOMAIN:
        cleaned = _domain_clean(value)
    elif kind == ListKind.EMAIL:
        cleaned = _email_clean(value)
    else:
        raise DomainError(_("Choose what kind of entry this is."), code="list_kind_unknown")
    if len(cleaned) > VALUE_MAX:
        raise DomainError(
            _("An entry must be %(max)s characters or fewer.") % {"max": VALUE_MAX}, code="list_value_too_long"
        )
    return cleaned


def _in(address: Address | None, networks: tuple[Network, ...]) -> bool:
    if address is None:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return any(address in network or (mapped is not None and mapped in network) for network in networks)


@dataclass(frozen=True)
class Side:
    """One action's entries (everything allowed, or everything blocked)."""

    networks: tuple[Network, ...] = ()
    domains: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    def reason(self, *, email: str, address: Address | None) -> str:
        """Which entry covers this person: "email", "domain", "ip", or "" for none."""
        key = email_key(email) if email else ""
        if key and key in self.emails:
            return "email"
        if key and self.covers_domain(key.rpartition("@")[2]):
            return "domain"
        if _in(address, self.networks):
            return "ip"
        return ""

    def covers_domain(self, domain: str) -> bool:
        return not domains_covering(domain_key(domain)).isdisjoint(self.domains)


@dataclass(frozen=True)
class Lists:
    allow: Side
    block: Side
    # Known shared networks with their limit factors.
    shared: tuple[tuple[Network, int], ...] = ()

    def block_reason(self, *, email: str, address: Address | None) -> str:
        """Why this person is blocked ("blocked_email", "blocked_domain", "blocked_ip"), or ""."""
        reason = self.block.reason(email=email, address=address)
        return f"blocked_{reason}" if reason else ""

    def allows(self, *, email: str, address: Address | None) -> bool:
        """Allowed: never rate-limited."""
        return bool(self.allow.reason(email=email, address=address))

    def shared_factor(self, address: Address | None) -> int:
        """How many times the usual signing limits this address has: the largest factor of
        the shared networks it is in, or 1."""
        return max((factor for network, factor in self.shared if _in(address, (network,))), default=1)


def limit_factor_clean(*, kind: str, action: str, factor: int | None) -> int | None:
    """A shared network's limit factor (the default if none is given), or a DomainError
    saying why the entry cannot have one: only an IP network can be shared, and only a
    shared network has a factor."""
    if action != ListAction.SHARED:
        if factor is not None:
            raise DomainError(
                _("Only a shared network has a limit factor: leave it empty, or choose “Shared network”."),
                code="list_factor_not_shared",
            )
        return None
    if kind != ListKind.IP:
        raise DomainError(
            _("A shared network is an IP address or network: choose “IP address or network” as its kind."),
            code="list_shared_not_ip",
        )
    if factor is None:
        return SHARED_FACTOR_DEFAULT
    if not SHARED_FACTOR_MIN <= factor <= SHARED_FACTOR_MAX:
        raise DomainError(
            _("Give a limit factor from %(least)s to %(most)s.")
            % {"least": SHARED_FACTOR_MIN, "most": SHARED_FACTOR_MAX},
            code="list_factor_range",
        )
    return factor


def lists_build(rows: Iterable[tuple[str, str, str, int | None]]) -> Lists:
    """The lists from (kind, action, value, limit factor) rows. Each value goes through the
    same rule as a saved entry (so a row written around the service still matches as it
    should); one that could never match is left out."""
    found: dict[str, tuple[list[Network], set[str], set[str]]] = {
        ListAction.ALLOW: ([], set(), set()),
        ListAction.BLOCK: ([], set(), set()),
    }
    shared: list[tuple[Network, int]] = []
    for kind, action, value, factor in rows:
        try:
            cleaned = list_value_clean(kind=kind, value=value, strict=False)
            if action == ListAction.SHARED:
                shared_factor = limit_factor_clean(kind=kind, action=action, factor=factor) or SHARED_FACTOR_DEFAULT
                shared.append((ipaddress.ip_network(cleaned), shared_factor))
                continue
        except DomainError:
            continue
        if action not in found:
            continue
        networks, domains, emails = found[action]
        if kind == ListKind.IP:
            networks.append(ipaddress.ip_network(cleaned))
        elif kind == ListKind.EMAIL_DOMAIN:
            domains.add(cleaned)
        else:
            emails.add(cleaned)
    allow, block = (
        Side(networks=tuple(n), domains=frozenset(d), emails=frozenset(e))
        for n, d, e in (found[ListAction.ALLOW], found[ListAction.BLOCK])
    )
    return Lists(allow=allow, block=block, shared=tuple(shared))


def entries_matching(
    rows: Iterable[tuple[int, str, str, str, int | None]], *, email: str, address: Address | None
) -> dict[int, str]:
    """Which of the entries (id, kind, action, value, limit factor) this person meets, and
    why: "email", "domain" or "ip", by id. Each entry is matched exactly as the lists match
    it (`lists_build`, `Side.reason`, a shared network's own test), one entry at a time, so
    staff see every entry that applies and not only the first."""
    found: dict[int, str] = {}
    for entry_id, kind, action, value, factor in rows:
        one = lists_build([(kind, action, value, factor)])
        if action == ListAction.SHARED:
            reason = "ip" if _in(address, tuple(network for network, _factor in one.shared)) else ""
        elif action == ListAction.BLOCK:
            reason = one.block.reason(email=email, address=address)
        else:
            reason = one.allow.reason(email=email, address=address)
        if reason:
            found[entry_id] = reason
    return found


def check_email_clean(value: str) -> str:
    """An email address typed into the lists' test box, or a DomainError saying why not."""
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise DomainError(
            _("“%(value)s” is not an email address. Enter one such as name@example.com.") % {"value": value},
            code="check_email_invalid",
        ) from None
    return value


def check_address_clean(value: str) -> Address:
    """One IP address typed into the lists' test box, or a DomainError saying why not."""
    value = value.strip()
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise DomainError(
            _("“%(value)s” is not an IP address. Enter one address such as 203.0.113.7 or 2001:db8::1, not a network.")
            % {"value": value},
            code="check_ip_invalid",
        ) from None


NOTE_MAX = ListEntry._meta.get_field("note").max_length or 200


def list_note_clean(note: str) -> str:
    """An entry's note, or a DomainError if it is too long to keep."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("A note must be %(max)s characters or fewer (this one has %(length)s).")
            % {"max": NOTE_MAX, "length": len(note)},
            code="list_note_too_long",
        )
    return note
