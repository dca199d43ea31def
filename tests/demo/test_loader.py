"""The demo borough loads once, with petitions in every state and exact counts."""

from __future__ import annotations

import pytest

from townhall.demo.loader import demo_load
from townhall.petitions.models import Petition, PetitionState
from townhall.schemes.models import Body
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_reconcile_counts

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_and_exact_counts() -> None:
    message = demo_load()
    assert message.startswith("Loaded the demo borough")
    states = set(Petition.objects.values_list("state", flat=True))
    assert states == set(PetitionState.values)
    for petition in Petition.objects.all():
        verified = Signature.objects.filter(petition=petition, state=SignatureState.VERIFIED).count()
        assert petition.signature_count == verified, petition.action
    # The reconciliation recount agrees with the counter everywhere.
    assert signature_reconcile_counts() == {}
    body = Body.objects.get()
    assert body.scheme.thresholds.get(kind="debate").count == 3006


def test_loading_again_changes_nothing() -> None:
    demo_load()
    petitions, signatures = Petition.objects.count(), Signature.objects.count()
    assert demo_load() == "A body already exists: the demo borough was not loaded again."
    assert (Petition.objects.count(), Signature.objects.count()) == (petitions, signatures)
