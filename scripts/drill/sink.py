"""The bench's SMTP sink with two faults a real mail server has: it refuses some recipients
for good, and it goes away for a while.

- **Refusing**: every RCPT TO for an address whose local part starts with `refuse-` is
  answered `550 5.1.1 No such user`, every time; each attempt is counted per address.
- **Away**: `away()` stops listening and drops the sessions in progress, so the senders get
  connection refused; `back()` listens again on the same port.
- **Slow to answer**: with `hold_replies` set, a message is kept (delivered) at once but its
  250 comes that many seconds later, so a sender killed meanwhile has handed a letter over
  without hearing that it was taken: the one case in which a letter may go twice.

Every message delivered is time-stamped with its recipients, so the drill can tell when
mail flowed again after each fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field

from scripts.bench.smtp_sink import Sink

REFUSED_PREFIX = "refuse-"
REFUSAL = "550 5.1.1 No such user"


def refused(address: str) -> bool:
    """Whether the sink refuses this address (for good)."""
    return address.lower().startswith(REFUSED_PREFIX)


@dataclass
class FaultySink(Sink):
    refusals: Counter[str] = field(default_factory=Counter)  # RCPT attempts refused, per address
    deliveries: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)  # (when, recipients)
    port: int = 0
    is_away: bool = False
    hold_replies: float = 0.0  # seconds a sender waits for the 250 after its message is kept
    holding: int = 0  # senders waiting so now

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.port = await super().start(host, port or self.port)
        return self.port

    def rcpt_reply(self, address: str) -> str:
        if refused(address):
            self.refusals[address.lower()] += 1
            return REFUSAL
        return super().rcpt_reply(address)

    def _deliver(self, recipients: list[str], data: bytes) -> None:
        self.deliveries.append((time.monotonic(), tuple(r.lower() for r in recipients)))
        super()._deliver(recipients, data)

    async def before_accepting(self) -> None:
        if self.hold_replies <= 0:
            return
        self.holding += 1
        try:
            await asyncio.sleep(self.hold_replies)
        finally:
            self.holding -= 1

    async def away(self) -> None:
        """Stop listening and cut every session: connections are refused until `back()`."""
        if self.server is None or self.is_away:
            return
        self.is_away = True
        self.server.close()
        self.server.abort_clients()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.server.wait_closed(), 2)
        self.server = None

    async def back(self) -> None:
        """Listen again on the same port."""
        if not self.is_away:
            return
        await self.start(port=self.port)
        self.is_away = False
