from __future__ import annotations

from django.conf import settings

from townhall.core.errors import NotFound
from townhall.core.localcache import LocalCache
from townhall.schemes.models import Scheme

# Read on nearly every request, changed a few times a year: each process keeps it for
# SCHEME_CACHE_SECONDS. Saving or deleting the body, scheme or a threshold in this
# process clears it at once (schemes.apps); other processes see the change within that time.
_current: LocalCache[Scheme] = LocalCache("scheme", max_entries=1)


def _load_current() -> Scheme:
    scheme = Scheme.objects.select_related("body", "eligible_area").prefetch_related("thresholds").first()
    if scheme is None:
        raise NotFound("This site has not been set up yet: an administrator must create the body and its scheme.")
    return scheme


def scheme_get_current() -> Scheme:
    """The body's scheme with its body, eligible area and thresholds.

    Shared by every request in this process for a few seconds: treat it as read-only.
    """
    return _current.get_or_load("current", _load_current, seconds=float(settings.TOWNHALL["SCHEME_CACHE_SECONDS"]))


def scheme_forget_current(**_: object) -> None:
    """Drop this process's cached scheme (connected to the scheme models' save and delete)."""
    _current.clear()
