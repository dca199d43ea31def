"""Pure permission predicates: who may do what."""

from __future__ import annotations

from typing import Any

from townhall.accounts.models import Role


def _has(user: Any, role: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(user.has_role(role))


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
