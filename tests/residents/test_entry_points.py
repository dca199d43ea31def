"""Every resident entry point, over HTTP, against every kind of hostile name and address.

A resident types a name and an email address into five places: starting a petition,
signing, sponsoring, asking a public question and writing through the contact relay. Each
must hold them to the one person check (`resident_clean`) and show its specific message on
the right field, with a 400, nothing stored and no email sent. ENTRY_POINTS is the one list
of them; `test_every_form_asking_for_an_email_address_is_an_entry_point` fails when a form
asking for an email address is added without joining it.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.core import mail
from django.test import Client
from django.utils import timezone

import townhall
from tests.builders import open_petition, sponsoring_petition, staff
from tests.residents.test_services import EMAIL_HIDDEN, EMAIL_TOO_LONG, FORMULA, NAME_HIDDEN, WEB_ADDRESS
from townhall.accounts.access import URL_AUDIENCE, Audience
from townhall.accounts.models import Role, User
from townhall.engagement.forms import ContactForm
from townhall.engagement.models import ContactMessage
from townhall.integrity.forms import CriteriaForm, InvalidationForm, SignatureSearchForm
from townhall.lists.forms import AddressCheckForm
from townhall.mail.models import QueuedEmail
from townhall.meetings.models import CommitteeKind
from townhall.meetings.services import agenda_item_add, committee_create, meeting_schedule
from townhall.officials.models import Official
from townhall.petitions.forms import PetitionCreateForm
from townhall.petitions.models import Petition
from townhall.questions.forms import AskForm
from townhall.questions.models import Question
from townhall.signatures.forms import SignForm
from townhall.signatures.models import Signature

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class World:
    open_petition: Petition
    sponsoring: Petition
    meeting_id: int
    mayor: Official


@dataclass(frozen=True)
class EntryPoint:
    """A page where a resident gives their name and email address."""

    form: type[forms.Form]
    url: Callable[[World], str]
    # Everything else on the form, filled in correctly.
    data: Callable[[World], dict[str, str]]
    # The form's fields for the person's name and email address.
    name: str
    email: str
    # The names stored by what this page writes, newest last.
    stored_names: Callable[[], list[str]]


def _signing(url: Callable[[World], str]) -> EntryPoint:
    """The sign form, at the sign page or at a petition's sponsor link."""
    return EntryPoint(
        form=SignForm,
        url=url,
        data=lambda world: {"postcode": "KM3 3DE", "declared_eligible": "on"},
        name="name",
        email="email",
        stored_names=lambda: list(Signature.objects.order_by("pk").values_list("name", flat=True)),
    )


ENTRY_POINTS: dict[str, EntryPoint] = {
    "start a petition": EntryPoint(
        form=PetitionCreateForm,
        url=lambda world: "/petitions/new/",
        data=lambda world: {
            "action": "Reopen the public toilets on Kingsmere Road",
            "background": "The toilets by the market closed in March.",
            "addressed_to": "other",
            "decision_maker_other": "Cabinet Member for Environment",
            "creator_postcode": "KM1 1AA",
            "seen_similar": "on",
        },
        name="creator_name",
        email="creator_email",
        stored_names=lambda: list(Petition.objects.order_by("pk").values_list("creator_name", flat=True)),
    ),
    "sign": _signing(lambda world: f"/petitions/{world.open_petition.pk}/sign/"),
    "sponsor": _signing(lambda world: f"/petitions/{world.sponsoring.pk}/sponsor/{world.sponsoring.sponsor_token}/"),
    "ask a question": EntryPoint(
        form=AskForm,
        url=lambda world: f"/meetings/{world.meeting_id}/questions/ask/",
        data=lambda world: {
            "official": str(world.mayor.pk),
            "text": "When will the library reopen?",
            "postcode": "KM3 3DE",
        },
        name="name",
        email="email",
        stored_names=lambda: list(Question.objects.order_by("pk").values_list("asker_name", flat=True)),
    ),
    "write to the creator": EntryPoint(
        form=ContactForm,
        url=lambda world: f"/petitions/{world.open_petition.pk}/contact/",
        data=lambda world: {"message": "Hello, I would like to help."},
        name="name",
        email="email",
        stored_names=lambda: list(ContactMessage.objects.order_by("pk").values_list("sender_name", flat=True)),
    ),
}

# 255 characters, well formed otherwise: 64 before the @, labels of at most 63.
LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".org"

# (which field, what is typed there, the message shown on it)
HOSTILE = [
    ("name", "https://spam.example.com/buy", WEB_ADDRESS),
    ("name", "http://spam.example.com", WEB_ADDRESS),
    ("name", "www.spam.example", WEB_ADDRESS),
    ("name", "spam.example.com", WEB_ADDRESS),
    ("name", "bit.ly/x", WEB_ADDRESS),
    ("name", "Ann, see example.org", WEB_ADDRESS),
    ("name", '=HYPERLINK("http://x","y")', FORMULA),
    ("name", "+1 555", FORMULA),
    ("name", "-Ann", FORMULA),
    ("name", "@SUM(A1)", FORMULA),
    ("name", "\t=1+1", FORMULA),
    ("name", "\r=1+1", FORMULA),
    ("name", "Ann\x00Smith", NAME_HIDDEN),
    ("name", "\x00", NAME_HIDDEN),
    ("name", "Ann\x1bSmith", NAME_HIDDEN),
    ("name", "Ann\x85Smith", NAME_HIDDEN),
    ("name", "Ann\u202eSmith", NAME_HIDDEN),
    ("email", LONG_EMAIL, EMAIL_TOO_LONG),
    ("email", "a" * 400 + "@example.org", EMAIL_TOO_LONG),
    ("email", "ann\x00@example.org", EMAIL_HIDDEN),
    ("email", '"\x01"@example.org', EMAIL_HIDDEN),
    ("email", "ann\x0b@example.org", EMAIL_HIDDEN),
]

