"""Data migrations over stored questions, each run on rows as they were stored before it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as live_apps

from tests.questions.conftest import ask
from townhall.meetings.models import Meeting
from townhall.officials.models import Official
from townhall.questions.models import Question

pytestmark = pytest.mark.django_db

plus_tags = importlib.import_module("townhall.questions.migrations.0002_plus_tag_aliases")


def test_the_plus_tag_migration_rewrites_askers_on_plus_tag_domains_only(meeting: Meeting, mayor: Official) -> None:
    before_and_after = {
        "ann+a@outlook.com": "ann@outlook.com",
        "ann+b@outlook.com": "ann@outlook.com",  # no uniqueness here: both are the one asker
        "bo.b+x@fastmail.fm": "bo.b@fastmail.fm",  # dots are kept
        "eve+x@example.org": "eve+x@example.org",  # another domain
        "": "",  # an asker already forgotten
    }
    ids = {}
    for n, old in enumerate(before_and_after):
        question = ask(meeting, mayor, n, email=f"resident{n}@example.org")
        Question.objects.filter(pk=question.pk).update(asker_email_canonical=old)
        ids[question.pk] = old

    plus_tags.drop_plus_tags(live_apps, None)

    stored = dict(Question.objects.values_list("pk", "asker_email_canonical"))
    assert {pk: stored[pk] for pk in ids} == {pk: before_and_after[old] for pk, old in ids.items()}
