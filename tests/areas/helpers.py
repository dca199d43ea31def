"""Geography fixtures shared by the areas and UK-JSON tests: the demo borough's areas and
lookup, and helpers that sign and confirm through the real services."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest

from townhall.accounts.models import User
from townhall.areas import demo as areas_demo
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_confirm, signature_create

T0 = datetime.datetime(2025, 3, 3, 9, 30, tzinfo=datetime.UTC)
IN_AREA = "KM1 1AA"  # Castle ward, Kingsmere North
OUT_OF_AREA = "LS6 2AB"  # Leeds
UNKNOWN = "ZZ9 9ZZ"  # not in the lookup
_numbers = itertools.count(1)


@pytest.fixture
def geography(scheme: Any) -> None:
    """Kingsmere's wards, constituencies and demo postcodes; Kingsmere is the eligible area."""
    areas_demo.load(now=T0)


def sign(petition: Petition, postcode: str, *, confirm: bool = True) -> Signature:
    n = next(_numbers)
    outcome = signature_create(
        petition_id=petition.pk,
        name=f"Signer {n}",
        email=f"signer{n}@example.org",
        postcode=postcode,
        declared_eligible=True,
        wants_updates=False,
    )
    signature = Signature.objects.get(pk=outcome.signature_id)
    if confirm:
        signature_confirm(signature_id=signature.pk, token=signature.token)
        signature.refresh_from_db()
    return signature


def sign_many(petition: Petition, postcodes: list[str]) -> list[Signature]:
    return [sign(petition, postcode) for postcode in postcodes]


__all__ = ["IN_AREA", "OUT_OF_AREA", "T0", "UNKNOWN", "User", "geography", "sign", "sign_many"]
