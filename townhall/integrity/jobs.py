from __future__ import annotations

from townhall.integrity.services import anonymise_due, trending_detect


def detect_trends() -> int:
    return len(trending_detect())


def anonymise() -> int:
    return anonymise_due()
