"""The goal ladder: the motivating next round number, never a legal threshold."""

from __future__ import annotations

from collections.abc import Sequence


def next_goal(*, count: int, ladder: Sequence[int]) -> int:
    """The first ladder value above `count`; past the top, the next 1-2.5-5 round number.

    "0 have signed. Let's get to 100!" — with 2,500 signatures on a ladder ending at 2,500
    the next goal is 5,000, then 10,000, 25,000 and so on.
    """
    for value in ladder:
        if value > count:
            return value
    magnitude = 1
    while True:
        for step in (1, 2.5, 5):
            candidate = int(step * magnitude)
            if candidate > count and (not ladder or candidate > ladder[-1]):
                return candidate
        magnitude *= 10
