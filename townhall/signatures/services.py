"""Signing, confirming, sending confirmation emails, and counting.

The hot path (docs/architecture.md): signing is one INSERT of a pending signature; confirming is one
UPDATE. Neither touches the petition row. The signature row says its confirmation email is
owed; the sender moves owed emails into the one outbox in batches (townhall/mail). A single-writer counter
adds newly confirmed signatures to each petition's count in one statement per petition.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, CharField, Count, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat, Left, StrIndex, TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from townhall.areas.keys import hour_of
from townhall.areas.selectors import location_for_postcode, location_lookup
from townhall.areas.services import Locality, breakdown_add, breakdown_remove, breakdown_replace
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, Gone, InvalidState, NotFound
from townhall.core.links import absolute_url
from townhall.core.net import fingerprint
from townhall.core.text import normalise_name
from townhall.core.tokens import get_by_token, link_token, new_token, tokens_match
from townhall.mail.models import LetterPriority
from townhall.mail.services import Letter, queue_letters, render_email, send_queued_letters
from townhall.petitions import policies
from townhall.petitions.models import UNSUBMITTED_STATES, Petition, PetitionState
from townhall.petitions.selectors import NOT_PUBLISHED, petition_get_for_signing, petition_require_public
from townhall.petitions.services import (
    Tally,
    petition_request_moderation,
    petition_tally_add,
    petition_tally_correct,
    petition_tally_remove,
)
from townhall.residents.services import Resident, resident_clean
from townhall.schemes.selectors import scheme_get_current
from townhall.signatures.fraud import Hold, assess_signature
from townhall.signatures.models import Signature, SignatureState, SignerFanOut
from townhall.signatures.selectors import Subscriber, signature_iter_subscribers

CONFIRM_LINK_NOT_VALID = _("This confirmation link is not valid. Check you copied the whole link from the email.")


def _config(key: str) -> int:
    return int(settings.TOWNHALL[key])


@dataclass(frozen=True)
class SignOutcome:
    """What happened, for the caller's records: the sign page answers every kind alike.

    `created`: a new signature. The mailbox had signed already, so nothing was added:
    `resent` (the same person, still pending), `already_confirmed` (the same person,
    counted) or `address_used` (someone else, not the household's second member).
    `signature_id` is the new signature, or the mailbox's earlier one.
    """

    signature_id: int
    kind: Literal["created", "resent", "already_confirmed", "address_used"]


def check_can_sign(petition: Petition, *, sponsor_token: str | None) -> bool:
    """Raise if this petition cannot take a signature now; return whether it is a sponsor's."""
    if sponsor_token is not None:
        if not tokens_match(sponsor_token, petition.sponsor_token):
            raise NotFound("This sponsor link is not valid. Ask the petition's creator for the link again.")
        if policies.takes_sponsors(petition):
            return True
    if policies.takes_signatures(petition):
        return False
    if policies.has_closed(petition):
        closed_at = petition.closed_at or petition.deadline_at
        closed = timezone.localtime(closed_at).strftime("%-d %B %Y") if closed_at else ""
        raise InvalidState(f"This petition closed on {closed}, so it can no longer be signed.", code="petition_closed")
    if petition.state == PetitionState.REJECTED:
        raise InvalidState("This petition was rejected, so it cannot be signed.", code="petition_rejected")
    petition_require_public(petition)
    raise NotFound(str(NOT_PUBLISHED))  # pragma: no cover - a published petition is handled above


def _clean_signer(*, name: str, email: str, postcode: str, declared_eligible: bool) -> Resident:
    """The person checks every resident form runs, then the scheme's declaration."""
    signer = resident_clean(name=name, email=email, postcode=postcode)
    if not declared_eligible:
        declaration = scheme_get_current().eligibility_declaration
        raise DomainError(f"Confirm the declaration: “{declaration}”.", code="not_eligible")
    return signer


def signature_create(
    *,
    petition_id: int,
    name: str,
    email: str,
    postcode: str,
    declared_eligible: bool,
    wants_updates: bool,
    sponsor_token: str | None = None,
    ip: str | None = None,
    petition: Petition | None = None,
) -> SignOutcome:
    """Sign a petition: one INSERT of a pending signature, or an email to a mailbox that has
    signed already.

    One signature per mailbox (canonical email) per petition, except that a second person
    at the same postcode, under a different name, may share an address (a household);
    a third may not. Whoever submits an address that has signed is answered exactly as a
    new signer is, so the form never tells anyone whether an address has signed; the
    mailbox is emailed instead (`_sign_again`), up to the cap.

    `petition` is the petition as the caller has just read it with
    `petition_get_for_signing` (the sign page does), which saves reading it again.
    """
    signer = _clean_signer(name=name, email=email, postcode=postcode, declared_eligible=declared_eligible)
    name, email, normalised_postcode, canonical = signer.name, signer.email, signer.postcode, signer.email_canonical
    if petition is None or petition.pk != petition_id:
        petition = petition_get_for_signing(petition_id=petition_id)
    if petition is None:
        raise NotFound("There is no published petition with that number.")
    is_sponsor = check_can_sign(petition, sponsor_token=sponsor_token)
    version_id = petition.current_version_id
    if version_id is None:  # pragma: no cover - every created petition has version 1
        raise InvalidState("This petition has no text to sign yet.", code="petition_state")
    # Each lost race fills one household slot, so three rounds always reach a decision.
    for attempt in range(3):
        existing = list(
            Signature.objects.filter(petition_id=petition_id, email_canonical=canonical).order_by("household_slot")
        )
        same_person = next((s for s in existing if normalise_name(s.name) == normalise_name(name)), None)
        if same_person is not None:
            return _sign_again(same_person)
        if len(existing) >= 2 or (existing and existing[0].postcode != normalised_postcode):
            # Not the household's second member: the mailbox's owner hears why by email.
            return _sign_again(existing[0], someone_else=True)
        now = timezone.now()
        client = fingerprint(ip)
        assessment = assess_signature(
            petition_id=petition_id,
            client=client,
            email_canonical=canonical,
            now=now,
            petition_size=petition.signature_count,
        )
        hold = assessment.hold
        try:
            with transaction.atomic():
                _maybe_commit_without_flush()
                if hold is not None:
                    hold_source(petition_id=petition_id, hold=hold, now=now)
                signature = Signature.objects.create(
                    petition_id=petition_id,
                    petition_version_id=version_id,
                    name=name,
                    email=email,
                    email_canonical=canonical,
                    postcode=normalised_postcode,
                    household_slot=len(existing),
                    is_sponsor=is_sponsor,
                    wants_updates=wants_updates,
                    token=new_token(),
                    created_at=now,
                    link_expires_at=now + datetime.timedelta(days=_config("CONFIRMATION_LINK_DAYS")),
                    ip_hash=client.ip_hash,
                    ip_prefix=client.ip_prefix,
                    # Caught signatures look the same to the signer and are never counted.
                    state=SignatureState.FRAUDULENT if assessment.is_fraudulent else SignatureState.PENDING,
                    fraud_reason=assessment.reason,
                    # Held signatures confirm as any other and count once released.
                    hold_reason=hold.reason if hold is not None else "",
                    held_at=now if hold is not None else None,
                    # A blocked address is sent nothing; the page it sees is the same.
                    email_pending=assessment.sends_email,
                )
        except IntegrityError:
            # Someone signed with this mailbox at the same moment: decide again.
            if attempt < 2:
                continue
            raise
        return SignOutcome(signature_id=signature.pk, kind="created")
    raise AssertionError("unreachable")  # pragma: no cover


def hold_source(*, petition_id: int, hold: Hold, now: datetime.datetime) -> int:
    """Hold the source's other unconfirmed signatures on the petition since the rule's
    window began (never one already confirmed: its signer has been told it counts, nor one
    released). Runs only when a rate limit trips, in the signing transaction."""
    if not hold.column or hold.since is None:
        return 0
    updated = Signature.objects.filter(
        petition_id=petition_id,
        created_at__gte=hold.since,
        state=SignatureState.PENDING,
        hold_reason="",
        released_at__isnull=True,
        **{hold.column: hold.value},
    ).update(hold_reason=hold.reason, fraud_reason=hold.reason, held_at=now)
    return int(updated)


def _maybe_commit_without_flush() -> None:
    """With SIGNATURE_ASYNC_COMMIT on PostgreSQL, this transaction (one new pending signature)
    commits without waiting for its WAL to reach the disk. The trade-off, chosen by the
    operator (docs/performance.md): a database or machine crash within a fraction of a
    second may lose such a signature; its signer got no email yet and signs again. Nothing
    counted is ever at risk: confirming and counting commit durably as always."""
    connection = transaction.get_connection()
    if settings.TOWNHALL["SIGNATURE_ASYNC_COMMIT"] and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _sign_again(signature: Signature, *, someone_else: bool = False) -> SignOutcome:
    """The mailbox that made `signature` was given again: add nothing, and owe it the
    "already signed" email (with the confirmation link again while the signature is
    pending, renewed if it has expired; saying it is counted once it is confirmed).

    The email counts towards the signature's cap (CONFIRMATION_EMAIL_CAP), so the form
    cannot flood a mailbox; past the cap nothing is sent. Whatever happens here, the one
    who asked sees what a new signer sees.
    """
    pending = signature.state != SignatureState.VERIFIED
    kind: Literal["resent", "already_confirmed", "address_used"] = (
        "address_used" if someone_else else "resent" if pending else "already_confirmed"
    )
    if signature.state in (SignatureState.FRAUDULENT, SignatureState.INVALIDATED):
        return SignOutcome(signature_id=signature.pk, kind=kind)
    if signature.emails_sent >= _config("CONFIRMATION_EMAIL_CAP"):
        return SignOutcome(signature_id=signature.pk, kind=kind)
    now = timezone.now()
    updates: dict[str, object] = {"email_pending": True}
    if pending and signature.link_expires_at <= now:
        updates["link_expires_at"] = now + datetime.timedelta(days=_config("CONFIRMATION_LINK_DAYS"))
    Signature.objects.filter(pk=signature.pk).update(**updates)
    return SignOutcome(signature_id=signature.pk, kind=kind)


@dataclass(frozen=True)
class ConfirmOutcome:
    """`awaiting_checks`: the signature is held or caught, so the signer is told it goes
    through checks before it is counted (true of both, and it says nothing of which rule)."""

    signature: Signature
    kind: Literal["confirmed", "already_confirmed"]

    @property
    def awaiting_checks(self) -> bool:
        return bool(self.signature.hold_reason) or self.signature.state == SignatureState.FRAUDULENT


def signature_get_by_token(*, signature_id: int, token: str, petition_max_age: float = 0.0) -> Signature:
    """The signature an emailed link points at, checked as far as can be without writing.

    Raises a specific error for a wrong link, an expired link, and a petition that can no
    longer take this signature, so the confirm page can say so before anyone presses it.
    With `petition_max_age` (the confirm page's GET, which changes nothing) the petition's
    signing columns may come from a copy that old; confirming always reads it afresh.
    """
    signatures = Signature.objects.all() if petition_max_age > 0 else Signature.objects.select_related("petition")
    signature = get_by_token(signatures, pk=signature_id, token=token, message=CONFIRM_LINK_NOT_VALID)
    if petition_max_age > 0:
        petition = petition_get_for_signing(petition_id=signature.petition_id, max_age=petition_max_age)
        if petition is not None:
            signature.petition = petition
    if signature.state == SignatureState.INVALIDATED:
        raise Gone("This signature has been removed and cannot be confirmed.", code="signature_removed")
    if signature.state != SignatureState.PENDING:
        return signature
    petition = signature.petition
    if policies.has_closed(petition):
        raise InvalidState(
            "This petition closed before you confirmed your signature, so it could not be counted.",
            code="petition_closed",
        )
    if not (petition.state == PetitionState.OPEN or (signature.is_sponsor and policies.takes_sponsors(petition))):
        raise InvalidState("This petition is not open, so signatures cannot be confirmed.", code="petition_state")
    # Checked after the petition's state: "sign again" is no advice for a closed petition.
    if signature.link_expires_at <= timezone.now():
        raise Gone(
            "This confirmation link has expired. Sign the petition again to get a new link.",
            code="token_expired",
        )
    return signature


def signature_confirm(*, signature_id: int, token: str) -> ConfirmOutcome:
    """Confirm a signature from the emailed link (POST only): one UPDATE.

    Confirming twice changes nothing the second time. A sponsor's confirmation may
    complete the scheme's number of sponsors and send the petition to moderation.
    """
    signature = signature_get_by_token(signature_id=signature_id, token=token)
    if signature.state == SignatureState.VERIFIED:
        return ConfirmOutcome(signature=signature, kind="already_confirmed")
    if signature.state == SignatureState.FRAUDULENT:
        # Caught as fraud: the flow looks normal and nothing is counted.
        return ConfirmOutcome(signature=signature, kind="confirmed")
    now = timezone.now()
    # The same UPDATE tags the signature with the areas its postcode lies in (a subquery
    # on the lookup's primary key: a full postcode, else its district); null = unknown.
    updated = Signature.objects.filter(pk=signature.pk, state=SignatureState.PENDING).update(
        state=SignatureState.VERIFIED, verified_at=now, location_id=location_for_postcode(signature.postcode)
    )
    if not updated:
        return ConfirmOutcome(signature=signature, kind="already_confirmed")
    signature.state = SignatureState.VERIFIED
    signature.verified_at = now
    if signature.is_sponsor and signature.petition.state == PetitionState.SPONSORING:
        confirmed_sponsors = Signature.objects.filter(
            petition_id=signature.petition_id, is_sponsor=True, state=SignatureState.VERIFIED
        ).count()
        if confirmed_sponsors >= scheme_get_current().sponsor_count:
            petition_request_moderation(petition_id=signature.petition_id)
    return ConfirmOutcome(signature=signature, kind="confirmed")


def signature_queue_confirmations(*, batch_size: int | None = None) -> int:
    """Move owed confirmation emails into the outbox, batch by batch. Returns letters queued.

    A signature owes an email while `email_pending` (the hot path's one INSERT says so).
    Each batch is claimed with SKIP LOCKED (several workers share the work), its letters
    queued under `signature:<id>:email:<n>` and the rows marked in one transaction, so a
    crash queues each letter once; the outbox sends them and records each outcome.
    """
    batch_size = batch_size or _config("EMAIL_BATCH_SIZE")
    cap = _config("CONFIRMATION_EMAIL_CAP")
    queued = 0
    while True:
        with transaction.atomic():
            batch = list(
                Signature.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_pending=True)
                .select_related("petition")
                .order_by("id")[:batch_size]
            )
            if not batch:
                return queued
            letters = []
            for signature in batch:
                if signature.emails_sent >= cap:
                    continue
                if signature.state not in (SignatureState.PENDING, SignatureState.FRAUDULENT, SignatureState.VERIFIED):
                    continue
                # A signature's first email asks to confirm it; any later one is owed because
                # its address was given again (`_sign_again`). A caught signature gets the
                # same emails as anyone: nothing tips it off.
                if signature.emails_sent == 0 and signature.state != SignatureState.VERIFIED:
                    template = "signatures/email/confirm"
                else:
                    template = "signatures/email/already_signed"
                subject, body = render_email(
                    template=template,
                    context={
                        "signature": signature,
                        "petition": signature.petition,
                        "link": absolute_url(
                            "signatures:confirm", kwargs={"pk": signature.pk, "token": signature.token}
                        ),
                        "withdraw_days": _config("WITHDRAW_LINK_DAYS"),
                        "withdraw_link": absolute_url(
                            "signatures:withdraw",
                            kwargs={"pk": signature.pk, "token": link_token(signature.token, "withdraw")},
                        ),
                        "petition_link": absolute_url("petitions:detail", kwargs={"pk": signature.petition_id}),
                    },
                )
                letters.append(
                    Letter(
                        dedupe_key=f"signature:{signature.pk}:email:{signature.emails_sent + 1}",
                        to=signature.email,
                        subject=subject,
                        body=body,
                        priority=LetterPriority.WAITING,
                    )
                )
            queued += queue_letters(letters, drain=False)
            Signature.objects.filter(pk__in=[s.pk for s in batch]).update(
                email_pending=False, emails_sent=F("emails_sent") + 1, email_sent_at=timezone.now()
            )
        if len(batch) < batch_size:
            return queued


