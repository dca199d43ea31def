"""Committees, their meetings and agendas, and the clerk's record of what happened.

    scheduled ──clerk records the outcome (once the meeting has started)──▶ held
    scheduled ──clerk cancels──▶ cancelled

Only clerks (and administrators) change anything here. A petition goes on an agenda only
through the route its signatures unlocked: a debate needs the scheme's debate threshold,
an officer evidence session the officer evidence threshold. Signers who asked for updates
hear when their petition is scheduled, cancelled and when the outcome is published; those
letters are written by a background task, after the change commits, so a petition with
100,000 signers never slows the clerk's request.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_clerk, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.core.links import absolute_url
from townhall.core.text import text_required, text_within, tidy
from townhall.mail.services import Letter, queue_letters, render_email
from townhall.meetings.models import (
    AgendaItem,
    AgendaItemKind,
    AgendaNotice,
    Committee,
    CommitteeKind,
    Meeting,
    MeetingState,
    NoticeEvent,
)
from townhall.officials.models import Official
from townhall.petitions import policies
from townhall.petitions.models import Petition, PetitionState, ThresholdCrossing
from townhall.petitions.services import petition_mark_debated
from townhall.schemes.models import Threshold, ThresholdKind
from townhall.signatures.selectors import Subscriber
from townhall.signatures.services import SignerFanOutSpec, signers_fan_out

COMMITTEE_NAME_MAX = 200
LOCATION_MAX = 200
TITLE_MAX = 300
PETITION_KINDS = (AgendaItemKind.DEBATE, AgendaItemKind.OFFICER_EVIDENCE)
# The threshold each petition route needs.
ROUTE_THRESHOLD = {
    AgendaItemKind.DEBATE: ThresholdKind.DEBATE,
    AgendaItemKind.OFFICER_EVIDENCE: ThresholdKind.OFFICER_EVIDENCE,
}

FanOutEvent = Literal["scheduled", "cancelled", "outcome"]


def local_date(moment: datetime.datetime) -> str:
    """A moment as the body's calendar shows it: "3 March 2026"."""
    return timezone.localtime(moment).strftime("%-d %B %Y")


def _require_clerk(actor: Actor) -> User:
    return require(can_clerk, actor, refusal=_("Only clerks can schedule meetings and record what happened at them."))


# --- extension point: apps above meetings act when an outcome is published ---------------

OutcomeListener = Callable[[Meeting], object]
_outcome_listeners: list[OutcomeListener] = []


def register_outcome_listener(listener: OutcomeListener) -> None:
    """Call `listener(meeting)` inside the transaction that publishes a meeting's outcome.

    Apps above meetings (questions) register from `AppConfig.ready()`, as with core.panels,
    so that what they owe (e.g. verdict invitations) is written in the same transaction.
    """
    if listener not in _outcome_listeners:
        _outcome_listeners.append(listener)


# --- committees -------------------------------------------------------------------------------


@transaction.atomic
def committee_create(*, name: str, kind: str, actor: Actor) -> Committee:
    """Add a committee whose meetings can then be scheduled (Full Council, scrutiny...)."""
    actor = _require_clerk(actor)
    name = text_within(
        name,
        limit=COMMITTEE_NAME_MAX,
        code="committee_name",
        blank=_("Enter the committee's name."),
        too_long=_("The committee's name must be %(max)s characters or fewer."),
        one_line=True,
    )
    if kind not in CommitteeKind.values:
        raise DomainError(_("Choose what kind of committee this is."), code="committee_kind_invalid")
    if Committee.objects.filter(name__iexact=name).exists():
        raise DomainError(_("A committee called “%(name)s” already exists.") % {"name": name}, code="committee_exists")
    base = slugify(name)[:70] or "committee"
    slug, n = base, 2
    while Committee.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    committee = Committee.objects.create(name=name, slug=slug, kind=kind)
    audit_record(action="committee.created", target=committee, actor=actor, data={"kind": kind})
    return committee


# --- meetings ---------------------------------------------------------------------------------


def _locked_meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("There is no meeting with that number."))
    return meeting


def _require_scheduled(meeting: Meeting, *, doing: str) -> None:
    if meeting.state == MeetingState.CANCELLED:
        raise InvalidState(_("This meeting was cancelled, so %(doing)s.") % {"doing": doing}, code="meeting_cancelled")
    if meeting.state == MeetingState.HELD:
        raise InvalidState(
            _("This meeting has been held and its outcome published, so %(doing)s.") % {"doing": doing},
            code="meeting_held",
        )


