from __future__ import annotations

from townhall.integrity.services import trending_detect


def detect_trends() -> int:
    return len(trending_detect())