def signature_send_confirmations(*, batch_size: int | None = None) -> int:
    """Queue the owed confirmation emails, then send what the outbox has due (this task's
    letters first: they go before notices). Returns how many confirmations were queued."""
    queued = signature_queue_confirmations(batch_size=batch_size)
    send_queued_letters()
    return queued


# --- reaching signers: the one fan-out ------------------------------------------------------

# Letters written for one signer: (subject, body), given the signer's name, address and
# their own unsubscribe link.
LetterFor = Callable[[Subscriber], tuple[str, str]]


@dataclass(frozen=True)
class FanOutStep:
    queued: int
    finished: bool


def _always_owed(row: Any) -> bool:
    return True


@dataclass(frozen=True)
class SignerFanOutSpec:
    """One fan-out to a petition's opted-in, confirmed signers.

    `owner` is the model of the row that owes the letters and holds the cursor (a
    `SignerFanOut`: a response, an update, an agenda notice); `key` names the letters
    (`<key>:signature:<id>`); `letter` writes one signer's (subject, body); `is_owed` says
    whether the locked owner row still owes them (an update no longer published, or a
    petition taken down, gets no more); `audit_action` is recorded when it finishes.
    """

    owner: type[SignerFanOut]
    owner_id: int
    petition_id: int
    key: str
    letter: LetterFor
    audit_action: str
    is_owed: Callable[[Any], bool] = _always_owed


def unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """One-click unsubscribe (RFC 8058) for every letter a signer gets about a petition."""
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def signers_fan_out_step(spec: SignerFanOutSpec, *, batch_size: int) -> FanOutStep:
    """Queue the next batch of a fan-out to a petition's opted-in, confirmed signers.

    One transaction: lock the owner row, read the next `batch_size` subscribers after its
    cursor, queue one letter each (with the signer's unsubscribe link in the body and as
    List-Unsubscribe headers), and move the cursor past them. So a fan-out stopped anywhere
    resumes after its last finished batch, two runs at once wait for each other batch by
    batch, and the outbox refuses a key it already holds. When nobody is left, or the owner
    no longer owes the letters, the fan-out is finished and audited. Signers who
    unsubscribe before their batch is reached get nothing.
    """
    with transaction.atomic():
        row = spec.owner._default_manager.select_for_update().filter(pk=spec.owner_id).first()
        if row is None or row.fanout_finished_at is not None:
            return FanOutStep(queued=0, finished=True)
        batch = None
        if spec.is_owed(row):
            subscribers = signature_iter_subscribers(
                petition_id=spec.petition_id, after_id=row.fanout_after_id, batch_size=batch_size
            )
            batch = next(iter(subscribers), None)
        if batch is None:
            row.fanout_finished_at = timezone.now()
            row.save(update_fields=["fanout_finished_at"])
            audit_record(action=spec.audit_action, target=row, data={"last_signature": row.fanout_after_id})
            return FanOutStep(queued=0, finished=True)
        letters = []
        for subscriber in batch:
            subject, body = spec.letter(subscriber)
            letters.append(
                Letter(
                    dedupe_key=f"{spec.key}:signature:{subscriber.signature_id}",
                    to=subscriber.email,
                    subject=subject,
                    body=body,
                    headers=unsubscribe_headers(subscriber.unsubscribe_url),
                )
            )
        queued = queue_letters(letters)
        row.fanout_after_id = batch[-1].signature_id
        row.save(update_fields=["fanout_after_id"])
        return FanOutStep(queued=queued, finished=False)