@transaction.atomic
def meeting_schedule(*, committee_id: int, starts_at: datetime.datetime, location: str, actor: Actor) -> Meeting:
    """Put a dated sitting of a committee in the calendar. It must be in the future."""
    actor = _require_clerk(actor)
    committee = Committee.objects.filter(pk=committee_id).first()
    if committee is None:
        raise DomainError(_("Choose the committee that is meeting."), code="committee_unknown")
    if timezone.is_naive(starts_at):
        raise DomainError(_("Give the meeting's date and time."), code="starts_at_invalid")
    if starts_at <= timezone.now():
        raise DomainError(
            _("The meeting must start in the future; it was given as %(when)s.")
            % {"when": timezone.localtime(starts_at).strftime("%-d %B %Y %H:%M")},
            code="starts_at_past",
        )
    location = text_within(
        location,
        limit=LOCATION_MAX,
        code="location",
        too_long=_("The location must be %(max)s characters or fewer."),
        one_line=True,
    )
    meeting = Meeting.objects.create(committee=committee, starts_at=starts_at, location=location)
    audit_record(
        action="meeting.scheduled",
        target=meeting,
        actor=actor,
        data={"committee": committee.slug, "starts_at": starts_at.isoformat()},
    )
    return meeting


def _route_threshold(kind: AgendaItemKind) -> Threshold | None:
    return Threshold.objects.filter(kind=ROUTE_THRESHOLD[kind]).order_by("count").first()


def _check_petition_route(petition: Petition, kind: AgendaItemKind) -> None:
    """A petition reaches a debate or an evidence session only through its threshold."""
    if not policies.is_live(petition):
        raise DomainError(
            _("Only open or closed petitions can be put on an agenda; this one is %(state)s.")
            % {"state": PetitionState(petition.state).label.lower()},
            code="petition_state",
        )
    route = _("a debate") if kind == AgendaItemKind.DEBATE else _("an officer evidence session")
    threshold = _route_threshold(kind)
    if threshold is None:
        raise DomainError(
            _("The petition scheme has no threshold for %(route)s, so no petition can be scheduled for one.")
            % {"route": route},
            code="no_threshold",
        )
    crossed = ThresholdCrossing.objects.filter(petition=petition, threshold__kind=ROUTE_THRESHOLD[kind]).exists()
    if not crossed:
        raise DomainError(
            _(
                "“%(action)s” has not reached the %(threshold)s threshold (%(count)s signatures; it has "
                "%(has)s), so it cannot be scheduled for %(route)s."
            )
            % {
                "action": petition.action,
                "threshold": threshold.name,
                "count": f"{threshold.count:,}",
                "has": f"{threshold.measured_count(total=petition.signature_count, in_area=petition.in_area_count):,}",
                "route": route,
            },
            code="threshold_not_reached",
        )
    already = (
        AgendaItem.objects.filter(petition=petition, kind=kind, meeting__state=MeetingState.SCHEDULED)
        .select_related("meeting__committee")
        .first()
    )
    if already is not None:
        raise DomainError(
            _("This petition is already scheduled for %(route)s at %(committee)s on %(date)s.")
            % {"route": route, "committee": already.meeting.committee.name, "date": local_date(already.scheduled_at)},
            code="already_scheduled",
        )


