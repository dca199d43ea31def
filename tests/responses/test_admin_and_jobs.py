"""The admin shows responses read-only; the scheduler knows the response jobs."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.builders import letters_keyed
from tests.responses.conftest import owe_response, publish
from townhall.accounts.models import User
from townhall.core import scheduler
from townhall.responses.models import Response
from townhall.schemes.models import Scheme

pytestmark = pytest.mark.django_db


def test_the_response_jobs_are_registered() -> None:
    jobs = {job.name: job for job in scheduler.registered_jobs()}

    assert jobs["open-due-responses"].interval_key == "COUNTER_INTERVAL_SECONDS"
    assert jobs["resume-response-fanouts"].interval_key == "RECONCILE_INTERVAL_SECONDS"
    # Run by name order after the counter, so a crossing is owed a response in the same pass.
    names = [job.name for job in scheduler.registered_jobs()]
    assert names.index("count-signatures") < names.index("open-due-responses")


def test_the_admin_lists_responses_but_cannot_edit_add_or_delete_them(
    scheme: Scheme, moderator: User, superuser_client: Client
) -> None:
    response = owe_response(moderator=moderator)

    listing = superuser_client.get("/admin/responses/response/")
    change = superuser_client.get(f"/admin/responses/response/{response.pk}/change/")
    posted = superuser_client.post(f"/admin/responses/response/{response.pk}/change/", {"draft": "Sneaky edit"})

    assert listing.status_code == 200
    assert "Reopen the public toilets on Kingsmere Road" in listing.content.decode()
    assert f'href="/responses/{response.pk}/"' in listing.content.decode()
    assert change.status_code == 200
    assert 'name="draft"' not in change.content.decode()
    assert posted.status_code in (200, 302)
    assert Response.objects.get(pk=response.pk).draft == ""
    assert superuser_client.get("/admin/responses/response/add/").status_code == 403
    assert superuser_client.get(f"/admin/responses/response/{response.pk}/delete/").status_code == 403


def test_the_admin_can_resume_a_fan_out(
    scheme: Scheme, moderator: User, responder: User, superuser_client: Client
) -> None:
    response = owe_response(moderator=moderator, subscribers=5)
    publish(response, by=responder)  # its on-commit fan-out never ran: as if the worker died

    page = superuser_client.post(
        "/admin/responses/response/",
        {"action": "resume_fanout", "_selected_action": [str(response.pk)]},
        follow=True,
    )

    assert "Queued the fan-out of 1 response(s)." in page.content.decode()
    assert letters_keyed("response:").count() == 5
    assert Response.objects.get(pk=response.pk).fanout_finished_at is not None
