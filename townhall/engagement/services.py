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
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.accounts.models import Actor, User
from townhall.accounts.policies import can_moderate, require
from townhall.accounts.selectors import user_emails_moderators
from townhall.audit.services import audit_record
from townhall.core.errors import DomainError, InvalidState, NotFound
from townhall.core.links import absolute_url
from townhall.core.net import fingerprint
from townhall.core.ratelimit import take_slot
from townhall.core.text import text_within
from townhall.core.tokens import LINK_NOT_VALID, get_by_token, link_token, new_token
from townhall.engagement.models import ContactMessage, MessageState, PetitionUpdate, UpdateState
from townhall.lists.selectors import resident_block_reason
from townhall.mail.models import LetterPriority
from townhall.mail.services import Letter, queue_letters, render_email, send_email
from townhall.petitions import policies
from townhall.petitions.models import Petition, PetitionState
from townhall.petitions.selectors import petition_get_by_creator_token, petition_require_public
from townhall.residents.services import resident_clean
from townhall.signatures.selectors import Subscriber
from townhall.signatures.services import FanOutStep, SignerFanOutSpec, signers_fan_out, signers_fan_out_step

UPDATE_TITLE_MAX = 120
UPDATE_BODY_MAX = 2000
CONTACT_BODY_MAX = 2000
REASON_MAX = 1000


def _require_engaged(petition: Petition, *, doing: str) -> None:
    if not policies.is_live(petition):
        raise InvalidState(
            _("This petition is %(state)s, so %(doing)s.")
            % {"state": PetitionState(petition.state).label.lower(), "doing": doing},
            code="petition_state",
        )


def _require_moderator(actor: Actor) -> User:
    return require(can_moderate, actor, refusal=_("Only moderators can approve or reject updates."))


# --- updates ------------------------------------------------------------------------------


def _clean_update(*, title: str, body: str) -> tuple[str, str]:
    title = text_within(
        title,
        limit=UPDATE_TITLE_MAX,
        code="update_title",
        blank=_("Enter a title for your update."),
        too_long=_("The title must be %(max)s characters or fewer; it is %(over)s too long."),
    )
    body = text_within(
        body,
        limit=UPDATE_BODY_MAX,
        code="update_body",
        blank=_("Enter the text of your update."),
        too_long=_("The update must be %(max)s characters or fewer; it is %(over)s too long."),
    )
    return title, body


