"""Rate limits for the public API: a fixed-window counter per client (townhall/core/ratelimit.py).

The client is the request's IP as `townhall.core.net.client_ip` finds it (behind trusted
proxies only), and the cache key holds only its keyed hash, never the address. Each window
is `API_RATE_LIMIT[1]` seconds long and aligned to the clock, so a client gets at most
`API_RATE_LIMIT[0]` requests per window (and at most twice that across a window boundary,
the known trade-off of fixed windows for one database statement per request). The
counter counts the request first and compares after, atomically, so racing requests never
get more than the limit through.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from townhall.core.net import client_ip, fingerprint
from townhall.core.ratelimit import take_slot


def _limit() -> tuple[int, int]:
    count, seconds = settings.TOWNHALL["API_RATE_LIMIT"]
    return int(count), int(seconds)


class ClientRateThrottle(BaseThrottle):
    """Refuses a client's requests beyond the limit until the window ends (429)."""

    def allow_request(self, request: HttpRequest) -> bool:
        limit, window = _limit()
        now = time.time()
        window_index = int(now // window)
        client = fingerprint(client_ip(request)).ip_hash or "unknown"
        return take_slot(scope="api", subject=f"{client}:{window}:{window_index}", limit=limit, seconds=window)

    def wait(self) -> float | None:
        """Seconds until the current window ends (the instance is shared: keep no state)."""
        _, window = _limit()
        return float(max(1, math.ceil(window - time.time() % window)))
