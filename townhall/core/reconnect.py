"""What the long-running processes (the task worker, the scheduler) do when the database
goes away: drop their connections and wait with backoff before trying again, never exit."""

from __future__ import annotations

from django.db import Error, connections

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


def lost_reason(error: Error) -> str:
    """The database error on one line, for the line saying the database was lost."""
    return " ".join(str(error).split()) or type(error).__name__


def forget_connections() -> None:
    """Close every open database connection; one that cannot be closed politely is dropped,
    so the next query opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Error:
            conn.connection = None


def next_backoff(backoff: float) -> float:
    """The wait after `backoff`: doubling, at most MAX_BACKOFF_SECONDS."""
    return min(backoff * 2, MAX_BACKOFF_SECONDS)
