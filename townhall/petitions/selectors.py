"""Reads of petitions for pages and JSON."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from townhall.core.errors import Gone, NotFound
from townhall.core.localcache import LocalCache
from townhall.core.tokens import get_by_token
from townhall.petitions import policies
from townhall.petitions.models import (
    PUBLIC_TEXT_FIELDS,
    Petition,
    PetitionQuerySet,
    PetitionState,
    ThresholdCrossing,
)
from townhall.schemes.goals import next_goal
from townhall.schemes.models import Scheme

# Callers name a threshold's kind through this module (interfaces never import another
# app's models).
from townhall.schemes.models import ThresholdKind as ThresholdKind


class ListFilter:
    """The public list's filters, by URL value."""

    ALL = "all"
    OPEN = "open"
    CLOSED = "closed"
    REJECTED = "rejected"
    AWAITING_RESPONSE = "awaiting_response"
    RESPONDED = "responded"
    DEBATED = "debated"

    LABELS = {
        ALL: "All petitions",
        OPEN: "Open",
        CLOSED: "Closed",
        REJECTED: "Rejected",
        AWAITING_RESPONSE: "Awaiting a response",
        RESPONDED: "Responded to",
        DEBATED: "Debated",
    }


NOT_PUBLISHED = _("There is no published petition with that number.")
REMOVED = _("This petition has been removed.")


def petition_require_public(
    petition: Petition | None, *, not_found: str | Promise = NOT_PUBLISHED, gone: str | Promise = REMOVED
) -> Petition:
    """The one rule for "public, gone or not found": a published petition is returned;
    a removed one is Gone (410); a missing or unpublished one is NotFound (404), so a
    petition still gathering sponsors is indistinguishable from one that never existed.
    Whatever is reached through a petition (its response, its count) answers the same way."""
    if petition is None or not (policies.is_published(petition) or petition.state == PetitionState.REMOVED):
        raise NotFound(str(not_found))
    if petition.state == PetitionState.REMOVED:
        raise Gone(str(gone))
    return petition


def petition_get_public(*, petition_id: int) -> Petition:
    """A petition the public may see; removed ones are Gone (410), unpublished ones NotFound."""
    return petition_require_public(Petition.objects.select_related("official__person").filter(pk=petition_id).first())


def petition_get(*, petition_id: int) -> Petition:
    """Any petition, in any state (staff and emailed-link pages)."""
    petition = Petition.objects.select_related("official__person", "current_version").filter(pk=petition_id).first()
    if petition is None:
        raise NotFound("There is no petition with that number.")
    return petition


# What the signing pages and `signature_create` read: state checks and the title, no joins.
SIGNING_FIELDS = (
    "id",
    "action",
    "state",
    "sponsor_token",
    "closed_at",
    "deadline_at",
    "current_version_id",
    "proof_of_work_required",
    # The fraud controls' limits grow with the count.
    "signature_count",
)


_for_signing: LocalCache[Petition] = LocalCache("petitions-for-signing", max_entries=256)


def petition_get_for_signing(*, petition_id: int, max_age: float = 0.0) -> Petition | None:
    """A petition's signing columns only (the hot path: one narrow primary-key read), or None.

    With `max_age`, a copy this process read at most that many seconds ago will do: for
    pages that only show the petition (the sign form, "check your email", the confirm
    button), never for a write, which reads afresh. Treat a kept copy as read-only.
    """
    if max_age > 0:
        kept = _for_signing.get(petition_id)
        if kept is not None:
            return kept
    petition = Petition.objects.filter(pk=petition_id).only(*SIGNING_FIELDS).first()
    if petition is not None:
        _for_signing.set(petition_id, petition, seconds=max_age)
    return petition


def petition_get_by_creator_token(*, petition_id: int, token: str, purpose: str | None = None) -> Petition:
    """The petition a creator's emailed link points at; a wrong token is NotFound. The
    creator's page takes the stored token; its other pages (e.g. "update") the token
    derived for their purpose."""
    return get_by_token(Petition.objects.all(), pk=petition_id, token=token, field="creator_token", purpose=purpose)


