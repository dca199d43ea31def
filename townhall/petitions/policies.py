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
from dataclasses import dataclass

from django.utils import timezone

from townhall.petitions.models import LIVE_STATES, PUBLISHED_STATES, Petition, PetitionState

# The state lists each change requires (services pass them to their state check).
SPONSOR_STATES = (PetitionState.SPONSORING, PetitionState.AWAITING_MODERATION)
APPROVABLE_STATES = (PetitionState.AWAITING_MODERATION,)
REJECTABLE_STATES = (PetitionState.AWAITING_MODERATION, PetitionState.SPONSORING)
TAKE_DOWN_STATES = LIVE_STATES
REMODERATABLE_STATES = (PetitionState.REJECTED,)


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
    return petition.state in APPROVABLE_STATES


def can_reject(petition: Petition) -> bool:
    return petition.state in REJECTABLE_STATES


def can_take_down(petition: Petition) -> bool:
    return petition.state in TAKE_DOWN_STATES


def can_remoderate(petition: Petition) -> bool:
    return petition.state in REMODERATABLE_STATES


def can_remove(petition: Petition) -> bool:
    return petition.state != PetitionState.REMOVED


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
