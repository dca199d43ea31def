"""Creators' moderated updates to signers, and the contact relay.

Updates: the creator writes from their private emailed link; a moderator approves it,
which publishes it on the petition page and emails it, in batches through the outbox
(core.QueuedEmail), to every confirmed signer who asked for updates.

Contact relay: anyone may write to a petition's creator without either side learning the
other's email address. The sender first proves the address is theirs (an emailed link;
only its POST confirms), so nobody can write in someone else's name; then the message is
relayed from the site's own address with no Reply-To. Each relayed message carries a
private link to reply (relayed the same way) and one to report abuse. A reported sender
can no longer reach that recipient through the petition; their later messages are
dropped quietly, behind the same pages a normal sender sees.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.accounts.models import User
from townhall.accounts.policies import can_moderate
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, InvalidState, NotFound, PermissionDeniedError
from townhall.core.mail import Letter, queue_letters, render_email, send_email
from townhall.core.net import fingerprint
from townhall.core.text import canonical_email, tidy
from townhall.core.tokens import new_token, tokens_match
from townhall.core.urls_helpers import absolute_url
from townhall.engagement.models import ContactMessage, MessageState, PetitionUpdate, UpdateState
from townhall.petitions.models import PUBLISHED_STATES, Petition, PetitionState
from townhall.petitions.selectors import petition_get_by_creator_token
from townhall.signatures.selectors import signature_iter_subscribers

UPDATE_TITLE_MAX = 120
UPDATE_BODY_MAX = 2000
CONTACT_NAME_MAX = 100
CONTACT_BODY_MAX = 2000
REASON_MAX = 1000

# Creators can post updates, and be contacted, while the petition is public and alive.
ENGAGED_STATES = (PetitionState.OPEN, PetitionState.CLOSED)


def _require_engaged(petition: Petition, *, doing: str) -> None:
    if petition.state not in ENGAGED_STATES:
        raise InvalidState(
            _("This petition is %(state)s, so %(doing)s.")
            % {"state": PetitionState(petition.state).label.lower(), "doing": doing},
            code="petition_state",
        )


def _require_moderator(actor: Any) -> None:
    if not can_moderate(actor):
        raise PermissionDeniedError(_("Only moderators can approve or reject updates."))


def _moderator_emails() -> list[str]:
    staff = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    return [user.email for user in staff if can_moderate(user)]


# --- updates ------------------------------------------------------------------------------


def _clean_update(*, title: str, body: str) -> tuple[str, str]:
    title, body = tidy(title), tidy(body)
    if not title:
        raise DomainError(_("Enter a title for your update."), code="update_title_blank")
    if len(title) > UPDATE_TITLE_MAX:
        raise DomainError(
            _("The title must be %(max)s characters or fewer; it is %(over)s too long.")
            % {"max": UPDATE_TITLE_MAX, "over": len(title) - UPDATE_TITLE_MAX},
            code="update_title_too_long",
        )
    if not body:
        raise DomainError(_("Enter the text of your update."), code="update_body_blank")
    if len(body) > UPDATE_BODY_MAX:
        raise DomainError(
            _("The update must be %(max)s characters or fewer; it is %(over)s too long.")
            % {"max": UPDATE_BODY_MAX, "over": len(body) - UPDATE_BODY_MAX},
            code="update_body_too_long",
        )
    return title, body


@transaction.atomic
def update_submit(*, petition_id: int, token: str, title: str, body: str) -> PetitionUpdate:
    """The creator, through their private emailed link, writes an update for signers.

    It waits for a moderator: nothing is published or emailed to signers until then.
    Only open or closed petitions take updates. The moderators are told it is waiting.
    """
    petition = petition_get_by_creator_token(petition_id=petition_id, token=token)
    _require_engaged(petition, doing=_("updates cannot be posted"))
    title, body = _clean_update(title=title, body=body)
    update = PetitionUpdate.objects.create(petition=petition, title=title, body=body, created_at=timezone.now())
    audit_record(action="update.submitted", target=update)
    moderators = _moderator_emails()
    if moderators:
        send_email(
            to=moderators,
            template="engagement/email/update_submitted",
            context={
                "petition": petition,
                "update": update,
                "link": absolute_url("engagement:update_detail", kwargs={"pk": update.pk}),
            },
        )
    return update


def _locked_update(update_id: int) -> PetitionUpdate:
    update = (
        PetitionUpdate.objects.select_for_update(of=("self",)).select_related("petition").filter(pk=update_id).first()
    )
    if update is None:
        raise NotFound(_("There is no update with that number."))
    return update


def _require_awaiting(update: PetitionUpdate, *, doing: str) -> None:
    if update.state != UpdateState.AWAITING_MODERATION:
        raise InvalidState(
            _("This update is already %(state)s, so it cannot be %(doing)s.")
            % {"state": UpdateState(update.state).label.lower(), "doing": doing},
            code="update_state",
        )


@transaction.atomic
def update_approve(*, update_id: int, actor: Any) -> PetitionUpdate:
    """A moderator publishes an update: it appears on the petition page, the creator and
    the moderator get a copy, and the fan-out to opted-in signers starts once this commits."""
    _require_moderator(actor)
    update = _locked_update(update_id)
    _require_awaiting(update, doing=_("approved"))
    _require_engaged(update.petition, doing=_("updates cannot be published"))
    now = timezone.now()
    update.state = UpdateState.PUBLISHED
    update.moderated_at = now
    update.moderated_by = actor
    update.published_at = now
    update.save(update_fields=["state", "moderated_at", "moderated_by", "published_at"])
    audit_record(action="update.published", target=update, actor=actor)
    copies = [update.petition.creator_email, *([actor.email] if getattr(actor, "email", "") else [])]
    send_email(
        to=copies,
        template="engagement/email/update_published",
        context={
            "petition": update.petition,
            "update": update,
            "link": absolute_url("petitions:detail", kwargs={"pk": update.petition_id}),
        },
    )

    def start_fanout() -> None:
        from townhall.engagement.tasks import update_fanout

        update_fanout.enqueue(update_id=update.pk)

    transaction.on_commit(start_fanout)
    return update


@transaction.atomic
def update_reject(*, update_id: int, reason: str, actor: Any) -> PetitionUpdate:
    """A moderator refuses an update, telling the creator why. Nothing is published."""
    _require_moderator(actor)
    reason = tidy(reason)
    if not reason:
        raise DomainError(_("Explain to the creator why the update cannot be published."), code="reason_blank")
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("The explanation must be %(max)s characters or fewer.") % {"max": REASON_MAX}, code="reason_too_long"
        )
    update = _locked_update(update_id)
    _require_awaiting(update, doing=_("rejected"))
    update.state = UpdateState.REJECTED
    update.moderated_at = timezone.now()
    update.moderated_by = actor
    update.rejection_reason = reason
    update.save(update_fields=["state", "moderated_at", "moderated_by", "rejection_reason"])
    audit_record(action="update.rejected", target=update, actor=actor)
    send_email(
        to=[update.petition.creator_email],
        template="engagement/email/update_rejected",
        context={
            "petition": update.petition,
            "update": update,
            "link": absolute_url(
                "engagement:update_new", kwargs={"pk": update.petition_id, "token": update.petition.creator_token}
            ),
        },
    )
    return update


@dataclass(frozen=True)
class FanoutProgress:
    queued: int
    finished: bool


def update_fanout_batch(*, update_id: int, batch_size: int) -> FanoutProgress:
    """Queue the published update's email to the next batch of opted-in signers.

    One transaction per batch: the letters (dedupe key `update:<id>:signature:<id>`) and
    the update's `fanout_after_id` move together, so a crash between batches resumes
    where it stopped, and a second run queues nothing twice. Each letter carries the
    signer's own unsubscribe link, in the body and as one-click List-Unsubscribe (RFC 8058).
    A petition taken down meanwhile gets no more letters.
    """
    with transaction.atomic():
        update = _locked_update(update_id)
        if update.state != UpdateState.PUBLISHED or update.fanout_finished_at is not None:
            return FanoutProgress(queued=0, finished=True)
        batch = None
        if update.petition.state in ENGAGED_STATES:
            batch = next(
                iter(
                    signature_iter_subscribers(
                        petition_id=update.petition_id, after_id=update.fanout_after_id, batch_size=batch_size
                    )
                ),
                None,
            )
        if batch is None:
            update.fanout_finished_at = timezone.now()
            update.save(update_fields=["fanout_finished_at"])
            audit_record(action="update.fanout_finished", target=update)
            return FanoutProgress(queued=0, finished=True)
        petition_link = absolute_url("petitions:detail", kwargs={"pk": update.petition_id})
        letters = []
        for subscriber in batch:
            subject, body = render_email(
                template="engagement/email/update",
                context={
                    "petition": update.petition,
                    "update": update,
                    "name": subscriber.name,
                    "link": petition_link,
                    "unsubscribe_url": subscriber.unsubscribe_url,
                },
            )
            letters.append(
                Letter(
                    dedupe_key=f"update:{update.pk}:signature:{subscriber.signature_id}",
                    to=subscriber.email,
                    subject=subject,
                    body=body,
                    headers={
                        "List-Unsubscribe": f"<{subscriber.unsubscribe_url}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            )
        queued = queue_letters(letters)
        update.fanout_after_id = batch[-1].signature_id
        update.save(update_fields=["fanout_after_id"])
        return FanoutProgress(queued=queued, finished=False)


def update_fanout_run(*, update_id: int, batch_size: int | None = None) -> int:
    """Run the fan-out to the end, batch by batch. Returns how many letters were queued."""
    size = batch_size or int(settings.TOWNHALL["EMAIL_BATCH_SIZE"])
    total = 0
    while True:
        progress = update_fanout_batch(update_id=update_id, batch_size=size)
        total += progress.queued
        if progress.finished:
            return total


# --- the contact relay --------------------------------------------------------------------


def client_ip_hash(*, ip: str) -> str:
    """The client's IP as the same keyed hash signing uses (core.net.fingerprint).

    Enough to count messages from one address for rate limits; the address itself is
    never stored. Empty when the address cannot be parsed.
    """
    return fingerprint(ip).ip_hash


def _canonical(address: str) -> str:
    return canonical_email(address, dot_insensitive_domains=settings.TOWNHALL["DOT_INSENSITIVE_EMAIL_DOMAINS"])


def _clean_body(body: str) -> str:
    body = tidy(body)
    if not body:
        raise DomainError(_("Enter your message."), code="contact_body_blank")
    if len(body) > CONTACT_BODY_MAX:
        raise DomainError(
            _("Your message must be %(max)s characters or fewer; it is %(over)s too long.")
            % {"max": CONTACT_BODY_MAX, "over": len(body) - CONTACT_BODY_MAX},
            code="contact_body_too_long",
        )
    return body


def _clean_sender(*, name: str, email: str) -> tuple[str, str]:
    name, email = tidy(name), email.strip()
    if not name:
        raise DomainError(_("Enter your name."), code="contact_name_blank")
    if len(name) > CONTACT_NAME_MAX:
        raise DomainError(
            _("Your name must be %(max)s characters or fewer.") % {"max": CONTACT_NAME_MAX},
            code="contact_name_too_long",
        )
    # The name is shown to the recipient; an address typed there would defeat the relay.
    if "@" in name:
        raise DomainError(_("Enter your name, not an email address."), code="contact_name_is_email")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(
            _("Enter your email address in the right format, like name@example.com."), code="contact_email_invalid"
        ) from exc
    return name, email


def _check_rate_limits(
    *, petition_id: int, correspondent: str, is_from_creator: bool, ip_hash: str, now: datetime.datetime
) -> None:
    """Refuse when a sender, or an IP address, has sent too much in the last 24 hours.

    Every attempt counts, confirmed or not, so the confirmation email cannot be used to
    flood someone's inbox. Replies count against the conversation they belong to. Checked
    without locks: two requests racing at the limit may both pass, by one message.
    """
    since = now - datetime.timedelta(days=1)
    per_sender = int(settings.TOWNHALL["CONTACT_MESSAGES_PER_SENDER_PER_DAY"])
    sent = ContactMessage.objects.filter(
        petition_id=petition_id,
        correspondent_email_canonical=correspondent,
        is_from_creator=is_from_creator,
        created_at__gt=since,
    ).count()
    if sent >= per_sender:
        raise DomainError(
            _(
                "You have already sent %(count)s messages about this petition in the last 24 hours, "
                "the most we allow. Nothing was sent. Please try again tomorrow."
            )
            % {"count": per_sender},
            code="contact_rate_sender",
            http_status=429,
        )
    per_ip = int(settings.TOWNHALL["CONTACT_MESSAGES_PER_IP_PER_DAY"])
    if ip_hash and ContactMessage.objects.filter(sender_ip_hash=ip_hash, created_at__gt=since).count() >= per_ip:
        raise DomainError(
            _(
                "Too many messages have been sent from your internet connection in the last 24 hours. "
                "Nothing was sent. Please try again tomorrow."
            ),
            code="contact_rate_ip",
            http_status=429,
        )


def _is_blocked(*, petition_id: int, correspondent: str, is_from_creator: bool) -> bool:
    """Has the recipient reported a message from this side of this conversation before?"""
    return ContactMessage.objects.filter(
        petition_id=petition_id,
        correspondent_email_canonical=correspondent,
        is_from_creator=is_from_creator,
        reported_at__isnull=False,
    ).exists()


def _recipient_email(message: ContactMessage) -> str:
    """The creator for a message from the public; the correspondent for a creator's reply."""
    if not message.is_from_creator:
        return message.petition.creator_email
    if message.in_reply_to is None:  # pragma: no cover - a creator only ever replies
        raise InvalidState(_("This message has no one to go to."))
    return message.in_reply_to.sender_email


