"""The people and the bots the attack laboratory sends to a petition, and what is assumed
about each. Every number here is an assumption, written beside the code that uses it; change
one and the table in docs/integrity.md should be measured again.

**People** (genuine signers):
- read the confirmation email at their own pace: the delay from signing to pressing confirm
  is log-normal with a median of 3 minutes and a wide spread (sigma 1.2: a quarter within
  80 seconds, a quarter after 7 minutes, a few after hours), never under 15 seconds (the
  email has to arrive and be opened). 80% confirm at all.
- at home, each household has its own address; addresses are drawn from a large pool of
  residential /24 networks (2,000 of them, as a big ISP's customers spread over its ranges).
- use the big mail providers, and a few use their work or university domain.

**Bots** (scripted signers):
- can read the mailboxes they sign with (the worst case: otherwise they never confirm and
  never count), and confirm 5 to 45 seconds after signing;
- use realistic names and ordinary mail providers unless the scenario says otherwise.

Times are seconds from the scenario's start. A `scale` below 1 shrinks every population;
crowds and bursts keep their rate (they are shorter, not thinner), so each rule meets the same
pressure; steady populations spread fewer people over the same day.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

FIRST_NAMES = (
    "Amara Ben Chloe Dev Ellie Farah Gareth Hana Imran Jade Kofi Lena Marek Niamh Owen Priya Quinn Rhys "
    "Sian Tomasz Uma Vikram Wen Yusuf Zoe Aled Bethan Catrin Dylan Eira Ffion Gethin Huw Ifan Llinos "
    "Megan Nia Osian Rhian Tegan"
).split()
SURNAMES = (
    "Adeyemi Brown Chen Davies Evans Fraser Ghosh Hughes Iqbal Jones Khan Lewis Morgan Nowak Okafor Patel "
    "Quigley Roberts Singh Thomas Usman Vaughan Williams Xu Young Zielinski Ahmed Bell Clarke Doyle"
).split()
PROVIDERS = (
    ("gmail.com", 40),
    ("outlook.com", 15),
    ("hotmail.co.uk", 12),
    ("yahoo.co.uk", 8),
    ("icloud.com", 10),
    ("btinternet.com", 8),
    ("sky.com", 7),
)
POSTCODES = ("KM1 1AA", "KM1 2AB", "KM2 2BB", "KM3 3DE", "KM4 4DD", "KM5 5FG", "KM6 6HJ", "KM7 7LN")
DISPOSABLE = ("mailinator.com", "guerrillamail.com", "sharklasers.com", "yopmail.com")
RELAYS = ("privaterelay.appleid.com", "duck.com", "mozmail.com")


@dataclass(frozen=True)
class Attempt:
    """One submission of the sign form."""

    at: float
    population: str
    genuine: bool
    name: str
    email: str
    postcode: str
    ip: str
    confirm_after: float | None  # None: never confirms


def human_delay(rng: random.Random) -> float | None:
    if rng.random() >= 0.8:
        return None
    return max(15.0, 180.0 * math.exp(rng.gauss(0.0, 1.2)))


def bot_delay(rng: random.Random) -> float:
    return rng.uniform(5.0, 45.0)


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def mailbox(rng: random.Random, name: str, serial: int, domain: str | None = None) -> str:
    if domain is None:
        domain = rng.choices([d for d, _ in PROVIDERS], weights=[w for _, w in PROVIDERS])[0]
    first, _, last = name.lower().partition(" ")
    return f"{first}.{last}{serial}@{domain}"


def residential_ip(rng: random.Random) -> str:
    """One home's address: one of 2,000 residential /24 networks."""
    network = rng.randrange(2000)
    return f"{81 + network // 250}.{network % 250}.{rng.randrange(1, 250)}.{rng.randrange(1, 255)}"


@dataclass(frozen=True)
class Population:
    """A group of signers; `attempts` draws their submissions."""

    name: str
    genuine: bool

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:  # pragma: no cover - abstract
        raise NotImplementedError


def _serials(name: str) -> int:
    return sum(ord(c) for c in name) * 100_000


@dataclass(frozen=True)
class Residents(Population):
    """Ordinary residents, from home, at a steady rate over `span` seconds; one in ten
    lives with someone who signs too (same address and postcode, own email)."""

    count: int = 4000
    span: float = 6 * 3600
    start: float = 0.0
    genuine: bool = True

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:
        out = []
        base = _serials(self.name)
        for n in range(max(1, int(self.count * scale))):
            at = self.start + rng.uniform(0, self.span)
            ip, postcode = residential_ip(rng), rng.choice(POSTCODES)
            name = person_name(rng)
            out.append(Attempt(at, self.name, True, name, mailbox(rng, name, base + n), postcode, ip, human_delay(rng)))
            if rng.random() < 0.1:
                partner = person_name(rng)
                out.append(
                    Attempt(
                        at + rng.uniform(30, 1800),
                        self.name,
                        True,
                        partner,
                        mailbox(rng, partner, base + n + 50_000),
                        postcode,
                        ip,
                        human_delay(rng),
                    )
                )
        return out


@dataclass(frozen=True)
class SharedAddress(Population):
    """People behind one organisation's addresses answering one message: an all-staff email,
    a lecturer's post. Arrivals fall off exponentially after `start` (mean `mean_wait`
    seconds); each uses the organisation's domain with probability `work_domain_share`."""

    count: int = 400
    start: float = 3600.0
    mean_wait: float = 600.0
    addresses: tuple[str, ...] = ("198.18.10.5",)
    work_domain: str = "nhs.net"
    work_domain_share: float = 0.7
    genuine: bool = True

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:
        out = []
        base = _serials(self.name)
        for n in range(max(1, int(self.count * scale))):
            at = self.start + rng.expovariate(1.0 / (self.mean_wait * scale))
            name = person_name(rng)
            domain = self.work_domain if rng.random() < self.work_domain_share else None
            out.append(
                Attempt(
                    at,
                    self.name,
                    True,
                    name,
                    mailbox(rng, name, base + n, domain),
                    rng.choice(POSTCODES),
                    rng.choice(self.addresses),
                    human_delay(rng),
                )
            )
        return out


