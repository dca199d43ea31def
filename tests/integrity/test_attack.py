"""A synthetic attack on PostgreSQL: ordinary signers mixed with bots signing at speed from
a few /24 ranges with disposable addresses. Reports how many bots were caught, how many
ordinary signers were wrongly caught, and proves none of the caught ones could tell.

CI runs it at 5,000 ordinary + 1,000 bots. For the figures at full scale
(50,000 + 10,000) run:

    TOWNHALL_ATTACK_SCALE=10 TOWNHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/townhall \\
        .venv/bin/python -m pytest tests/integrity/test_attack.py -s -o addopts=""
"""

from __future__ import annotations

import datetime
import os
import random
import time
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db.models import Q

from tests.builders import ATTACK_STARTS_AT, attempt_signature, open_petition
from townhall.signatures.models import Signature, SignatureState
from townhall.signatures.services import signature_confirm, signature_count_new

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SCALE = int(os.environ.get("TOWNHALL_ATTACK_SCALE", "1"))
BOT_NETWORKS = ["185.220.101", "45.155.205", "194.26.29", "91.240.118"]
BOT_DOMAINS = ["mailinator.com", "guerrillamail.com", "sharklasers.com", "yopmail.com"]
PEOPLE_DOMAINS = ["gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk", "kingsmere.ac.uk", "icloud.com"]


@dataclass(frozen=True)
class Attempt:
    at: datetime.datetime
    is_bot: bool
    ip: str
    email: str


def _plan(rng: random.Random, *, ordinary: int, bots: int) -> list[Attempt]:
    """Ordinary signers over six hours from many networks (some share a household
    address); bots at 20 a second for as long as it takes, an hour in."""
    attempts = []
    for n in range(ordinary):
        household = n - n % 2 if rng.random() < 0.1 else n  # one in ten shares an address
        ip = f"{81 + household % 120}.{(household // 120) % 250}.{(household * 7) % 250}.{1 + household % 250}"
        at = ATTACK_STARTS_AT + datetime.timedelta(seconds=rng.uniform(0, 6 * 3600))
        attempts.append(Attempt(at, False, ip, f"person{n}@{rng.choice(PEOPLE_DOMAINS)}"))
    for n in range(bots):
        network = BOT_NETWORKS[n % len(BOT_NETWORKS)]
        at = ATTACK_STARTS_AT + datetime.timedelta(hours=1, seconds=n / 20)
        attempts.append(
            Attempt(at, True, f"{network}.{1 + n % 254}", f"x{n}{rng.randint(0, 9999)}@{BOT_DOMAINS[n % 4]}")
        )
    return sorted(attempts, key=lambda attempt: attempt.at)


def test_bots_are_caught_silently_and_people_are_not(scheme: Any, moderator: Any) -> None:
    with time_machine.travel(ATTACK_STARTS_AT - datetime.timedelta(days=1), tick=False):
        petition = open_petition(moderator=moderator)
    ordinary, bots = 5000 * SCALE, 1000 * SCALE
    attempts = _plan(random.Random(2026), ordinary=ordinary, bots=bots)
    kinds: dict[bool, set[str]] = {True: set(), False: set()}
    began = time.perf_counter()
    with time_machine.travel(ATTACK_STARTS_AT, tick=False) as clock:
        for n, attempt in enumerate(attempts):
            clock.move_to(attempt.at)
            outcome = attempt_signature(petition, n, email=attempt.email, postcode="KM1 1AA", ip=attempt.ip)
            kinds[attempt.is_bot].add(outcome.kind)
    elapsed = time.perf_counter() - began

    rows = Signature.objects.filter(petition=petition, is_sponsor=False)
    bot_rows = rows.filter(email_canonical__regex=r"@(" + "|".join(BOT_DOMAINS).replace(".", r"\.") + ")$")
    kept_out = Q(state=SignatureState.FRAUDULENT) | ~Q(hold_reason="")
    caught_bots = bot_rows.filter(kept_out).count()
    wrongly_caught = rows.exclude(pk__in=bot_rows.values("pk")).filter(kept_out).count()
    print(
        f"\nattack: {ordinary:,} ordinary + {bots:,} bots in {elapsed:.1f}s; "
        f"bots caught {caught_bots:,} ({caught_bots * 100 / bots:.2f}%); "
        f"ordinary wrongly caught {wrongly_caught} ({wrongly_caught * 100 / ordinary:.3f}%)"
    )
    assert rows.count() == ordinary + bots
    assert wrongly_caught == 0
    # Every network lets through at most one allowance, at the burst's very end: each time a
    # network trips its limit, its unconfirmed signatures in the window are held with it.
    allowance = 20 * len(BOT_NETWORKS)
    assert caught_bots >= bots - allowance
    # Nobody was told: every attempt, caught or not, got the same answer...
    assert kinds == {True: {"created"}, False: {"created"}}
    # ...and a held signature's confirmation works like anyone's, and it is not counted.
    caught = bot_rows.filter(kept_out).first()
    assert caught is not None
    with time_machine.travel(caught.created_at + datetime.timedelta(minutes=5), tick=False):
        assert signature_confirm(signature_id=caught.pk, token=caught.token).kind == "confirmed"
        signature_count_new()
    assert Signature.objects.get(pk=caught.pk).counted_at is None
