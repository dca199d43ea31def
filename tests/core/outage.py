"""A PostgreSQL outage for the test database, as in a server restart or a network blip: the
database refuses new connections (ALLOW_CONNECTIONS false) and every other connection to it is
terminated (pg_terminate_backend). Used by the tests of the long-running processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection


@contextmanager
def database_outage() -> Iterator[None]:
    """The test database refuses new connections until the end of the block. The switch is
    thrown from the server's maintenance database, since a database cannot close itself."""
    settings_dict = connection.settings_dict
    name = connection.ops.quote_name(settings_dict["NAME"])
    maintenance = psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        user=settings_dict["USER"],
        dbname="postgres",
        autocommit=True,
    )
    with maintenance:
        maintenance.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        try:
            yield
        finally:
            maintenance.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")


def terminate_other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def outage(seconds: float) -> int:
    """`seconds` without a database; how many connections were cut."""
    terminated = 0
    with database_outage():
        for _ in range(round(seconds / 0.5)):
            terminated += terminate_other_connections()
            time.sleep(0.5)
    return terminated


def database_url() -> str:
    """The test database's URL, for a subprocess to use."""
    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@contextmanager
def manage_process(
    tmp_path: Path, command: list[str], *, environment: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """`manage.py <command>` against the test database (dev settings) in a subprocess, its
    output in a log shown at the end; stopped with SIGTERM (SIGKILL after 15 s)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "TOWNHALL_DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
        **environment,
    }
    log_path = tmp_path / f"{command[0]}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [sys.executable, str(settings.BASE_DIR / "manage.py"), *command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            sys.stdout.write(log_path.read_text(errors="replace")[-3000:])