@dataclass(frozen=True)
class Campus(Population):
    """Students on a campus network over `span` seconds: `count` people behind `egress`
    NAT addresses in one /24, most with the university's domain."""

    count: int = 3000
    start: float = 3600.0
    span: float = 2 * 3600
    egress: int = 4
    network: str = "198.18.20"
    domain: str = "kingsmere.ac.uk"
    genuine: bool = True

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:
        out = []
        base = _serials(self.name)
        addresses = [f"{self.network}.{10 + i}" for i in range(self.egress)]
        for n in range(max(1, int(self.count * scale))):
            # Busier in the middle of the window (a triangular arrival rate).
            at = self.start + rng.triangular(0, self.span * scale, self.span * scale / 3)
            name = person_name(rng)
            domain = self.domain if rng.random() < 0.8 else None
            out.append(
                Attempt(
                    at,
                    self.name,
                    True,
                    name,
                    mailbox(rng, name, base + n, domain),
                    rng.choice(POSTCODES),
                    rng.choice(addresses),
                    human_delay(rng),
                )
            )
        return out


@dataclass(frozen=True)
class Surge(Population):
    """A sudden surge after a TV or radio mention: arrivals fall off exponentially from
    `start` (mean `mean_wait`); `mobile_share` of people are on mobile carrier-grade NAT,
    whose address pools are concentrated in `carrier_networks` /24s (each network shared by
    thousands of phones); the rest sign from home."""

    count: int = 6000
    start: float = 2 * 3600
    mean_wait: float = 1200.0
    mobile_share: float = 1 / 3
    carrier_networks: int = 6
    genuine: bool = True

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:
        out = []
        base = _serials(self.name)
        for n in range(max(1, int(self.count * scale))):
            at = self.start + rng.expovariate(1.0 / (self.mean_wait * scale))
            if rng.random() < self.mobile_share:
                ip = f"100.64.{rng.randrange(self.carrier_networks)}.{rng.randrange(1, 255)}"
            else:
                ip = residential_ip(rng)
            name = person_name(rng)
            out.append(
                Attempt(
                    at, self.name, True, name, mailbox(rng, name, base + n), rng.choice(POSTCODES), ip, human_delay(rng)
                )
            )
        return out


@dataclass(frozen=True)
class Households(Population):
    """Families signing together from home: 2 to 4 people at one address within 15 minutes."""

    homes: int = 600
    span: float = 6 * 3600
    genuine: bool = True

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:
        out = []
        base = _serials(self.name)
        serial = 0
        for _ in range(max(1, int(self.homes * scale))):
            at, ip, postcode = rng.uniform(0, self.span), residential_ip(rng), rng.choice(POSTCODES)
            for _member in range(rng.choice((2, 2, 3, 4))):
                name = person_name(rng)
                serial += 1
                out.append(
                    Attempt(
                        at + rng.uniform(0, 900),
                        self.name,
                        True,
                        name,
                        mailbox(rng, name, base + serial),
                        postcode,
                        ip,
                        human_delay(rng),
                    )
                )
        return out


@dataclass(frozen=True)
class PrivacyMinded(Population):
    """People who sign with a privacy relay (Apple's Hide My Email, DuckDuckGo, Firefox
    Relay) or a disposable address, from home, spread over the day."""

    count: int = 200
    span: float = 6 * 3600
    disposable_share: float = 0.25
    genuine: bool = True

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:
        out = []
        base = _serials(self.name)
        for n in range(max(1, int(self.count * scale))):
            domain = rng.choice(DISPOSABLE) if rng.random() < self.disposable_share else rng.choice(RELAYS)
            name = person_name(rng)
            out.append(
                Attempt(
                    rng.uniform(0, self.span),
                    self.name,
                    True,
                    name,
                    f"x{base + n:x}q@{domain}",
                    rng.choice(POSTCODES),
                    residential_ip(rng),
                    human_delay(rng),
                )
            )
        return out


@dataclass(frozen=True)
class Botnet(Population):
    """Scripted signers: `count` of them at `rate` a second from `start`, rotating through
    `networks` /24 networks (one each when networks >= count: a residential botnet), with
    the given mail domains (ordinary providers when empty)."""

    count: int = 10_000
    start: float = 3600.0
    rate: float = 20.0
    networks: int = 4
    domains: tuple[str, ...] = ()
    genuine: bool = False
    first_network: int = field(default=0)
    # A slow, steady trickle (scaled like residents: fewer over the same time), not a burst.
    steady: bool = False

    def attempts(self, rng: random.Random, scale: float) -> list[Attempt]:
        out = []
        base = _serials(self.name)
        total = max(1, int(self.count * scale))
        networks = min(self.networks, total) if self.networks < self.count else total
        rate = self.rate * scale if self.steady else self.rate
        for n in range(total):
            at = self.start + n / rate
            k = self.first_network + n % networks
            ip = f"{150 + k // 62500}.{(k // 250) % 250}.{k % 250}.{rng.randrange(1, 255)}"
            name = person_name(rng)
            domain = rng.choice(self.domains) if self.domains else None
            out.append(
                Attempt(
                    at,
                    self.name,
                    False,
                    name,
                    mailbox(rng, name, base + n, domain),
                    rng.choice(POSTCODES),
                    ip,
                    bot_delay(rng),
                )
            )
        return out
