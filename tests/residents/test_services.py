"""The person checks: one rule for every resident entry point (start a petition, sign,
sponsor, ask a question, write through the contact relay), with one wording."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from tests.builders import make_petition, open_petition, staff
from townhall.accounts.models import Role, User
from townhall.core.errors import DomainError
from townhall.engagement.models import ContactMessage
from townhall.engagement.services import contact_message_create
from townhall.meetings.models import CommitteeKind
from townhall.meetings.services import agenda_item_add, committee_create, meeting_schedule
from townhall.officials.models import Official
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_confirm_creator
from townhall.questions.models import Question
from townhall.questions.services import question_ask
from townhall.residents.services import EMAIL_MAX, NAME_MAX, resident_clean
from townhall.signatures.models import Signature
from townhall.signatures.services import signature_create

pytestmark = pytest.mark.django_db

# (what a person typed as their name, the code's ending, the message)
BAD_NAMES = [
    ("", "name_blank", "Enter your name."),
    ("   \n  ", "name_blank", "Enter your name."),
    ("x" * (NAME_MAX + 1), "name_too_long", f"Your name must be {NAME_MAX} characters or fewer."),
    ("spam@example.com", "name_is_email", "Enter your name, not an email address."),
    ("https://spam.example.com/buy", "name_is_web_address", "Enter your name only, not a web address."),
    ('=HYPERLINK("x")', "name_is_formula", "Your name cannot begin with =, +, - or @. Enter your name only."),
    ("Ann\x00Smith", "name_hidden_characters", "Your name contains hidden characters. Type it in again."),
]
BAD_EMAILS = ["", "bob", "bob@", "@example.org", "bob smith@example.org"]
EMAIL_MESSAGE = "Enter your email address in the right format, like name@example.com."
WEB_ADDRESS = "Enter your name only, not a web address."
FORMULA = "Your name cannot begin with =, +, - or @. Enter your name only."
NAME_HIDDEN = "Your name contains hidden characters. Type it in again."
EMAIL_HIDDEN = "Your email address contains hidden characters. Type it in again."
EMAIL_TOO_LONG = f"Your email address must be {EMAIL_MAX} characters or fewer."

# Names people really have, in the forms they really type them.
GOOD_NAMES = [
    "Siân O'Brien-Jones",
    "Dr. A. N. Other",
    "Zoë",
    "李小龍",
    "Mary-Kate",
    "J. R. R. Tolkien",
    "A.N. Other",
    "A.N.Other",
    "J.R.R. Tolkien",
    "Mr. Smith Jr.",
    "St. John Smythe",
    "Ms. Jo Bloggs-Smith, M.B.E.",
    "محمد علي",
    "Nguyễn Văn A",
    "Ann 2nd",
]

# A name that is a web address, or has one in it: the way a name becomes a link in an email.
WEB_ADDRESS_NAMES = [
    "https://spam.example.com/buy",
    "http://spam.example.com",
    "HTTPS://SPAM.EXAMPLE.COM",
    "ftp://files.example.org",
    "www.example.com",
    "WWW.example",
    "spam.example.com",
    "example.com",
    "Example.Org",
    "bit.ly/x",
    "t.co/abc",
    "example.co.uk",
    "Ann (see spam.example.com)",
    "Visit example.com, today",
    "Ann Smith example.com.",
    "пример.рф",
    "spam-shop.example",
    "xn--80ak6aa92e.com",
    "203.0.113.7/buy",
]

FORMULA_NAMES = ["=1+1", "+441234", "-Ann", "@SUM(A1)", "\t=1+1", "\r=1+1", " =1+1", '=HYPERLINK("http://x","y")']

HIDDEN_NAMES = [
    "Ann\x00Smith",
    "\x00",
    "Ann\x07Smith",
    "Ann\x1bSmith",
    "Ann\x7fSmith",
    "Ann\x85Smith",
    "Ann\u202eSmith",
]
HIDDEN_EMAILS = ["ann\x00@example.org", "ann@example.org\x00", '"\x01"@example.org', "ann\x85@example.org"]


def test_a_name_is_tidied_onto_one_line_and_the_mailbox_named_canonically(settings: Any) -> None:
    resident = resident_clean(name="  Ann \n  Smith ", email=" Ann.Smith+x@GMAIL.com ", postcode="km1 1aa")
    assert (resident.name, resident.email, resident.postcode) == ("Ann Smith", "Ann.Smith+x@GMAIL.com", "KM1 1AA")
    assert resident.email_canonical == "annsmith@gmail.com"


def test_a_form_without_a_postcode_asks_for_none() -> None:
    assert resident_clean(name="Ann", email="ann@example.org").postcode == ""


def _refusal(*, name: str = "Ann Smith", email: str = "ann@example.org", code_prefix: str = "") -> DomainError:
    with pytest.raises(DomainError) as refused:
        resident_clean(name=name, email=email, code_prefix=code_prefix)
    return refused.value


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_real_names_are_taken_as_typed(name: str) -> None:
    assert resident_clean(name=name, email="ann@example.org").name == name


# (the field, what is typed there, the refusal's code and message)
REFUSALS = [
    *[("name", name, "name_is_web_address", WEB_ADDRESS) for name in WEB_ADDRESS_NAMES],
    *[("name", name, "name_is_formula", FORMULA) for name in FORMULA_NAMES],
    *[("name", name, "name_hidden_characters", NAME_HIDDEN) for name in HIDDEN_NAMES],
    *[("email", email, "email_hidden_characters", EMAIL_HIDDEN) for email in HIDDEN_EMAILS],
]


@pytest.mark.parametrize(("field", "value", "code", "message"), REFUSALS)
def test_each_rule_refuses_with_its_own_code_and_message(field: str, value: str, code: str, message: str) -> None:
    refusal = _refusal(**{field: value})
    assert (refusal.code, refusal.message) == (code, message)


def test_formula_characters_inside_a_name_are_fine() -> None:
    assert resident_clean(name="Ann Smith-Jones + Bob", email="ann@example.org").name == "Ann Smith-Jones + Bob"


def test_tabs_and_line_breaks_are_tidied_as_spaces() -> None:
    assert resident_clean(name="\tAnn\t\tSmith\r\n", email="ann@example.org").name == "Ann Smith"


def test_an_email_address_is_at_most_254_characters() -> None:
    longest = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * (EMAIL_MAX - 64 - 1 - 182 - 1)
    assert len(longest) == EMAIL_MAX
    assert resident_clean(name="Ann", email=longest).email == longest
    for too_long in (longest + "c", "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".org"):
        refusal = _refusal(email=too_long)
        assert (refusal.code, refusal.message) == ("email_too_long", EMAIL_TOO_LONG)


def test_every_refusal_carries_the_forms_prefix() -> None:
    for name in ("example.com", "=1", "Ann\x00"):
        assert _refusal(name=name, code_prefix="contact_").code.startswith("contact_name_")
    for email in ("a" * 300 + "@example.org", "a\x00@example.org"):
        assert _refusal(email=email, code_prefix="contact_").code.startswith("contact_email_")


@pytest.fixture
def entry_points(scheme: Any, moderator: User, mayor: Official) -> dict[str, Callable[..., object]]:
    """Each resident entry point, called with a name and an email (everything else valid),
    and how many rows it has written of the kind it writes."""
    petition = open_petition(moderator=moderator)
    sponsoring = make_petition(creator_email="sponsoring@example.org")
    petition_confirm_creator(petition_id=sponsoring.pk, token=sponsoring.creator_token)
    clerk = staff("clerk", Role.CLERK)
    committee = committee_create(name="Mayor's Question Time", kind=CommitteeKind.QUESTION_TIME, actor=clerk)
    meeting = meeting_schedule(
        committee_id=committee.pk, starts_at=timezone.now() + datetime.timedelta(days=30), location="", actor=clerk
    )
    agenda_item_add(meeting_id=meeting.pk, kind="questions", title="", official_id=mayor.pk, actor=clerk)
    signer = {"postcode": "KM1 1AA", "declared_eligible": True, "wants_updates": False}
    return {
        "start a petition": lambda name, email: make_petition(creator_name=name, creator_email=email),
        "sign": lambda name, email: signature_create(petition_id=petition.pk, name=name, email=email, **signer),
        "sponsor": lambda name, email: signature_create(
            petition_id=sponsoring.pk, name=name, email=email, sponsor_token=sponsoring.sponsor_token, **signer
        ),
        "ask a question": lambda name, email: question_ask(
            meeting_id=meeting.pk, official_id=mayor.pk, name=name, email=email, postcode="KM1 1AA", text="Why?"
        ),
        "write to the creator": lambda name, email: contact_message_create(
            petition_id=petition.pk, sender_name=name, sender_email=email, body="Hello", ip=None
        ),
    }


def _rows() -> tuple[int, int, int, int]:
    return (
        Petition.objects.count(),
        Signature.objects.count(),
        Question.objects.count(),
        ContactMessage.objects.count(),
    )


@pytest.mark.parametrize(("name", "code", "message"), BAD_NAMES)
def test_every_entry_point_refuses_the_same_bad_name_the_same_way(
    entry_points: dict[str, Callable[..., object]], name: str, code: str, message: str
) -> None:
    for entry_point, act in entry_points.items():
        before = _rows()
        with pytest.raises(DomainError) as refused:
            act(name, "ann@example.org")
        assert refused.value.code.endswith(code), entry_point
        assert refused.value.message == message, entry_point
        assert _rows() == before, f"{entry_point} changed something"


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_every_entry_point_refuses_the_same_bad_email_the_same_way(
    entry_points: dict[str, Callable[..., object]], email: str
) -> None:
    for entry_point, act in entry_points.items():
        before = _rows()
        with pytest.raises(DomainError) as refused:
            act("Ann Smith", email)
        assert refused.value.code.endswith("email_invalid"), entry_point
        assert refused.value.message == EMAIL_MESSAGE, entry_point
        assert _rows() == before, f"{entry_point} changed something"


def test_every_entry_point_takes_a_good_name_and_address(entry_points: dict[str, Callable[..., object]]) -> None:
    for n, act in enumerate(entry_points.values()):
        act(f"Ann Smith {n}", f"ann{n}@example.org")
    assert Petition.objects.filter(creator_name="Ann Smith 0").exists()
    assert Signature.objects.filter(name__in=["Ann Smith 1", "Ann Smith 2"]).count() == 2
    assert Question.objects.filter(asker_name="Ann Smith 3").exists()
    assert ContactMessage.objects.filter(sender_name="Ann Smith 4").exists()
