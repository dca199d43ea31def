"""The demo borough's decisions: the Chief Executive story, from recommendation to departure.

Called by the demo loader after the officials, petitions, meetings and questions exist.
Dates follow the demo officials' tenures, whatever day the demo is loaded: the panel
recommends Daniel Okafor six weeks before he starts, Full Council confirms him four weeks
before; his departure is announced a fortnight before his last day, and Priya Raman is
appointed interim Chief Executive on the day her tenure starts. A Full Council meeting is
linked only if the meetings demo made one within a few days of a decision.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from townhall.accountability.models import Decision, DecisionKind
from townhall.accountability.services import DecisionInput, decision_record
from townhall.accounts.models import User
from townhall.accounts.policies import can_administer
from townhall.meetings.models import CommitteeKind, Meeting
from townhall.officials.models import Official
from townhall.petitions.models import Petition

DEPARTURE_PETITION = "Publish the full reasons for the Chief Executive's departure"
MEETING_WINDOW_DAYS = 3


def _full_council_meeting(day: datetime.date) -> int | None:
    """The Full Council meeting closest to `day`, if one falls within a few days of it."""
    window = datetime.timedelta(days=MEETING_WINDOW_DAYS)
    start = timezone.make_aware(datetime.datetime.combine(day - window, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + window, datetime.time.max))
    meetings = Meeting.objects.filter(
        committee__kind=CommitteeKind.FULL_COUNCIL, starts_at__gte=start, starts_at__lte=end
    ).values_list("pk", "starts_at")
    closest = min(meetings, key=lambda row: abs(timezone.localdate(row[1]) - day), default=None)
    return closest[0] if closest else None


def load(*, now: datetime.datetime) -> None:
    """Record the four decisions of the Chief Executive story. Loading again changes nothing."""
    if Decision.objects.exists():
        return
    outgoing = Official.objects.filter(person__name="Daniel Okafor", role="Chief Executive").first()
    interim = Official.objects.filter(person__name="Priya Raman", role="Chief Executive").first()
    administrator = next((u for u in User.objects.filter(is_active=True).order_by("pk") if can_administer(u)), None)
    if outgoing is None or interim is None or administrator is None:
        return
    started, ended = outgoing.tenure_started_on, outgoing.tenure_ended_on or timezone.localdate(now)
    petition = Petition.objects.filter(action=DEPARTURE_PETITION).first()
    confirmed_on = started - datetime.timedelta(days=28)
    story: list[DecisionInput] = [
        DecisionInput(
            decided_on=started - datetime.timedelta(days=42),
            kind=DecisionKind.RECOMMENDATION,
            title="Appointments panel recommends Daniel Okafor as Chief Executive",
            description=(
                "After interviewing a shortlist of three, the cross-party appointments panel recommended "
                "Daniel Okafor for appointment as Chief Executive and Head of Paid Service, subject to "
                "confirmation by Full Council."
            ),
            decided_by="Appointments Panel",
            official_ids=[outgoing.pk],
            meeting_id=None,
            petition_ids=[],
        ),
        DecisionInput(
            decided_on=confirmed_on,
            kind=DecisionKind.CONFIRMATION,
            title="Full Council confirms the appointment",
            description=(
                "Full Council confirmed Daniel Okafor's appointment as Chief Executive on the panel's recommendation."
            ),
            decided_by="Full Council",
            official_ids=[outgoing.pk],
            meeting_id=_full_council_meeting(confirmed_on),
            petition_ids=[],
        ),
        DecisionInput(
            decided_on=ended - datetime.timedelta(days=14),
            kind=DecisionKind.DEPARTURE,
            title="Chief Executive leaves the council",
            description=(
                f"The council announced that Daniel Okafor would leave the council by mutual agreement. "
                f"No reasons were given. His last day was {ended:%-d %B %Y}."
            ),
            decided_by="Employment Committee",
            official_ids=[outgoing.pk],
            meeting_id=None,
            petition_ids=[petition.pk] if petition is not None else [],
        ),
        DecisionInput(
            decided_on=interim.tenure_started_on,
            kind=DecisionKind.APPOINTMENT,
            title="Priya Raman appointed interim Chief Executive",
            description=(
                "Priya Raman was appointed interim Chief Executive while the council recruits a permanent successor."
            ),
            decided_by="Full Council",
            official_ids=[interim.pk],
            meeting_id=_full_council_meeting(interim.tenure_started_on),
            petition_ids=[],
        ),
    ]
    with transaction.atomic():
        for fields in story:
            decision_record(actor=administrator, **fields)
