"""Every change to a response: becoming owed, drafting, publishing, and the fan-out.

    threshold crossed ──response_open_due──▶ owed (due_on fixed)
    owed ──response_save_draft──▶ owed, with a draft (as often as needed)
    owed ──response_publish──▶ published ──fan-out task──▶ every opted-in signer emailed once

Each service checks the current state and raises a clear domain error, changing nothing,
when the change is not allowed.
"""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_respond, require
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.core.links import absolute_url
from townhall.core.text import text_within
from townhall.mail.services import render_email
from townhall.petitions.models import LIVE_STATES, ThresholdCrossing
from townhall.petitions.services import petition_mark_responded
from townhall.responses.deadlines import response_due_on
from townhall.responses.models import Response
from townhall.schemes.models import BankHoliday, ThresholdKind
from townhall.schemes.selectors import scheme_get_current
from townhall.signatures.services import SignerFanOutSpec, signers_fan_out

logger = logging.getLogger("townhall.responses")

RESPONSE_MAX = 10_000
EMAIL_TEMPLATE = "responses/email/published"
# A published response whose fan-out has not finished this long after publication is
# taken to have lost its worker, and is resumed (see response_resume_fanouts).
FANOUT_STALLED_AFTER = datetime.timedelta(minutes=10)


def response_open_due(*, now: datetime.datetime | None = None) -> int:
    """Open a response for each petition that has crossed the response threshold.

    The response is due `scheme.response_period_days` calendar or working days after the
    local date on which the threshold was reached (that day is day 0; weekends and the
    body's bank holidays are skipped for working days). The due date is fixed now: later
    changes to the scheme do not move deadlines already announced.

    Only open or closed petitions are owed a response (not one later removed). Idempotent:
    a petition that already has a response is skipped, so the scheduler may run this as
    often as it likes, and two runs at once cannot create two responses (the database
    allows one per petition). Returns how many responses were opened.
    """
    now = now or timezone.now()
    crossings = list(
        ThresholdCrossing.objects.filter(
            threshold__kind=ThresholdKind.RESPONSE,
            reached_at__lte=now,
            petition__response__isnull=True,
            petition__state__in=LIVE_STATES,
        )
        .select_related("petition")
        .order_by("reached_at", "id")
    )
    if not crossings:
        return 0
    scheme = scheme_get_current()
    bank_holidays = set(BankHoliday.objects.values_list("date", flat=True))
    opened = 0
    seen: set[int] = set()
    for crossing in crossings:
        # A scheme could have two response thresholds: the first crossing starts the clock.
        if crossing.petition_id in seen:
            continue
        seen.add(crossing.petition_id)
        due_on = response_due_on(
            start=timezone.localdate(crossing.reached_at),
            days=scheme.response_period_days,
            kind=scheme.response_period_kind,
            bank_holidays=bank_holidays,
        )
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    petition=crossing.petition,
                    threshold_reached_at=crossing.reached_at,
                    due_on=due_on,
                    official_id=crossing.petition.official_id,
                )
                audit_record(
                    action="response.opened",
                    target=response,
                    data={
                        "petition": crossing.petition_id,
                        "due_on": due_on.isoformat(),
                        "period": f"{scheme.response_period_days} {scheme.response_period_kind}",
                    },
                )
        except IntegrityError:
            # Another run opened it first: the one-per-petition constraint held.
            continue
        opened += 1
    return opened


def _require_responder(actor: Actor) -> User:
    return require(can_respond, actor, refusal="You need the responder role to draft or publish responses.")


def _locked(response_id: int) -> Response:
    response = Response.objects.select_for_update().filter(pk=response_id).first()
    if response is None:
        raise NotFound("There is no response with that number.")
    return response


def _require_unpublished(response: Response) -> None:
    if response.is_published:
        raise InvalidState(
            "This response has already been published; a published response cannot be changed.",
            code="response_published",
        )


def draft_digest(*, text: str) -> str:
    """A short fingerprint of a draft, so a publisher publishes exactly what they previewed."""
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@transaction.atomic
def response_save_draft(*, response_id: int, text: str, actor: Actor) -> Response:
    """A responder saves the draft text; only responders, and only before publication.

    An empty draft may be saved (to start again); publishing refuses one.
    """
    actor = _require_responder(actor)
    response = _locked(response_id)
    _require_unpublished(response)
    text = text_within(
        text,
        limit=RESPONSE_MAX,
        code="response",
        too_long=_("The response must be %(max_grouped)s characters or fewer; it is %(length)s."),
    )
    response.draft = text
    response.drafted_at = timezone.now()
    response.drafted_by = actor
    response.save(update_fields=["draft", "drafted_at", "drafted_by"])
    audit_record(action="response.draft_saved", target=response, actor=actor, data={"length": len(text)})
    return response


