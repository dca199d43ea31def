"""A PostgreSQL outage for the test database, as in a server restart or a network blip: the
database refuses new connections (ALLOW_CONNECTIONS false) and every other connection to it is
terminated (pg_terminate_backend). Used by the tests of the long-running processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
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