def _response_crossed() -> Exists:
    return Exists(ThresholdCrossing.objects.filter(petition=OuterRef("pk"), threshold__kind=ThresholdKind.RESPONSE))


def petition_list_public(*, state: str, query: str, page: int, page_size: int) -> Page[Petition]:
    """Published petitions under one filter, optionally matching words in their text."""
    petitions: PetitionQuerySet = Petition.objects.published()
    if state == ListFilter.OPEN:
        petitions = petitions.filter(state=PetitionState.OPEN).order_by("-signature_count", "-id")
    elif state == ListFilter.CLOSED:
        petitions = petitions.filter(state=PetitionState.CLOSED).order_by("-closed_at", "-id")
    elif state == ListFilter.REJECTED:
        petitions = petitions.filter(state=PetitionState.REJECTED).order_by("-rejected_at", "-id")
    elif state == ListFilter.AWAITING_RESPONSE:
        petitions = (
            petitions.filter(_response_crossed(), response_published_at__isnull=True)
            .exclude(state=PetitionState.REJECTED)
            .order_by("-signature_count", "-id")
        )
    elif state == ListFilter.RESPONDED:
        petitions = petitions.filter(response_published_at__isnull=False).order_by("-response_published_at", "-id")
    elif state == ListFilter.DEBATED:
        petitions = petitions.filter(debate_outcome_at__isnull=False).order_by("-debate_outcome_at", "-id")
    else:
        # Rejected petitions were never opened: list them after the rest on every database
        # (PostgreSQL would otherwise put NULLs first in a descending sort).
        petitions = petitions.order_by(F("opened_at").desc(nulls_last=True), "-id")
    for word in _words(query)[:8]:
        text_match = Q(action__icontains=word) | Q(background__icontains=word) | Q(additional_details__icontains=word)
        # Hidden rejections never match on their text.
        petitions = petitions.filter(text_match).text_public()
    return Paginator(petitions, page_size).get_page(page)


def petition_list_popular_open(*, limit: int) -> list[Petition]:
    return list(Petition.objects.filter(state=PetitionState.OPEN).order_by("-signature_count", "-id")[:limit])


def petition_list_recently_responded(*, limit: int) -> list[Petition]:
    return list(
        Petition.objects.published()
        .filter(response_published_at__isnull=False)
        .order_by("-response_published_at")[:limit]
    )


_STOPWORDS = frozenset(
    """a an and are as at be by for from in into is it of on or our the their this to we with
    should must please stop make give council mayor""".split()
)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9']+", text.lower()) if len(w) > 2 and w not in _STOPWORDS]


@dataclass(frozen=True)
class SimilarPetition:
    petition: Petition
    score: float


def petition_list_similar(*, text: str, limit: int = 5) -> list[SimilarPetition]:
    """Published petitions whose action shares words with `text`, best first.

    Shown while a creator types, so they can sign an existing petition instead of
    starting a duplicate. Score: the share of the two actions' words they have in common.
    Petitions still waiting for moderation are never shown: their text is unchecked.
    """
    words = set(_words(text))
    if not words:
        return []
    match = Q()
    for word in sorted(words)[:10]:
        match |= Q(action__icontains=word)
    candidates = Petition.objects.live().filter(match).only("id", "action", "state", "signature_count")[:200]
    scored = []
    for petition in candidates:
        other = set(_words(petition.action))
        if not other:
            continue
        score = len(words & other) / len(words | other)
        if score > 0:
            scored.append(SimilarPetition(petition=petition, score=round(score, 2)))
    scored.sort(key=lambda item: (-item.score, -item.petition.signature_count))
    return scored[:limit]


@dataclass(frozen=True)
class ThresholdProgress:
    name: str
    kind: str
    count: int
    description: str
    reached_at: Any
    percent: int
    counts_in_area_only: bool = False