@transaction.atomic
def response_publish(*, response_id: int, actor: Actor, expected_digest: str | None = None) -> Response:
    """Publish the saved draft as the body's response: frozen, public, and emailed.

    Only responders may publish; an empty draft or an already published response is
    refused. When `expected_digest` is given (the confirmation page sends the digest of
    the draft it showed), a draft changed since then is refused rather than published
    unseen. The petition is marked responded in the same transaction, and the email
    fan-out to opted-in signers is queued only once the publication has committed.
    """
    actor = _require_responder(actor)
    response = _locked(response_id)
    _require_unpublished(response)
    if not response.draft.strip():
        raise DomainError("Write the response and save it before publishing.", code="response_empty")
    if expected_digest is not None and expected_digest != draft_digest(text=response.draft):
        raise InvalidState(
            "The draft has changed since you previewed it. Check the new text before publishing.",
            code="draft_changed",
        )
    now = timezone.now()
    response.body = response.draft
    response.published_at = now
    response.published_by = actor
    response.save(update_fields=["body", "published_at", "published_by"])
    petition_mark_responded(petition_id=response.petition_id, at=now)
    late_by = max(0, (timezone.localdate(now) - response.due_on).days)
    audit_record(
        action="response.published",
        target=response,
        actor=actor,
        data={"due_on": str(response.due_on), "late_by": late_by},
    )
    response_id = response.pk

    def enqueue() -> None:
        from townhall.responses.tasks import fan_out_response

        fan_out_response.enqueue(response_id)

    transaction.on_commit(enqueue)
    return response


def response_render_email(*, response: Response, text: str, body_name: str, unsubscribe_url: str) -> tuple[str, str]:
    """The (subject, body) of the email telling a signer the response was published.

    Used by the fan-out, and by the preview with the draft's text, so a responder sees
    exactly what signers will get.
    """
    petition = response.petition
    return render_email(
        template=EMAIL_TEMPLATE,
        context={
            "petition": petition,
            "text": text,
            "body_name": body_name,
            "petition_link": absolute_url("petitions:detail", kwargs={"pk": petition.pk}),
            "unsubscribe_url": unsubscribe_url,
        },
    )


def response_fanout(*, response_id: int, batch_size: int = 500) -> int:
    """Queue the published response's email to every signer who asked for updates.

    The one signer fan-out (`signers_fan_out`), with the response row as its cursor:
    letters keyed `response:<id>:signature:<id>`, batch by batch, so a re-run or a resumed
    run queues nobody twice. The letters are sent by the mail app's drain (the scheduler's
    "send-queued-emails" job). Returns how many letters this run queued.
    """
    response = Response.objects.select_related("petition").filter(pk=response_id).first()
    if response is None:
        raise NotFound("There is no response with that number.")
    if not response.is_published:
        raise InvalidState("Only a published response is emailed to signers.", code="response_unpublished")
    body_name = scheme_get_current().body.name
    spec = SignerFanOutSpec(
        owner=Response,
        owner_id=response_id,
        petition_id=response.petition_id,
        key=f"response:{response_id}",
        letter=lambda subscriber: response_render_email(
            response=response, text=response.body, body_name=body_name, unsubscribe_url=subscriber.unsubscribe_url
        ),
        audit_action="response.fanout_finished",
    )
    return signers_fan_out(spec, batch_size=batch_size)


def response_resume_fanouts(*, now: datetime.datetime | None = None) -> list[int]:
    """Re-queue fan-outs that stalled (their worker died mid-run). Returns their ids.

    A fan-out task killed mid-run is never retried by the task queue, so a published
    response whose fan-out has not finished `FANOUT_STALLED_AFTER` after publication gets
    a new task; it resumes from its cursor, and a duplicate run is harmless.
    """
    now = now or timezone.now()
    stalled = list(
        Response.objects.filter(
            published_at__isnull=False,
            published_at__lte=now - FANOUT_STALLED_AFTER,
            fanout_finished_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    if stalled:
        from townhall.responses.tasks import fan_out_response

        for response_id in stalled:
            logger.warning("response %s: fan-out did not finish; resuming it", response_id)
            fan_out_response.enqueue(response_id)
    return stalled


@transaction.atomic
def response_fanout_resume(*, response_id: int, actor: Actor) -> bool:
    """A responder or administrator restarts a published response's fan-out that has not
    finished. Safe at any time: the fan-out never emails anyone twice. Returns whether a
    fan-out was started."""
    actor = _require_responder(actor)
    response = _locked(response_id)
    if not response.is_published or response.fanout_finished_at is not None:
        return False
    audit_record(action="response.fanout_resumed", target=response, actor=actor)
    from townhall.responses.tasks import fan_out_response  # services start tasks lazily

    # Queued inside this transaction: the database task queue commits the task with the
    # audit entry (and a re-run fan-out is harmless), as response_resume_fanouts does.
    fan_out_response.enqueue(response_id)
    return True
