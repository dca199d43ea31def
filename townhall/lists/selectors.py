"""The lists as they stand, and the one question every resident entry point asks."""

from __future__ import annotations

from townhall.core.localcache import LocalCache
from townhall.core.net import client_address
from townhall.lists.models import ListEntry
from townhall.lists.rules import Lists, lists_build

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
