"""The demo borough's geography for the areas, UK-JSON, API and integrity tests: which
postcodes fall where, and the loader behind the `geography` fixture (tests/conftest.py)."""

from __future__ import annotations

from tests.builders import PETITION_OPENS_AT
from townhall.areas import demo as areas_demo

IN_AREA = "KM1 1AA"  # Castle ward, Kingsmere North
OUT_OF_AREA = "LS6 2AB"  # Leeds
UNKNOWN = "ZZ9 9ZZ"  # not in the lookup


def load_geography() -> None:
    """Kingsmere's wards, constituencies and demo postcodes; Kingsmere is the eligible area.
    Loaded as at PETITION_OPENS_AT (the body must be set up first)."""
    areas_demo.load(now=PETITION_OPENS_AT)
