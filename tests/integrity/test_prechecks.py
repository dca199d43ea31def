"""The pre-check catalogue passes, with the false-positive traps unflagged."""

from __future__ import annotations

import pytest

from tests.integrity.catalogue import CATALOGUE
from townhall.integrity.prechecks import Flag, advice_for, precheck_flags, precheck_text


@pytest.mark.parametrize(("text", "expected"), CATALOGUE, ids=[text[:40] for text, _ in CATALOGUE])
def test_catalogue(text: str, expected: set[Flag]) -> None:
    assert precheck_flags(text) == expected


def test_every_flag_has_plain_advice_and_the_catalogue_covers_it() -> None:
    covered = set().union(*(flags for _, flags in CATALOGUE))
    assert covered == set(Flag)
    for flag in Flag:
        assert len(advice_for(flag)) > 20


def test_findings_carry_the_excerpt_for_moderators() -> None:
    [finding] = precheck_text("For more information ring Sue on 07700 900123.")
    assert finding.flag == Flag.PHONE
    assert finding.excerpt == "07700 900123"
    assert "contact you through the site" in finding.advice