def _relay(message: ContactMessage, *, now: datetime.datetime) -> None:
    """Deliver through the outbox, or drop quietly if the recipient blocked this sender.

    The relayed email names the sender and carries their words, a reply link and a
    report link; it comes from the site's address with no Reply-To, so neither address
    is revealed. The dedupe key makes delivery happen at most once per message.
    """
    if _is_blocked(
        petition_id=message.petition_id,
        correspondent=message.correspondent_email_canonical,
        is_from_creator=message.is_from_creator,
    ):
        message.state = MessageState.BLOCKED
        message.save(update_fields=["state"])
        audit_record(action="contact.dropped_blocked", target=message)
        return
    subject, body = render_email(
        template="engagement/email/relayed",
        context={
            "message": message,
            "petition": message.petition,
            "reply_link": absolute_url(
                "engagement:message_reply", kwargs={"pk": message.pk, "token": message.recipient_token}
            ),
            "report_link": absolute_url(
                "engagement:message_report", kwargs={"pk": message.pk, "token": message.recipient_token}
            ),
            "petition_link": absolute_url("petitions:detail", kwargs={"pk": message.petition_id}),
        },
    )
    queue_letters(
        [Letter(dedupe_key=f"contact:{message.pk}", to=_recipient_email(message), subject=subject, body=body)]
    )
    message.state = MessageState.DELIVERED
    message.delivered_at = now
    message.save(update_fields=["state", "delivered_at"])
    audit_record(action="contact.relayed", target=message)


