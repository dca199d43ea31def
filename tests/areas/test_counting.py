"""Tagging at confirmation, proof of locality, and breakdowns kept by the counter."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.areas.geography import IN_AREA, OUT_OF_AREA, UNKNOWN
from tests.builders import PETITION_OPENS_AT, frozen_at, open_petition, sign, sign_from
from townhall.accounts.models import User
from townhall.areas.models import Area, PetitionAreaCount, PetitionHourCount
from townhall.core.tokens import link_token
from townhall.petitions.models import Petition, ThresholdCrossing
from townhall.schemes.models import Threshold, ThresholdKind
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import (
    signature_confirm,
    signature_count_new,
    signature_reconcile_counts,
    signature_withdraw,
)

SPONSORS = 5  # the english-council preset; sponsors sign from KM2 2BB (in the borough)


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with frozen_at(PETITION_OPENS_AT) as traveller:
        yield traveller


@pytest.fixture
def petition(geography: None, moderator: User) -> Petition:
    return open_petition(moderator=moderator)


def area_counts(petition: Petition) -> dict[str, int]:
    return dict(
        PetitionAreaCount.objects.filter(petition=petition, signature_count__gt=0).values_list(
            "area__code", "signature_count"
        )
    )


def expected_area_counts(petition: Petition) -> dict[str, int]:
    """Recount by hand: each counted signature adds one to every area of its location."""
    counts: Counter[str] = Counter()
    for signature in Signature.objects.filter(petition=petition, state="verified", counted_at__isnull=False):
        if signature.location is not None:
            counts.update(signature.location.areas.values_list("code", flat=True))
    return dict(counts)


@pytest.mark.django_db
def test_confirming_tags_the_signature_in_one_update(petition: Petition) -> None:
    signature = sign(petition, postcode=IN_AREA, confirm=False)
    assert signature.location_id is None

    with CaptureQueriesContext(connection) as queries:
        signature_confirm(signature_id=signature.pk, token=signature.token)

    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert len([sql for sql in writes if sql.lstrip().upper().startswith("UPDATE")]) == 1
    assert not [sql for sql in writes if sql.lstrip().upper().startswith("INSERT")]
    signature.refresh_from_db()
    assert signature.location is not None
    assert set(signature.location.areas.values_list("code", flat=True)) == {"E06900001", "E05900001", "E14900001"}


@pytest.mark.django_db
def test_signing_writes_only_the_signature(petition: Petition) -> None:
    with CaptureQueriesContext(connection) as queries:
        sign(petition, postcode=IN_AREA, confirm=False)
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    inserts = [sql for sql in writes if sql.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    assert "signatures_signature" in inserts[0]
    assert not any("areas_" in sql for sql in writes)


@pytest.mark.django_db
def test_unknown_postcodes_are_left_untagged(petition: Petition) -> None:
    assert sign(petition, postcode=UNKNOWN).location_id is None
    assert sign(petition, postcode=OUT_OF_AREA).location_id is not None


@pytest.mark.django_db
def test_locality_counts_are_exact_for_in_area_out_of_area_and_unknown(petition: Petition) -> None:
    sign_from(petition, [IN_AREA, "KM9 4XY", "km5 1ab", OUT_OF_AREA, "SE15 3AA", UNKNOWN, "ZZ1 1ZZ"])
    sign(petition, postcode=IN_AREA, confirm=False)  # pending: never counted

    signature_count_new()

    petition.refresh_from_db()
    assert petition.signature_count == SPONSORS + 7
    assert petition.in_area_count == SPONSORS + 3
    assert petition.unknown_area_count == 2
    assert area_counts(petition) == {
        "E06900001": SPONSORS + 3,  # the borough
        "E05900001": SPONSORS + 1,  # Castle: KM1 and the sponsors' KM2
        "E05900003": 1,  # Riverside: KM5
        "E05900005": 1,  # Southfields: KM9
        "E14900001": SPONSORS + 2,  # Kingsmere North: Castle + Riverside
        "E14900002": 1,
        "E08000035": 1,  # Leeds
        "E09000028": 1,  # Southwark
    }


@pytest.mark.django_db
def test_the_counter_keeps_breakdowns_exact_across_batches_and_petitions(
    petition: Petition, moderator: User, frozen_time: Any
) -> None:
    other = open_petition(moderator=moderator, action="Light the towpath", creator_email="b@example.org")
    postcodes = [IN_AREA, OUT_OF_AREA, UNKNOWN, "KM7 2AA", "NG7 1AB", "KM3 3AD", "BS7 8EF"]
    sign_from(petition, postcodes)
    frozen_time.move_to(PETITION_OPENS_AT + datetime.timedelta(hours=1, minutes=10))
    sign_from(other, postcodes[:4])
    sign_from(petition, [IN_AREA, IN_AREA])

    result = signature_count_new(batch_size=3)

    assert result.counted == 2 * SPONSORS + 7 + 4 + 2
    for p in (petition, other):
        p.refresh_from_db()
        assert area_counts(p) == expected_area_counts(p)
        assert sum(PetitionHourCount.objects.filter(petition=p).values_list("signature_count", flat=True)) == (
            p.signature_count
        )
    assert dict(PetitionHourCount.objects.filter(petition=petition).values_list("hour", "signature_count")) == {
        datetime.datetime(2025, 3, 3, 9, tzinfo=datetime.UTC): SPONSORS + 7,
        datetime.datetime(2025, 3, 3, 10, tzinfo=datetime.UTC): 2,
    }
    assert (petition.signature_count, petition.in_area_count, petition.unknown_area_count) == (
        SPONSORS + 9,
        SPONSORS + 5,
        1,
    )
    # Counting again finds nothing and changes nothing.
    before = area_counts(petition)
    assert signature_count_new().counted == 0
    assert area_counts(petition) == before


@pytest.mark.django_db
def test_breakdowns_cost_one_statement_per_area_touched_not_per_signature(petition: Petition) -> None:
    signature_count_new()
    sign_from(petition, [IN_AREA] * 6)  # six signatures, one location: three areas

    with CaptureQueriesContext(connection) as queries:
        signature_count_new()

    area_updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "areas_petitionareacount"')]
    hour_updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "areas_petitionhourcount"')]
    assert (len(area_updates), len(hour_updates)) == (3, 1)


@pytest.mark.django_db
def test_signatures_loaded_without_the_confirm_page_are_tagged_when_counted(petition: Petition) -> None:
    signature = sign(petition, postcode=IN_AREA, confirm=False)
    Signature.objects.filter(pk=signature.pk).update(state=SignatureState.VERIFIED, verified_at=PETITION_OPENS_AT)

    signature_count_new()

    signature.refresh_from_db()
    assert signature.location_id is not None
    petition.refresh_from_db()
    assert petition.in_area_count == SPONSORS + 1


@pytest.mark.django_db
def test_reconciliation_fixes_corrupted_breakdowns_and_locality(petition: Petition) -> None:
    sign_from(petition, [IN_AREA, OUT_OF_AREA, UNKNOWN, "KM8 1AA"])
    signature_count_new()
    exact_areas = area_counts(petition)
    exact_hours = dict(PetitionHourCount.objects.filter(petition=petition).values_list("hour", "signature_count"))

    castle = Area.objects.get(code="E05900001")
    PetitionAreaCount.objects.filter(petition=petition, area=castle).update(signature_count=999)
    PetitionAreaCount.objects.filter(petition=petition, area__code="E08000035").delete()
    PetitionAreaCount.objects.create(petition=petition, area=Area.objects.get(code="E06000018"), signature_count=4)
    PetitionHourCount.objects.filter(petition=petition).update(signature_count=1)
    Petition.objects.filter(pk=petition.pk).update(in_area_count=0, unknown_area_count=7)

    fixes = signature_reconcile_counts()

    assert fixes == {}  # the total itself was right
    petition.refresh_from_db()
    assert (petition.in_area_count, petition.unknown_area_count) == (SPONSORS + 2, 1)
    assert area_counts(petition) == exact_areas
    assert dict(PetitionHourCount.objects.filter(petition=petition).values_list("hour", "signature_count")) == (
        exact_hours
    )
    # A second run finds nothing to fix.
    before = list(PetitionAreaCount.objects.values_list("pk", "signature_count"))
    assert signature_reconcile_counts() == {}
    assert list(PetitionAreaCount.objects.values_list("pk", "signature_count")) == before


@pytest.mark.django_db
def test_withdrawing_takes_the_signature_off_its_areas(petition: Petition) -> None:
    signature = sign(petition, postcode="KM8 1AA")
    signature_count_new()

    signature_withdraw(signature_id=signature.pk, token=link_token(signature.token, "withdraw"))

    petition.refresh_from_db()
    assert (petition.signature_count, petition.in_area_count) == (SPONSORS, SPONSORS)
    assert "E05900005" not in area_counts(petition)
    assert area_counts(petition) == expected_area_counts(petition)


@pytest.mark.django_db
def test_an_in_area_only_threshold_ignores_signatures_from_elsewhere(petition: Petition, scheme: Any) -> None:
    threshold = Threshold.objects.create(
        scheme=scheme, name="Local debate", kind=ThresholdKind.OTHER, count=SPONSORS + 3, counts_in_area_only=True
    )
    signature_count_new()
    sign_from(petition, [OUT_OF_AREA, OUT_OF_AREA, UNKNOWN, UNKNOWN, IN_AREA])
    signature_count_new()

    petition.refresh_from_db()
    assert petition.signature_count == SPONSORS + 5 >= threshold.count
    assert not ThresholdCrossing.objects.filter(petition=petition, threshold=threshold).exists()

    sign_from(petition, ["KM4 1AA", "KM6 1AA"])
    signature_count_new()

    crossing = ThresholdCrossing.objects.get(petition=petition, threshold=threshold)
    assert crossing.reached_at == PETITION_OPENS_AT

    # Withdrawing an in-area signature takes the local threshold away again.
    local = Signature.objects.filter(petition=petition, postcode="KM6 1AA").get()
    signature_withdraw(signature_id=local.pk, token=link_token(local.token, "withdraw"))
    assert not ThresholdCrossing.objects.filter(petition=petition, threshold=threshold).exists()
