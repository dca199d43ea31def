"""The one set of test builders: staff, petitions, signatures and the fixed moments tests
freeze time at.

Everything here goes through the real services (no shortcuts around the state machine),
takes keyword arguments and returns the saved row. Fixtures in tests/conftest.py wrap the
staff builders (`moderator`, `responder`, `clerk`, `administrator`, `superuser`);
app-specific worlds (meetings, responses, the API's world, the areas lookup) stay next to
their app's tests and build on these.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.db.models import QuerySet
from django.utils import timezone

from townhall.accounts.models import Role, User
from townhall.mail.models import DUE_STATUSES, LetterStatus, QueuedEmail
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.services import petition_confirm_creator, petition_create, petition_open
from townhall.schemes.models import Scheme
from townhall.signatures.holds import holds_count_awaiting
from townhall.signatures.models import Signature
from townhall.signatures.services import SignOutcome, signature_confirm, signature_count_new, signature_create

# --- Reference times -------------------------------------------------------------------------
# Every fixed moment a test freezes time at, or builds its world at, named for what happens
# then. All are UTC; the body's clock is Europe/London (GMT in winter, BST in summer).

UTC = datetime.UTC


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A moment in UTC: utc(2026, 3, 10, 19) is 19:00 on 10 March 2026."""
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@contextmanager
def frozen_at(moment: datetime.datetime) -> Iterator[time_machine.Traveller]:
    """Time stands still at `moment` until the block ends; move it on with .move_to(...)."""
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


# Wednesday 15 January 2025, 10:00 GMT: a petition approved in winter, whose six months end
# in summer (BST).
APPROVED_IN_WINTER = utc(2025, 1, 15, 10)
# Monday 3 March 2025, 09:30 GMT: the petition opens in the HTTP-caching, areas and UK-API
# tests (the areas lookup is loaded at the same moment).
PETITION_OPENS_AT = utc(2025, 3, 3, 9, 30)
# Monday 10 March 2025, 12:00 GMT: the signing and petition-service tests create and open
# their petitions.
SIGNING_STARTS_AT = utc(2025, 3, 10, 12)
# Monday 2 February 2026, 10:00 GMT: the meetings, questions and API tests build their
# world here (the meetings they schedule are in March, still GMT).
WORLD_STARTS_AT = utc(2026, 2, 2, 10)
# Thursday 12 February 2026, 10:00 GMT: a petition crosses the response threshold. With the
# English council preset (20 working days) its response is due by Thursday 12 March 2026.
CROSSED_AT = utc(2026, 2, 12, 10)
RESPONSE_DUE_ON = datetime.date(2026, 3, 12)
# Monday 2 March 2026: the whole journey starts at 09:00 GMT (its petition closes six months
# on, at 09:00 BST = 08:00 UTC); the petition-timeline story starts at 10:00.
JOURNEY_STARTS_AT = utc(2026, 3, 2, 9)
JOURNEY_DEADLINE_AT = utc(2026, 9, 2, 8)
TIMELINE_STARTS_AT = utc(2026, 3, 2, 10)
# Tuesday 3 March 2026: a responder's working day (12:00) and the moment questions for the
# 10 March meeting close (19:00, 7 days before it).
RESPONDERS_DAY_AT = utc(2026, 3, 3, 12)
QUESTIONS_CLOSE_AT = utc(2026, 3, 3, 19)
# Tuesday 10 March 2026, 19:00 GMT: the meeting the meetings and questions tests schedule.
MEETING_AT = utc(2026, 3, 10, 19)
# Friday 20 March 2026, 12:00 GMT: "now" on the accountability pages.
RECORD_PAGES_NOW = utc(2026, 3, 20, 12)
# Sunday 29 March 2026, 23:30 UTC (00:30 BST on the 30th): "now" for the accountability
# record, the night the clocks went forward.
RECORD_NOW = utc(2026, 3, 29, 23, 30)
# Wednesday 1 April 2026, 09:00 UTC: the moderation workspace's first petition arrives.
WORKSPACE_OPENS_AT = utc(2026, 4, 1, 9)
# Monday 4 May 2026, 10:00 UTC (11:00 BST): signing, fraud checks, invalidations and
# anonymisation happen "now" in the integrity and fraud tests.
INTEGRITY_NOW = utc(2026, 5, 4, 10)
# Monday 1 June 2026, 09:00 UTC: the synthetic attack begins.
ATTACK_STARTS_AT = utc(2026, 6, 1, 9)


# --- Staff ----------------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"


def staff(username: str, *roles: Role | str, email: str | None = None, password: str = PASSWORD, **extra: Any) -> User:
    """A member of staff holding `roles` (none is allowed), with the email address
    `<username>@example.org` unless given. `extra` sets other User fields (is_staff,
    is_active)."""
    return User.objects.create_user(
        username,
        f"{username}@example.org" if email is None else email,
        password,
        roles=[Role(role).value for role in roles],
        **extra,
    )


def make_superuser(username: str = "root", *, email: str | None = None, password: str = PASSWORD) -> User:
    """A Django superuser (every staff power, and the admin site)."""
    return User.objects.create_superuser(username, f"{username}@example.org" if email is None else email, password)


# --- Petitions --------------------------------------------------------------------------------


