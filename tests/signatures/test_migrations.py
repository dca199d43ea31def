"""Data migrations over stored signatures, each run on rows as they were stored before it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as live_apps

from tests.builders import attempt_signature, open_petition
from townhall.accounts.models import User
from townhall.petitions.models import Petition
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db

plus_tags = importlib.import_module("townhall.signatures.migrations.0008_plus_tag_aliases")


def stored(petition: Petition, n: int, canonical: str, *, slot: int = 0) -> int:
    """Signer n's signature as an older rule stored it: its canonical form kept the +tag."""
    outcome = attempt_signature(petition, n)
    Signature.objects.filter(pk=outcome.signature_id).update(email_canonical=canonical, household_slot=slot)
    return outcome.signature_id


def canonical(signature_id: int) -> str:
    return Signature.objects.values_list("email_canonical", flat=True).get(pk=signature_id)


def test_the_plus_tag_migration_rewrites_tagged_rows_and_leaves_those_that_would_collide(
    scheme: Scheme, moderator: User, capsys: pytest.CaptureFixture[str]
) -> None:
    petition, another = open_petition(moderator=moderator), open_petition(moderator=moderator)
    before_and_after = {
        stored(petition, 1, "ann+a@outlook.com"): "ann@outlook.com",
        # The same mailbox again under another tag, on the same petition and household slot:
        # accepted and counted before the rule, so left as it was.
        stored(petition, 2, "ann+b@outlook.com"): "ann+b@outlook.com",
        # The household's second slot is another place: rewritten.
        stored(petition, 3, "ann+c@outlook.com", slot=1): "ann@outlook.com",
        # An untagged row holds the form already: the tagged one is left.
        stored(petition, 4, "cat@hotmail.com"): "cat@hotmail.com",
        stored(petition, 5, "cat+x@hotmail.com"): "cat+x@hotmail.com",
        # Another petition is another place.
        stored(another, 1, "ann+a@outlook.com"): "ann@outlook.com",
        # Dots are kept on these domains.
        stored(petition, 6, "dan.e+x+y@proton.me"): "dan.e@proton.me",
        # Other domains, subdomains and a bare "+tag" are not touched.
        stored(petition, 7, "eve+x@example.org"): "eve+x@example.org",
        stored(petition, 8, "eve+x@yahoo.com"): "eve+x@yahoo.com",
        stored(petition, 9, "fay+x@mail.outlook.com"): "fay+x@mail.outlook.com",
        stored(petition, 10, "+x@outlook.com"): "+x@outlook.com",
        stored(petition, 11, "anonymised:11"): "anonymised:11",
    }

    plus_tags.drop_plus_tags(live_apps, None)

    assert {pk: canonical(pk) for pk in before_and_after} == before_and_after
    assert "Signatures without their +tag: 4 rewritten, 2 left as they were" in capsys.readouterr().out
    # The mailbox signing again under any tag finds its signature.
    [first, *_] = before_and_after
    again = attempt_signature(petition, 1, email="Ann+z@outlook.com")
    assert (again.kind, again.signature_id) == ("resent", first)
    # Safe to run twice: nothing more changes.
    plus_tags.drop_plus_tags(live_apps, None)
    assert {pk: canonical(pk) for pk in before_and_after} == before_and_after


def test_the_plus_tag_migration_reads_its_rows_in_batches(
    scheme: Scheme, moderator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plus_tags, "BATCH", 2)
    petition = open_petition(moderator=moderator)
    rows = [stored(petition, n, f"signer{n}+tag@icloud.com") for n in range(1, 6)]
    plus_tags.drop_plus_tags(live_apps, None)
    assert [canonical(pk) for pk in rows] == [f"signer{n}@icloud.com" for n in range(1, 6)]


def test_the_plus_tag_migration_does_not_follow_the_setting(scheme: Scheme, moderator: User, settings: Any) -> None:
    """Its domains are frozen inside it: the setting may change, what a migration does may not."""
    petition = open_petition(moderator=moderator)
    row = stored(petition, 1, "ann+a@outlook.com")
    settings.TOWNHALL = {**settings.TOWNHALL, "PLUS_TAG_EMAIL_DOMAINS": ["example.org"]}
    plus_tags.drop_plus_tags(live_apps, None)
    assert canonical(row) == "ann@outlook.com"
