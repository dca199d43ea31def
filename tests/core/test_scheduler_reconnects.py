"""The scheduler (`manage.py scheduler`) outlives its database connections.

A PostgreSQL restart or a network blip drops every connection the scheduler holds and refuses
new ones for a while. The test runs the scheduler in a subprocess against the test database,
shows it counting a signature, then takes the database away for five seconds
(tests/core/outage.py), lets it back, and shows that the scheduler is still running, said it
had lost its database and waited before trying again (a few lines, not a traceback per job
per interval), and counts the signatures confirmed afterwards.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import open_petition, sign
from tests.core.outage import manage_process, outage
from townhall.accounts.models import User
from townhall.petitions.models import Petition
from townhall.schemes.models import Scheme
from townhall.signatures.models import Signature

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with manage_process(tmp_path, ["scheduler"], environment={"TOWNHALL_COUNTER_INTERVAL": "0.5"}) as process:
        yield process


def wait_until_counted(petition: Petition, scheduler: subprocess.Popen[bytes], seconds: float) -> None:
    verified = Signature.objects.filter(petition=petition, state="verified").count()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert scheduler.poll() is None, "the scheduler stopped"
        if Petition.objects.get(pk=petition.pk).signature_count == verified:
            return
        time.sleep(0.2)
    pytest.fail(f"{verified} signatures not counted after {seconds} s")


def test_the_scheduler_survives_a_database_outage_and_counts_after_it(
    scheme: Scheme, moderator: User, scheduler: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    petition = open_petition(moderator=moderator)
    sign(petition, 1, confirm=True)
    wait_until_counted(petition, scheduler, 60)

    terminated = outage(seconds=5)  # as in a PostgreSQL restart

    assert terminated >= 1
    assert scheduler.poll() is None, "the scheduler stopped during the outage"
    sign(petition, 2, confirm=True)
    sign(petition, 3, confirm=True)
    wait_until_counted(petition, scheduler, 60)
    assert scheduler.poll() is None
    log = (tmp_path / "scheduler.log").read_text()
    assert "Scheduler lost its database" in log
    assert "reconnecting in" in log
    # It waits longer each time (1, 2, 4 s...): a few lines in five seconds, and no traceback.
    assert 1 <= log.count("lost its database") <= 5
    assert "Traceback" not in log