def letters_keyed(prefix: str) -> QuerySet[QueuedEmail]:
    """The outbox's letters whose key starts with `prefix` (e.g. "response:" for the response
    fan-outs): the outbox holds every letter the site sends, not only those under test."""
    return QueuedEmail.objects.filter(dedupe_key__startswith=prefix)


def settle_mail() -> None:
    """The letters a builder's steps queued count as delivered long ago: a test sees only
    the mail of what it does itself (a builder's history is not the test's to send)."""
    now = timezone.now()
    QueuedEmail.objects.filter(status__in=DUE_STATUSES).update(status=LetterStatus.SENT, sent_at=now)


def make_petition(*, settle: bool = True, **overrides: Any) -> Petition:
    """A new petition, pending its creator's confirmation (Ann Creator, KM1 1AA); its
    confirmation email counts as delivered unless `settle` is False."""
    fields: dict[str, Any] = {
        "action": "Reopen the public toilets on Kingsmere Road",
        "background": "The toilets by the market closed in March.",
        "additional_details": "",
        "decision_maker": "Cabinet Member for Environment",
        "official_id": None,
        "creator_name": "Ann Creator",
        "creator_email": "ann@example.org",
        "creator_postcode": "KM1 1AA",
    }
    fields.update(overrides)
    petition = petition_create(**fields)
    if settle:
        settle_mail()
    return petition


def sponsoring_petition(**overrides: Any) -> Petition:
    """A petition whose creator has confirmed: it is gathering sponsors."""
    petition = make_petition(**overrides)
    petition = petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    settle_mail()
    return petition


def awaiting_petition(**overrides: Any) -> Petition:
    """A petition whose creator and all the scheme's sponsors confirmed: in the moderation queue."""
    petition = make_petition(**overrides)
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    for n in range(Scheme.objects.get().sponsor_count):
        sponsor(petition, n)
    petition.refresh_from_db()
    assert petition.state == PetitionState.AWAITING_MODERATION
    settle_mail()
    return petition


def open_petition(*, moderator: User, **overrides: Any) -> Petition:
    """A petition taken through creator confirmation, sponsors and approval."""
    petition = make_petition(**overrides)
    petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    for n in range(Scheme.objects.get().sponsor_count):
        sponsor(petition, n)
    petition = petition_open(petition_id=petition.pk, actor=moderator)
    settle_mail()
    return petition


# --- Signatures -------------------------------------------------------------------------------

SIGNER_POSTCODE = "KM3 3DE"
_unnumbered = itertools.count(1)


def attempt_signature(
    petition: Petition,
    n: int | None = None,
    *,
    name: str | None = None,
    email: str | None = None,
    postcode: str = SIGNER_POSTCODE,
    ip: str | None = None,
    wants_updates: bool = False,
    sponsor_token: str | None = None,
) -> SignOutcome:
    """Resident `n` ("Signer n", signern@example.org) signs through the real service, having
    declared they are eligible. Without `n` (and without a name or email) the next number no
    one has asked for is used. Returns the service's outcome (created, resent, ...)."""
    if n is None and (name is None or email is None):
        n = next(_unnumbered)
    return signature_create(
        petition_id=petition.pk,
        name=f"Signer {n}" if name is None else name,
        email=f"signer{n}@example.org" if email is None else email,
        postcode=postcode,
        declared_eligible=True,
        wants_updates=wants_updates,
        sponsor_token=sponsor_token,
        ip=ip,
    )


def sign(
    petition: Petition,
    n: int | None = None,
    *,
    name: str | None = None,
    email: str | None = None,
    postcode: str = SIGNER_POSTCODE,
    ip: str | None = None,
    wants_updates: bool = False,
    sponsor_token: str | None = None,
    confirm: bool = True,
) -> Signature:
    """Resident `n` signs (see attempt_signature) and, unless confirm=False, confirms from the
    emailed link. Returns the signature as saved."""
    outcome = attempt_signature(
        petition,
        n,
        name=name,
        email=email,
        postcode=postcode,
        ip=ip,
        wants_updates=wants_updates,
        sponsor_token=sponsor_token,
    )
    signature = Signature.objects.get(pk=outcome.signature_id)
    if confirm:
        signature_confirm(signature_id=signature.pk, token=signature.token)
        signature.refresh_from_db()
    return signature


def sign_from(petition: Petition, postcodes: Iterable[str], **options: Any) -> list[Signature]:
    """One new (unnumbered) resident signs from each postcode, in order; options as for sign()."""
    return [sign(petition, postcode=postcode, **options) for postcode in postcodes]


def sponsor(petition: Petition, n: int, *, confirm: bool = True) -> Signature:
    """Sponsor `n` ("Sponsor n", sponsorn@example.org, KM2 2BB) signs through the creator's
    sponsor link and, unless confirm=False, confirms."""
    return sign(
        petition,
        name=f"Sponsor {n}",
        email=f"sponsor{n}@example.org",
        postcode="KM2 2BB",
        sponsor_token=petition.sponsor_token,
        confirm=confirm,
    )


def counted(petition: Petition) -> tuple[int, int]:
    """(signatures counted beyond the sponsors, confirmed ones awaiting checks) once the
    counter and its awaiting-checks job have run."""
    signature_count_new()
    holds_count_awaiting()
    petition.refresh_from_db()
    sponsors = Signature.objects.filter(petition=petition, is_sponsor=True).count()
    return petition.signature_count - sponsors, petition.awaiting_count
