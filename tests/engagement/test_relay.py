"""The contact relay: anyone can write to a petition's creator and get replies, and neither
side's email address is ever shown; rate limits, abuse reports and quiet blocking."""

from __future__ import annotations

import datetime
import re
from email.message import Message
from html import unescape
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from tests.builders import awaiting_petition, make_petition, make_superuser, open_petition
from tests.conftest import links_in
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.core.net import fingerprint
from townhall.core.tokens import link_token
from townhall.engagement.models import ContactMessage, MessageState
from townhall.mail.models import QueuedEmail
from townhall.mail.services import send_queued_letters
from townhall.petitions.models import Petition
from townhall.petitions.services import petition_reject, petition_remove

pytestmark = pytest.mark.django_db


def relay_letters() -> QuerySet[QueuedEmail]:
    """Relayed messages in the outbox (not the senders' own confirmation emails)."""
    return QueuedEmail.objects.filter(dedupe_key__startswith="contact:").exclude(dedupe_key__contains=":confirm:")


CREATOR = "ann@example.org"
SENDER = "sam.sender@example.net"
IP = "203.0.113.7"


@pytest.fixture
def petition(scheme: Any, moderator: User) -> Petition:
    petition = open_petition(moderator=moderator)
    mail.outbox = []
    return petition


class Visitor:
    """One person's browser, keeping every page it was shown."""

    def __init__(self, ip: str = IP) -> None:
        self.client = Client(REMOTE_ADDR=ip)
        self.pages: list[str] = []

    def _keep(self, response: Any) -> Any:
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        self.pages.append(headers + "\n" + response.content.decode())
        return response

    def get(self, url: str) -> Any:
        return self._keep(self.client.get(url.removeprefix("http://testserver")))

    def post(self, url: str, data: dict[str, str] | None = None) -> Any:
        return self._keep(self.client.post(url.removeprefix("http://testserver"), data or {}))


def words(response: Any) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", response.content.decode())))


def mail_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


def only_link(message: Any, fragment: str) -> str:
    [link] = [link for link in links_in(message.body) if fragment in link]
    return link


def write(visitor: Visitor, petition: Petition, *, name: str = "Sam Sender", email: str = SENDER, text: str) -> Any:
    return visitor.post(f"/petitions/{petition.pk}/contact/", {"name": name, "email": email, "message": text})


def write_and_confirm(
    visitor: Visitor, petition: Petition, capture: Any, *, email: str = SENDER, text: str = "Hello", name: str = "Sam"
) -> Any:
    """Fill the form, open the emailed link, press the button; returns the final page."""
    mail.outbox = []
    with capture(execute=True):
        assert write(visitor, petition, name=name, email=email, text=text).status_code == 302
    [confirmation] = mail_to(email)
    return visitor.post(only_link(confirmation, "/confirm/"))


