"""The one scheduler entry point for periodic work, and the embedded `run` supervisor."""

from __future__ import annotations

import datetime
import io
import logging
import signal
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, OperationalError
from pytest_django.fixtures import Settings

from tests.builders import APPROVED_IN_WINTER, open_petition, sign
from townhall.accounts.models import User
from townhall.core import scheduler, stopping
from townhall.core.links import absolute_url
from townhall.core.management.commands import run as run_command
from townhall.core.management.commands import scheduler as scheduler_command
from townhall.petitions.models import Petition, PetitionState
from townhall.signatures.models import Signature


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> dict[str, scheduler.PeriodicJob]:
    """An empty job registry (the apps' real jobs are left untouched) and test intervals.

    Refreshing database connections between jobs is the long-running process's concern;
    these tests need no database, so it is stubbed out.
    """
    fresh: dict[str, scheduler.PeriodicJob] = {}
    monkeypatch.setattr(scheduler, "_registry", fresh)
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)
    settings.TOWNHALL = {**django_settings.TOWNHALL, "FAST_SECONDS": 10.0, "SLOW_SECONDS": 60.0}
    return fresh


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def job(self, name: str, *, fails: bool = False) -> Callable[[], object]:
        def run() -> object:
            self.calls.append(name)
            if fails:
                raise RuntimeError(f"{name} broke")
            return None

        return run


# --- register / run_due_jobs ------------------------------------------------------------


def test_a_newly_registered_job_is_due_at_once(registry: Any) -> None:
    recorder = Recorder()
    scheduler.register(name="b-job", interval_key="FAST_SECONDS", func=recorder.job("b"))
    scheduler.register(name="a-job", interval_key="SLOW_SECONDS", func=recorder.job("a"))

    ran = scheduler.run_due_jobs(now=1_000.0)

    assert ran == ["a-job", "b-job"]
    assert recorder.calls == ["a", "b"]


def test_a_job_is_not_run_again_until_its_interval_has_passed(registry: Any) -> None:
    recorder = Recorder()
    scheduler.register(name="fast", interval_key="FAST_SECONDS", func=recorder.job("fast"))
    scheduler.register(name="slow", interval_key="SLOW_SECONDS", func=recorder.job("slow"))
    # A clock far from the process's own monotonic clock: the scheduler must go by `now`.
    start = 5_000_000.0

    assert scheduler.run_due_jobs(now=start) == ["fast", "slow"]
    assert scheduler.run_due_jobs(now=start + 9.9) == []
    assert scheduler.run_due_jobs(now=start + 10.0) == ["fast"]
    assert scheduler.run_due_jobs(now=start + 19.9) == []
    assert scheduler.run_due_jobs(now=start + 59.9) == ["fast"]
    assert scheduler.run_due_jobs(now=start + 60.0) == ["slow"]
    assert recorder.calls == ["fast", "slow", "fast", "fast", "slow"]
    assert scheduler.run_due_jobs(now=start + 69.9) == ["fast"]


def test_the_interval_is_read_from_settings_each_time(registry: Any, settings: Settings) -> None:
    recorder = Recorder()
    scheduler.register(name="fast", interval_key="FAST_SECONDS", func=recorder.job("fast"))
    settings.TOWNHALL = {**settings.TOWNHALL, "FAST_SECONDS": 300}

    scheduler.run_due_jobs(now=0.0)

    assert scheduler.run_due_jobs(now=299.0) == []
    assert scheduler.run_due_jobs(now=300.0) == ["fast"]


