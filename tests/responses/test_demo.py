"""The demo borough's responses: one published, one overdue, one within its deadline."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.utils import timezone

from townhall.demo.loader import demo_load
from townhall.mail.models import QueuedEmail
from townhall.mail.services import send_queued_letters
from townhall.petitions.models import Petition
from townhall.responses import demo
from townhall.responses.models import Response
from townhall.responses.selectors import response_status
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db


def test_the_demo_shows_a_response_in_each_state(client: Client) -> None:
    demo_load()  # runs this app's demo too; running it again changes nothing
    now = timezone.now()
    demo.load(now=now)

    assert Response.objects.count() == 3  # the three petitions over the 1,000 threshold
    by_action = {r.petition.action: r for r in Response.objects.select_related("petition")}
    statuses = {action: response_status(petition=r.petition) for action, r in by_action.items()}
    published, overdue, due = statuses[demo.PUBLISHED], statuses[demo.OVERDUE], statuses[demo.WITHIN_DEADLINE]
    assert published is not None
    assert published.is_published
    assert published.late_by == 0
    assert published.published_at is not None
    assert published.published_at < now
    assert "Riverside Library" in published.body
    assert overdue is not None
    assert overdue.is_overdue
    assert not overdue.is_published
    assert due is not None
    assert due.days_left > 0
    assert not due.is_overdue
    library = Petition.objects.get(action=demo.PUBLISHED)
    assert library.response_published_at == published.published_at

    # Every library signer who asked for updates has exactly one email queued.
    subscribers = Signature.objects.filter(petition=library, state="verified", wants_updates=True).count()
    assert subscribers > 100
    # (The full demo also queues meeting and update letters: count the response's own.)
    letters = QueuedEmail.objects.filter(dedupe_key__startswith="response:")
    assert letters.count() == subscribers
    send_queued_letters()
    assert Counter(letters.values_list("to", flat=True)).most_common(1)[0][1] == 1

    # The pages show it.
    assert "Responded on" in client.get(f"/petitions/{library.pk}/").content.decode()
    assert "Response overdue by" in client.get(f"/petitions/{by_action[demo.OVERDUE].petition_id}/").content.decode()
    assert "days left)" in client.get(f"/petitions/{by_action[demo.WITHIN_DEADLINE].petition_id}/").content.decode()
    responder = authenticate(username="responder", password="demo-responder")
    assert responder is not None
    client.force_login(responder)
    assert client.get("/responses/").status_code == 200


def test_loading_the_demo_responses_again_changes_nothing() -> None:
    demo_load()
    demo.load(now=timezone.now())
    before = list(Response.objects.order_by("pk").values_list("pk", "due_on", "published_at"))

    demo.load(now=timezone.now())

    assert list(Response.objects.order_by("pk").values_list("pk", "due_on", "published_at")) == before
