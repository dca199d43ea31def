"""The load generator: sign → confirm journeys as a browser makes them, and page reads.

One asyncio process (aiohttp). Every loop is bounded by a deadline and a count.

A journey: GET the sign page (CSRF cookie and token) → POST the form → follow the redirect
to "check your email" — over one keep-alive connection from the journey's own loopback
address — then, when the confirmation email reaches the SMTP sink, GET the emailed link
and POST its confirm button (with the CSRF cookie and token that page set).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import aiohttp

from .identities import client_address, signer
from .stats import Recorder

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = aiohttp.ClientTimeout(total=30)


class Failed(Exception):
    pass


def csrf_of(html: str, set_cookies: list[str]) -> tuple[str, str] | None:
    """A form page's CSRF cookie (as a Cookie header) and the token in its form; None if
    either is missing."""
    jar: SimpleCookie = SimpleCookie()
    for header in set_cookies:
        jar.load(header)
    match = CSRF_INPUT.search(html)
    if match is None or "csrftoken" not in jar:
        return None
    return f"csrftoken={jar['csrftoken'].value}", match.group(1)


@dataclass
class Journey:
    i: int
    email: str
    sign_started: float
    signed_at: float = 0.0
    mailed_at: float = 0.0
    confirmed_at: float = 0.0


@dataclass
class JourneyLoad:
    base: str
    petition_id: int
    run: str
    recorder: Recorder
    sign_concurrency: int
    confirm_concurrency: int
    single_ip: bool = False
    max_journeys: int = 100_000
    signing: dict[str, Journey] = field(default_factory=dict)
    journeys: list[Journey] = field(default_factory=list)
    confirmed: int = 0
    unexpected_mail: int = 0
    started: float = 0.0
    sign_ended: float = 0.0
    last_confirmed: float = 0.0
    _next: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _confirm_failures: int = 0

    # --- the SMTP sink calls this for each confirmation email ------------------------
    def on_link(self, email: str, pk: int, token: str) -> None:
        journey = self.signing.get(email)
        if journey is None:
            self.unexpected_mail += 1
            return
        self._start_confirm(journey, pk, token, time.monotonic())

    def _start_confirm(self, journey: Journey, pk: int, token: str, at: float) -> None:
        journey.mailed_at = at
        task = asyncio.get_running_loop().create_task(self._confirm(journey, pk, token))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- signing -----------------------------------------------------------------------
    async def run_signing(self, seconds: float) -> None:
        self._confirm_slots = asyncio.Semaphore(self.confirm_concurrency)
        self._confirm_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.confirm_concurrency),
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=TIMEOUT,
        )
        self.started = time.monotonic()
        deadline = self.started + seconds
        await asyncio.gather(*(self._sign_worker(deadline) for _ in range(self.sign_concurrency)))
        self.sign_ended = time.monotonic()

    async def wait_for_confirms(self, timeout: float) -> None:
        """Wait until every signed journey is confirmed, or the timeout."""
        deadline = time.monotonic() + timeout
        expected = sum(1 for j in self.journeys if j.signed_at)
        while self.confirmed + self._confirm_failures < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._confirm_session.close()

    async def _sign_worker(self, deadline: float) -> None:
        while time.monotonic() < deadline and self._next < self.max_journeys:
            i = self._next
            self._next += 1
            try:
                await self._sign(i)
            except (Failed, aiohttp.ClientError, TimeoutError) as error:
                self.recorder.fail("journey", f"sign {i}: {error!r}")

    async def _sign(self, i: int) -> None:
        person = signer(self.run, i)
        address = "127.0.0.1" if self.single_ip else client_address(i)
        connector = aiohttp.TCPConnector(limit=1, local_addr=(address, 0))
        journey = Journey(i=i, email=person["email"], sign_started=time.monotonic())
        self.journeys.append(journey)
        sign_url = f"{self.base}/petitions/{self.petition_id}/sign/"
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=TIMEOUT
        ) as session:
            cookie, token = await self._get_form(session, "sign GET", sign_url)
            form = {
                "csrfmiddlewaretoken": token,
                "name": person["name"],
                "email": person["email"],
                "postcode": person["postcode"],
                "declared_eligible": "on",
            }
            if i % 2:
                form["wants_updates"] = "on"
            # Registered before the POST: the email may arrive before the redirect does.
            self.signing[journey.email] = journey
            t = time.perf_counter()
            async with session.post(
                sign_url,
                data=form,
                headers={"Cookie": cookie, "Origin": self.base, "Referer": sign_url},
                allow_redirects=False,
            ) as response:
                await response.read()
                # Every signer gets the same "check your email" page, new or repeat (the
                # page never says which); the emails at the sink tell them apart.
                if response.status != 302 or "/sign/check-your-email/" not in response.headers.get("Location", ""):
                    self.signing.pop(journey.email, None)
                    raise Failed(f"sign POST {response.status} {response.headers.get('Location')}")
                location = response.headers["Location"]
            self.recorder.ok("sign POST", time.perf_counter() - t)
            t = time.perf_counter()
            async with session.get(self.base + location, headers={"Cookie": cookie}) as response:
                await response.read()
                if response.status != 200:
                    raise Failed(f"check-email GET {response.status}")
            self.recorder.ok("check-email GET", time.perf_counter() - t)
        journey.signed_at = time.monotonic()

    async def _get_form(self, session: aiohttp.ClientSession, kind: str, url: str) -> tuple[str, str]:
        t = time.perf_counter()
        async with session.get(url) as response:
            html = await response.text()
            if response.status != 200:
                raise Failed(f"{kind} {response.status}")
            form = csrf_of(html, response.headers.getall("Set-Cookie", []))
        self.recorder.ok(kind, time.perf_counter() - t)
        if form is None:
            raise Failed(f"{kind}: no CSRF cookie or token")
        return form

    # --- confirming --------------------------------------------------------------------
    async def _confirm(self, journey: Journey, pk: int, token: str) -> None:
        url = f"{self.base}/signatures/{pk}/confirm/{token}/"
        try:
            async with self._confirm_slots:
                cookie, csrf = await self._get_form(self._confirm_session, "confirm GET", url)
                t = time.perf_counter()
                async with self._confirm_session.post(
                    url,
                    data={"csrfmiddlewaretoken": csrf},
                    headers={"Cookie": cookie, "Origin": self.base, "Referer": url},
                    allow_redirects=False,
                ) as response:
                    html = await response.text()
                    if response.status != 200 or "csrfmiddlewaretoken" in html:
                        raise Failed(f"confirm POST {response.status}")
                self.recorder.ok("confirm POST", time.perf_counter() - t)
        except (Failed, aiohttp.ClientError, TimeoutError) as error:
            self._confirm_failures += 1
            self.recorder.fail("journey", f"confirm {journey.i}: {error!r}")
            return
        journey.confirmed_at = self.last_confirmed = time.monotonic()
        self.confirmed += 1


async def read_load(
    url: str, *, kind: str, concurrency: int, seconds: float, recorder: Recorder, max_requests: int = 10_000_000
) -> tuple[int, float]:
    """Closed-loop GETs of one URL from `concurrency` keep-alive connections. (ok, seconds)."""
    done = 0
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency), cookie_jar=aiohttp.DummyCookieJar(), timeout=TIMEOUT
    ) as session:
        started = time.monotonic()
        deadline = started + seconds

        async def reader() -> None:
            nonlocal done
            while time.monotonic() < deadline and done < max_requests:
                t = time.perf_counter()
                try:
                    async with session.get(url) as response:
                        await response.read()
                        if response.status != 200:
                            raise Failed(f"{response.status}")
                except (Failed, aiohttp.ClientError, TimeoutError) as error:
                    recorder.fail(kind, repr(error))
                    continue
                recorder.ok(kind, time.perf_counter() - t)
                done += 1

        await asyncio.gather(*(reader() for _ in range(concurrency)))
        return done, time.monotonic() - started


async def get_count(base: str, petition_id: int) -> int:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), timeout=TIMEOUT) as session,
        session.get(f"{base}/petitions/{petition_id}/count.json") as response,
    ):
        response.raise_for_status()
        return int((await response.json())["signature_count"])
