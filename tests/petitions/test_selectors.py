"""Petition reads: the public list and its filters, search, similar petitions, goals."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from tests.builders import awaiting_petition, make_petition, open_petition
from townhall.accounts.models import User
from townhall.petitions.models import Petition, ThresholdCrossing
from townhall.petitions.selectors import (
    ListFilter,
    petition_goal,
    petition_list_public,
    petition_list_similar,
)
from townhall.petitions.services import (
    petition_close_expired,
    petition_confirm_creator,
    petition_reject,
    petition_remove,
)
from townhall.schemes.models import Scheme, Threshold, ThresholdKind

UTC = datetime.UTC

pytestmark = pytest.mark.django_db


def at(month: int, day: int = 1) -> datetime.datetime:
    return datetime.datetime(2025, month, day, 12, 0, tzinfo=UTC)


def opened(moderator: User, when: datetime.datetime, **overrides: Any) -> Petition:
    with time_machine.travel(when, tick=False):
        return open_petition(moderator=moderator, **overrides)


def rejected(scheme: Scheme, moderator: User, when: datetime.datetime, reason: str, **overrides: Any) -> Petition:
    petition = awaiting_petition(**overrides)
    with time_machine.travel(when, tick=False):
        return petition_reject(petition_id=petition.pk, reason=reason, details="", actor=moderator)


def set_count(petition: Petition, count: int) -> None:
    Petition.objects.filter(pk=petition.pk).update(signature_count=count)
    petition.signature_count = count


def cross_response(petition: Petition, when: datetime.datetime) -> None:
    ThresholdCrossing.objects.create(
        petition=petition,
        threshold=Threshold.objects.get(kind=ThresholdKind.RESPONSE),
        reached_at=when,
        signature_count=1000,
    )


@dataclass
class Borough:
    toilets: Petition
    trees: Petition
    buses: Petition
    potholes: Petition
    library: Petition
    duplicate: Petition
    libel: Petition
    advert: Petition
    waiting: Petition
    sponsoring: Petition
    pending: Petition
    removed: Petition


@pytest.fixture
def borough(scheme: Scheme, moderator: User) -> Borough:
    """Petitions in every state, some answered, some debated."""
    potholes = opened(moderator, at(1, 1), action="Fix the potholes on Mill Lane", background="Cyclists fall.")
    library = opened(moderator, at(1, 5), action="Keep Kingsmere library open", background="Readers need it.")
    # Close both: the library's deadline is the later one, so it closed last.
    assert petition_close_expired(now=library.deadline_at) == 2
    toilets = opened(
        moderator,
        at(2),
        action="Reopen the public toilets on Kingsmere Road",
        background="The toilets by the market closed in March.",
    )
    trees = opened(
        moderator,
        at(3),
        action="Plant more trees in Kingsmere Park",
        background="Shade for the playground.",
        additional_details="Oak and lime would suit the soil.",
    )
    buses = opened(
        moderator, at(4), action="Restore the number 7 bus", background="It was the only bus to the hospital."
    )
    duplicate = rejected(
        scheme,
        moderator,
        at(4),
        "duplicate",
        action="Reopen the toilets by the market",
        background="The market toilets are shut.",
    )
    libel = rejected(
        scheme,
        moderator,
        at(5),
        "libellous",
        action="Sack the toilets manager",
        background="Allegations about a named person and the toilets.",
    )
    advert = rejected(
        scheme, moderator, at(6), "advert", action="Buy our Kingsmere toilets cleaning kit", background="Cheap."
    )
    waiting = awaiting_petition(action="Reopen the public toilets on Kingsmere Road now", background="Waiting.")
    sponsoring = make_petition(action="Toilets for Kingsmere station", background="Sponsoring.")
    petition_confirm_creator(petition_id=sponsoring.pk, token=sponsoring.creator_token)
    pending = make_petition(action="Pending toilets petition", background="Pending.")
    removed = opened(moderator, at(2, 10), action="Removed toilets petition", background="Removed.")
    petition_remove(petition_id=removed.pk, actor=moderator)

    set_count(toilets, 1200)
    set_count(trees, 40)
    set_count(buses, 1500)
    set_count(potholes, 2000)
    set_count(library, 300)
    set_count(removed, 5000)
    # Toilets and buses crossed the response threshold; only buses has been answered.
    cross_response(toilets, at(2))
    cross_response(buses, at(3, 5))
    cross_response(potholes, at(2))
    Petition.objects.filter(pk=buses.pk).update(response_published_at=at(4, 1))
    Petition.objects.filter(pk=potholes.pk).update(response_published_at=at(5, 1), debate_outcome_at=at(6, 1))
    Petition.objects.filter(pk=library.pk).update(debate_outcome_at=at(7, 1))
    for petition in (toilets, trees, buses, potholes, library, removed):
        petition.refresh_from_db()
    return Borough(
        toilets, trees, buses, potholes, library, duplicate, libel, advert, waiting, sponsoring, pending, removed
    )


def listed(state: str, query: str = "", *, page: int = 1, page_size: int = 50) -> list[Petition]:
    return list(petition_list_public(state=state, query=query, page=page, page_size=page_size).object_list)


# --- petition_list_public ------------------------------------------------------------------


def test_open_lists_open_petitions_most_signed_first(borough: Borough) -> None:
    assert listed(ListFilter.OPEN) == [borough.buses, borough.toilets, borough.trees]


def test_closed_lists_closed_petitions_most_recently_closed_first(borough: Borough) -> None:
    assert borough.library.closed_at is not None
    assert borough.potholes.closed_at is not None
    assert borough.library.closed_at > borough.potholes.closed_at
    assert listed(ListFilter.CLOSED) == [borough.library, borough.potholes]


def test_rejected_lists_all_rejections_newest_first(borough: Borough) -> None:
    # Hidden rejections are listed (their pages show the reason, not the text).
    assert listed(ListFilter.REJECTED) == [borough.advert, borough.libel, borough.duplicate]


def test_awaiting_response_lists_crossed_but_unanswered(borough: Borough) -> None:
    assert listed(ListFilter.AWAITING_RESPONSE) == [borough.toilets]


def test_awaiting_response_never_lists_a_rejected_petition(borough: Borough) -> None:
    cross_response(borough.duplicate, at(4))
    assert listed(ListFilter.AWAITING_RESPONSE) == [borough.toilets]


def test_only_a_response_crossing_makes_a_petition_await_a_response(borough: Borough) -> None:
    for kind in (ThresholdKind.OFFICER_EVIDENCE, ThresholdKind.DEBATE):
        ThresholdCrossing.objects.create(
            petition=borough.trees,
            threshold=Threshold.objects.get(kind=kind),
            reached_at=at(3),
            signature_count=40,
        )
    assert listed(ListFilter.AWAITING_RESPONSE) == [borough.toilets]
    cross_response(borough.trees, at(3))
    assert listed(ListFilter.AWAITING_RESPONSE) == [borough.toilets, borough.trees]


def test_responded_lists_answered_petitions_latest_answer_first(borough: Borough) -> None:
    assert listed(ListFilter.RESPONDED) == [borough.potholes, borough.buses]


def test_debated_lists_debated_petitions_latest_first(borough: Borough) -> None:
    assert listed(ListFilter.DEBATED) == [borough.library, borough.potholes]


@pytest.mark.parametrize("state", [ListFilter.ALL, "", "nonsense"])
def test_all_lists_every_published_petition_and_nothing_private(borough: Borough, state: str) -> None:
    petitions = listed(state)
    # Newest opened first; rejected petitions (never opened) come last, newest rejection first.
    assert petitions == [
        borough.buses,
        borough.trees,
        borough.toilets,
        borough.library,
        borough.potholes,
        borough.advert,
        borough.libel,
        borough.duplicate,
    ]


def test_private_and_removed_petitions_are_never_listed(borough: Borough) -> None:
    private = {borough.waiting.pk, borough.sponsoring.pk, borough.pending.pk, borough.removed.pk}
    for state in ListFilter.LABELS:
        for query in ("", "toilets", "petition"):
            assert private.isdisjoint(p.pk for p in listed(state, query)), (state, query)


def test_search_matches_words_in_any_part_of_the_text(borough: Borough) -> None:
    assert listed(ListFilter.ALL, "TOILETS") == [borough.toilets, borough.duplicate]
    assert listed(ListFilter.ALL, "hospital") == [borough.buses]  # background
    assert listed(ListFilter.ALL, "oak") == [borough.trees]  # additional details
    assert listed(ListFilter.ALL, "kingsmere") == [borough.trees, borough.toilets, borough.library]


def test_search_needs_every_word(borough: Borough) -> None:
    assert listed(ListFilter.ALL, "toilets market") == [borough.toilets, borough.duplicate]
    assert listed(ListFilter.ALL, "toilets road") == [borough.toilets]
    assert listed(ListFilter.ALL, "toilets hospital") == []


def test_search_ignores_short_words_and_stopwords(borough: Borough) -> None:
    everything = listed(ListFilter.ALL)
    assert listed(ListFilter.ALL, "the council should") == everything
    assert listed(ListFilter.ALL, "   ") == everything
    assert listed(ListFilter.ALL, "the toilets, please!") == [borough.toilets, borough.duplicate]


def test_search_never_matches_the_text_of_hidden_rejections(borough: Borough) -> None:
    for state in (ListFilter.ALL, ListFilter.REJECTED):
        found = listed(state, "toilets")
        assert borough.libel not in found
        assert borough.advert not in found
    assert listed(ListFilter.ALL, "allegations") == []
    assert listed(ListFilter.ALL, "cleaning kit") == []
    assert listed(ListFilter.REJECTED, "toilets") == [borough.duplicate]


def test_search_within_a_filter(borough: Borough) -> None:
    assert listed(ListFilter.OPEN, "toilets") == [borough.toilets]
    assert listed(ListFilter.CLOSED, "toilets") == []
    assert listed(ListFilter.CLOSED, "lane") == [borough.potholes]
    assert listed(ListFilter.AWAITING_RESPONSE, "toilets") == [borough.toilets]


def test_the_list_is_paged(borough: Borough) -> None:
    first = petition_list_public(state=ListFilter.ALL, query="", page=1, page_size=3)
    assert first.paginator.count == 8
    assert first.paginator.num_pages == 3
    assert list(first.object_list) == [borough.buses, borough.trees, borough.toilets]
    last = petition_list_public(state=ListFilter.ALL, query="", page=3, page_size=3)
    assert list(last.object_list) == [borough.libel, borough.duplicate]
    # Out-of-range pages give the last page rather than an error.
    assert list(petition_list_public(state=ListFilter.ALL, query="", page=99, page_size=3).object_list) == list(
        last.object_list
    )


def test_a_page_of_the_list_takes_two_queries(borough: Borough, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):
        page = petition_list_public(state=ListFilter.AWAITING_RESPONSE, query="toilets", page=1, page_size=10)
        assert [p.action for p in page.object_list] == [borough.toilets.action]


# --- petition_list_similar -----------------------------------------------------------------


def test_similar_ranks_petitions_by_shared_words(borough: Borough) -> None:
    results = petition_list_similar(text="Reopen the public toilets on Kingsmere Road")

    # Score: shared words over all words of the two actions (stopwords and short words aside).
    assert [(r.petition, r.score) for r in results] == [
        (borough.toilets, 1.0),
        # The waiting petition shares 5 of 6 words but is unmoderated, so never suggested.
        (borough.library, 0.12),  # 1 of 8
        (borough.trees, 0.11),  # 1 of 9
    ]


def test_similar_never_suggests_rejected_private_or_removed_petitions(borough: Borough) -> None:
    suggested = {r.petition for r in petition_list_similar(text="toilets market kit manager station pending removed")}
    excluded = {
        borough.duplicate,
        borough.libel,
        borough.advert,
        borough.waiting,
        borough.sponsoring,
        borough.pending,
        borough.removed,
    }
    assert suggested == {borough.toilets}
    assert excluded.isdisjoint(suggested)


def test_similar_breaks_ties_by_signature_count(borough: Borough) -> None:
    ranked = [(r.petition, r.score) for r in petition_list_similar(text="Kingsmere")]
    assert ranked == [
        (borough.library, 0.25),
        (borough.toilets, 0.2),  # 1,200 signatures
        (borough.trees, 0.2),  # 40 signatures
    ]
    set_count(borough.trees, 5000)
    ranked = [(r.petition, r.score) for r in petition_list_similar(text="Kingsmere")]
    assert [p for p, _ in ranked][1:3] == [borough.trees, borough.toilets]


def test_similar_matches_whole_words_only(borough: Borough, moderator: User) -> None:
    opened(moderator, at(8), action="Faster broadband for the villages")
    # "road" is inside "broadband" but is not the same word.
    assert [r.petition for r in petition_list_similar(text="road")] == [borough.toilets]


def test_similar_respects_the_limit(borough: Borough, moderator: User) -> None:
    repairs = [opened(moderator, at(8, n + 1), action=f"Repair the toilets block {n}") for n in range(4)]
    results = petition_list_similar(text="Repair toilets", limit=3)
    assert len(results) == 3
    assert {r.petition for r in results} <= set(repairs)
    assert {r.score for r in results} == {0.67}
    assert len(petition_list_similar(text="Repair toilets")) == 5


@pytest.mark.parametrize("text", ["", "   ", "the council should", "a to of"])
def test_similar_with_no_meaningful_words_suggests_nothing(borough: Borough, text: str) -> None:
    assert petition_list_similar(text=text) == []


# --- petition_goal -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "goal"),
    [
        (0, 50),
        (49, 50),
        (50, 100),
        (99, 100),
        (100, 250),
        (1_000, 1_500),
        (2_499, 2_500),
        (2_500, 5_000),
        (24_999, 25_000),
        # Past the top of the ladder: the next 1-2.5-5 round number.
        (25_000, 50_000),
        (49_999, 50_000),
        (50_000, 100_000),
        (100_000, 250_000),
        (250_000, 500_000),
        (999_999, 1_000_000),
        (1_000_000, 2_500_000),
    ],
)
def test_goal_uses_the_ladder_then_round_numbers(scheme: Scheme, count: int, goal: int) -> None:
    assert scheme.goal_ladder == [50, 100, 250, 500, 1_000, 1_500, 2_500, 5_000, 10_000, 25_000]
    petition = Petition(signature_count=count)
    assert petition_goal(petition=petition, scheme=scheme) == goal


def test_goal_follows_an_edited_ladder(scheme: Scheme) -> None:
    scheme.goal_ladder = [10, 20]
    assert petition_goal(petition=Petition(signature_count=5), scheme=scheme) == 10
    assert petition_goal(petition=Petition(signature_count=20), scheme=scheme) == 25
    assert petition_goal(petition=Petition(signature_count=25), scheme=scheme) == 50
    assert petition_goal(petition=Petition(signature_count=60), scheme=scheme) == 100
