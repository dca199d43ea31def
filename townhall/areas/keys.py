"""The keys breakdowns are stored and looked up under: a postcode's lookup key and the hour
a moment falls in. Pure functions, shared by the writes (services) and the reads (selectors)."""

from __future__ import annotations

import datetime

from townhall.core.text import normalise_postcode


def hour_of(moment: datetime.datetime) -> datetime.datetime:
    """The UTC hour a moment falls in: the time series' bucket."""
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def lookup_key(raw: str) -> str | None:
    """The lookup key for a postcode or an outward code ("KM1"), or None if it is neither.

    Full postcodes use Townhall's own normaliser (townhall.core.text.normalise_postcode),
    so a key is exactly what a signature stores.
    """
    full = normalise_postcode(raw)
    if full is not None:
        return full
    compact = "".join(raw.split()).upper()
    if 2 <= len(compact) <= 4 and compact[0].isalpha() and any(c.isdigit() for c in compact):
        return compact
    return None