# The brief's examples of real names, which every entry point must take as typed.
REAL_NAMES = ["Siân O'Brien-Jones", "Dr. A. N. Other", "Zoë", "李小龍", "Mary-Kate", "J. R. R. Tolkien"]


@pytest.fixture
def world(scheme: Any, moderator: User, mayor: Official) -> World:
    clerk = staff("clerk", Role.CLERK)
    committee = committee_create(name="Mayor's Question Time", kind=CommitteeKind.QUESTION_TIME, actor=clerk)
    meeting = meeting_schedule(
        committee_id=committee.pk, starts_at=timezone.now() + datetime.timedelta(days=30), location="", actor=clerk
    )
    agenda_item_add(meeting_id=meeting.pk, kind="questions", title="", official_id=mayor.pk, actor=clerk)
    world = World(
        open_petition=open_petition(moderator=moderator),
        sponsoring=sponsoring_petition(action="Plant trees on Kingsmere Road", creator_email="trees@example.org"),
        meeting_id=meeting.pk,
        mayor=mayor,
    )
    mail.outbox = []
    return world


def _post(client: Client, entry: EntryPoint, world: World, *, name: str, email: str) -> Any:
    return client.post(entry.url(world), {**entry.data(world), entry.name: name, entry.email: email})


def _stored() -> tuple[int, ...]:
    return (
        Petition.objects.count(),
        Signature.objects.count(),
        Question.objects.count(),
        ContactMessage.objects.count(),
        QueuedEmail.objects.count(),
    )


# Staff forms that look a resident's address up (compare it, never keep it), and the pages
# that serve them: each is for staff only.
STAFF_LOOKUPS: dict[type[forms.Form], tuple[str, ...]] = {
    CriteriaForm: ("integrity:invalidate", "integrity:signature_search", "integrity:signature_search_csv"),
    InvalidationForm: ("integrity:invalidate",),
    SignatureSearchForm: ("integrity:signature_search", "integrity:signature_search_csv"),
    AddressCheckForm: ("lists:entries",),
}


def _forms_asking_for_an_email_address() -> set[type[forms.Form]]:
    """Every form in the product that asks for an email address."""
    found: set[type[forms.Form]] = set()
    for app in pkgutil.iter_modules(townhall.__path__):
        try:
            module = importlib.import_module(f"townhall.{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.Form)
                and cls.__module__ == module.__name__
                and any(f == "email" or f.endswith("_email") for f in cls.base_fields)
            ):
                found.add(cls)
    return found


def test_every_form_asking_for_an_email_address_is_an_entry_point() -> None:
    """A resident's form is an entry point; the only others are staff forms that look an
    address up, each served by pages for staff alone (staff sign in by username and never
    give their own address in a form)."""
    residents = _forms_asking_for_an_email_address() - set(STAFF_LOOKUPS)
    assert residents == {entry.form for entry in ENTRY_POINTS.values()}, (
        "A form asks for a person's email address: add its page to ENTRY_POINTS, and have its "
        "service call resident_clean, so it is held to the one person check."
    )
    assert set(STAFF_LOOKUPS) <= _forms_asking_for_an_email_address()
    for form, pages in STAFF_LOOKUPS.items():
        for page in pages:
            assert URL_AUDIENCE[page] not in (Audience.EVERYONE, Audience.LINK), (form, page)


@pytest.mark.parametrize(("field_kind", "value", "message"), HOSTILE)
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_every_entry_point_refuses_every_hostile_value(
    client: Client,
    world: World,
    django_capture_on_commit_callbacks: Any,
    entry_point: str,
    field_kind: str,
    value: str,
    message: str,
) -> None:
    entry = ENTRY_POINTS[entry_point]
    typed = {"name": "Ann Smith", "email": "ann@example.org", field_kind: value}
    before = _stored()

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, entry, world, **typed)

    assert response.status_code == 400
    form_field = entry.name if field_kind == "name" else entry.email
    assert response.context["form"].errors.get(form_field) == [message]
    assert message in response.content.decode()
    assert _stored() == before
    assert mail.outbox == []


@pytest.mark.parametrize("name", REAL_NAMES)
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_every_entry_point_takes_real_names_as_typed(client: Client, world: World, entry_point: str, name: str) -> None:
    entry = ENTRY_POINTS[entry_point]
    response = _post(client, entry, world, name=name, email="ann.smith@example.org")
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert entry.stored_names()[-1] == name
