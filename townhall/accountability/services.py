"""Recording governance decisions: dated events linked to officials, meetings and petitions.

Only administrators record decisions: they are the body's public record of who decided
what and when (an appointments panel recommends, Full Council confirms, a departure), so
they are shown on officials' pages and on the timelines of petitions they concern.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from townhall.accountability.models import Decision, DecisionKind
from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_administer, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, NotFound
from townhall.core.text import text_within, tidy
from townhall.meetings.models import Meeting
from townhall.officials.models import Official
from townhall.petitions.models import Petition

TITLE_MAX = 200
DECIDED_BY_MAX = 200


@dataclass(frozen=True)
class DecisionFields:
    decided_on: datetime.date
    kind: str
    title: str
    description: str
    decided_by: str
    official_ids: list[int]
    meeting_id: int | None
    petition_ids: list[int]
    source_url: str


class DecisionInput(TypedDict):
    """A decision's fields as typed, before `decision_clean`: what recording and
    correcting a decision take."""

    decided_on: datetime.date | None
    kind: str
    title: str
    description: str
    decided_by: str
    official_ids: Sequence[int]
    meeting_id: int | None
    petition_ids: Sequence[int]
    source_url: NotRequired[str]


def decision_clean(**raw: Unpack[DecisionInput]) -> DecisionFields:
    """Tidy and check a decision's fields; raise a DomainError naming what is wrong.

    Linked petitions must be public (open, closed or rejected): a decision is shown on
    their timelines, and a petition still in private stages must not be revealed.
    """
    decided_on, kind, meeting_id = raw["decided_on"], raw["kind"], raw["meeting_id"]
    if decided_on is None:
        raise DomainError(_("Enter the date the decision was taken."), code="decision_date_blank")
    if kind not in DecisionKind.values:
        raise DomainError(_("Choose what kind of decision this was."), code="decision_kind_invalid")
    title = text_within(
        raw["title"],
        limit=TITLE_MAX,
        code="decision_title",
        blank=_("Enter a title for the decision."),
        too_long=_("The title must be %(max)s characters or fewer."),
    )
    decided_by = text_within(
        raw["decided_by"],
        limit=DECIDED_BY_MAX,
        code="decision_decided_by",
        too_long=_("Who decided must be %(max)s characters or fewer."),
    )
    description = tidy(raw["description"])
    source_url = raw.get("source_url", "").strip()
    if source_url:
        try:
            URLValidator(schemes=["http", "https"])(source_url)
        except ValidationError as exc:
            raise DomainError(_("Enter the source as a full web address."), code="decision_source_invalid") from exc
    officials = sorted(set(raw["official_ids"]))
    if len(officials) != Official.objects.filter(pk__in=officials).count():
        raise DomainError(_("One of the officials chosen does not exist."), code="decision_official_unknown")
    if meeting_id is not None and not Meeting.objects.filter(pk=meeting_id).exists():
        raise DomainError(_("The meeting chosen does not exist."), code="decision_meeting_unknown")
    petitions = sorted(set(raw["petition_ids"]))
    if len(petitions) != Petition.objects.published().filter(pk__in=petitions).count():
        raise DomainError(
            _("A decision can only be linked to published petitions."), code="decision_petition_not_public"
        )
    return DecisionFields(
        decided_on=decided_on,
        kind=kind,
        title=title,
        description=description,
        decided_by=decided_by,
        official_ids=officials,
        meeting_id=meeting_id,
        petition_ids=petitions,
        source_url=source_url,
    )


def _require_administrator(actor: Actor) -> User:
    return require(can_administer, actor, refusal=_("Only administrators can record decisions."))


def _write(decision: Decision, fields: DecisionFields) -> None:
    decision.decided_on = fields.decided_on
    decision.kind = fields.kind
    decision.title = fields.title
    decision.description = fields.description
    decision.decided_by = fields.decided_by
    decision.meeting_id = fields.meeting_id
    decision.source_url = fields.source_url
    decision.save()
    decision.officials.set(fields.official_ids)
    decision.petitions.set(fields.petition_ids)


def _audit_data(fields: DecisionFields) -> dict[str, Any]:
    return {
        "decided_on": fields.decided_on.isoformat(),
        "kind": fields.kind,
        "officials": fields.official_ids,
        "meeting": fields.meeting_id,
        "petitions": fields.petition_ids,
    }


@transaction.atomic
def decision_record(*, actor: Actor, **raw: Unpack[DecisionInput]) -> Decision:
    """An administrator records a decision; it appears on the linked officials' pages
    and on the linked petitions' timelines."""
    actor = _require_administrator(actor)
    fields = decision_clean(**raw)
    decision = Decision()
    _write(decision, fields)
    audit_record(action="decision.recorded", target=decision, actor=actor, data=_audit_data(fields))
    return decision


@transaction.atomic
def decision_update(*, decision_id: int, actor: Actor, **raw: Unpack[DecisionInput]) -> Decision:
    """An administrator corrects a recorded decision (the audit log keeps what changed)."""
    actor = _require_administrator(actor)
    decision = Decision.objects.select_for_update().filter(pk=decision_id).first()
    if decision is None:
        raise NotFound(_("There is no decision with that number."))
    fields = decision_clean(**raw)
    _write(decision, fields)
    audit_record(action="decision.updated", target=decision, actor=actor, data=_audit_data(fields))
    return decision


@transaction.atomic
def decision_delete(*, decision_id: int, actor: Actor) -> None:
    """An administrator deletes a decision recorded in error."""
    actor = _require_administrator(actor)
    decision = Decision.objects.select_for_update().filter(pk=decision_id).first()
    if decision is None:
        raise NotFound(_("There is no decision with that number."))
    audit_record(action="decision.deleted", target=decision, actor=actor, data={"title": decision.title})
    decision.delete()
