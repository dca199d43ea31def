"""The named scenarios: who signs one petition, and when. Each runs on a fresh petition that
ordinary residents sign at a steady rate all day; an attack or a crowd arrives on top.

To add a scenario, add an entry to SCENARIOS: a name, one line saying what it is, the
populations (scripts/attack_lab/populations.py; write a new one there if none fits, with its
assumptions) and, where there are bots, when the attack starts (time to alert is measured
from it).
"""

from __future__ import annotations

from dataclasses import dataclass

from scripts.attack_lab.populations import (
    DISPOSABLE,
    Botnet,
    Campus,
    Households,
    Population,
    PrivacyMinded,
    Residents,
    SharedAddress,
    Surge,
)

HOUR = 3600.0


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    populations: tuple[Population, ...]
    attack_starts: float | None = None  # seconds from the start; None: no bots
    # Networks staff have entered as known shared ones, with their limit factors.
    shared_networks: tuple[tuple[str, int], ...] = ()

    @property
    def has_bots(self) -> bool:
        return any(not population.genuine for population in self.populations)


def _day() -> Residents:
    return Residents("residents", count=4000, span=6 * HOUR)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "concentrated-burst",
        "10,000 bots at 20 a second from four /24 networks, an hour in",
        (_day(), Botnet("bots", count=10_000, start=HOUR, rate=20.0, networks=4)),
        attack_starts=HOUR,
    ),
    Scenario(
        "distributed-botnet",
        "5,000 bots, each from its own /24 on ordinary mail providers, about 3 a second for half an hour",
        (_day(), Botnet("bots", count=5000, start=4 * HOUR, rate=2.8, networks=5000, first_network=1000)),
        attack_starts=4 * HOUR,
    ),
    Scenario(
        "office-nat",
        "400 hospital staff behind one address within 30 minutes of an all-staff email",
        (_day(), SharedAddress("office", count=400, start=HOUR, mean_wait=600.0)),
    ),
    Scenario(
        "office-nat-known",
        "the same 400 staff, their hospital's network entered by staff as a shared one (factor 25)",
        (_day(), SharedAddress("office", count=400, start=HOUR, mean_wait=600.0)),
        shared_networks=(("198.18.10.0/24", 25),),
    ),
    Scenario(
        "campus",
        "3,000 students behind four NAT addresses in one /24 over two hours",
        (_day(), Campus("campus", count=3000, start=HOUR, span=2 * HOUR)),
    ),
    Scenario(
        "carrier-nat-surge",
        "6,000 people after a TV mention, a third on mobile carrier-grade NAT in six /24s",
        (_day(), Surge("surge", count=6000, start=2 * HOUR, mean_wait=1200.0, carrier_networks=6)),
    ),
    Scenario(
        "slow-disposable-and-relay",
        "200 people on privacy relays and disposable addresses, and 300 bots on disposable domains, all day",
        (
            _day(),
            PrivacyMinded("privacy", count=200),
            Botnet(
                "bots",
                count=300,
                start=0.0,
                rate=300 / (6 * HOUR),
                networks=300,
                domains=DISPOSABLE,
                first_network=20_000,
                steady=True,
            ),
        ),
        attack_starts=0.0,
    ),
    Scenario(
        "households",
        "600 families of two to four signing together from home",
        (_day(), Households("households", homes=600)),
    ),
)


def scenario_named(name: str) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    raise KeyError(f"no scenario named {name!r}; there are: {', '.join(s.name for s in SCENARIOS)}")