@transaction.atomic
def update_submit(*, petition_id: int, token: str, title: str, body: str) -> PetitionUpdate:
    """The creator, through their private emailed link, writes an update for signers.

    It waits for a moderator: nothing is published or emailed to signers until then.
    Only open or closed petitions take updates. The moderators are told it is waiting.
    """
    petition = petition_get_by_creator_token(petition_id=petition_id, token=token, purpose="update")
    _require_engaged(petition, doing=_("updates cannot be posted"))
    title, body = _clean_update(title=title, body=body)
    update = PetitionUpdate.objects.create(petition=petition, title=title, body=body, created_at=timezone.now())
    audit_record(action="update.submitted", target=update)
    moderators = user_emails_moderators()
    if moderators:
        send_email(
            key=f"update:{update.pk}:submitted",
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


def _stamp_decision(
    update: PetitionUpdate,
    *,
    state: UpdateState,
    actor: User,
    at: datetime.datetime,
    action: str,
    also: Sequence[str],
) -> None:
    """Record a moderator's decision on an update: its new state, when and by whom, saved
    together with the fields in `also` (set by the caller), and audited as `action`."""
    update.state = state
    update.moderated_at = at
    update.moderated_by = actor
    update.save(update_fields=["state", "moderated_at", "moderated_by", *also])
    audit_record(action=action, target=update, actor=actor)


@transaction.atomic
def update_approve(*, update_id: int, actor: Actor) -> PetitionUpdate:
    """A moderator publishes an update: it appears on the petition page, the creator and
    the moderator get a copy, and the fan-out to opted-in signers starts once this commits."""
    actor = _require_moderator(actor)
    update = _locked_update(update_id)
    _require_awaiting(update, doing=_("approved"))
    _require_engaged(update.petition, doing=_("updates cannot be published"))
    now = timezone.now()
    update.published_at = now
    _stamp_decision(
        update, state=UpdateState.PUBLISHED, actor=actor, at=now, action="update.published", also=["published_at"]
    )
    copies = [update.petition.creator_email, *([actor.email] if getattr(actor, "email", "") else [])]
    send_email(
        key=f"update:{update.pk}:published",
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
def update_reject(*, update_id: int, reason: str, actor: Actor) -> PetitionUpdate:
    """A moderator refuses an update, telling the creator why. Nothing is published."""
    actor = _require_moderator(actor)
    reason = text_within(
        reason,
        limit=REASON_MAX,
        code="reason",
        blank=_("Explain to the creator why the update cannot be published."),
        too_long=_("The explanation must be %(max)s characters or fewer."),
    )
    update = _locked_update(update_id)
    _require_awaiting(update, doing=_("rejected"))
    update.rejection_reason = reason
    _stamp_decision(
        update,
        state=UpdateState.REJECTED,
        actor=actor,
        at=timezone.now(),
        action="update.rejected",
        also=["rejection_reason"],
    )
    send_email(
        key=f"update:{update.pk}:rejected",
        to=[update.petition.creator_email],
        template="engagement/email/update_rejected",
        context={
            "petition": update.petition,
            "update": update,
            "link": absolute_url(
                "engagement:update_new",
                kwargs={"pk": update.petition_id, "token": link_token(update.petition.creator_token, "update")},
            ),
        },
    )
    return update


def _update_is_owed(update: PetitionUpdate) -> bool:
    """Still published, on a petition that is still live (one taken down gets no more letters)."""
    return update.state == UpdateState.PUBLISHED and policies.is_live(update.petition)


def _update_fan_out(update_id: int) -> SignerFanOutSpec:
    """The update's letters to opted-in signers: one signer fan-out, keyed
    `update:<id>:signature:<id>`, with the update row as its cursor."""
    update = PetitionUpdate.objects.select_related("petition").filter(pk=update_id).first()
    if update is None:
        raise NotFound(_("There is no update with that number."))
    petition_link = absolute_url("petitions:detail", kwargs={"pk": update.petition_id})

    def letter(subscriber: Subscriber) -> tuple[str, str]:
        return render_email(
            template="engagement/email/update",
            context={
                "petition": update.petition,
                "update": update,
                "name": subscriber.name,
                "link": petition_link,
                "unsubscribe_url": subscriber.unsubscribe_url,
            },
        )

    return SignerFanOutSpec(
        owner=PetitionUpdate,
        owner_id=update_id,
        petition_id=update.petition_id,
        key=f"update:{update_id}",
        letter=letter,
        is_owed=_update_is_owed,
        audit_action="update.fanout_finished",
    )


def update_fanout_batch(*, update_id: int, batch_size: int) -> FanOutStep:
    """Queue the published update's email to the next batch of opted-in signers."""
    return signers_fan_out_step(_update_fan_out(update_id), batch_size=batch_size)


def update_fanout_run(*, update_id: int, batch_size: int | None = None) -> int:
    """Run the fan-out to the end, batch by batch. Returns how many letters were queued."""
    return signers_fan_out(_update_fan_out(update_id), batch_size=batch_size)


# --- the contact relay --------------------------------------------------------------------


def client_ip_hash(*, ip: str) -> str:
    """The client's IP as the same keyed hash signing uses (core.net.fingerprint).

    Enough to count messages from one address for rate limits; the address itself is
    never stored. Empty when the address cannot be parsed.
    """
    return fingerprint(ip).ip_hash


def _clean_body(body: str) -> str:
    return text_within(
        body,
        limit=CONTACT_BODY_MAX,
        code="contact_body",
        blank=_("Enter your message."),
        too_long=_("Your message must be %(max)s characters or fewer; it is %(over)s too long."),
    )


def _check_rate_limits(*, petition_id: int, correspondent: str, is_from_creator: bool, ip_hash: str) -> None:
    """Refuse when a sender, or an IP address, has sent too much in the last day.

    Every attempt counts, confirmed or not, so the confirmation email cannot be used to
    flood someone's inbox. Replies count against the conversation they belong to. Each
    limit is a counter of its own (townhall/core/ratelimit.py), counted inside the
    caller's transaction: racing messages never pass a limit, and a refused one is not
    counted.
    """
    day = int(datetime.timedelta(days=1).total_seconds())
    per_sender = int(settings.TOWNHALL["CONTACT_MESSAGES_PER_SENDER_PER_DAY"])
    side = "creator" if is_from_creator else "public"
    if not take_slot(
        scope="contact-sender", subject=f"{petition_id}:{side}:{correspondent}", limit=per_sender, seconds=day
    ):
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
    if ip_hash and not take_slot(scope="contact-address", subject=ip_hash, limit=per_ip, seconds=day):
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
                "engagement:message_report",
                kwargs={"pk": message.pk, "token": link_token(message.recipient_token, "report")},
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


def _message_new(
    *,
    petition: Petition,
    in_reply_to: ContactMessage | None,
    name: str,
    email: str,
    text: str,
    correspondent: str,
    is_from_creator: bool,
    ip: str | None,
    now: datetime.datetime,
) -> ContactMessage | None:
    """One message of a conversation, after its side's rate limits; pending until relayed.

    None, with nothing stored, when its sender is on a block list (townhall.lists): asked
    after the rate limits, so a blocked sender meets every refusal anyone else would.
    """
    ip_hash = client_ip_hash(ip=ip or "")
    _check_rate_limits(
        petition_id=petition.pk, correspondent=correspondent, is_from_creator=is_from_creator, ip_hash=ip_hash
    )
    if resident_block_reason(email=email, ip=ip):
        return None
    return ContactMessage.objects.create(
        petition=petition,
        in_reply_to=in_reply_to,
        sender_name=name,
        sender_email=email,
        body=text,
        token=new_token(),
        recipient_token=new_token(),
        state=MessageState.PENDING,
        sender_ip_hash=ip_hash,
        created_at=now,
        correspondent_email_canonical=correspondent,
        is_from_creator=is_from_creator,
    )


@transaction.atomic
def contact_message_create(
    *, petition_id: int, sender_name: str, sender_email: str, body: str, ip: str | None
) -> ContactMessage | None:
    """Someone writes to a petition's creator. Nothing is relayed yet: the sender is
    emailed a link to confirm the address is theirs, so nobody can write as someone else.

    Only open or closed petitions can be contacted. Rate limits refuse with a message and
    change nothing. A sender on a block list (townhall.lists) is answered as anyone is,
    but nothing is stored or sent: the result is None. `ip` is compared in memory; only
    its keyed hash is kept.
    """
    petition = petition_require_public(Petition.objects.filter(pk=petition_id).first())
    _require_engaged(petition, doing=_("its creator cannot be contacted"))
    sender = resident_clean(name=sender_name, email=sender_email, code_prefix="contact_")
    name, email = sender.name, sender.email
    text = _clean_body(body)
    now = timezone.now()
    correspondent = sender.email_canonical
    message = _message_new(
        petition=petition,
        in_reply_to=None,
        name=name,
        email=email,
        text=text,
        correspondent=correspondent,
        is_from_creator=False,
        ip=ip,
        now=now,
    )
    if message is None:
        return None
    audit_record(action="contact.created", target=message)
    send_email(
        key=f"contact:{message.pk}:confirm",
        priority=LetterPriority.WAITING,
        to=[email],
        template="engagement/email/contact_confirm",
        context={
            "message": message,
            "petition": petition,
            "link": absolute_url("engagement:message_confirm", kwargs={"pk": message.pk, "token": message.token}),
        },
    )
    return message


def _locked_messages() -> QuerySet[ContactMessage]:
    return ContactMessage.objects.select_for_update(of=("self",)).select_related("petition", "in_reply_to")


@transaction.atomic
def contact_message_confirm(*, message_id: int, token: str) -> ContactMessage:
    """The sender confirms their address from the emailed link; the message is relayed.

    Confirming twice changes nothing. A sender the creator has blocked sees the same
    outcome as anyone else, but nothing is delivered.
    """
    message = get_by_token(_locked_messages().filter(is_from_creator=False), pk=message_id, token=token)
    if message.state != MessageState.PENDING:
        return message
    _require_engaged(message.petition, doing=_("its creator cannot be contacted"))
    _relay(message, now=timezone.now())
    return message


@transaction.atomic
def contact_reply(*, message_id: int, token: str, body: str, ip: str | None) -> ContactMessage | None:
    """The recipient of a relayed message answers through its reply link.

    Holding the link proves the mailbox, so the reply is relayed at once: from the
    creator to the correspondent, or from the correspondent back to the creator. The
    rate limits and blocks of that side of the conversation apply; a sender on a block
    list (townhall.lists) is answered as anyone is, and nothing is stored or relayed.
    """
    original = get_by_token(
        _locked_messages().filter(state=MessageState.DELIVERED), pk=message_id, token=token, field="recipient_token"
    )
    petition = original.petition
    _require_engaged(petition, doing=_("replies can no longer be sent"))
    text = _clean_body(body)
    from_creator = not original.is_from_creator
    if from_creator:
        name, email = petition.creator_name, petition.creator_email
    else:
        # A creator's message is always a reply to one from the correspondent.
        if original.in_reply_to is None:  # pragma: no cover
            raise NotFound(str(LINK_NOT_VALID), code="bad_token")
        name, email = original.in_reply_to.sender_name, original.in_reply_to.sender_email
    now = timezone.now()
    reply = _message_new(
        petition=petition,
        in_reply_to=original,
        name=name,
        email=email,
        text=text,
        correspondent=original.correspondent_email_canonical,
        is_from_creator=from_creator,
        ip=ip,
        now=now,
    )
    if reply is None:
        return None
    audit_record(action="contact.reply_created", target=reply)
    _relay(reply, now=now)
    return reply


@transaction.atomic
def contact_report(*, message_id: int, token: str, reason: str) -> ContactMessage:
    """The recipient reports a relayed message as abuse.

    The message is flagged for moderators, and its sender is blocked from reaching this
    recipient through this petition: later messages are dropped quietly. Reporting twice
    changes nothing. Only the report link (its own token) opens it, not the reply link.
    """
    message = get_by_token(
        _locked_messages().filter(state=MessageState.DELIVERED),
        pk=message_id,
        token=token,
        field="recipient_token",
        purpose="report",
    )
    reason = text_within(
        reason,
        limit=REASON_MAX,
        code="report_reason",
        too_long=_("Your reason must be %(max)s characters or fewer."),
    )
    if message.reported_at is not None:
        return message
    message.reported_at = timezone.now()
    message.report_reason = reason
    message.save(update_fields=["reported_at", "report_reason"])
    audit_record(action="contact.reported", target=message)
    return message


def contact_message_forget(now: datetime.datetime) -> int:
    """Past CONTACT_MESSAGE_RETENTION_DAYS, a relayed message keeps only its petition, state
    and dates: the sender's details, the text and the report reason are removed."""
    cutoff = now - datetime.timedelta(days=int(settings.TOWNHALL["CONTACT_MESSAGE_RETENTION_DAYS"]))
    due = ContactMessage.objects.filter(created_at__lte=cutoff).exclude(sender_email="", body="")
    return due.update(
        sender_name="",
        sender_email="",
        body="",
        report_reason="",
        sender_ip_hash="",
        correspondent_email_canonical="",
        token="",
        recipient_token="",
    )