def signers_fan_out(spec: SignerFanOutSpec, *, batch_size: int | None = None) -> int:
    """Run a fan-out to the end, batch by batch. Returns how many letters this run queued;
    safe to run again at any time (the cursor and the letters' keys see to that)."""
    size = batch_size or _config("EMAIL_BATCH_SIZE")
    total = 0
    while True:
        step = signers_fan_out_step(spec, batch_size=size)
        total += step.queued
        if step.finished:
            return total


def signature_emails_owed() -> bool:
    return Signature.objects.filter(email_pending=True).exists()


@dataclass(frozen=True)
class CountResult:
    counted: int
    petitions: int
    crossings: int


def signature_count_new(*, batch_size: int | None = None, now: datetime.datetime | None = None) -> CountResult:
    """The counter: add newly confirmed signatures to their petitions' counts.

    Each batch claims confirmed, uncounted signatures, stamps them counted, and adds them
    to each petition with one UPDATE per petition (total, in-area and unknown-postcode
    counts together) and to the breakdowns with one statement per (petition, area) and per
    (petition, hour) touched, all in one transaction, so a signature is counted exactly
    once even if two counters ever ran at the same time. A signature that reached the
    verified state without the confirm page (a bulk load) is tagged with its area here.
    """
    batch_size = batch_size or _config("COUNTER_BATCH_SIZE")
    counted = crossings = 0
    touched: set[int] = set()
    while True:
        at = now or timezone.now()
        with transaction.atomic():
            rows = list(
                Signature.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=SignatureState.VERIFIED, counted_at__isnull=True, hold_reason="")
                .annotate(
                    resolved=Coalesce(
                        F("location_id"), location_lookup(OuterRef("postcode")), output_field=BigIntegerField()
                    )
                )
                .order_by("id")
                .values_list("id", "petition_id", "location_id", "resolved", "verified_at")[:batch_size]
            )
            if not rows:
                break
            Signature.objects.filter(pk__in=[row[0] for row in rows]).update(counted_at=at)
            untagged = [pk for pk, _, location, resolved, _ in rows if location is None and resolved is not None]
            if untagged:
                Signature.objects.filter(pk__in=untagged).update(location_id=location_lookup(OuterRef("postcode")))
            increments = Counter(petition_id for _, petition_id, _, _, _ in rows)
            locality = breakdown_add(
                located=Counter((petition_id, resolved) for _, petition_id, _, resolved, _ in rows),
                hours=Counter((petition_id, hour_of(verified_at or at)) for _, petition_id, _, _, verified_at in rows),
            )
            crossings += len(
                petition_tally_add(
                    increments=increments,
                    at=at,
                    in_area={pid: loc.in_area for pid, loc in locality.items()},
                    unknown={pid: loc.unknown for pid, loc in locality.items()},
                )
            )
        counted += len(rows)
        touched.update(increments)
        if len(rows) < batch_size:
            break
    return CountResult(counted=counted, petitions=len(touched), crossings=crossings)


