"""The drill's SMTP sink: a recipient refused for good, and the server gone for a while."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import pytest

from scripts.drill.sink import FaultySink, refused


def letter(*to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "petitions@townhall.invalid"
    message["To"] = ", ".join(to)
    message["Subject"] = "Confirm your signature"
    message.set_content("Open this link:\n\nhttp://127.0.0.1:8000/signatures/7/confirm/tok/\n")
    return message


def send(port: int, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.send_message(message)


def test_only_refuse_addresses_are_refused() -> None:
    assert refused("refuse-signer49.d1@example.org")
    assert refused("Refuse-Signer49.d1@example.org")
    assert not refused("signer49.d1@example.org")
    assert not refused("someone.refuse-x@example.org")


def test_a_refused_recipient_gets_550_every_time_and_nothing_is_delivered_to_it() -> None:
    async def scenario() -> tuple[FaultySink, list[int]]:
        sink = FaultySink()
        port = await sink.start()
        codes = []
        for _ in range(2):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refusal:
                await asyncio.to_thread(send, port, letter("refuse-a.d1@example.org"))
            codes.append(refusal.value.recipients["refuse-a.d1@example.org"][0])
        # In a message with another recipient, only the refused one is left out.
        failed = await asyncio.to_thread(send, port, letter("refuse-a.d1@example.org", "b.d1@example.org"))
        assert failed == {"refuse-a.d1@example.org": (550, b"5.1.1 No such user")}
        await sink.stop()
        return sink, codes

    sink, codes = asyncio.run(scenario())
    assert codes == [550, 550]
    assert dict(sink.refusals) == {"refuse-a.d1@example.org": 3}
    assert dict(sink.received) == {"b.d1@example.org": 1}
    assert [to for _, to in sink.deliveries] == [("b.d1@example.org",)]


def test_away_refuses_connections_and_back_listens_on_the_same_port() -> None:
    async def scenario() -> FaultySink:
        sink = FaultySink()
        port = await sink.start()
        await asyncio.to_thread(send, port, letter("a.d1@example.org"))
        await sink.away()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.to_thread(send, port, letter("b.d1@example.org"))
        await sink.back()
        assert sink.port == port
        await asyncio.to_thread(send, port, letter("c.d1@example.org"))
        await sink.stop()
        return sink

    sink = asyncio.run(scenario())
    assert dict(sink.received) == {"a.d1@example.org": 1, "c.d1@example.org": 1}
    assert sink.messages == 2


def test_going_away_cuts_a_session_in_progress() -> None:
    async def scenario() -> None:
        sink = FaultySink()
        port = await sink.start()
        client = await asyncio.to_thread(smtplib.SMTP, "127.0.0.1", port, timeout=10)
        await asyncio.to_thread(client.ehlo)
        await sink.away()
        with pytest.raises(smtplib.SMTPServerDisconnected):
            await asyncio.to_thread(client.send_message, letter("a.d1@example.org"))
        client.close()
        await sink.back()
        await sink.stop()

    asyncio.run(scenario())


def test_held_replies_keep_the_letter_before_the_sender_hears_250() -> None:
    async def scenario() -> None:
        sink = FaultySink(hold_replies=1.0)
        port = await sink.start()
        sending = asyncio.create_task(asyncio.to_thread(send, port, letter("a.d1@example.org")))
        deadline = asyncio.get_running_loop().time() + 10
        while sink.holding == 0:
            assert asyncio.get_running_loop().time() < deadline, "the sender never waited"
            await asyncio.sleep(0.01)
        # Kept already, though the sender is still waiting for the 250.
        assert dict(sink.received) == {"a.d1@example.org": 1}
        assert not sending.done()
        await sending
        assert sink.holding == 0
        await sink.stop()

    asyncio.run(scenario())
