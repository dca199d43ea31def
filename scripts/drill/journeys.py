"""The drill's load: sign → confirm journeys at a steady rate, every request's outcome kept.

Unlike the bench's closed-loop burst, journeys start at a fixed rate (`--rate` a second,
at most `MAX_IN_FLIGHT` at once), so a fault shows as failed requests and a gap rather than
as a pile of retries. Each journey, as a browser makes it, from its own loopback address:
GET the sign page, POST the form, follow the redirect to "check your email". The journey is
**acknowledged** when the POST answered with that redirect: the service has promised an
email. When the first confirmation email for the signer reaches the sink, the drill opens
its link and POSTs the confirm button; a failed attempt (5xx or no connection) is tried
again a second later, as a person would, up to `CONFIRM_ATTEMPTS` times. Later copies of the
email are counted, never followed.

Every request's end is recorded as an `Outcome` (ok, 5xx, other status, connection error),
so the report can put the failures in the window of the fault that caused them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from scripts.bench.identities import client_address, signer
from scripts.bench.load import TIMEOUT, csrf_of
from scripts.bench.stats import Recorder

from .sink import REFUSED_PREFIX

type Result = Literal["ok", "5xx", "status", "connection"]
MAX_IN_FLIGHT = 64
CONFIRM_ATTEMPTS = 20
CONFIRM_RETRY_SECONDS = 1.0
CHECK_EMAIL = "/sign/check-your-email/"
# What the confirm page says, instead of showing the button, once the signature is confirmed.
ALREADY_CONFIRMED = "You have already confirmed this signature"


@dataclass(frozen=True)
class Outcome:
    at: float  # monotonic time the request ended
    kind: str  # sign GET, sign POST, check-email GET, confirm GET, confirm POST
    result: Result
    detail: str = ""


@dataclass
class Signer:
    i: int
    email: str
    refused: bool  # the sink refuses this address for good
    started: float
    acknowledged_at: float = 0.0  # the sign POST redirected to "check your email"
    mailed_at: float = 0.0  # the first confirmation email reached the sink
    emails: int = 0  # confirmation emails that reached the sink
    confirmed_at: float = 0.0
    gave_up: bool = False  # every confirm attempt failed


def drill_signer(run: str, i: int, *, refuse: bool) -> dict[str, str]:
    """The bench's unique signer i; with `refuse`, an address the sink refuses."""
    person = signer(run, i)
    if refuse:
        person = {**person, "email": REFUSED_PREFIX + person["email"]}
    return person


@dataclass
class Response:
    status: int
    text: str
    headers: Mapping[str, str]
    set_cookies: list[str]


