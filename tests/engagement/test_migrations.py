"""Data migrations over stored contact-relay messages, each run on rows as they were stored
before it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as live_apps
from django.utils import timezone

from tests.builders import open_petition
from townhall.accounts.models import User
from townhall.engagement.models import ContactMessage
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db

plus_tags = importlib.import_module("townhall.engagement.migrations.0003_plus_tag_aliases")


def test_the_plus_tag_migration_rewrites_correspondents_on_plus_tag_domains_only(
    scheme: Scheme, moderator: User
) -> None:
    petition = open_petition(moderator=moderator)
    before_and_after = {
        "sam+relay@live.co.uk": "sam@live.co.uk",
        "s.am+x@me.com": "s.am@me.com",  # dots are kept
        "sam+x@example.net": "sam+x@example.net",  # another domain
        "": "",  # a message already forgotten
    }
    ids = {
        ContactMessage.objects.create(
            petition=petition,
            sender_name="Sam",
            sender_email="sam@example.net",
            body="Hello",
            token=f"token-{n}",
            created_at=timezone.now(),
            correspondent_email_canonical=old,
        ).pk: old
        for n, old in enumerate(before_and_after)
    }

    plus_tags.drop_plus_tags(live_apps, None)

    stored = dict(ContactMessage.objects.values_list("pk", "correspondent_email_canonical"))
    assert {pk: stored[pk] for pk in ids} == {pk: before_and_after[old] for pk, old in ids.items()}
