"""A real SMTP server for the outbox's tests (aiosmtpd, in a thread on 127.0.0.1).

It accepts mail, except that it can refuse chosen recipients for good (550), refuse them
for now (451), refuse message data (554), or go away altogether (connections refused)
and come back on the same port.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from tests.local import free_port


@dataclass
class MailServer:
    port: int = field(default_factory=free_port)
    refuse: set[str] = field(default_factory=set)  # 550 at RCPT TO
    defer: set[str] = field(default_factory=set)  # 451 at RCPT TO
    refuse_data: set[str] = field(default_factory=set)  # 554 after DATA
    delivered: Counter[str] = field(default_factory=Counter)
    bodies: list[str] = field(default_factory=list)
    greetings: int = 0  # EHLOs: one per connection the client opened
    controller: Controller | None = None

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        if address in self.defer:
            return "451 4.2.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if any(address in self.refuse_data for address in envelope.rcpt_tos):
            return "554 5.6.0 Message content rejected"
        for address in envelope.rcpt_tos:
            self.delivered[address] += 1
        content = envelope.content
        self.bodies.append(content.decode(errors="replace") if isinstance(content, bytes) else str(content))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mailer_settings(self) -> dict[str, Any]:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "use_tls": False, "timeout": 5},
            }
        }
