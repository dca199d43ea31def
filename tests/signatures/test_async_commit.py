"""SIGNATURE_ASYNC_COMMIT: only the INSERT of a new signature skips the WAL flush wait."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import open_petition, sign
from townhall.accounts.models import User
from townhall.petitions.models import Petition
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_confirm

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_and_confirm(petition: Petition) -> tuple[list[str], list[str]]:
    with CaptureQueriesContext(connection) as signing:
        signature = sign(petition, name="Quick Commit", email="quick@example.org", postcode="SW1A 1AA", confirm=False)
    with CaptureQueriesContext(connection) as confirming:
        signature_confirm(signature_id=signature.pk, token=signature.token)
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.VERIFIED
    return [q["sql"] for q in signing.captured_queries], [q["sql"] for q in confirming.captured_queries]


@pytest.mark.postgres
def test_on_postgresql_only_the_new_signature_commits_without_waiting(
    settings: Any, scheme: Scheme, moderator: User
) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGNATURE_ASYNC_COMMIT": True}
    petition = open_petition(moderator=moderator)
    signing, confirming = _sign_and_confirm(petition)
    set_local = [i for i, sql in enumerate(signing) if sql == "SET LOCAL synchronous_commit = off"]
    insert = next(i for i, sql in enumerate(signing) if sql.startswith('INSERT INTO "signatures_signature"'))
    assert len(set_local) == 1
    assert set_local[0] < insert  # inside the INSERT's own transaction, so it ends with it
    assert not any("synchronous_commit" in sql for sql in confirming)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # SET LOCAL never outlives the transaction


def test_off_by_default_nothing_changes(scheme: Scheme, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    signing, confirming = _sign_and_confirm(petition)
    assert not any("synchronous_commit" in sql for sql in signing + confirming)


def test_switched_on_it_applies_on_postgresql_and_nowhere_else(settings: Any, scheme: Scheme, moderator: User) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "SIGNATURE_ASYNC_COMMIT": True}
    petition = open_petition(moderator=moderator)
    signing, _ = _sign_and_confirm(petition)
    applied = any(sql == "SET LOCAL synchronous_commit = off" for sql in signing)
    assert applied == (connection.vendor == "postgresql")
