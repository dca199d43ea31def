"""Invalidation by area: signatures tagged with a ward (or any area) at confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.areas.geography import IN_AREA, OUT_OF_AREA
from tests.builders import open_petition, sign_from
from townhall.areas.models import Area
from townhall.core.errors import DomainError
from townhall.integrity.services import Criteria, invalidation_preview

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("geography")
def test_area_criterion(moderator: Any) -> None:
    petition = open_petition(moderator=moderator)
    sign_from(petition, [IN_AREA, IN_AREA, OUT_OF_AREA])
    ward = Area.objects.get(name="Castle")
    # The two signers, and the five sponsors (KM2, also in Castle ward); not the Leeds signer.
    assert invalidation_preview(criteria=Criteria(petition_id=petition.pk, area=ward.code)) == 2 + 5
    with pytest.raises(DomainError) as excinfo:
        invalidation_preview(criteria=Criteria(area="E00000000"))
    assert excinfo.value.code == "criteria_area"


@pytest.mark.usefixtures("geography")
def test_invalidation_keeps_area_counts_and_locality_exact(moderator: Any) -> None:
    from townhall.areas.selectors import petition_breakdown
    from townhall.integrity.models import Invalidation
    from townhall.integrity.services import invalidation_run
    from townhall.signatures.services import signature_count_new

    petition = open_petition(moderator=moderator)
    sign_from(petition, [IN_AREA, IN_AREA, IN_AREA, OUT_OF_AREA])
    signature_count_new()
    petition.refresh_from_db()
    before = {a.code: a.signature_count for a in petition_breakdown(petition_id=petition.pk)}
    total, local = petition.signature_count, petition.in_area_count
    ward = Area.objects.get(name="Castle")

    invalidation = Invalidation.objects.create(
        reason="fraud",
        criteria={"petition_id": petition.pk, "postcode": IN_AREA},
        matched=3,
        requested_by=moderator,
        requested_at=petition.opened_at,
    )
    invalidation_run(invalidation_id=invalidation.pk)

    petition.refresh_from_db()
    after = {a.code: a.signature_count for a in petition_breakdown(petition_id=petition.pk)}
    assert (petition.signature_count, petition.in_area_count) == (total - 3, local - 3)
    assert after.get(ward.code, 0) == before[ward.code] - 3
