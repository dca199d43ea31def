"""Which actions a petition's state allows: the one home of those rules.

Services check them before each change (and raise a domain error naming the state when
the answer is no); pages and templates read `petition_actions` so they offer only what
would succeed; querysets use `PetitionQuerySet.published()` and `.live()` (models), which
hold the same state lists. Who may act (a role) is decided in `townhall.accounts.policies`;
these predicates say only what the petition itself allows.

    published  open, closed, rejected: the public can see its page
    live       open, closed: counted, owed responses, debated, updated, contactable
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from django.utils import timezone

from townhall.petitions.models import LIVE_STATES, PUBLISHED_STATES, Petition, PetitionState


class Decision(enum.StrEnum):
    """A staff decision on a petition (townhall/moderation/services.py)."""

    APPROVE = "approve"
    REJECT = "reject"
    TAKE_DOWN = "take_down"
    SEND_BACK = "send_back"
    REMOVE = "remove"


S = PetitionState
# The one table of staff decisions: the states each may be taken from. The services refuse
# any other (409, nothing changed) and the pages offer exactly these. Where each leads:
# approve opens a petition, or (approved again after being sent back) returns it to the
# state its dates give it, `approved_state`; reject and take down make it rejected; send
# back puts it in the queue; remove, removed.
DECISIONS: dict[Decision, frozenset[PetitionState]] = {
    Decision.APPROVE: frozenset({S.AWAITING_MODERATION}),
    Decision.REJECT: frozenset({S.AWAITING_MODERATION}),
    Decision.TAKE_DOWN: frozenset(LIVE_STATES),
    Decision.SEND_BACK: frozenset({S.REJECTED}),
    Decision.REMOVE: frozenset(set(PetitionState) - {S.REMOVED}),
}
# Sponsors sign through the creator's link until moderation decides.
SPONSOR_STATES = (S.SPONSORING, S.AWAITING_MODERATION)


def allows(decision: Decision, petition: Petition) -> bool:
    """May this decision be taken on the petition in its current state?"""
    return petition.state in DECISIONS[decision]


def approved_state(petition: Petition, *, now: datetime.datetime) -> PetitionState:
    """Where approving takes a petition: open, unless it was opened before (taken down, sent
    back, approved again) and its deadline has passed: then closed. Approval never gives a
    petition a new deadline; it keeps the one it was first opened with."""
    if petition.opened_at is not None and petition.deadline_at is not None and petition.deadline_at <= now:
        return S.CLOSED
    return S.OPEN


def is_published(petition: Petition) -> bool:
    """The public can see its page (a hidden rejection shows only that it was rejected)."""
    return petition.state in PUBLISHED_STATES


def is_live(petition: Petition) -> bool:
    """Open or closed: it may be owed a response, be debated, take updates and be contacted."""
    return petition.state in LIVE_STATES


def has_closed(petition: Petition, *, now: datetime.datetime | None = None) -> bool:
    """Closed, or past its deadline though the scheduler has not yet marked it closed.

    Signing and confirming stop at the deadline itself, not when the closer next runs.
    """
    if petition.state == PetitionState.CLOSED:
        return True
    return (
        petition.state == PetitionState.OPEN
        and petition.deadline_at is not None
        and petition.deadline_at <= (now or timezone.now())
    )


def takes_signatures(petition: Petition, *, now: datetime.datetime | None = None) -> bool:
    """Open, and its deadline has not passed."""
    return petition.state == PetitionState.OPEN and not has_closed(petition, now=now)


def takes_sponsors(petition: Petition) -> bool:
    """Sponsors sign through the creator's link until moderation decides."""
    return petition.state in SPONSOR_STATES


def can_approve(petition: Petition) -> bool:
    return allows(Decision.APPROVE, petition)


def can_reject(petition: Petition) -> bool:
    return allows(Decision.REJECT, petition)


def can_take_down(petition: Petition) -> bool:
    return allows(Decision.TAKE_DOWN, petition)


def can_remoderate(petition: Petition) -> bool:
    return allows(Decision.SEND_BACK, petition)


def can_remove(petition: Petition) -> bool:
    return allows(Decision.REMOVE, petition)


@dataclass(frozen=True)
class PetitionActions:
    """What a page may offer for a petition, read by templates as `actions.<name>`."""

    can_sign: bool
    can_approve: bool
    can_reject: bool
    can_take_down: bool
    can_remoderate: bool
    can_remove: bool
    can_post_update: bool
    can_be_contacted: bool


def petition_actions(petition: Petition, *, now: datetime.datetime | None = None) -> PetitionActions:
    live = is_live(petition)
    return PetitionActions(
        can_sign=takes_signatures(petition, now=now),
        can_approve=can_approve(petition),
        can_reject=can_reject(petition),
        can_take_down=can_take_down(petition),
        can_remoderate=can_remoderate(petition),
        can_remove=can_remove(petition),
        can_post_update=live,
        can_be_contacted=live,
    )
