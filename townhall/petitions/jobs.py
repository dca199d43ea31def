"""Periodic petition work run by the scheduler."""

from __future__ import annotations

from townhall.petitions.services import petition_close_expired


def close_expired() -> int:
    return petition_close_expired()
