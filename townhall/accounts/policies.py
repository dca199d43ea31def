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
