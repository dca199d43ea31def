"""Login throttling: past a number of attempts, sign-in is refused for a while, even with
the right password, per account and per client address (kept only as a keyed hash).

Each attempt is counted before its password is checked (`townhall.core.ratelimit`, which
counts first and compares after, atomically on the database), so attempts racing each
other can never have more passwords checked than the limit. A successful sign-in clears
the account's count and hands the address back the slot it took.
"""

from __future__ import annotations

from django.conf import settings

from townhall.core.net import fingerprint
from townhall.core.ratelimit import forget, give_back, take_slot

USER_SCOPE = "login-user"
ADDRESS_SCOPE = "login-address"


def _account(username: str) -> str:
    return username.strip().lower()


def _limits() -> tuple[int, int, int]:
    per_user, per_ip, seconds = settings.TOWNHALL["LOGIN_THROTTLE"]
    return int(per_user), int(per_ip), int(seconds)


def login_attempt_refused(*, username: str, ip: str) -> bool:
    """Count this sign-in attempt, before its password is checked, and say whether it is
    over a limit: if so, the password must not be checked at all."""
    per_user, per_ip, seconds = _limits()
    client = fingerprint(ip)
    if client.ip_hash and not take_slot(scope=ADDRESS_SCOPE, subject=client.ip_hash, limit=per_ip, seconds=seconds):
        return True
    return not take_slot(scope=USER_SCOPE, subject=_account(username), limit=per_user, seconds=seconds)


def login_succeeded(*, username: str, ip: str) -> None:
    """The password was right: the account starts afresh, and the address gets back the
    slot this attempt took."""
    forget(scope=USER_SCOPE, subject=_account(username))
    client = fingerprint(ip)
    if client.ip_hash:
        give_back(scope=ADDRESS_SCOPE, subject=client.ip_hash)
