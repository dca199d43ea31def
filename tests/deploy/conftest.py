"""The scale-out tests start nginx and several servers, so `make test` leaves them out:
they run with `make test-scaleout` (pytest -m scaleout), which installs nginx first."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "scaleout" in (config.getoption("markexpr") or ""):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("scaleout") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
