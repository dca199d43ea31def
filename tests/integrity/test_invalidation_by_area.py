"""Invalidation by area: signatures tagged with a ward (or any area) at confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.areas.helpers import IN_AREA, OUT_OF_AREA, geography, sign_many  # noqa: F401
from tests.conftest import open_petition
from townhall.areas.models import Area
from townhall.core.errors import DomainError
from townhall.integrity.services import Criteria, invalidation_preview

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("geography")
def test_area_criterion(moderator: Any) -> None:
    petition = open_petition(moderator=moderator)
    sign_many(petition, [IN_AREA, IN_AREA, OUT_OF_AREA])
    ward = Area.objects.get(name="Castle")
    # The two signers, and the five sponsors (KM2, also in Castle ward); not the Leeds signer.
    assert invalidation_preview(criteria=Criteria(petition_id=petition.pk, area=ward.code)) == 2 + 5
    with pytest.raises(DomainError) as excinfo:
        invalidation_preview(criteria=Criteria(area="E00000000"))
    assert excinfo.value.code == "criteria_area"