def signature_reconcile_counts(*, now: datetime.datetime | None = None) -> dict[int, tuple[int, int]]:
    """Recount every petition from the signature table and correct any count that differs:
    totals, in-area and unknown-postcode counts, and the breakdowns by area and by hour.

    Run by the scheduler, in the same process as the counter, so it never races it.
    Returns {petition_id: (was, now)} for each correction of a total.
    """
    counted = Signature.objects.filter(state=SignatureState.VERIFIED, counted_at__isnull=False)
    located: dict[tuple[int, int | None], int] = {
        (petition_id, location_id): n
        for petition_id, location_id, n in counted.values("petition_id", "location_id")
        .annotate(n=Count("id"))
        .values_list("petition_id", "location_id", "n")
    }
    hours = {
        (petition_id, hour): n
        for petition_id, hour, n in counted.annotate(hour=TruncHour("verified_at", tzinfo=datetime.UTC))
        .values("petition_id", "hour")
        .annotate(n=Count("id"))
        .values_list("petition_id", "hour", "n")
        if hour is not None
    }
    locality, _ = breakdown_replace(located=located, hours=hours)
    totals: Counter[int] = Counter()
    for (petition_id, _), n in located.items():
        totals[petition_id] += n
    exact: dict[int, int | Tally] = {
        pid: Tally(
            total=total,
            in_area=locality[pid].in_area if pid in locality else 0,
            unknown=locality[pid].unknown if pid in locality else 0,
        )
        for pid, total in totals.items()
    }
    stale = Petition.objects.filter(Q(signature_count__gt=0) | Q(in_area_count__gt=0) | Q(unknown_area_count__gt=0))
    for petition_id in stale.values_list("pk", flat=True):
        exact.setdefault(petition_id, Tally(total=0))
    return petition_tally_correct(counts=exact, at=now or timezone.now())


