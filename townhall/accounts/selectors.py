"""Reads of staff accounts."""

from __future__ import annotations

from townhall.accounts.models import User
from townhall.accounts.policies import can_moderate


def user_emails_moderators() -> list[str]:
    """Where to tell the moderators something (a petition update or a trend alert waiting):
    every active account that may moderate (moderators, administrators, superusers) and
    has an address, in a stable order. The role rule is `accounts.policies.can_moderate`."""
    staff = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    return [user.email for user in staff if can_moderate(user)]
