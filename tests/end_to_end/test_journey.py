"""The whole journey over HTTP, create to close: it runs through petitions, signatures, moderation and the scheduler."""

# As residents, the creator and a moderator live it: create → creator confirms → sponsors
# confirm → moderator approves → residents sign and confirm → counter runs → exact count →
# threshold crossing recorded with its time → deadline passes → closed.

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client

from tests.builders import JOURNEY_DEADLINE_AT, JOURNEY_STARTS_AT
from tests.conftest import links_in
from townhall.accounts.models import User
from townhall.petitions.models import Petition, PetitionState, ThresholdCrossing
from townhall.schemes.models import Threshold, ThresholdKind
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.tasks import confirmation_emails_dispatch


def _emails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def _only_link(message: Any, fragment: str) -> str:
    links = [link for link in links_in(message.body) if fragment in link]
    assert len(links) == 1, message.body
    return links[0].removeprefix("http://testserver")


def _sign_and_confirm(client: Client, sign_url: str, *, name: str, email: str, postcode: str) -> None:
    # Each resident signs from their own connection, as they would.
    address = f"198.51.100.{sum(map(ord, email)) % 250 + 1}"
    response = client.post(
        sign_url,
        {"name": name, "email": email, "postcode": postcode, "declared_eligible": "on"},
        REMOTE_ADDR=address,
    )
    assert response.status_code == 302, response.content.decode()
    assert "check-your-email" in response["Location"]
    # The scheduler's email job queues the drain task; the worker (inline in tests) sends.
    assert confirmation_emails_dispatch() is True
    [message] = _emails_to(email)
    confirm_url = _only_link(message, "/confirm/")
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert "Confirm my signature" in page.content.decode()
    # A mail scanner's GET confirmed nothing.
    assert Signature.objects.get(email=email).state == SignatureState.PENDING
    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 200
    assert "Thank you for signing" in confirmed.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_whole_journey(scheme: Any, mayor: Any, moderator: User) -> None:
    Threshold.objects.filter(scheme=scheme, kind=ThresholdKind.RESPONSE).update(count=8)
    resident = Client()
    traveller = time_machine.travel(JOURNEY_STARTS_AT, tick=False)
    traveller.start()
    try:
        # 1. Create.
        form = resident.get("/petitions/new/")
        assert form.status_code == 200
        created = resident.post(
            "/petitions/new/",
            {
                "action": "Publish the reasons for the Chief Executive's departure",
                "background": "Residents have been told nothing, and written answers explained nothing.",
                "additional_details": "",
                "addressed_to": str(mayor.pk),
                "decision_maker_other": "",
                "creator_name": "Ann Creator",
                "creator_email": "ann@example.org",
                "creator_postcode": "km1 1aa",
            },
        )
        assert created.status_code == 302
        petition = Petition.objects.get()
        assert petition.state == PetitionState.PENDING
        assert petition.decision_maker == "Cllr Helen Marsh, Mayor"
        assert petition.creator_postcode == "KM1 1AA"
        assert resident.get(f"/petitions/{petition.pk}/").status_code == 404  # not public yet

        # 2. The creator confirms by email (GET shows a button, POST confirms).
        [creator_mail] = _emails_to("ann@example.org")
        creator_url = _only_link(creator_mail, "/creator/")
        assert "Confirm my email address" in resident.get(creator_url).content.decode()
        petition.refresh_from_db()
        assert petition.state == PetitionState.PENDING
        assert resident.post(creator_url).status_code == 302
        petition.refresh_from_db()
        assert petition.state == PetitionState.SPONSORING
        sponsor_mail = _emails_to("ann@example.org")[-1]
        sponsor_url = _only_link(sponsor_mail, "/sponsor/")

        # 3. Five sponsors sign through the sponsor link and confirm.
        for n in range(scheme.sponsor_count):
            petition.refresh_from_db()
            assert petition.state == PetitionState.SPONSORING
            _sign_and_confirm(
                resident, sponsor_url, name=f"Sponsor {n}", email=f"sponsor{n}@example.org", postcode="KM2 2BB"
            )
        petition.refresh_from_db()
        assert petition.state == PetitionState.AWAITING_MODERATION

        # 4. A moderator approves; creator and sponsors hear about it.
        staff = Client()
        staff.force_login(moderator)
        assert "Publish the reasons for the Chief Executive" in staff.get("/moderation/").content.decode()
        mail.outbox = []
        assert staff.post(f"/moderation/{petition.pk}/approve/").status_code == 302
        petition.refresh_from_db()
        assert petition.state == PetitionState.OPEN
        assert petition.opened_at == JOURNEY_STARTS_AT
        # Six months on the body's calendar: 09:00 GMT in March → 09:00 BST (08:00 UTC).
        assert petition.deadline_at == JOURNEY_DEADLINE_AT
        told = sorted(address for m in mail.outbox for address in m.to)
        assert told == sorted(["ann@example.org"] + [f"sponsor{n}@example.org" for n in range(5)])

        # 5. Residents sign and confirm.
        sign_url = f"/petitions/{petition.pk}/sign/"
        for n, postcode in enumerate(["KM3 3BA", "KM4 4DD", "LS6 1AB"]):
            _sign_and_confirm(
                resident, sign_url, name=f"Resident {n}", email=f"resident{n}@example.org", postcode=postcode
            )

        # A second signature from the same mailbox under the same name is not a new signature.
        again = resident.post(
            sign_url,
            {"name": "Resident 0", "email": "Resident0@Example.org", "postcode": "KM3 3BA", "declared_eligible": "on"},
        )
        assert again.status_code == 302
        assert again["Location"] == f"/petitions/{petition.pk}/sign/check-your-email/"
        assert Signature.objects.filter(email_canonical="resident0@example.org").count() == 1

        # Requests never touch the count: it moves only when the counter runs.
        petition.refresh_from_db()
        assert petition.signature_count == 0

        # 6. The counter runs; the count is exact and the threshold crossing is stamped.
        counted_at = JOURNEY_STARTS_AT + datetime.timedelta(minutes=7)
        traveller.stop()
        traveller = time_machine.travel(counted_at, tick=False)
        traveller.start()
        call_command("scheduler", "--once")
        count = resident.get(f"/petitions/{petition.pk}/count.json").json()
        assert count["signature_count"] == 8
        assert Signature.objects.filter(petition=petition, state=SignatureState.VERIFIED).count() == 8
        crossing = ThresholdCrossing.objects.get(petition=petition)
        assert crossing.threshold.kind == ThresholdKind.RESPONSE
        assert crossing.reached_at == counted_at
        assert crossing.signature_count == 8
        page = resident.get(f"/petitions/{petition.pk}/").content.decode()
        assert re.search(r"data-count-number>8<", page)
        assert "Reached on 2 March 2026" in page
        assert "Let&#x27;s get to 50!" in page or "Let's get to 50!" in page

        # Running the counter again changes nothing.
        call_command("scheduler", "--once")
        petition.refresh_from_db()
        assert petition.signature_count == 8
        assert ThresholdCrossing.objects.filter(petition=petition).count() == 1

        # 7. The deadline passes: the scheduler closes the petition; signing is refused.
        traveller.stop()
        traveller = time_machine.travel(JOURNEY_DEADLINE_AT + datetime.timedelta(seconds=1), tick=False)
        traveller.start()
        call_command("scheduler", "--once")
        petition.refresh_from_db()
        assert petition.state == PetitionState.CLOSED
        assert petition.closed_at == petition.deadline_at
        late = resident.post(
            sign_url,
            {"name": "Late Comer", "email": "late@example.org", "postcode": "KM5 5EE", "declared_eligible": "on"},
        )
        assert late.status_code == 409
        assert "can no longer be signed" in late.content.decode()
        assert not Signature.objects.filter(email="late@example.org").exists()
    finally:
        traveller.stop()
