"""Responses in the demo borough: one published, one overdue, one within its deadline.

Called by the demo loader after it has created the petitions and counted their
signatures. Responses are opened and published through the real services; afterwards
timestamps are moved into the past so the petition pages read naturally (as the main
loader does for petitions), e.g. the library response was published before its deadline.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from townhall.accounts.models import Role, User
from townhall.petitions.models import Petition, ThresholdCrossing
from townhall.responses.models import Response
from townhall.responses.services import response_fanout, response_open_due, response_publish, response_save_draft
from townhall.schemes.models import BankHoliday, ThresholdKind

PUBLISHED = "Keep Riverside Library open seven days a week"
OVERDUE = "Publish the full reasons for the Chief Executive's departure"
WITHIN_DEADLINE = "Restore the weekly garden waste collection"

RESPONDER_USERNAME = "responder"
RESPONDER_PASSWORD = "demo-responder"  # noqa: S105 (the demo's published sign-in)

LIBRARY_RESPONSE = "\n\n".join(
    [
        "Thank you to everyone who signed this petition, and to the schools, job clubs and reading "
        "groups who wrote to us about Riverside Library.",
        "The draft budget proposed opening Riverside Library three days a week, saving £84,000 a year. "
        "Having heard from more than 3,000 residents, the Cabinet has agreed to keep it open seven days "
        "a week for the whole of the next financial year.",
        "To make that affordable we will share the building with the Northgate community hub, which will "
        "contribute to the running costs, and open on Sunday afternoons with self-service machines and a "
        "volunteer host. No member of library staff will lose their job as a result.",
        "We will publish visitor numbers for every library in the borough each quarter, and consult "
        "residents on opening hours before the next budget is set.",
        "Cllr Yusuf Aziz, Cabinet Member for Culture and Leisure",
    ]
)

# England and Wales bank holidays, which working-day deadlines skip.
BANK_HOLIDAYS = {
    datetime.date(2025, 1, 1): "New Year's Day",
    datetime.date(2025, 4, 18): "Good Friday",
    datetime.date(2025, 4, 21): "Easter Monday",
    datetime.date(2025, 5, 5): "Early May bank holiday",
    datetime.date(2025, 5, 26): "Spring bank holiday",
    datetime.date(2025, 8, 25): "Summer bank holiday",
    datetime.date(2025, 12, 25): "Christmas Day",
    datetime.date(2025, 12, 26): "Boxing Day",
    datetime.date(2026, 1, 1): "New Year's Day",
    datetime.date(2026, 4, 3): "Good Friday",
    datetime.date(2026, 4, 6): "Easter Monday",
    datetime.date(2026, 5, 4): "Early May bank holiday",
    datetime.date(2026, 5, 25): "Spring bank holiday",
    datetime.date(2026, 8, 31): "Summer bank holiday",
    datetime.date(2026, 12, 25): "Christmas Day",
    datetime.date(2026, 12, 28): "Boxing Day (substitute day)",
    datetime.date(2027, 1, 1): "New Year's Day",
    datetime.date(2027, 3, 26): "Good Friday",
    datetime.date(2027, 3, 29): "Easter Monday",
    datetime.date(2027, 5, 3): "Early May bank holiday",
    datetime.date(2027, 5, 31): "Spring bank holiday",
    datetime.date(2027, 8, 30): "Summer bank holiday",
    datetime.date(2027, 12, 27): "Christmas Day (substitute day)",
    datetime.date(2027, 12, 28): "Boxing Day (substitute day)",
}


def load(*, now: datetime.datetime) -> None:
    """Open the demo's owed responses; publish the library's, leave the others owed.

    - Riverside Library: published, three days before its deadline.
    - The Chief Executive's departure: long past its deadline, unanswered (overdue).
    - Garden waste: reached the threshold in a late surge eight days ago, so its response
      is still within its deadline.

    Loading again changes nothing.
    """
    if User.objects.filter(username=RESPONDER_USERNAME).exists():
        return
    petitions = {p.action: p for p in Petition.objects.filter(action__in=[PUBLISHED, OVERDUE, WITHIN_DEADLINE])}
    if len(petitions) != 3:
        return
    BankHoliday.objects.bulk_create(
        [BankHoliday(date=day, name=name) for day, name in BANK_HOLIDAYS.items()], ignore_conflicts=True
    )
    responder = User.objects.create_user(
        RESPONDER_USERNAME, "responder@kingsmere.invalid", RESPONDER_PASSWORD, roles=[Role.RESPONDER.value]
    )
    # The garden waste petition crossed the response threshold just before it closed.
    ThresholdCrossing.objects.filter(
        petition=petitions[WITHIN_DEADLINE], threshold__kind=ThresholdKind.RESPONSE
    ).update(reached_at=now - datetime.timedelta(days=8))
    response_open_due(now=now)

    library = Response.objects.get(petition=petitions[PUBLISHED])
    response_save_draft(response_id=library.pk, text=LIBRARY_RESPONSE, actor=responder)
    response_publish(response_id=library.pk, actor=responder)
    # Queue the signers' emails now rather than waiting for the worker (which then finds
    # nothing left to do): the outbox shows them as soon as the scheduler drains it.
    response_fanout(response_id=library.pk)
    three_days_early = timezone.make_aware(datetime.datetime.combine(library.due_on, datetime.time(10, 30)))
    three_days_early -= datetime.timedelta(days=3)
    published_at = max(library.threshold_reached_at + datetime.timedelta(hours=1), min(three_days_early, now))
    Response.objects.filter(pk=library.pk).update(
        drafted_at=published_at - datetime.timedelta(days=2), published_at=published_at
    )
    Petition.objects.filter(pk=library.petition_id).update(response_published_at=published_at)