def signature_get_for_unsubscribe(*, signature_id: int, token: str) -> Signature:
    return get_by_token(
        Signature.objects.select_related("petition"),
        pk=signature_id,
        token=token,
        purpose="unsubscribe",
        message=_("This unsubscribe link is not valid. Check you copied the whole link."),
    )


def signature_get_for_withdraw(
    *, signature_id: int, token: str, queryset: QuerySet[Signature] | None = None
) -> Signature:
    """The signature a withdraw link opens, if it may still be withdrawn through it.

    Only the withdraw link from the confirmation email opens it (not the confirm link), for
    WITHDRAW_LINK_DAYS after signing, and only while the petition has not closed: the
    count of a closed petition is final.
    """
    signature = get_by_token(
        queryset if queryset is not None else Signature.objects.select_related("petition"),
        pk=signature_id,
        token=token,
        purpose="withdraw",
    )
    if policies.has_closed(signature.petition):
        raise InvalidState(
            str(_("This petition has closed, so signatures can no longer be withdrawn from it.")),
            code="petition_closed",
        )
    if timezone.now() > signature.created_at + datetime.timedelta(days=_config("WITHDRAW_LINK_DAYS")):
        raise Gone(
            str(_("This link has expired. To withdraw your signature, contact the petitions team.")),
            code="link_expired",
        )
    return signature