@dataclass
class DrillLoad:
    base: str
    petition_id: int
    run: str
    rate: float
    refuse_every: int
    recorder: Recorder = field(default_factory=Recorder)
    outcomes: list[Outcome] = field(default_factory=list)
    signers: dict[str, Signer] = field(default_factory=dict)
    refuse_from: float | None = None  # from then on every refuse_every-th new signer is refused
    unexpected_mail: int = 0
    launched: int = 0  # journeys started
    skipped: int = 0  # journeys not started: MAX_IN_FLIGHT were still running
    started: float = 0.0
    stopped: float = 0.0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _in_flight: int = 0
    _confirm_session: aiohttp.ClientSession | None = None

    # --- the SMTP sink calls this for each confirmation email ------------------------
    def on_link(self, email: str, pk: int, token: str) -> None:
        person = self.signers.get(email)
        if person is None:
            self.unexpected_mail += 1
            return
        person.emails += 1
        if person.emails == 1:
            person.mailed_at = time.monotonic()
            self._spawn(self._confirm(person, pk, token))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the steady stream of journeys ------------------------------------------------
    async def drive(self, seconds: float) -> None:
        """Start journeys at `rate` a second for `seconds`; does not wait for them to end."""
        self._confirm_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=32, force_close=True),
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=TIMEOUT,
        )
        self.started = time.monotonic()
        deadline = self.started + seconds
        i = 0
        while (now := time.monotonic()) < deadline:
            due = self.started + i / self.rate
            if due > now:
                await asyncio.sleep(due - now)
                continue
            if self._in_flight < MAX_IN_FLIGHT:
                refuse = self.refuse_from is not None and due >= self.refuse_from and i % self.refuse_every == 0
                self._in_flight += 1
                self.launched += 1
                self._spawn(self._journey(i, refuse=refuse))
            else:
                self.skipped += 1
            i += 1
        self.stopped = time.monotonic()

    def owed_confirmations(self) -> int:
        """Signers emailed whose confirmation has neither succeeded nor been given up."""
        return sum(1 for s in self.signers.values() if s.mailed_at and not s.confirmed_at and not s.gave_up)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._confirm_session is not None:
            await self._confirm_session.close()

    # --- one request, its outcome kept ------------------------------------------------
    async def _request(
        self, session: aiohttp.ClientSession, kind: str, method: str, url: str, **kwargs: Any
    ) -> Response | None:
        t = time.perf_counter()
        try:
            async with session.request(method, url, allow_redirects=False, **kwargs) as response:
                text = await response.text()
                answer = Response(
                    response.status, text, dict(response.headers), response.headers.getall("Set-Cookie", [])
                )
        except (aiohttp.ClientError, TimeoutError) as error:
            self.outcomes.append(Outcome(time.monotonic(), kind, "connection", repr(error)[:200]))
            self.recorder.fail(kind, repr(error))
            return None
        if answer.status >= 500:
            result: Result = "5xx"
        elif answer.status >= 400:
            result = "status"
        else:
            result = "ok"
        self.outcomes.append(Outcome(time.monotonic(), kind, result, "" if result == "ok" else str(answer.status)))
        if result == "ok":
            self.recorder.ok(kind, time.perf_counter() - t)
        else:
            self.recorder.fail(kind, f"{answer.status} {url}")
        return answer

    # --- a journey --------------------------------------------------------------------
    async def _journey(self, i: int, *, refuse: bool) -> None:
        try:
            await self._sign(i, refuse=refuse)
        finally:
            self._in_flight -= 1

    async def _sign(self, i: int, *, refuse: bool) -> None:
        person = drill_signer(self.run, i, refuse=refuse)
        url = f"{self.base}/petitions/{self.petition_id}/sign/"
        connector = aiohttp.TCPConnector(limit=1, local_addr=(client_address(i), 0))
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=TIMEOUT
        ) as session:
            page = await self._request(session, "sign GET", "GET", url)
            if page is None or page.status != 200:
                return
            form = csrf_of(page.text, page.set_cookies)
            if form is None:
                self.outcomes.append(Outcome(time.monotonic(), "sign GET", "status", "no CSRF cookie or token"))
                return
            cookie, token = form
            entry = Signer(i=i, email=person["email"].lower(), refused=refuse, started=time.monotonic())
            # Known before the POST: the email may reach the sink before the redirect reaches us.
            self.signers[entry.email] = entry
            data = {
                "csrfmiddlewaretoken": token,
                "name": person["name"],
                "email": person["email"],
                "postcode": person["postcode"],
                "declared_eligible": "on",
            }
            posted = await self._request(
                session,
                "sign POST",
                "POST",
                url,
                data=data,
                headers={"Cookie": cookie, "Origin": self.base, "Referer": url},
            )
            location = posted.headers.get("Location", "") if posted is not None else ""
            if posted is None or posted.status != 302 or CHECK_EMAIL not in location:
                return
            entry.acknowledged_at = time.monotonic()
            await self._request(session, "check-email GET", "GET", self.base + location, headers={"Cookie": cookie})

    async def _confirm(self, person: Signer, pk: int, token: str) -> None:
        session = self._confirm_session
        if session is None:
            raise RuntimeError("confirmations start only while the load runs")
        url = f"{self.base}/signatures/{pk}/confirm/{token}/"
        for _ in range(CONFIRM_ATTEMPTS):
            page = await self._request(session, "confirm GET", "GET", url)
            if page is not None and page.status == 200 and ALREADY_CONFIRMED in page.text:
                # An earlier POST went through though its answer was lost (its worker was killed).
                person.confirmed_at = time.monotonic()
                return
            form = csrf_of(page.text, page.set_cookies) if page is not None and page.status == 200 else None
            if form is not None:
                cookie, csrf = form
                done = await self._request(
                    session,
                    "confirm POST",
                    "POST",
                    url,
                    data={"csrfmiddlewaretoken": csrf},
                    headers={"Cookie": cookie, "Origin": self.base, "Referer": url},
                )
                if done is not None and done.status == 200 and "csrfmiddlewaretoken" not in done.text:
                    person.confirmed_at = time.monotonic()
                    return
            await asyncio.sleep(CONFIRM_RETRY_SECONDS)
        person.gave_up = True
