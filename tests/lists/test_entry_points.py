"""Block lists apply, silently, at every resident entry point.

Each entry point is driven over HTTP with the test client, once by an accepted person (the
control) and once by a blocked one (by email address, by domain, by IP network). The
blocked person must see exactly what the control saw (the same redirects, statuses,
templates and words), nothing of theirs may be kept where it could become public, and no
email may go to them.

ENTRY_POINTS is the one list: a new resident form gets an entry here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.builders import open_petition, sponsoring_petition
from tests.meetings.conftest import frozen_time  # noqa: F401  (a fixture the meeting needs)
from tests.questions.conftest import QUESTION, meeting, question_time  # noqa: F401  (fixtures)
from townhall.accounts.models import User
from townhall.engagement.models import ContactMessage
from townhall.engagement.services import contact_message_confirm, contact_message_create, contact_reply
from townhall.lists.models import ListAction, ListEntry, ListKind
from townhall.lists.services import list_entry_save
from townhall.mail.services import send_queued_letters
from townhall.officials.models import Official
from townhall.petitions.models import Petition
from townhall.questions.models import Question
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_send_confirmations

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    ip: str


@dataclass(frozen=True)
class EntryPoint:
    """One resident form. `prepare` builds what it needs and returns the form's URL;
    `form` is what a person fills in; `kept` counts what is stored from that address in a
    state that can become public or send mail."""

    name: str
    prepare: Callable[[pytest.FixtureRequest], str]
    form: Callable[[Person], dict[str, str]]
    kept: Callable[[str], int]


def _petition_form(person: Person) -> dict[str, str]:
    return {
        "action": "Reopen the public toilets on Kingsmere Road",
        "background": "The toilets by the market closed in March.",
        "additional_details": "",
        "addressed_to": "other",
        "decision_maker_other": "Cabinet Member for Environment",
        "creator_name": person.name,
        "creator_email": person.email,
        "creator_postcode": "KM1 1AA",
        "seen_similar": "on",
    }


def _sign_form(person: Person) -> dict[str, str]:
    return {"name": person.name, "email": person.email, "postcode": "KM4 4DD", "declared_eligible": "on"}


def _kept_signatures(email: str) -> int:
    return Signature.objects.filter(email=email).exclude(state=SignatureState.FRAUDULENT).count()


def _create_url(request: pytest.FixtureRequest) -> str:
    request.getfixturevalue("scheme")
    return "/petitions/new/"


def _open_petition_url(request: pytest.FixtureRequest, path: str) -> str:
    request.getfixturevalue("scheme")
    petition = open_petition(moderator=request.getfixturevalue("moderator"))
    return f"/petitions/{petition.pk}/{path}"


def _sponsor_url(request: pytest.FixtureRequest) -> str:
    request.getfixturevalue("scheme")
    petition = sponsoring_petition()
    return f"/petitions/{petition.pk}/sponsor/{petition.sponsor_token}/"


def _ask_url(request: pytest.FixtureRequest) -> str:
    return f"/meetings/{request.getfixturevalue('meeting').pk}/questions/ask/"


ENTRY_POINTS = [
    EntryPoint(
        name="starting a petition",
        prepare=_create_url,
        form=_petition_form,
        kept=lambda email: Petition.objects.filter(creator_email=email).count(),
    ),
    EntryPoint(
        name="sponsoring",
        prepare=_sponsor_url,
        form=_sign_form,
        kept=_kept_signatures,
    ),
    EntryPoint(
        name="signing",
        prepare=lambda request: _open_petition_url(request, "sign/"),
        form=_sign_form,
        kept=_kept_signatures,
    ),
    EntryPoint(
        name="asking a public question",
        prepare=_ask_url,
        form=lambda person: {
            "official": str(Official.objects.get().pk),
            "text": QUESTION,
            "name": person.name,
            "email": person.email,
            "postcode": "KM3 3BA",
        },
        kept=lambda email: Question.objects.filter(asker_email=email).count(),
    ),
    EntryPoint(
        name="writing to a petition's creator",
        prepare=lambda request: _open_petition_url(request, "contact/"),
        form=lambda person: {"name": person.name, "email": person.email, "message": "Can I help with leaflets?"},
        kept=lambda email: ContactMessage.objects.filter(sender_email=email).count(),
    ),
]

CONTROL = Person(name="Rosa Control", email="rosa.control@example.org", ip="198.51.100.20")
# Each block, with someone it catches: entries are typed as staff might, and matched as
# the resident's address is stored (canonical mailbox; subdomains; the whole network).
BLOCKS = {
    "email": (
        (ListKind.EMAIL, "Bea.Blocked@googlemail.com"),
        Person(name="Bea Blocked", email="beablocked@gmail.com", ip="198.51.100.30"),
    ),
    "domain": (
        (ListKind.EMAIL_DOMAIN, "spam.example"),
        Person(name="Bea Blocked", email="bea@mail.spam.example", ip="198.51.100.30"),
    ),
    "network": (
        (ListKind.IP, "203.0.113.0/24"),
        Person(name="Bea Blocked", email="bea.blocked@example.org", ip="203.0.113.99"),
    ),
}


def _submit(url: str, entry_point: EntryPoint, person: Person, capture: Any) -> tuple[Any, str]:
    """Post the form as `person` from their address, follow where it leads, and deliver every
    email owed. Returns the final response and the whole journey as comparable text."""
    client = Client(REMOTE_ADDR=person.ip)
    with capture(execute=True):
        response = client.post(url, entry_point.form(person), follow=True)
    signature_send_confirmations()
    send_queued_letters()
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    for typed in (person.name, person.email):
        page = page.replace(typed, "PERSON")
    journey = "\n".join(
        [
            repr(response.redirect_chain),
            str(response.status_code),
            repr(_page_templates(response)),
            page,
        ]
    )
    return response, journey


def _page_templates(response: Any) -> list[str]:
    """The templates of the page shown (a letter written during the request is not shown)."""
    return [template.name for template in response.templates if "/email/" not in template.name]


def _mail_to(email: str) -> list[Any]:
    return [message for message in mail.outbox if email in message.to]


@pytest.mark.parametrize("block", sorted(BLOCKS))
@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=[entry_point.name for entry_point in ENTRY_POINTS])
def test_a_blocked_person_sees_what_anyone_sees_and_nothing_is_kept_or_sent(
    request: pytest.FixtureRequest,
    django_capture_on_commit_callbacks: Any,
    administrator: User,
    entry_point: EntryPoint,
    block: str,
) -> None:
    (kind, value), blocked = BLOCKS[block]
    url = entry_point.prepare(request)
    list_entry_save(entry=ListEntry(kind=kind, action=ListAction.BLOCK, value=value), actor=administrator)
    mail.outbox = []

    accepted, control_journey = _submit(url, entry_point, CONTROL, django_capture_on_commit_callbacks)
    _, blocked_journey = _submit(url, entry_point, blocked, django_capture_on_commit_callbacks)

    assert accepted.redirect_chain, "the control submission was not accepted"
    assert blocked_journey == control_journey
    assert entry_point.kept(CONTROL.email) == 1
    assert _mail_to(CONTROL.email)
    assert entry_point.kept(blocked.email) == 0
    assert _mail_to(blocked.email) == []


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_a_blocked_correspondent_s_reply_is_answered_as_usual_and_never_relayed(
    django_capture_on_commit_callbacks: Any, scheme: Any, moderator: User, administrator: User, block: str
) -> None:
    """The relay's replies come through a link, not a form with an address: the person is
    the one the conversation began with, blocked after it began."""
    (kind, value), blocked = BLOCKS[block]
    petition = open_petition(moderator=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        first = contact_message_create(
            petition_id=petition.pk, sender_name=blocked.name, sender_email=blocked.email, body="Hello", ip=None
        )
        assert first is not None
        contact_message_confirm(message_id=first.pk, token=first.token)
        answer = contact_reply(message_id=first.pk, token=first.recipient_token, body="Thank you", ip=None)
        assert answer is not None
    reply_url = f"/messages/{answer.pk}/reply/{answer.recipient_token}/"
    send_queued_letters()
    mail.outbox = []

    def reply(ip: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = Client(REMOTE_ADDR=ip).post(reply_url, {"message": "Count me in."})
        send_queued_letters()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return f"{response.status_code} {_page_templates(response)}\n{page}"

    accepted = reply(CONTROL.ip)
    relayed = ContactMessage.objects.count()
    assert mail.outbox
    mail.outbox = []
    list_entry_save(entry=ListEntry(kind=kind, action=ListAction.BLOCK, value=value), actor=administrator)
    assert reply(blocked.ip) == accepted
    assert ContactMessage.objects.count() == relayed
    assert mail.outbox == []
