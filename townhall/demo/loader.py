"""The demo borough: a fictional council with officials, a scheme, and petitions in every
state with realistic generated signatures, so the first screen of `make run` looks alive.

State changes go through the same services the site uses. Signature rows for the busy
petitions are written in bulk as already-confirmed (the path they then exercise is the
counter, which adds them up exactly as it would live), and timestamps are moved into the
past afterwards so the timeline reads naturally.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.accountability import demo as accountability_demo
from townhall.accounts.models import Role, User
from townhall.areas import demo as areas_demo
from townhall.core.errors import DomainError
from townhall.core.text import canonical_email
from townhall.core.tokens import new_token
from townhall.engagement import demo as engagement_demo
from townhall.meetings import demo as meetings_demo
from townhall.officials.models import Official, RoleKind
from townhall.officials.services import official_appoint
from townhall.petitions.models import Petition, PetitionState, RejectionReason, ThresholdCrossing
from townhall.petitions.services import (
    petition_close_expired,
    petition_confirm_creator,
    petition_create,
    petition_open,
    petition_reject,
    petition_remove,
    petition_request_moderation,
)
from townhall.questions import demo as questions_demo
from townhall.responses import demo as responses_demo
from townhall.schemes.models import Body, Scheme
from townhall.schemes.services import body_setup
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_confirm, signature_count_new, signature_create

FIRST_NAMES = (
    "Aisha Amelia Ben Chloe Daniel Dev Eleanor Emeka Fatima Freya George Grace Hannah Harry Isla Jack "
    "James Jia Joseph Kofi Layla Leo Lily Lucas Maya Mohammed Noah Olivia Oscar Priya Rhys Rosa Ruby "
    "Sam Sofia Tariq Thomas Zara Ewan Niamh Callum Siobhan Agnieszka Tomasz Chidi Mei Arjun Bethan"
).split()
LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Khan Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Okafor Nowak Chen Singh Murphy "
    "O'Brien Campbell Kaur Ahmed Begum Lewis Harris Martin Cooper Ward Morris Price Bennett Shah"
).split()
# Fictional postcodes: KM districts are "in the borough", others are neighbours.
IN_AREA = [f"KM{d}" for d in range(1, 10)]
OUT_AREA = ["LS6", "M14", "BS7", "SE15", "NG7"]


@dataclass(frozen=True)
class DemoPetition:
    action: str
    background: str
    details: str
    official_role: str | None
    decision_maker: str
    state: PetitionState
    signatures: int
    age_days: int
    rejection: RejectionReason | None = None


PETITIONS = [
    DemoPetition(
        "Publish the full reasons for the Chief Executive's departure",
        "Full Council confirmed a new Chief Executive last year. Months later they left, and residents "
        "have been told nothing. The written answers at the last council meeting explained nothing.",
        "We ask the Mayor to publish the reasons for the departure, any settlement paid, and the "
        "recruitment costs, and to answer questions about it at Mayor's Question Time.",
        "Mayor",
        "",
        PetitionState.OPEN,
        2312,
        70,
    ),
    DemoPetition(
        "Keep Riverside Library open seven days a week",
        "The proposed budget cuts Riverside Library to three days a week. It is the only library in "
        "Northgate and is used by schoolchildren, job seekers and older residents every day.",
        "",
        "Cabinet Member for Culture and Leisure",
        "",
        PetitionState.OPEN,
        3104,
        120,
    ),
    DemoPetition(
        "Reopen the public toilets on Kingsmere Road",
        "The toilets by the market closed in March. Older residents, parents and disabled visitors now "
        "avoid the town centre.",
        "",
        "Cabinet Member for Environment",
        "",
        PetitionState.OPEN,
        641,
        40,
    ),
    DemoPetition(
        "Install a pedestrian crossing on Mill Lane outside St Anne's school",
        "Children cross Mill Lane between parked cars at the school gates. There have been two near misses this term.",
        "",
        "Cabinet Member for Transport",
        "",
        PetitionState.OPEN,
        87,
        9,
    ),
    DemoPetition(
        "Restore the weekly garden waste collection",
        "Garden waste is now collected once a fortnight, and bins overflow all summer.",
        "",
        "Cabinet Member for Environment",
        "",
        PetitionState.CLOSED,
        1243,
        230,
    ),
    DemoPetition(
        "Save Riverside Library",
        "Please do not cut the library's opening hours.",
        "",
        "Cabinet Member for Culture and Leisure",
        "",
        PetitionState.REJECTED,
        0,
        100,
        RejectionReason.DUPLICATE,
    ),
    DemoPetition(
        "Ban all cars from the whole country",
        "Cars are bad.",
        "",
        None,
        "The Government",
        PetitionState.REJECTED,
        0,
        60,
        RejectionReason.IRRELEVANT,
    ),
    DemoPetition(
        "Buy our discount solar panels for every council building",
        "Our company offers the best prices in the region. Call us today.",
        "",
        None,
        "Kingsmere Borough Council",
        PetitionState.REJECTED,
        0,
        30,
        RejectionReason.ADVERT,
    ),
    DemoPetition(
        "Plant 1,000 street trees in Northgate ward",
        "Northgate has the fewest street trees in the borough and the hottest streets in summer.",
        "",
        "Cabinet Member for Environment",
        "",
        PetitionState.AWAITING_MODERATION,
        0,
        6,
    ),
    DemoPetition(
        "Extend the 42 bus route to Kingsmere Hospital",
        "Patients from the east of the borough need two buses to reach the hospital.",
        "",
        "Cabinet Member for Transport",
        "",
        PetitionState.SPONSORING,
        0,
        3,
    ),
    DemoPetition(
        "Light the footpath through Hollins Park",
        "The path is the only direct route from the station to the estate and is pitch dark by 5pm in winter.",
        "",
        "Cabinet Member for Environment",
        "",
        PetitionState.PENDING,
        0,
        1,
    ),
    DemoPetition(
        "Rename the park after a local councillor",
        "A petition that was published and later removed by an administrator.",
        "",
        "Mayor",
        "",
        PetitionState.REMOVED,
        0,
        50,
    ),
]

OFFICIALS = [
    ("Cllr Helen Marsh", "Mayor", 900, None),
    ("Priya Raman", "Chief Executive", 20, None),
    ("Daniel Okafor", "Chief Executive", 500, 60),
    ("Cllr Tom Bryce", "Cabinet Member for Transport", 700, None),
    ("Cllr Sarah Lindqvist", "Cabinet Member for Environment", 700, None),
    ("Cllr Yusuf Aziz", "Cabinet Member for Culture and Leisure", 400, None),
    ("Margaret Oyelaran", "Director of Place", 1500, None),
    ("Cllr James Whitfield", "Chair of Overview and Scrutiny", 300, None),
]


def demo_load(*, seed: int = 2026) -> str:
    """Load the demo borough unless a body already exists. Returns what was done."""
    if Body.objects.exists():
        return "A body already exists: the demo borough was not loaded again."
    if not settings.DEBUG and not settings.TOWNHALL["OUTBOX_ENABLED"]:
        raise DomainError("The demo borough is for the embedded set-up only, never production.")
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        body_setup(
            name="Kingsmere Borough Council",
            area_name="the Borough of Kingsmere",
            population=300_600,
            preset="english-council",
        )
        officials = _officials(now)
        moderator = _staff()
        for index, item in enumerate(PETITIONS):
            _petition(item, index=index, officials=officials, actor=moderator, rng=rng, now=now)
    # Areas first: the counter tags each demo signature with its area as it counts it.
    areas_demo.load(now=now)
    counted = signature_count_new().counted
    _backdate_crossings()
    # Accountability: responses (one published, one overdue, one in time), meetings with a
    # debate and an evidence session, question time with verdicts, the Chief Executive
    # decisions, creators' updates and a relayed message.
    responses_demo.load(now=now)
    meetings_demo.load(now=now)
    questions_demo.load(now=now)
    accountability_demo.load(now=now)
    engagement_demo.load(now=now)
    return (
        f"Loaded the demo borough: {len(PETITIONS)} petitions, {counted:,} confirmed signatures counted.\n"
        "Staff sign-in at /staff/login/ (demo accounts): moderator / demo-moderator, responder / demo-responder,\n"
        "clerk / demo-clerk, admin / demo-admin (everything, and the scheme editor at /admin/)."
    )


def _officials(now: datetime.datetime) -> dict[str, Official]:
    today = now.date()
    result = {}
    for name, role, since_days, left_days in OFFICIALS:
        official = official_appoint(
            name=name,
            role=role,
            kind=RoleKind.ELECTED if name.startswith("Cllr") else RoleKind.OFFICER,
            started_on=today - datetime.timedelta(days=since_days),
            ended_on=today - datetime.timedelta(days=left_days) if left_days else None,
        )
        if left_days is None:
            result[role] = official
    return result


def _staff() -> User:
    moderator = User.objects.create_user("moderator", "moderator@kingsmere.invalid", "demo-moderator")
    moderator.roles = [Role.MODERATOR.value]
    moderator.save()
    User.objects.create_superuser("admin", "admin@kingsmere.invalid", "demo-admin", roles=[Role.ADMINISTRATOR.value])
    return moderator


def _person(rng: random.Random, n: int) -> tuple[str, str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    district = rng.choice(IN_AREA) if rng.random() < 0.9 else rng.choice(OUT_AREA)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    email = f"{first}.{last}.{n}@example.org".lower().replace("'", "")
    return f"{first} {last}", email, postcode


def _petition(
    item: DemoPetition,
    *,
    index: int,
    officials: dict[str, Official],
    actor: User,
    rng: random.Random,
    now: datetime.datetime,
) -> None:
    official = officials.get(item.official_role) if item.official_role else None
    name, email, postcode = _person(rng, 10_000 + index)
    petition = petition_create(
        action=item.action,
        background=item.background,
        additional_details=item.details,
        decision_maker=item.decision_maker,
        official_id=official.pk if official else None,
        creator_name=name,
        creator_email=email,
        creator_postcode=postcode,
    )
    if petition is None:
        raise LookupError(f"The demo creator {email} is on a block list.")
    created_at = now - datetime.timedelta(days=item.age_days)
    if item.state != PetitionState.PENDING:
        petition_confirm_creator(petition_id=petition.pk, token=petition.creator_token)
    if item.state != PetitionState.PENDING:
        # Sponsors sign through the creator's link and confirm, as they would live; the
        # last confirmation sends the petition to moderation.
        scheme = Scheme.objects.get()
        sponsors = scheme.sponsor_count if item.state != PetitionState.SPONSORING else scheme.sponsor_count // 2
        for n in range(sponsors):
            sponsor_name, sponsor_email, sponsor_postcode = _person(rng, 20_000 + index * 100 + n)
            outcome = signature_create(
                petition_id=petition.pk,
                name=sponsor_name,
                email=sponsor_email,
                postcode=sponsor_postcode,
                declared_eligible=True,
                wants_updates=True,
                sponsor_token=petition.sponsor_token,
            )
            sponsor = Signature.objects.get(pk=outcome.signature_id)
            signature_confirm(signature_id=sponsor.pk, token=sponsor.token)
        # The demo confirms with the token directly: count their emails as delivered.
        Signature.objects.filter(petition=petition).update(email_pending=False, emails_sent=1)
    if item.state not in (PetitionState.PENDING, PetitionState.SPONSORING):
        petition_request_moderation(petition_id=petition.pk)
    if item.state in (PetitionState.OPEN, PetitionState.CLOSED, PetitionState.REMOVED):
        petition_open(petition_id=petition.pk, actor=actor)
    if item.rejection is not None:
        petition_reject(
            petition_id=petition.pk,
            reason=item.rejection,
            details="See the petition scheme for what we can accept.",
            actor=actor,
        )
    opened_at = created_at + datetime.timedelta(days=min(3, item.age_days))
    Petition.objects.filter(pk=petition.pk).update(
        created_at=created_at,
        creator_confirmed_at=created_at if item.state != PetitionState.PENDING else None,
        moderation_requested_at=created_at + datetime.timedelta(hours=20)
        if item.state not in (PetitionState.PENDING, PetitionState.SPONSORING)
        else None,
    )
    petition.refresh_from_db()
    if petition.opened_at is not None:
        deadline = petition.deadline_at - (petition.opened_at - opened_at) if petition.deadline_at else None
        if item.state == PetitionState.CLOSED:
            deadline = now - datetime.timedelta(days=5)
        Petition.objects.filter(pk=petition.pk).update(opened_at=opened_at, deadline_at=deadline)
    if petition.rejected_at is not None:
        Petition.objects.filter(pk=petition.pk).update(rejected_at=created_at + datetime.timedelta(days=1))
    if item.signatures:
        _signatures(petition, count=item.signatures, start=opened_at, end=min(now, _deadline(petition)), rng=rng)
    if item.state == PetitionState.CLOSED:
        petition_close_expired(now=now)
    if item.state == PetitionState.REMOVED:
        petition_remove(petition_id=petition.pk, actor=actor)


def _deadline(petition: Petition) -> datetime.datetime:
    petition.refresh_from_db(fields=["deadline_at"])
    return petition.deadline_at or timezone.now()


def _signatures(
    petition: Petition, *, count: int, start: datetime.datetime, end: datetime.datetime, rng: random.Random
) -> None:
    span = (end - start).total_seconds()
    version_id = petition.current_version_id
    if version_id is None:  # pragma: no cover - every created petition has version 1
        raise DomainError("A petition without text cannot be signed.")
    rows = []
    for n in range(count):
        name, email, postcode = _person(rng, petition.pk * 100_000 + n)
        # Early surge then a long tail, as petitions really go.
        created = start + datetime.timedelta(seconds=span * (rng.random() ** 2.2))
        rows.append(
            Signature(
                petition=petition,
                petition_version_id=version_id,
                name=name,
                email=email,
                email_canonical=canonical_email(email, dot_insensitive_domains=[], plus_tag_domains=[]),
                postcode=postcode,
                wants_updates=rng.random() < 0.4,
                state=SignatureState.VERIFIED,
                token=new_token(),
                created_at=created,
                link_expires_at=created + datetime.timedelta(days=30),
                verified_at=created + datetime.timedelta(minutes=rng.randint(1, 90)),
                email_pending=False,
                emails_sent=1,
                email_sent_at=created,
            )
        )
    Signature.objects.bulk_create(rows, batch_size=2000)


def _backdate_crossings() -> None:
    """Stamp each crossing with the confirmation time of the signature that reached it."""
    for crossing in ThresholdCrossing.objects.select_related("threshold"):
        nth = (
            Signature.objects.filter(petition_id=crossing.petition_id, state=SignatureState.VERIFIED)
            .order_by("verified_at")
            .values_list("verified_at", flat=True)[crossing.threshold.count - 1 : crossing.threshold.count]
        )
        reached = next(iter(nth), None)
        if reached is not None:
            ThresholdCrossing.objects.filter(pk=crossing.pk).update(reached_at=reached)
