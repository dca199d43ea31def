"""The core app's one table: the rate counters (townhall/core/ratelimit.py)."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Attempts counted against one rate limit in its current window.

    `key` is the limit's scope and a keyed hash of its subject (never an address, an email
    or a username); `townhall.core.ratelimit` is the only writer.
    """

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
