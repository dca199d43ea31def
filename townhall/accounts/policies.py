"""Pure permission predicates: who may do what."""

from __future__ import annotations

from typing import Any

from townhall.accounts.models import Role
from townhall.accounts.twofactor import session_is_verified, two_factor_required


def _has(user: Any, role: Role) -> bool:
    """Signed in, holding the role, and — where required — past the second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if two_factor_required() and not session_is_verified(user):
        return False
    return bool(user.has_role(role))


def can_moderate(user: Any) -> bool:
    return _has(user, Role.MODERATOR) or _has(user, Role.ADMINISTRATOR)


def can_administer(user: Any) -> bool:
    return _has(user, Role.ADMINISTRATOR)


def can_respond(user: Any) -> bool:
    """Responders draft and publish the body's responses and officials' written answers."""
    return _has(user, Role.RESPONDER) or _has(user, Role.ADMINISTRATOR)


def can_clerk(user: Any) -> bool:
    """Clerks schedule meetings and agenda items and record what happened at them."""
    return _has(user, Role.CLERK) or _has(user, Role.ADMINISTRATOR)
