"""Correctness under concurrency on PostgreSQL: many threads sign and confirm one petition
at once while the counter runs; afterwards the count is exact and duplicates were refused."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from tests.builders import attempt_signature, open_petition
from townhall.core.errors import DomainError
from townhall.petitions.models import Petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_confirm, signature_count_new

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def _in_thread(work: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return work()
        finally:
            connection.close()

    return run


def _sign(n: int, petition: Petition, *, name: str | None = None, postcode: str = "KM1 1AA") -> str:
    try:
        outcome = attempt_signature(petition, n, name=name, postcode=postcode)
    except DomainError as error:
        return error.code
    signature = Signature.objects.get(pk=outcome.signature_id)
    confirmed = signature_confirm(signature_id=signature.pk, token=signature.token)
    return f"{outcome.kind}/{confirmed.kind}"


def test_many_threads_sign_and_confirm_one_petition(scheme: Any, moderator: Any) -> None:
    petition = open_petition(moderator=moderator)
    signature_count_new()  # count the sponsors first
    petition.refresh_from_db()
    sponsors = petition.signature_count
    assert sponsors == scheme.sponsor_count

    distinct = 400
    # Every signer submits twice, from two threads racing each other (a double click).
    jobs = [n for n in range(distinct) for _ in range(2)]
    random.Random(7).shuffle(jobs)
    stop = threading.Event()

    def keep_counting() -> int:
        runs = 0
        while not stop.is_set():
            signature_count_new(batch_size=25)
            runs += 1
        return runs

    with ThreadPoolExecutor(max_workers=THREADS + 1) as pool:
        counter = pool.submit(_in_thread(keep_counting))
        results = list(pool.map(lambda n: _in_thread(lambda: _sign(n, petition))(), jobs))
        stop.set()
        assert counter.result() > 0

    # Drain whatever the concurrent counter had not reached yet.
    signature_count_new()
    petition.refresh_from_db()
    verified = Signature.objects.filter(petition=petition, state=SignatureState.VERIFIED).count()
    assert Signature.objects.filter(petition=petition, is_sponsor=False).count() == distinct
    assert verified == distinct + sponsors
    assert petition.signature_count == verified
    # The second submission of each pair never made a second signature.
    assert results.count("created/confirmed") + results.count("created/already_confirmed") == distinct
    assert all(r.split("/")[0] in {"created", "resent", "already_confirmed"} for r in results)
    assert not Signature.objects.filter(
        petition=petition, counted_at__isnull=True, state=SignatureState.VERIFIED
    ).exists()


def test_household_race_admits_at_most_two(scheme: Any, moderator: Any) -> None:
    """Eight different people race to sign with one shared address and postcode."""
    petition = open_petition(moderator=moderator)

    def attempt(k: int) -> str:
        outcome = attempt_signature(
            petition, name=f"Household Member {k}", email="family@example.org", postcode="KM3 3BA"
        )
        return outcome.kind

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda k: _in_thread(lambda: attempt(k))(), range(8)))

    assert results.count("created") == 2
    assert results.count("address_used") == 6
    rows = Signature.objects.filter(petition=petition, email_canonical="family@example.org")
    assert sorted(rows.values_list("household_slot", flat=True)) == [0, 1]
    assert Petition.objects.get(pk=petition.pk).signature_count == 0  # nothing confirmed yet
