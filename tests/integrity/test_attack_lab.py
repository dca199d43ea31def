"""The attack laboratory at a fifth of its size (crowds and bursts keep their rate): every
scenario, the product's defaults, and the figures the fraud controls must hold. About five
minutes, so `make test` leaves it out and `make test-lab` (CI) runs it; the full size is
`make attack-lab` (docs/integrity.md)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from scripts.attack_lab.report import lost, table
from scripts.attack_lab.run import ScenarioResult, run_scenario
from scripts.attack_lab.scenarios import SCENARIOS

pytestmark = [pytest.mark.lab, pytest.mark.django_db]

SCALE = float(os.environ.get("TOWNHALL_LAB_SCALE", "0.2"))
results: dict[str, ScenarioResult] = {}


@pytest.fixture
def lab(scheme: Any) -> Any:
    return lambda name: results.setdefault(
        name, run_scenario(next(s for s in SCENARIOS if s.name == name), scale=SCALE)
    )


@pytest.mark.parametrize("name", [scenario.name for scenario in SCENARIOS])
def test_no_genuine_signer_is_lost(lab: Any, name: str) -> None:
    result = lab(name)
    print("\n" + table([result]))
    assert result.genuine.confirmed > 0
    assert lost(result) * 1000 <= result.genuine.confirmed  # at most 0.1%


def test_the_concentrated_burst_is_kept_out_of_the_count(lab: Any) -> None:
    result = lab("concentrated-burst")
    bots = result.bots
    assert bots.confirmed > 0
    assert (bots.confirmed - bots.counted) * 100 >= 99 * bots.confirmed


def test_a_distributed_botnet_is_alerted_quickly_and_removable_without_people(lab: Any) -> None:
    result = lab("distributed-botnet")
    assert result.time_to_alert is not None
    assert result.time_to_alert <= 15 * 60
    assert {alert.kind for alert in result.alerts} >= {"surge", "fast_confirms"}
    removal = result.removal_bots + result.removal_genuine
    assert result.removal_bots * 100 >= 95 * result.bots.confirmed  # the alerts name nearly every bot
    assert result.removal_genuine * 100 <= removal  # and at most 1% of what they name is genuine


@pytest.mark.parametrize("name", ["office-nat", "campus", "carrier-nat-surge"])
def test_people_behind_shared_addresses_are_held_then_released(lab: Any, name: str) -> None:
    result = lab(name)
    assert result.genuine.held_ever > 0  # the limits did fire...
    # ...and every held signer who confirmed was released (those who never confirm count for nobody)
    assert result.genuine.released == result.genuine.held_confirmed


def test_a_known_shared_network_counts_its_people_without_holding_them(lab: Any) -> None:
    """The same office as office-nat, its network entered by staff as a shared one: nobody
    behind it is held, and every one of them who confirmed is counted."""
    result = lab("office-nat-known")
    assert result.genuine.held_ever == 0
    assert result.genuine.counted == result.genuine.confirmed > 0
