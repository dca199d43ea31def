"""Reads of petitions for pages and JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from townhall.core.errors import Gone, NotFound
from townhall.core.localcache import LocalCache
from townhall.core.prechecks import precheck_text
from townhall.core.tokens import tokens_match
from townhall.petitions.models import PUBLISHED_STATES, Petition, PetitionState, ThresholdCrossing
from townhall.schemes.goals import next_goal
from townhall.schemes.models import Scheme, ThresholdKind


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


def petition_get_public(*, petition_id: int) -> Petition:
    """A petition the public may see; removed ones are Gone (410), unpublished ones NotFound."""
    petition = Petition.objects.select_related("official__person").filter(pk=petition_id).first()
    if petition is None or petition.state not in (*PUBLISHED_STATES, PetitionState.REMOVED):
        raise NotFound("There is no published petition with that number.")
    if petition.state == PetitionState.REMOVED:
        raise Gone("This petition has been removed.")
    return petition


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


def petition_get_by_creator_token(*, petition_id: int, token: str) -> Petition:
    """The petition a creator's emailed link points at; a wrong token is NotFound."""
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None or not tokens_match(token, petition.creator_token):
        raise NotFound("This link is not valid. Check you copied the whole link from the email.", code="bad_token")
    return petition


def _response_crossed() -> Exists:
    return Exists(ThresholdCrossing.objects.filter(petition=OuterRef("pk"), threshold__kind=ThresholdKind.RESPONSE))


def petition_list_public(*, state: str, query: str, page: int, page_size: int) -> Page[Petition]:
    """Published petitions under one filter, optionally matching words in their text."""
    petitions: QuerySet[Petition] = Petition.objects.filter(state__in=PUBLISHED_STATES)
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
        petitions = petitions.filter(text_match).exclude(
            state=PetitionState.REJECTED, rejection_reason__in=["libellous", "offensive", "advert"]
        )
    return Paginator(petitions, page_size).get_page(page)


def petition_list_popular_open(*, limit: int) -> list[Petition]:
    return list(Petition.objects.filter(state=PetitionState.OPEN).order_by("-signature_count", "-id")[:limit])


def petition_list_recently_responded(*, limit: int) -> list[Petition]:
    return list(
        Petition.objects.filter(state__in=PUBLISHED_STATES, response_published_at__isnull=False).order_by(
            "-response_published_at"
        )[:limit]
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
    candidates = Petition.objects.filter(match, state__in=[PetitionState.OPEN, PetitionState.CLOSED]).only(
        "id", "action", "state", "signature_count"
    )[:200]
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
                (petition.in_area_count if t.counts_in_area_only else petition.signature_count) * 100 // t.count,
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


PETITION_TEXT_FIELDS = (
    ("action", "What you want us to do"),
    ("background", "Why"),
    ("additional_details", "Additional details"),
)


def petition_text_warnings(*, action: str, background: str, additional_details: str) -> list[TextWarning]:
    """Pre-check findings for each field of a petition's text (they inform, never decide)."""
    texts = {"action": action, "background": background, "additional_details": additional_details}
    return [
        TextWarning(field=field, label=label, flag=finding.flag.value, excerpt=finding.excerpt, advice=finding.advice)
        for field, label in PETITION_TEXT_FIELDS
        for finding in precheck_text(texts[field])
    ]