def signature_unsubscribe(*, signature_id: int, token: str) -> Signature:
    """One-click opt-out of a petition's update emails (responses, debates, updates).

    Works from the link in any update email, without signing in; doing it twice is harmless.
    """
    signature = signature_get_for_unsubscribe(signature_id=signature_id, token=token)
    if signature.wants_updates:
        Signature.objects.filter(pk=signature.pk).update(wants_updates=False)
        signature.wants_updates = False
    return signature


WITHDRAWN = "withdrawn"


@transaction.atomic
def signature_withdraw(*, signature_id: int, token: str) -> Signature:
    """The signer takes their signature back, from the link in their confirmation email.

    The signature stops counting at once (taken off the count if already counted) and
    appears in the petition's public "signatures removed" total as withdrawn.
    """
    signature = signature_get_for_withdraw(
        signature_id=signature_id,
        token=token,
        queryset=Signature.objects.select_for_update(of=("self",)).select_related("petition"),
    )
    if signature.state == SignatureState.INVALIDATED:
        return signature
    was_counted = signature.state == SignatureState.VERIFIED and signature.counted_at is not None
    now = timezone.now()
    Signature.objects.filter(pk=signature.pk).update(
        state=SignatureState.INVALIDATED, invalidated_at=now, invalidation_reason=WITHDRAWN, wants_updates=False
    )
    if was_counted:
        hour = hour_of(signature.verified_at or now)
        locality = breakdown_remove(
            located={(signature.petition_id, signature.location_id): 1}, hours={(signature.petition_id, hour): 1}
        ).get(signature.petition_id, Locality())
        petition_tally_remove(
            decrements={signature.petition_id: 1},
            at=now,
            in_area={signature.petition_id: locality.in_area},
            unknown={signature.petition_id: locality.unknown},
        )
    signature.state = SignatureState.INVALIDATED
    return signature


def signature_anonymise_for_petition(*, petition_id: int) -> int:
    """Remove signers' personal details, keeping what counts need (the postcode district).

    Names, email addresses and address hashes are cleared; the postcode keeps only its
    outward code ("KM1"), enough for area breakdowns and never enough to find a home.
    """
    updated = Signature.objects.filter(petition_id=petition_id).update(
        name="",
        email="",
        # Each row keeps a unique placeholder: the one-per-mailbox constraint still holds.
        email_canonical=Concat(Value("anonymised:"), Cast("id", output_field=CharField())),
        postcode=Left("postcode", StrIndex("postcode", Value(" ")) - 1),
        ip_hash="",
        ip_prefix="",
        token="",
        wants_updates=False,
    )
    return int(updated)


def signature_forget_unconfirmed(now: datetime.datetime) -> int:
    """Delete signatures never confirmed whose link expired UNCONFIRMED_RETENTION_DAYS ago:
    they never counted, and their details were never checked by their owner."""
    days = int(settings.TOWNHALL["CONFIRMATION_LINK_DAYS"]) + int(settings.TOWNHALL["UNCONFIRMED_RETENTION_DAYS"])
    stale = Signature.objects.filter(state=SignatureState.PENDING, created_at__lte=now - datetime.timedelta(days=days))
    deleted, _ = stale.delete()
    return int(deleted)


def signature_forget_for_unsubmitted(*, petition_id: int) -> int:
    """Delete the signatures (its sponsors') of a petition that never reached the moderators,
    before the petition itself is deleted (`petition_forget_unsubmitted`). A petition in any
    other state keeps every signature."""
    deleted, _counts = Signature.objects.filter(
        petition_id=petition_id, petition__state__in=UNSUBMITTED_STATES
    ).delete()
    return int(deleted)