@transaction.atomic
def contact_message_create(
    *, petition_id: int, sender_name: str, sender_email: str, body: str, ip_hash: str
) -> ContactMessage:
    """Someone writes to a petition's creator. Nothing is relayed yet: the sender is
    emailed a link to confirm the address is theirs, so nobody can write as someone else.

    Only open or closed petitions can be contacted. Rate limits refuse with a message and
    change nothing.
    """
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None or petition.state not in (*PUBLISHED_STATES, PetitionState.REMOVED):
        raise NotFound(_("There is no published petition with that number."))
    _require_engaged(petition, doing=_("its creator cannot be contacted"))
    name, email = _clean_sender(name=sender_name, email=sender_email)
    text = _clean_body(body)
    now = timezone.now()
    correspondent = _canonical(email)
    _check_rate_limits(
        petition_id=petition.pk, correspondent=correspondent, is_from_creator=False, ip_hash=ip_hash, now=now
    )
    message = ContactMessage.objects.create(
        petition=petition,
        sender_name=name,
        sender_email=email,
        body=text,
        token=new_token(),
        recipient_token=new_token(),
        state=MessageState.PENDING,
        sender_ip_hash=ip_hash,
        created_at=now,
        correspondent_email_canonical=correspondent,
        is_from_creator=False,
    )
    audit_record(action="contact.created", target=message)
    send_email(
        to=[email],
        template="engagement/email/contact_confirm",
        context={
            "message": message,
            "petition": petition,
            "link": absolute_url("engagement:message_confirm", kwargs={"pk": message.pk, "token": message.token}),
        },
    )
    return message


