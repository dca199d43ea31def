"""Login throttling: after repeated failures, sign-in is refused for a while, even with
the right password, per account and per client address (kept only as a keyed hash)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from townhall.core.net import fingerprint


def _keys(username: str, ip: str) -> list[str]:
    keys = [f"townhall:login-fail:user:{username.strip().lower()}"]
    client = fingerprint(ip)
    if client.ip_hash:
        keys.append(f"townhall:login-fail:ip:{client.ip_hash}")
    return keys


def _limits() -> tuple[int, int, int]:
    per_user, per_ip, seconds = settings.TOWNHALL["LOGIN_THROTTLE"]
    return int(per_user), int(per_ip), int(seconds)


def login_is_throttled(*, username: str, ip: str) -> bool:
    per_user, per_ip, _ = _limits()
    counts = [int(cache.get(key, 0)) for key in _keys(username, ip)]
    return counts[0] >= per_user or (len(counts) > 1 and counts[1] >= per_ip)


def login_failed(*, username: str, ip: str) -> None:
    _, _, seconds = _limits()
    for key in _keys(username, ip):
        cache.add(key, 0, seconds)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, seconds)


def login_succeeded(*, username: str) -> None:
    cache.delete(_keys(username, "")[0])