@transaction.atomic
def agenda_item_add(
    *,
    meeting_id: int,
    kind: str,
    title: str,
    petition_id: int | None = None,
    official_id: int | None = None,
    actor: Actor,
) -> AgendaItem:
    """Add an item to a scheduled meeting's agenda.

    Debates and officer evidence sessions name a petition, which must have reached the
    scheme's threshold for that route; "public questions" items open the meeting to
    residents' questions (to the named official, if one is given).
    """
    actor = _require_clerk(actor)
    meeting = _locked_meeting(meeting_id)
    _require_scheduled(meeting, doing=_("nothing can be added to its agenda"))
    if kind not in AgendaItemKind.values:
        raise DomainError(_("Choose what kind of agenda item this is."), code="kind_invalid")
    item_kind = AgendaItemKind(kind)
    petition: Petition | None = None
    if item_kind in PETITION_KINDS:
        if petition_id is None:
            raise DomainError(_("Give the number of the petition to be considered."), code="petition_missing")
        petition = Petition.objects.filter(pk=petition_id).first()
        if petition is None:
            raise DomainError(_("There is no petition number %(n)s.") % {"n": petition_id}, code="petition_unknown")
        _check_petition_route(petition, item_kind)
    elif petition_id is not None:
        raise DomainError(
            _("Only petition debates and officer evidence sessions are linked to a petition."),
            code="petition_not_allowed",
        )
    official: Official | None = None
    if official_id is not None:
        official = Official.objects.select_related("person").filter(pk=official_id).first()
        if official is None:
            raise DomainError(_("Choose an official from the list."), code="official_unknown")
    title = tidy(title).replace("\n", " ")
    if not title and petition is not None:
        prefix = _("Debate") if item_kind == AgendaItemKind.DEBATE else _("Officer evidence")
        title = f"{prefix}: {petition.action}"
    if not title and item_kind == AgendaItemKind.QUESTIONS:
        title = _("Public questions to %(who)s") % {"who": official.label} if official else _("Public questions")
    title = text_within(
        title,
        limit=TITLE_MAX,
        code="title",
        blank=_("Enter a title for the agenda item."),
        too_long=_("The title must be %(max)s characters or fewer."),
    )
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=last + 1,
        kind=item_kind,
        title=title,
        petition=petition,
        official=official,
        scheduled_at=meeting.starts_at,
        created_at=timezone.now(),
    )
    audit_record(
        action="agenda_item.added",
        target=item,
        actor=actor,
        data={"meeting": meeting.pk, "kind": item_kind.value, "petition": petition.pk if petition else None},
    )
    if petition is not None:
        _fan_out_on_commit([item.pk], event="scheduled")
    return item


@transaction.atomic
def meeting_cancel(*, meeting_id: int, reason: str, actor: Actor) -> Meeting:
    """Cancel a scheduled meeting; the reason is published and signers are told."""
    actor = _require_clerk(actor)
    meeting = _locked_meeting(meeting_id)
    _require_scheduled(meeting, doing=_("it cannot be cancelled"))
    reason = text_required(
        reason, code="reason", blank=_("Say why the meeting is cancelled; the reason is shown on the meeting's page.")
    )
    meeting.state = MeetingState.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancellation_reason = reason
    meeting.save(update_fields=["state", "cancelled_at", "cancellation_reason"])
    audit_record(action="meeting.cancelled", target=meeting, actor=actor)
    petition_items = list(
        AgendaItem.objects.filter(meeting=meeting, kind__in=PETITION_KINDS, petition__isnull=False).values_list(
            "pk", flat=True
        )
    )
    _fan_out_on_commit(petition_items, event="cancelled")
    return meeting


@dataclass(frozen=True)
class ItemOutcome:
    """What happened to one agenda item, and the decision taken (if any)."""

    outcome: str
    decision: str = ""


