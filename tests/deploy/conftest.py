"""The scale-out tests start nginx and several servers, and the slow ones take over 30 s, so
`make test` leaves them out: they run with `make test-scaleout` (pytest -m scaleout), which
installs nginx first, and `make test-slow` (pytest -m slow). CI runs both."""

from __future__ import annotations

import pytest

LEFT_OUT = ("scaleout", "slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = config.getoption("markexpr") or ""
    left_out = [marker for marker in LEFT_OUT if marker not in asked]
    selected, deselected = [], []
    for item in items:
        (deselected if any(item.get_closest_marker(m) for m in left_out) else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
