"""Unguessable tokens for links sent by email."""

from __future__ import annotations

import hmac
import secrets


def new_token() -> str:
    """A 32-character URL-safe random token (192 bits)."""
    return secrets.token_urlsafe(24)


def tokens_match(given: str, expected: str) -> bool:
    """Compare in constant time so response timing reveals nothing about the token."""
    return hmac.compare_digest(given.encode(), expected.encode())