def test_a_message_is_relayed_only_after_the_sender_confirms_their_address(
    petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    sam = Visitor()
    petition_page = sam.get(f"/petitions/{petition.pk}/")
    assert f'href="/petitions/{petition.pk}/contact/"' in petition_page.content.decode()
    assert "Contact the petition's creator" in words(petition_page)
    form = sam.get(f"/petitions/{petition.pk}/contact/")
    assert form.status_code == 200
    for field in ("name", "email", "message"):
        assert f'<label for="id_{field}">' in form.content.decode()
    assert form["Cache-Control"] == "no-store"

    with django_capture_on_commit_callbacks(execute=True):
        sent = write(sam, petition, text="I run the café opposite.\nCan I put up a poster?")
    assert sent.status_code == 302
    assert sent["Location"] == f"/petitions/{petition.pk}/contact/check-your-email/"
    assert "We have emailed you a link" in words(sam.get(sent["Location"]))
    message = ContactMessage.objects.get()
    assert (message.state, message.sender_name, message.in_reply_to) == (MessageState.PENDING, "Sam Sender", None)
    # Only the keyed hash of the IP address is kept.
    # The same keyed hash signing uses; never the address itself.
    assert message.sender_ip_hash == fingerprint(IP).ip_hash != ""
    assert IP not in message.sender_ip_hash
    assert IP not in str(ContactMessage.objects.filter(pk=message.pk).values().get())

    [confirmation] = mail.outbox
    assert confirmation.to == [SENDER]
    confirm_url = only_link(confirmation, "/confirm/")
    # A mail scanner's GET sends nothing.
    shown = sam.get(confirm_url)
    assert "Send my message" in words(shown)
    assert ContactMessage.objects.get().state == MessageState.PENDING
    assert not relay_letters().exists()

    done = sam.post(confirm_url)
    assert done.status_code == 200
    assert "Your message has been sent" in words(done)
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert message.delivered_at is not None
    letter = relay_letters().get()
    assert (letter.dedupe_key, letter.to, letter.headers) == (f"contact:{message.pk}", CREATOR, {})
    # Confirming again changes nothing and sends nothing twice.
    assert "already been sent" in words(sam.get(confirm_url))
    sam.post(confirm_url)
    assert relay_letters().count() == 1

    mail.outbox = []
    assert send_queued_letters() == 1
    [relayed] = mail.outbox
    assert relayed.to == [CREATOR]
    assert relayed.from_email == settings.DEFAULT_FROM_EMAIL
    assert relayed.reply_to == []
    assert "Reply-To" not in relayed.message()
    assert relayed.subject == f"A message about your petition: {petition.action}"
    assert "Sam Sender has sent you a message" in relayed.body
    assert "I run the café opposite.\nCan I put up a poster?" in relayed.body
    assert only_link(relayed, "/reply/") == f"http://testserver/messages/{message.pk}/reply/{message.recipient_token}/"
    assert (
        only_link(relayed, "/report/")
        == f"http://testserver/messages/{message.pk}/report/{link_token(message.recipient_token, 'report')}/"
    )


def test_the_senders_link_cannot_reply_or_report_and_a_wrong_token_is_not_found(
    petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    sam = Visitor()
    write_and_confirm(sam, petition, django_capture_on_commit_callbacks)
    message = ContactMessage.objects.get()
    for url in (
        f"/messages/{message.pk}/reply/{message.token}/",
        f"/messages/{message.pk}/report/{message.token}/",
        f"/messages/{message.pk}/report/{message.recipient_token}/",  # the reply link's token
        f"/messages/{message.pk}/confirm/{message.recipient_token}/",
        f"/messages/{message.pk}/confirm/{'x' * 32}/",
    ):
        assert sam.get(url).status_code == 404
        assert sam.post(url, {"message": "x", "reason": "x"}).status_code == 404
    message.refresh_from_db()
    assert message.reported_at is None
    assert ContactMessage.objects.count() == 1


def test_replies_go_both_ways_and_no_address_ever_shows(
    petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Send a message, a reply and a reply to the reply; then look at every page either
    person was shown and every email either was sent: neither address appears anywhere
    except in the To header of that person's own emails."""
    sam, ann = Visitor(), Visitor(ip="198.51.100.2")
    sam.get(f"/petitions/{petition.pk}/")
    sam.get(f"/petitions/{petition.pk}/count.json")
    sam.get(f"/petitions/{petition.pk}/contact/")
    assert write(sam, petition, name="", email="not-an-address", text="").status_code == 400  # a page too
    write_and_confirm(sam, petition, django_capture_on_commit_callbacks, text="Why did the toilets close?")
    seen = list(mail.outbox)  # the sender's confirmation email

    def drain() -> Any:
        mail.outbox = []
        send_queued_letters()
        [message] = mail.outbox
        seen.append(message)
        return message

    to_ann = drain()

    # Ann replies through the link; the reply is relayed at once, without confirming.
    reply_url = only_link(to_ann, "/reply/")
    page = ann.get(reply_url)
    assert "Sam wrote" in words(page)
    assert "Why did the toilets close?" in words(page)
    sent = ann.post(reply_url, {"message": "The council says the lease ran out."})
    assert "Your reply has been sent" in words(sent)
    reply = ContactMessage.objects.get(in_reply_to__isnull=False)
    assert (reply.is_from_creator, reply.sender_name, reply.state) == (True, "Ann Creator", MessageState.DELIVERED)
    to_sam = drain()
    assert to_sam.to == [SENDER]
    assert to_sam.subject == f"A reply about the petition: {petition.action}"
    assert f'Ann Creator, who started the petition "{petition.action}", has replied to you' in to_sam.body
    assert "The council says the lease ran out." in to_sam.body

    # Sam answers the reply; it goes back to Ann the same way.
    sam_reply_url = only_link(to_sam, "/reply/")
    assert "Ann Creator wrote" in words(sam.get(sam_reply_url))
    sam.post(sam_reply_url, {"message": "Thanks, I will ask my councillor."})
    sam.get(only_link(to_sam, "/report/"))  # looked at, not reported
    back_to_ann = drain()
    assert back_to_ann.to == [CREATOR]
    assert "Sam has replied about your petition" in back_to_ann.body
    assert "Thanks, I will ask my councillor." in back_to_ann.body
    ann.get(only_link(back_to_ann, "/report/"))
    ann.post(only_link(back_to_ann, "/report/"), {"reason": "Checking the pages"})
    staff = Visitor()
    staff.client.force_login(moderator)
    staff.get("/moderation/messages/")
    assert ContactMessage.objects.filter(state=MessageState.DELIVERED).count() == 3

    addresses = [SENDER, CREATOR]
    pages = sam.pages + ann.pages + staff.pages
    assert len(pages) >= 12
    for page_text in pages:
        for address in addresses:
            assert address not in page_text.lower()
    assert [m.to for m in seen] == [[SENDER], [CREATOR], [SENDER], [CREATOR]]
    for message in seen:
        mime: Message = message.message()
        for address in addresses:
            assert address not in message.body
            for name, value in mime.items():
                if name == "To" and message.to == [address]:
                    continue  # the recipient's own address, where it must be
                assert address not in str(value).lower(), (name, value)
        assert mime["From"] == settings.DEFAULT_FROM_EMAIL
        assert mime["Reply-To"] is None


def test_a_name_that_is_an_email_address_is_refused(petition: Petition) -> None:
    response = write(Visitor(), petition, name="sam@example.net", text="Hello")
    assert response.status_code == 400
    assert "Enter your name, not an email address." in words(response)
    assert not ContactMessage.objects.exists()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "email": SENDER, "message": "Hi"}, "Enter your name."),
        ({"name": "Sam", "email": "sam@", "message": "Hi"}, "Enter your email address in the right format"),
        ({"name": "Sam", "email": SENDER, "message": ""}, "Enter your message."),
        ({"name": "Sam", "email": SENDER, "message": "z" * 2003}, "2000 characters or fewer; it is 3 too long."),
    ],
)
def test_bad_input_is_refused_clearly(petition: Petition, form: dict[str, str], message: str) -> None:
    response = Visitor().post(f"/petitions/{petition.pk}/contact/", form)
    assert response.status_code == 400
    assert message in words(response)
    assert "There is a problem" in words(response)
    assert not ContactMessage.objects.exists()
    assert mail.outbox == []


