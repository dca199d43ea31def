"""How the long-running commands (`worker`, `scheduler`) live through losing the database:
they say why in one line, drop their connections and wait, longer each time, before
trying again."""

from __future__ import annotations

from django.db import Error, connections

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


def lost_reason(error: Error) -> str:
    """The database error on one line, for the line saying the database was lost."""
    return " ".join(str(error).split()) or type(error).__name__


def forget_connections() -> None:
    """Close every open connection, so that the next query opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Error:
            # Already broken: drop it so the next query opens a fresh one.
            conn.connection = None