def _bad_link() -> NotFound:
    return NotFound(_("This link is not valid. Check you copied the whole link from the email."), code="bad_token")


def _locked_message(message_id: int) -> ContactMessage:
    message = (
        ContactMessage.objects.select_for_update(of=("self",))
        .select_related("petition", "in_reply_to")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise _bad_link()
    return message


@transaction.atomic
def contact_message_confirm(*, message_id: int, token: str) -> ContactMessage:
    """The sender confirms their address from the emailed link; the message is relayed.

    Confirming twice changes nothing. A sender the creator has blocked sees the same
    outcome as anyone else, but nothing is delivered.
    """
    message = _locked_message(message_id)
    if message.is_from_creator or not tokens_match(token, message.token):
        raise _bad_link()
    if message.state != MessageState.PENDING:
        return message
    _require_engaged(message.petition, doing=_("its creator cannot be contacted"))
    _relay(message, now=timezone.now())
    return message


@transaction.atomic
def contact_reply(*, message_id: int, token: str, body: str, ip_hash: str) -> ContactMessage:
    """The recipient of a relayed message answers through its reply link.

    Holding the link proves the mailbox, so the reply is relayed at once: from the
    creator to the correspondent, or from the correspondent back to the creator. The
    rate limits and blocks of that side of the conversation apply.
    """
    original = _locked_message(message_id)
    if not tokens_match(token, original.recipient_token) or original.state != MessageState.DELIVERED:
        raise _bad_link()
    petition = original.petition
    _require_engaged(petition, doing=_("replies can no longer be sent"))
    text = _clean_body(body)
    from_creator = not original.is_from_creator
    if from_creator:
        name, email = petition.creator_name, petition.creator_email
    else:
        # A creator's message is always a reply to one from the correspondent.
        if original.in_reply_to is None:  # pragma: no cover
            raise _bad_link()
        name, email = original.in_reply_to.sender_name, original.in_reply_to.sender_email
    now = timezone.now()
    _check_rate_limits(
        petition_id=petition.pk,
        correspondent=original.correspondent_email_canonical,
        is_from_creator=from_creator,
        ip_hash=ip_hash,
        now=now,
    )
    reply = ContactMessage.objects.create(
        petition=petition,
        in_reply_to=original,
        sender_name=name,
        sender_email=email,
        body=text,
        token=new_token(),
        recipient_token=new_token(),
        state=MessageState.PENDING,
        sender_ip_hash=ip_hash,
        created_at=now,
        correspondent_email_canonical=original.correspondent_email_canonical,
        is_from_creator=from_creator,
    )
    audit_record(action="contact.reply_created", target=reply)
    _relay(reply, now=now)
    return reply


@transaction.atomic
def contact_report(*, message_id: int, token: str, reason: str) -> ContactMessage:
    """The recipient reports a relayed message as abuse.

    The message is flagged for moderators, and its sender is blocked from reaching this
    recipient through this petition: later messages are dropped quietly. Reporting twice
    changes nothing.
    """
    message = _locked_message(message_id)
    if not tokens_match(token, message.recipient_token) or message.state != MessageState.DELIVERED:
        raise _bad_link()
    reason = tidy(reason)
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("Your reason must be %(max)s characters or fewer.") % {"max": REASON_MAX}, code="report_reason_too_long"
        )
    if message.reported_at is not None:
        return message
    message.reported_at = timezone.now()
    message.report_reason = reason
    message.save(update_fields=["reported_at", "report_reason"])
    audit_record(action="contact.reported", target=message)
    return message