def petition_threshold_progress(*, petition: Petition, scheme: Scheme) -> list[ThresholdProgress]:
    """Each scheme threshold with this petition's progress and when it was reached."""
    reached = {c.threshold_id: c.reached_at for c in petition.threshold_crossings.all()}
    return [
        ThresholdProgress(
            name=t.name,
            kind=t.kind,
            count=t.count,
            description=t.description,
            reached_at=reached.get(t.pk),
            percent=min(
                100,
                t.measured_count(total=petition.signature_count, in_area=petition.in_area_count) * 100 // t.count,
            ),
            counts_in_area_only=t.counts_in_area_only,
        )
        for t in scheme.thresholds.all()
    ]


def petition_goal(*, petition: Petition, scheme: Scheme) -> int:
    return next_goal(count=petition.signature_count, ladder=scheme.goal_ladder)


@dataclass(frozen=True)
class TextWarning:
    """A pre-check finding on one field of a petition, for the creator or a moderator."""

    field: str
    label: str
    flag: str
    excerpt: str
    advice: str


class TextFinding(Protocol):
    """What a text check reports: a flag name, the words that raised it, advice to the writer."""

    @property
    def flag(self) -> str: ...

    @property
    def excerpt(self) -> str: ...

    @property
    def advice(self) -> str: ...


TextCheck = Callable[[str], Iterable[TextFinding]]
_text_checks: list[TextCheck] = []


def register_text_check(check: TextCheck) -> None:
    """Extension point: a higher app (integrity's automated pre-checks) adds a check that
    `petition_text_warnings` runs on each field, from its `AppConfig.ready()`. Petitions may
    not import the apps above it, so the checks come to it."""
    if check not in _text_checks:
        _text_checks.append(check)


PETITION_TEXT_FIELDS = (
    ("action", "What you want us to do"),
    ("background", "Why"),
    ("additional_details", "Additional details"),
)


def petition_text_warnings(*, action: str, background: str, additional_details: str) -> list[TextWarning]:
    """Pre-check findings for each field of a petition's text (they inform, never decide)."""
    texts = {"action": action, "background": background, "additional_details": additional_details}
    return [
        TextWarning(field=field, label=label, flag=str(finding.flag), excerpt=finding.excerpt, advice=finding.advice)
        for field, label in PETITION_TEXT_FIELDS
        for check in _text_checks
        for finding in check(texts[field])
    ]


PETITION_CSV_FIELDS = (
    "id",
    "action",
    "state",
    "decision_maker",
    "signature_count",
    "created_at",
    "opened_at",
    "deadline_at",
    "closed_at",
    "rejected_at",
    "rejection_reason",
    "response_published_at",
    "debate_outcome_at",
)


def petition_iter_public_rows(*, chunk_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Every published petition as a tuple of PETITION_CSV_FIELDS, oldest first, streamed
    from the database in chunks (never all in memory). Hidden rejections have no action
    and no addressee."""
    columns = [f"{field}_if_public" if field in PUBLIC_TEXT_FIELDS else field for field in PETITION_CSV_FIELDS]
    rows = Petition.objects.published().with_public_text().order_by("id").values_list(*columns)
    return rows.iterator(chunk_size=chunk_size)


def petition_list_recently_opened(*, limit: int) -> list[Petition]:
    """Open and closed petitions, most recently opened first (new petitions feed)."""
    return list(Petition.objects.live().filter(opened_at__isnull=False).order_by("-opened_at", "-id")[:limit])


def threshold_crossing_times(*, petition_ids: Iterable[int]) -> dict[tuple[int, str], datetime.datetime]:
    """When each petition first crossed a threshold of each kind: {(petition id, kind): time}
    (one query, for many petitions at once)."""
    times: dict[tuple[int, str], datetime.datetime] = {}
    crossings = (
        ThresholdCrossing.objects.filter(petition_id__in=list(petition_ids))
        .select_related("threshold")
        .order_by("reached_at")
    )
    for crossing in crossings:
        times.setdefault((crossing.petition_id, crossing.threshold.kind), crossing.reached_at)
    return times