def _clean_url(value: str, *, label: str, code: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise DomainError(
            _("Enter the %(label)s as a full web address, starting https://.") % {"label": label}, code=code
        ) from exc
    return value


@transaction.atomic
def meeting_record_outcome(
    *,
    meeting_id: int,
    summary: str,
    minutes_url: str,
    video_url: str,
    item_outcomes: Mapping[int, ItemOutcome],
    actor: Actor,
) -> Meeting:
    """Record and publish what happened at a meeting, once it has started.

    Marks the meeting held, records each item's outcome and decision, marks debated
    petitions as debated, and tells their opted-in signers. Recorded once: the outcome is
    a public record, so it is never silently rewritten.
    """
    actor = _require_clerk(actor)
    meeting = _locked_meeting(meeting_id)
    _require_scheduled(meeting, doing=_("its outcome cannot be recorded again"))
    now = timezone.now()
    if not meeting.has_started_at(now):
        raise InvalidState(
            _("This meeting starts on %(date)s; record its outcome after it has started.")
            % {"date": timezone.localtime(meeting.starts_at).strftime("%-d %B %Y at %H:%M")},
            code="meeting_not_started",
        )
    summary = text_required(summary, code="summary", blank=_("Summarise what happened at the meeting."))
    minutes_url = _clean_url(minutes_url, label=_("minutes' address"), code="minutes_url_invalid")
    video_url = _clean_url(video_url, label=_("video's address"), code="video_url_invalid")
    items = {item.pk: item for item in AgendaItem.objects.filter(meeting=meeting).select_related("petition")}
    unknown = sorted(set(item_outcomes) - set(items))
    if unknown:
        raise DomainError(
            _("Agenda item %(n)s is not on this meeting's agenda.") % {"n": unknown[0]}, code="item_unknown"
        )
    cleaned: dict[int, ItemOutcome] = {}
    for item in items.values():
        given = item_outcomes.get(item.pk, ItemOutcome(outcome=""))
        outcome, decision = tidy(given.outcome), tidy(given.decision)
        if item.kind in PETITION_KINDS and not outcome:
            raise DomainError(
                _("Record what happened for “%(title)s”.") % {"title": item.title}, code="item_outcome_blank"
            )
        cleaned[item.pk] = ItemOutcome(outcome=outcome, decision=decision)
    meeting.state = MeetingState.HELD
    meeting.summary = summary
    meeting.minutes_url = minutes_url
    meeting.video_url = video_url
    meeting.outcome_published_at = now
    meeting.save(update_fields=["state", "summary", "minutes_url", "video_url", "outcome_published_at"])
    for item_id, result in cleaned.items():
        if result.outcome or result.decision:
            AgendaItem.objects.filter(pk=item_id).update(
                outcome=result.outcome, decision=result.decision, outcome_recorded_at=now
            )
    for item in items.values():
        petition = item.petition
        if item.kind == AgendaItemKind.DEBATE and petition is not None and policies.is_live(petition):
            petition_mark_debated(petition_id=petition.pk, at=now)
    audit_record(action="meeting.outcome_published", target=meeting, actor=actor)
    for listener in list(_outcome_listeners):
        listener(meeting)
    _fan_out_on_commit(
        [item.pk for item in items.values() if item.kind in PETITION_KINDS and item.petition_id], event="outcome"
    )
    return meeting


# --- telling signers --------------------------------------------------------------------------


def _fan_out_on_commit(item_ids: list[int], *, event: FanOutEvent) -> None:
    if not item_ids:
        return

    def enqueue() -> None:
        from townhall.meetings.tasks import agenda_item_notify

        for item_id in item_ids:
            agenda_item_notify.enqueue(item_id=item_id, event=event)

    transaction.on_commit(enqueue)


# Which meeting state each letter still makes sense in when the task runs.
_EVENT_STATE: dict[str, MeetingState] = {
    NoticeEvent.SCHEDULED: MeetingState.SCHEDULED,
    NoticeEvent.CANCELLED: MeetingState.CANCELLED,
    NoticeEvent.OUTCOME: MeetingState.HELD,
}


def agenda_item_fan_out(*, item_id: int, event: str) -> int:
    """Queue the letters owed about an agenda item: one to the petition's creator, and one
    to each opted-in signer through the one signer fan-out (`signers_fan_out`), with the
    item's notice for this event as its cursor.

    Safe to run any number of times: each letter's dedupe key (`agenda:<item>:<event>:creator`,
    `agenda:<item>:<event>:signature:<id>`) is inserted at most once. A letter overtaken by
    events (a meeting cancelled before its "scheduled" letters went) is not sent. Returns
    how many letters were new.
    """
    if event not in _EVENT_STATE:
        raise DomainError(f"Unknown agenda notification {event!r}.", code="event_invalid")
    item = (
        AgendaItem.objects.select_related("meeting__committee", "petition", "official__person")
        .filter(pk=item_id, petition__isnull=False)
        .first()
    )
    if item is None or item.petition is None or item.meeting.state != _EVENT_STATE[event]:
        return 0
    petition = item.petition
    context: dict[str, Any] = {
        "item": item,
        "meeting": item.meeting,
        "petition": petition,
        "meeting_link": absolute_url("meetings:detail", kwargs={"pk": item.meeting_id}),
        "petition_link": absolute_url("petitions:detail", kwargs={"pk": petition.pk}),
    }
    template = f"meetings/email/{event}"
    subject, creator_body = render_email(template=template, context={**context, "name": petition.creator_name})
    with transaction.atomic():
        queued = queue_letters(
            [
                Letter(
                    dedupe_key=f"agenda:{item.pk}:{event}:creator",
                    to=petition.creator_email,
                    subject=subject,
                    body=creator_body,
                )
            ]
        )
        notice, _created = AgendaNotice.objects.get_or_create(item=item, event=event)

    def letter(subscriber: Subscriber) -> tuple[str, str]:
        _subject, body = render_email(
            template=template,
            context={**context, "name": subscriber.name, "unsubscribe_url": subscriber.unsubscribe_url},
        )
        return subject, body

    spec = SignerFanOutSpec(
        owner=AgendaNotice,
        owner_id=notice.pk,
        petition_id=petition.pk,
        key=f"agenda:{item.pk}:{event}",
        letter=letter,
        is_owed=lambda row: Meeting.objects.filter(pk=item.meeting_id, state=_EVENT_STATE[event]).exists(),
        audit_action="agenda_item.fanout_finished",
    )
    return queued + signers_fan_out(spec)
