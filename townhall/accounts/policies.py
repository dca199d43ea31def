"""Pure permission predicates: who may do what (and `require`, which services use to refuse)."""

from __future__ import annotations

from collections.abc import Callable

from townhall.accounts.models import Actor, Role, User
from townhall.accounts.twofactor import session_is_verified, two_factor_required
from townhall.core.errors import PermissionDeniedError


def _has(user: Actor | None, role: Role) -> bool:
    """Signed in, holding the role, and — where required — past the second factor."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if two_factor_required() and not session_is_verified(user):
        return False
    return bool(user.has_role(role))


def can_moderate(user: Actor | None) -> bool:
    return _has(user, Role.MODERATOR) or _has(user, Role.ADMINISTRATOR)


def can_administer(user: Actor | None) -> bool:
    return _has(user, Role.ADMINISTRATOR)


def can_respond(user: Actor | None) -> bool:
    """Responders draft and publish the body's responses and officials' written answers."""
    return _has(user, Role.RESPONDER) or _has(user, Role.ADMINISTRATOR)


def can_clerk(user: Actor | None) -> bool:
    """Clerks schedule meetings and agenda items and record what happened at them."""
    return _has(user, Role.CLERK) or _has(user, Role.ADMINISTRATOR)


def can_change_staff_account(user: Actor | None, account: User) -> bool:
    """Administrators change staff accounts; only a superuser changes a superuser's."""
    if not can_administer(user):
        return False
    return not account.is_superuser or (isinstance(user, User) and user.is_superuser)


def require(allowed: Callable[[Actor | None], bool], actor: Actor | None, *, refusal: str) -> User:
    """The staff member `actor` is, if `allowed` says they may act; else PermissionDenied with
    `refusal`. Services call it before changing anything, so every way in (pages, the
    admin, the API, a script) meets the same check."""
    if not isinstance(actor, User) or not allowed(actor):
        raise PermissionDeniedError(refusal)
    return actor