def test_a_failing_job_is_logged_and_does_not_stop_the_others(registry: Any, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    scheduler.register(name="a-before", interval_key="FAST_SECONDS", func=recorder.job("before"))
    scheduler.register(name="b-broken", interval_key="FAST_SECONDS", func=recorder.job("broken", fails=True))
    scheduler.register(name="c-after", interval_key="FAST_SECONDS", func=recorder.job("after"))

    with caplog.at_level(logging.ERROR, logger="townhall.scheduler"):
        ran = scheduler.run_due_jobs(now=100.0)

    assert recorder.calls == ["before", "broken", "after"]
    assert ran == ["a-before", "b-broken", "c-after"]
    [record] = [r for r in caplog.records if r.name == "townhall.scheduler"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "periodic job b-broken failed"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "broken broke"


def test_a_failing_job_is_retried_at_its_next_interval(registry: Any) -> None:
    recorder = Recorder()
    scheduler.register(name="broken", interval_key="FAST_SECONDS", func=recorder.job("broken", fails=True))

    scheduler.run_due_jobs(now=100.0)
    assert scheduler.run_due_jobs(now=105.0) == []
    assert scheduler.run_due_jobs(now=110.0) == ["broken"]
    assert recorder.calls == ["broken", "broken"]


def test_a_job_that_loses_the_database_raises_and_stays_due(registry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()

    def lost() -> None:
        recorder.calls.append("lost")
        raise OperationalError("server closed the connection unexpectedly")

    scheduler.register(name="a-first", interval_key="FAST_SECONDS", func=recorder.job("first"))
    scheduler.register(name="b-lost", interval_key="FAST_SECONDS", func=lost)
    scheduler.register(name="c-later", interval_key="FAST_SECONDS", func=recorder.job("later"))
    monkeypatch.setattr(scheduler, "database_reachable", lambda: False)

    with pytest.raises(OperationalError):
        scheduler.run_due_jobs(now=100.0)

    assert recorder.calls == ["first", "lost"]
    # Back again: the job that lost the database is still due, and so is the one after it.
    monkeypatch.setattr(scheduler, "database_reachable", lambda: True)
    assert scheduler.run_due_jobs(now=101.0) == ["b-lost", "c-later"]


def test_a_database_error_with_the_database_reachable_is_the_job_s_own_failure(
    registry: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise IntegrityError("duplicate key")

    scheduler.register(name="broken", interval_key="FAST_SECONDS", func=broken)
    monkeypatch.setattr(scheduler, "database_reachable", lambda: True)

    with caplog.at_level(logging.ERROR, logger="townhall.scheduler"):
        assert scheduler.run_due_jobs(now=100.0) == ["broken"]

    assert scheduler.run_due_jobs(now=105.0) == []
    assert [r.getMessage() for r in caplog.records] == ["periodic job broken failed"]


@pytest.mark.django_db(transaction=True)  # as the scheduler runs: outside any transaction
def test_the_database_is_reachable_under_test() -> None:
    assert scheduler.database_reachable() is True


def test_registering_a_name_again_replaces_the_job(registry: Any) -> None:
    recorder = Recorder()
    scheduler.register(name="job", interval_key="FAST_SECONDS", func=recorder.job("old"))
    scheduler.register(name="job", interval_key="FAST_SECONDS", func=recorder.job("new"))

    scheduler.run_all_once()

    assert [job.name for job in scheduler.registered_jobs()] == ["job"]
    assert recorder.calls == ["new"]


def test_run_all_once_runs_every_job_in_name_order_whether_due_or_not(registry: Any) -> None:
    recorder = Recorder()
    scheduler.register(name="zeta", interval_key="SLOW_SECONDS", func=recorder.job("zeta"))
    scheduler.register(name="alpha", interval_key="SLOW_SECONDS", func=recorder.job("alpha"))
    scheduler.run_due_jobs(now=0.0)

    scheduler.run_all_once()

    assert recorder.calls == ["alpha", "zeta", "alpha", "zeta"]


def test_the_apps_register_their_periodic_jobs() -> None:
    jobs = {job.name: job for job in scheduler.registered_jobs()}

    assert {"close-petitions", "count-signatures", "reconcile-counts", "send-confirmations"} <= set(jobs)
    assert jobs["close-petitions"].interval_key == "CLOSER_INTERVAL_SECONDS"
    assert jobs["count-signatures"].interval_key == "COUNTER_INTERVAL_SECONDS"
    assert jobs["send-confirmations"].interval_key == "EMAIL_INTERVAL_SECONDS"
    assert jobs["reconcile-counts"].interval_key == "RECONCILE_INTERVAL_SECONDS"
    for job in jobs.values():
        assert job.interval > 0
    assert jobs["reconcile-counts"].interval == 3600.0


# --- the `scheduler` command --------------------------------------------------------------


@pytest.mark.django_db
def test_scheduler_once_counts_confirmed_signatures_and_sends_owed_emails(scheme: Any, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    sponsors = Signature.objects.filter(petition=petition, state="verified").count()
    confirmed = sign(petition, 1, confirm=True)
    pending = sign(petition, 2, confirm=False)
    assert Petition.objects.get(pk=petition.pk).signature_count == 0

    call_command("scheduler", "--once")

    petition.refresh_from_db()
    assert petition.signature_count == sponsors + 1
    assert petition.counted_at is not None
    confirmed.refresh_from_db()
    assert confirmed.counted_at is not None
    pending.refresh_from_db()
    assert pending.counted_at is None
    assert pending.email_pending is False
    [to_pending] = [m for m in mail.outbox if m.to == ["signer2@example.org"]]
    assert f"http://testserver/signatures/{pending.pk}/confirm/{pending.token}/" in to_pending.body


@pytest.mark.django_db
def test_scheduler_once_twice_counts_each_signature_once(scheme: Any, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    sign(petition, 1, confirm=True)

    call_command("scheduler", "--once")
    first = Petition.objects.get(pk=petition.pk).signature_count
    call_command("scheduler", "--once")

    assert Petition.objects.get(pk=petition.pk).signature_count == first
    assert first == Signature.objects.filter(petition=petition, state="verified").count()


@pytest.mark.django_db
def test_scheduler_once_closes_petitions_past_their_deadline(scheme: Any, moderator: User) -> None:
    with time_machine.travel(APPROVED_IN_WINTER, tick=False) as clock:
        petition = open_petition(moderator=moderator)
        # 10:00 GMT in January → 10:00 BST (09:00 UTC) in July.
        assert petition.deadline_at == datetime.datetime(2025, 7, 15, 9, 0, tzinfo=datetime.UTC)
        clock.move_to(datetime.datetime(2025, 7, 15, 8, 59, tzinfo=datetime.UTC))
        call_command("scheduler", "--once")
        assert Petition.objects.get(pk=petition.pk).state == PetitionState.OPEN

        clock.move_to(datetime.datetime(2025, 7, 15, 9, 1, tzinfo=datetime.UTC))
        call_command("scheduler", "--once")

    petition.refresh_from_db()
    assert petition.state == PetitionState.CLOSED
    assert petition.closed_at == petition.deadline_at


@pytest.mark.django_db
def test_scheduler_once_reconciles_a_count_that_drifted(scheme: Any, moderator: User) -> None:
    petition = open_petition(moderator=moderator)
    call_command("scheduler", "--once")
    exact = Petition.objects.get(pk=petition.pk).signature_count
    Petition.objects.filter(pk=petition.pk).update(signature_count=exact + 40)  # e.g. a bad manual edit

    call_command("scheduler", "--once")

    assert Petition.objects.get(pk=petition.pk).signature_count == exact


class _Stop(Exception):
    pass


def test_the_scheduler_loop_runs_due_jobs_until_stopped(registry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    scheduler.register(name="counter", interval_key="FAST_SECONDS", func=recorder.job("counter"))
    handlers: dict[int, Any] = {}
    monkeypatch.setattr(stopping.signal, "signal", lambda signum, handler: handlers.__setitem__(signum, handler))
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        handlers[signal.SIGTERM](signal.SIGTERM, None)

    monkeypatch.setattr(scheduler_command.time, "sleep", sleep)
    out = io.StringIO()

    call_command("scheduler", stdout=out)

    assert set(handlers) == {signal.SIGINT, signal.SIGTERM}
    assert recorder.calls == ["counter"]
    assert sleeps == [0.2]
    assert out.getvalue().splitlines() == ["Scheduler running: counter", "Scheduler stopped."]


def test_the_scheduler_loop_waits_longer_each_time_the_database_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three rounds without a database, one with, one without again: it says so each time and
    waits 1, 2, 4 s, then 1 s again after a round that ran, and never exits for it."""
    rounds = iter(["lost", "lost", "lost", "ran", "lost", "stop"])
    handlers: dict[int, Any] = {}
    monkeypatch.setattr(stopping.signal, "signal", lambda signum, handler: handlers.__setitem__(signum, handler))

    def run_due_jobs(*, now: float) -> list[str]:
        match next(rounds):
            case "lost":
                raise OperationalError("connection refused")
            case "ran":
                return ["count-signatures"]
            case _:
                handlers[signal.SIGTERM](signal.SIGTERM, None)
                return []

    monkeypatch.setattr(scheduler_command.scheduler, "run_due_jobs", run_due_jobs)
    monkeypatch.setattr(scheduler_command, "forget_connections", lambda: None)
    slept: list[float] = []
    monkeypatch.setattr(scheduler_command.time, "sleep", slept.append)
    out, err = io.StringIO(), io.StringIO()

    call_command("scheduler", stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        f"Scheduler lost its database (connection refused); reconnecting in {seconds} s" for seconds in (1, 2, 4, 1)
    ]
    # The waits are taken in 0.2 s steps, so a stop signal is answered at once.
    assert sum(slept) == pytest.approx(1 + 2 + 4 + 1 + 0.2 + 0.2)
    assert out.getvalue().rstrip().endswith("Scheduler stopped.")


# --- the embedded `run` supervisor ------------------------------------------------------------


class FakeChild:
    def __init__(self, command: list[str], *, exits_with: int | None, pid: int) -> None:
        self.command = command
        self.pid = pid
        self.returncode: int | None = exits_with
        self.signals: list[int] = []
        self.env: dict[str, str] = {}

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        self.returncode = -signum

    def wait(self, timeout: float | None = None) -> int | None:
        return self.returncode

    def kill(self) -> None:  # pragma: no cover - only when a child ignores SIGTERM
        self.returncode = -9


@pytest.fixture
def supervisor(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """`run` with its children, signals, sleeps and set-up commands replaced by recorders."""
    state: dict[str, Any] = {"children": [], "commands": [], "handlers": {}, "dies": None, "stopped_groups": []}

    def popen(command: list[str], **kwargs: Any) -> FakeChild:
        assert kwargs["start_new_session"] is True
        name = command[2]
        # Only the first of its kind dies: the one started in its place keeps running.
        first = not any(child.command[2] == name for child in state["children"])
        child = FakeChild(
            command, exits_with=3 if name == state["dies"] and first else None, pid=1000 + len(state["children"])
        )
        child.env = kwargs["env"]
        state["children"].append(child)
        return child

    def sleep(seconds: float) -> None:
        if state["dies"] is None or len(state["children"]) > 3:
            state["handlers"][signal.SIGINT](signal.SIGINT, None)

    monkeypatch.setattr(run_command.subprocess, "Popen", popen)
    monkeypatch.setattr(run_command.signal, "signal", lambda s, h: state["handlers"].__setitem__(s, h))
    monkeypatch.setattr(run_command.time, "sleep", sleep)
    monkeypatch.setattr(run_command, "call_command", lambda name, **kw: state["commands"].append(name))
    monkeypatch.setattr(run_command, "stop_leftovers", state["stopped_groups"].append)
    return state


def test_run_starts_web_worker_and_scheduler_and_stops_them_on_ctrl_c(supervisor: dict[str, Any]) -> None:
    out = io.StringIO()

    call_command("run", "--port", "8123", stdout=out)

    assert supervisor["commands"] == ["migrate", "load_demo"]
    web, worker, sched = supervisor["children"]
    assert web.command[2:4] == ["runserver", "127.0.0.1:8123"]
    assert worker.command[2] == "worker"
    assert sched.command[2:] == ["scheduler"]
    assert all(child.signals == [signal.SIGTERM] for child in supervisor["children"])
    assert "http://127.0.0.1:8123/" in out.getvalue()
    assert out.getvalue().rstrip().endswith("Townhall stopped.")


def test_run_on_another_port_puts_that_port_in_the_emailed_links(
    supervisor: dict[str, Any], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """`make run PORT=8001`: the links in emails (written by the children, and by the demo
    loader in this process) must lead to the server that is running, not to port 8000."""
    monkeypatch.delenv("TOWNHALL_BASE_URL", raising=False)
    settings.TOWNHALL = {**settings.TOWNHALL}  # run changes it for its own process; put back after
    links: list[str] = []
    monkeypatch.setattr(
        run_command,
        "call_command",
        lambda name, **kw: links.append(absolute_url("petitions:list")) if name == "load_demo" else None,
    )

    call_command("run", "--port", "8001", stdout=io.StringIO())

    assert links == ["http://127.0.0.1:8001/petitions/"]
    assert {child.env["TOWNHALL_BASE_URL"] for child in supervisor["children"]} == {"http://127.0.0.1:8001"}


def test_run_keeps_a_public_address_set_in_the_environment(
    supervisor: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOWNHALL_BASE_URL", "https://petitions.example.gov.uk")

    call_command("run", "--port", "8001", "--no-demo", stdout=io.StringIO())

    assert {child.env["TOWNHALL_BASE_URL"] for child in supervisor["children"]} == {"https://petitions.example.gov.uk"}


def test_run_without_the_demo_only_migrates(supervisor: dict[str, Any]) -> None:
    call_command("run", "--no-demo", stdout=io.StringIO())

    assert supervisor["commands"] == ["migrate"]


def test_run_restarts_a_child_that_dies_and_says_so(supervisor: dict[str, Any]) -> None:
    supervisor["dies"] = "worker"
    out, err = io.StringIO(), io.StringIO()

    call_command("run", "--no-demo", stdout=out, stderr=err)

    assert "worker stopped unexpectedly (exit code 3); restarting it" in err.getvalue()
    web, dead, sched, restarted = supervisor["children"]
    assert restarted.command == dead.command
    assert dead.signals == []  # already gone
    assert [web.signals, sched.signals, restarted.signals] == [[signal.SIGTERM]] * 3
    assert out.getvalue().rstrip().endswith("Townhall stopped.")
    # Whatever the dead worker left in its process group was killed, once, before the new one.
    assert supervisor["stopped_groups"] == [dead.pid]


def test_run_starts_the_worker_without_an_autoreloader(supervisor: dict[str, Any]) -> None:
    call_command("run", "--no-demo", stdout=io.StringIO())

    worker = next(child for child in supervisor["children"] if child.command[2] == "worker")
    assert "--no-reload" in worker.command
    web = next(child for child in supervisor["children"] if child.command[2] == "runserver")
    assert "--noreload" in web.command
