"""The lists as they stand, and the one question every resident entry point asks."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from townhall.core.errors import NotFound
from townhall.core.localcache import LocalCache
from townhall.core.net import client_address
from townhall.lists.models import SHARED_FACTOR_DEFAULT, ListAction, ListEntry, ListKind
from townhall.lists.rules import (
    Address,
    Lists,
    email_key,
    entries_matching,
    is_disposable,
    is_relay,
    lists_build,
)

# Read on every resident submission; each process keeps its copy this long, so an entry
# added in the admin applies everywhere within it (at once in the process that saved it).
LISTS_CACHE_SECONDS = 5.0
_lists: LocalCache[Lists] = LocalCache("lists", max_entries=1)


def _load() -> Lists:
    return lists_build(ListEntry.objects.values_list("kind", "action", "value", "limit_factor"))


def lists_current() -> Lists:
    """The allow and block lists, kept in this process briefly so a submission costs no
    extra query (nor a round trip to a shared cache)."""
    return _lists.get_or_load("lists", _load, seconds=LISTS_CACHE_SECONDS)


def forget_lists(**_: object) -> None:
    """Drop this process's copy (also connected to ListEntry's save and delete)."""
    _lists.clear()


def resident_block_reason(*, email: str, ip: str | None) -> str:
    """Is this person blocked? "blocked_email", "blocked_domain" or "blocked_ip" if so, else "".

    The one question every resident entry point asks (starting, sponsoring and signing a
    petition, asking a question, writing through the contact relay) before it stores
    anything. A blocked person is never told: the entry point answers as it would anyone,
    and stores and sends nothing (signing stores a fraudulent signature, never counted).
    The IP is compared in memory only.
    """
    return lists_current().block_reason(email=email, address=client_address(ip))


def list_entries(*, kind: str = "", action: str = "") -> list[ListEntry]:
    """Every entry, or those of one kind and/or action, newest first within each."""
    entries = ListEntry.objects.order_by("action", "kind", "-created_at", "value")
    if kind:
        entries = entries.filter(kind=kind)
    if action:
        entries = entries.filter(action=action)
    return list(entries)


def list_entry_get(entry_id: int) -> ListEntry:
    entry = ListEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("There is no such list entry: it may have been removed."))
    return entry


@dataclass(frozen=True)
class AddressCheck:
    """What the lists and the domain rules make of one email address and/or IP address."""

    email: str  # the canonical form the lists compare in, "" if no email was given
    address: str  # the IP address as compared, "" if none was given
    matches: list[tuple[ListEntry, str]]  # each entry that applies, and why: "email", "domain", "ip"
    disposable: bool  # a disposable email domain
    relay: bool  # a privacy relay
    domain_allowed: bool  # an allow-list domain entry exempts the domain from both rules
    disposable_policy: str
    relay_policy: str

    def of(self, action: str) -> list[tuple[ListEntry, str]]:
        return [(entry, reason) for entry, reason in self.matches if entry.action == action]

    @property
    def blocked(self) -> list[tuple[ListEntry, str]]:
        return self.of(ListAction.BLOCK)

    @property
    def allowed(self) -> list[tuple[ListEntry, str]]:
        return self.of(ListAction.ALLOW)

    @property
    def shared(self) -> list[tuple[ListEntry, str]]:
        return self.of(ListAction.SHARED)

    @property
    def shared_factor(self) -> int:
        """The factor that applies: the largest of the shared networks the address is in."""
        return max((entry.limit_factor or SHARED_FACTOR_DEFAULT for entry, _reason in self.shared), default=1)


def address_check(*, email: str, address: Address | None) -> AddressCheck:
    """Every entry that applies to this email address and/or IP address, and the domain
    rules it meets, read from the lists as they stand (not this process's copy, so a change
    just made shows at once). The address is compared in memory and never kept."""
    entries = {entry.pk: entry for entry in ListEntry.objects.all()}
    rows = [(pk, e.kind, e.action, e.value, e.limit_factor) for pk, e in entries.items()]
    found = entries_matching(rows, email=email, address=address)
    canonical = email_key(email) if email else ""
    domain = canonical.rpartition("@")[2]
    allowed_domain = bool(domain) and any(
        entries[pk].kind == ListKind.EMAIL_DOMAIN and entries[pk].action == ListAction.ALLOW for pk in found
    )
    relay = bool(domain) and is_relay(domain)
    return AddressCheck(
        email=canonical,
        address=str(address) if address is not None else "",
        matches=sorted(((entries[pk], reason) for pk, reason in found.items()), key=lambda m: (m[0].action, m[0].pk)),
        # A relay also on the disposable list follows the relay policy, as signing does.
        disposable=bool(domain) and not relay and is_disposable(domain),
        relay=relay,
        domain_allowed=allowed_domain,
        disposable_policy=str(settings.TOWNHALL["DISPOSABLE_EMAIL_POLICY"]),
        relay_policy=str(settings.TOWNHALL["RELAY_EMAIL_POLICY"]),
    )
