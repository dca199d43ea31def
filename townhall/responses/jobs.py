"""Periodic response work run by the scheduler."""

from __future__ import annotations

from townhall.responses.services import response_open_due, response_resume_fanouts


def open_due() -> int:
    return response_open_due()


def resume_fanouts() -> int:
    return len(response_resume_fanouts())
