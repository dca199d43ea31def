"""A minimal SMTP sink on asyncio streams: accepts every message, keeps what the bench needs.

Enough of RFC 5321 for Django's SMTP backend (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT; no TLS, no AUTH). Each message is parsed, its recipients recorded, and the first
confirmation link in its body handed to `on_link(email, pk, token)`. `rcpt_reply` answers
each recipient; a subclass may refuse some (the fault drill's sink does).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

CONFIRM_LINK = re.compile(r"/signatures/(\d+)/confirm/([^/\s]+)/")
MAX_LINE = 1 << 20


@dataclass
class Sink:
    on_link: Callable[[str, int, str], None] | None = None
    received: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    first_at: float | None = None
    last_at: float | None = None
    server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.server = await asyncio.start_server(self._session, host, port, limit=MAX_LINE)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            # Sessions are short-lived; do not hang on a client that keeps one open.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    def rcpt_reply(self, address: str) -> str:
        """The answer to RCPT TO:<address>. This sink takes every address; a subclass may
        refuse some (anything but a 250 keeps the address off the message)."""
        return "250 OK"

    async def before_accepting(self) -> None:
        """Called once a message is kept, before the 250 that tells the sender so. This sink
        answers at once; a subclass may make the sender wait."""

    def _deliver(self, recipients: list[str], data: bytes) -> None:
        now = time.monotonic()
        self.first_at = self.first_at or now
        self.last_at = now
        self.messages += 1
        for recipient in recipients:
            self.received[recipient.lower()] += 1
        if self.on_link is None:
            return
        message = email.message_from_bytes(data, policy=email.policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        match = CONFIRM_LINK.search(text)
        if match:
            for recipient in recipients:
                self.on_link(recipient.lower(), int(match.group(1)), match.group(2))

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        recipients: list[str] = []

        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        try:
            await reply("220 bench-sink ESMTP")
            while True:
                line = await asyncio.wait_for(reader.readline(), 60)
                if not line:
                    break
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-bench-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n")
                    await writer.drain()
                elif verb == b"HELO":
                    await reply("250 bench-sink")
                elif verb == b"MAIL":
                    recipients = []
                    await reply("250 OK")
                elif verb == b"RCPT":
                    address = line.split(b":", 1)[1].strip().split(b" ")[0].strip(b"<>").decode()
                    answer = self.rcpt_reply(address)
                    if answer.startswith("250"):
                        recipients.append(address)
                    await reply(answer)
                elif verb == b"DATA":
                    if not recipients:
                        await reply("554 5.5.1 No valid recipients")
                        continue
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    data = await asyncio.wait_for(reader.readuntil(b"\r\n.\r\n"), 60)
                    # Undo dot-stuffing.
                    data = data[: -len(b".\r\n")].replace(b"\r\n..", b"\r\n.")
                    self._deliver(recipients, data)
                    recipients = []
                    await self.before_accepting()
                    await reply("250 OK queued")
                elif verb == b"RSET":
                    recipients = []
                    await reply("250 OK")
                elif verb == b"NOOP":
                    await reply("250 OK")
                elif verb == b"QUIT":
                    await reply("221 Bye")
                    break
                else:
                    await reply("502 Command not implemented")
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