def test_only_open_and_closed_petitions_can_be_contacted(
    petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    pending = make_petition(creator_email="p@example.org")
    assert Visitor().get(f"/petitions/{pending.pk}/contact/").status_code == 404
    rejected = awaiting_petition(creator_email="r@example.org")
    petition_reject(petition_id=rejected.pk, reason="duplicate", details="", actor=moderator)
    refused = Visitor().post(f"/petitions/{rejected.pk}/contact/", {"name": "S", "email": SENDER, "message": "Hi"})
    assert refused.status_code == 409
    assert "cannot be contacted" in words(refused)
    assert "Contact the petition" not in words(Visitor().get(f"/petitions/{rejected.pk}/"))

    # A message written while the petition was open is not relayed once it is removed.
    sam = Visitor()
    with django_capture_on_commit_callbacks(execute=True):
        write(sam, petition, text="Hello")
    [confirmation] = mail_to(SENDER)
    petition_remove(petition_id=petition.pk, actor=moderator)
    assert sam.post(only_link(confirmation, "/confirm/")).status_code == 409
    assert not relay_letters().exists()
    assert Visitor().get(f"/petitions/{petition.pk}/contact/").status_code == 410


def test_the_sender_limit_refuses_clearly_changes_nothing_and_lifts_after_a_day(
    petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(3):
            # From different connections, and under gmail-style variants of one address.
            response = write(Visitor(ip=f"192.0.2.{n}"), petition, email=f"sam.sender+{n}@gmail.com", text=f"#{n}")
            assert response.status_code == 302
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            refused = write(Visitor(ip="192.0.2.99"), petition, email="samsender@googlemail.com", text="#4")
        assert refused.status_code == 429
        assert (
            "You have already sent 3 messages about this petition in the last 24 hours, the most we allow. "
            "Nothing was sent." in words(refused)
        )
        assert "#4" in unescape(refused.content.decode())  # what they typed is kept
        assert ContactMessage.objects.count() == 3
        assert mail.outbox == []
        # Someone else may still write.
        assert write(Visitor(ip="192.0.2.99"), petition, email="other@example.org", text="Hi").status_code == 302
    with time_machine.travel(start + datetime.timedelta(days=1, seconds=1), tick=False):
        assert write(Visitor(), petition, email="samsender@gmail.com", text="#5").status_code == 302


def test_the_ip_limit_counts_every_message_from_one_connection(
    petition: Petition, settings: Any, scheme: Any, moderator: User
) -> None:
    settings.TOWNHALL = {**settings.TOWNHALL, "CONTACT_MESSAGES_PER_IP_PER_DAY": 2}
    other = open_petition(moderator=moderator, action="Light the Hollins Park footpath", creator_email="b@example.org")
    crowd = Visitor(ip="198.51.100.77")
    assert write(crowd, petition, email="a1@example.org", text="Hi").status_code == 302
    assert write(crowd, other, email="a2@example.org", text="Hi").status_code == 302
    refused = write(crowd, petition, email="a3@example.org", text="Hi")
    assert refused.status_code == 429
    assert "Too many messages have been sent from your internet connection" in words(refused)
    assert ContactMessage.objects.count() == 2
    assert write(Visitor(ip="198.51.100.78"), petition, email="a3@example.org", text="Hi").status_code == 302


def test_replies_are_rate_limited_too(petition: Petition, django_capture_on_commit_callbacks: Any) -> None:
    write_and_confirm(Visitor(), petition, django_capture_on_commit_callbacks)
    message = ContactMessage.objects.get()
    ann = Visitor(ip="198.51.100.2")
    url = f"/messages/{message.pk}/reply/{message.recipient_token}/"
    for n in range(3):
        assert "Your reply has been sent" in words(ann.post(url, {"message": f"Reply {n}"}))
    refused = ann.post(url, {"message": "Reply 4"})
    assert refused.status_code == 429
    assert "Nothing was sent" in words(refused)
    assert ContactMessage.objects.filter(is_from_creator=True).count() == 3


def test_reporting_flags_the_message_and_quietly_blocks_its_sender(
    petition: Petition, moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    sam = Visitor()
    write_and_confirm(sam, petition, django_capture_on_commit_callbacks, text="You will regret this petition.")
    abusive = ContactMessage.objects.get()
    report_url = f"/messages/{abusive.pk}/report/{link_token(abusive.recipient_token, 'report')}/"
    ann = Visitor(ip="198.51.100.2")
    shown = ann.get(report_url)
    assert "You will regret this petition." in words(shown)
    assert ContactMessage.objects.get().reported_at is None  # a GET reports nothing
    done = ann.post(report_url, {"reason": "A threat."})
    assert done.status_code == 200
    assert "Its sender can no longer write to you about this petition." in words(done)
    abusive.refresh_from_db()
    assert abusive.reported_at is not None
    assert abusive.report_reason == "A threat."
    assert AuditEvent.objects.filter(action="contact.reported").count() == 1
    assert "You have already reported this message." in words(ann.get(report_url))
    ann.post(report_url, {"reason": "again"})
    abusive.refresh_from_db()
    assert abusive.report_reason == "A threat."

    # Moderators see it, and only moderators.
    assert Visitor().get("/moderation/messages/")["Location"].startswith("/staff/login/")
    staff = Visitor()
    staff.client.force_login(moderator)
    listing = words(staff.get("/moderation/messages/"))
    assert "You will regret this petition." in listing
    assert "A threat." in listing
    assert petition.action in listing

    # The blocked sender sees exactly what anyone else sees, but nothing is delivered.
    normal = write_and_confirm(Visitor(ip="192.0.2.50"), petition, django_capture_on_commit_callbacks, email="n@ex.org")
    relay_letters().delete()
    blocked = write_and_confirm(sam, petition, django_capture_on_commit_callbacks, email="Sam.Sender@example.net")
    assert blocked.status_code == normal.status_code == 200
    assert words(blocked) == words(normal)
    latest = ContactMessage.objects.order_by("-id").first()
    assert latest is not None
    assert latest.state == MessageState.BLOCKED
    assert not relay_letters().exists()
    # Their confirmation link afterwards reads like a sent message's.
    assert "already been sent" in words(sam.get(f"/messages/{latest.pk}/confirm/{latest.token}/"))

    # The block is for this petition only.
    other = open_petition(moderator=moderator, action="Light the Hollins Park footpath", creator_email="b@example.org")
    write_and_confirm(sam, other, django_capture_on_commit_callbacks)
    assert relay_letters().filter(to="b@example.org").count() == 1


def test_a_reported_reply_blocks_the_creator_from_that_person_only(
    petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    write_and_confirm(Visitor(), petition, django_capture_on_commit_callbacks, text="First")
    write_and_confirm(Visitor(ip="192.0.2.9"), petition, django_capture_on_commit_callbacks, email="z@ex.org")
    from_sam = ContactMessage.objects.get(correspondent_email_canonical=SENDER)
    from_zoe = ContactMessage.objects.get(correspondent_email_canonical="z@ex.org")
    ann = Visitor(ip="198.51.100.2")
    ann.post(f"/messages/{from_sam.pk}/reply/{from_sam.recipient_token}/", {"message": "Rude reply"})
    rude = ContactMessage.objects.get(is_from_creator=True)
    Visitor().post(f"/messages/{rude.pk}/report/{link_token(rude.recipient_token, 'report')}/", {"reason": ""})

    again = ann.post(f"/messages/{from_sam.pk}/reply/{from_sam.recipient_token}/", {"message": "More"})
    assert "Your reply has been sent" in words(again)  # quietly dropped
    assert ContactMessage.objects.filter(is_from_creator=True).order_by("-id")[0].state == MessageState.BLOCKED
    ann.post(f"/messages/{from_zoe.pk}/reply/{from_zoe.recipient_token}/", {"message": "Thanks Zoe"})
    assert ContactMessage.objects.filter(is_from_creator=True).order_by("-id")[0].state == MessageState.DELIVERED
    assert relay_letters().filter(to="z@ex.org").count() == 1
    assert relay_letters().filter(to=SENDER).count() == 1  # the rude reply only


def test_the_admin_shows_relayed_messages_without_any_address(
    petition: Petition, django_capture_on_commit_callbacks: Any
) -> None:
    write_and_confirm(Visitor(), petition, django_capture_on_commit_callbacks, text="Hello from the café")
    message = ContactMessage.objects.get()
    superuser = make_superuser("root")
    staff = Client()
    staff.force_login(superuser)
    for url in ("/admin/engagement/contactmessage/", f"/admin/engagement/contactmessage/{message.pk}/change/"):
        page = staff.get(url)
        assert page.status_code == 200
        assert SENDER not in page.content.decode()
        assert CREATOR not in page.content.decode()
    assert "Hello from the café" in unescape(
        staff.get(f"/admin/engagement/contactmessage/{message.pk}/change/").content.decode()
    )


def test_the_service_does_not_reveal_a_private_petition(scheme: Any) -> None:
    from townhall.core.errors import NotFound
    from townhall.engagement.services import contact_message_create

    pending = make_petition(creator_email="p@example.org")
    with pytest.raises(NotFound):
        contact_message_create(petition_id=pending.pk, sender_name="S", sender_email=SENDER, body="Hi", ip=None)
    assert not ContactMessage.objects.exists()
