"""The throwaway database of one backend run: created empty, queried by the checks, dropped.

PostgreSQL: the `--pg-url` database (its name must contain "bench"; `options` refuses
others) is dropped and re-created through the server's `postgres` database. SQLite: a file
in its own directory under var/, removed with the directory. Set-up inside the database
(migrations, petitions) is `setup_db`'s, run by the server's own settings.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg

from .options import BASE_DIR, Backend


def pg_admin(url: str, statement: str) -> None:
    """One statement on the server of `url`, from its `postgres` database (outside any transaction)."""
    parsed = urlparse(url)
    with psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as admin:
        admin.execute(statement)


def pg_recreate(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(url, f'CREATE DATABASE "{name}"')


def pg_drop(url: str) -> None:
    pg_admin(url, f'DROP DATABASE IF EXISTS "{urlparse(url).path.lstrip("/")}" WITH (FORCE)')


@dataclass(frozen=True)
class Database:
    backend: Backend
    url: str  # as the server processes get it (TOWNHALL_DATABASE_URL)
    sqlite_path: Path | None = None

    @classmethod
    def for_run(cls, backend: Backend, *, pg_url: str, run_id: str) -> Database:
        if backend == "postgres":
            return cls("postgres", pg_url)
        path = BASE_DIR / "var" / f"bench-{run_id}" / "townhall.sqlite3"
        return cls("sqlite", f"sqlite:///{path}", sqlite_path=path)

    @property
    def conninfo(self) -> str:
        """The PostgreSQL URL as psycopg takes it."""
        return self.url.replace("postgres://", "postgresql://")

    def _sqlite_path(self) -> Path:
        if self.sqlite_path is None:
            raise RuntimeError("no SQLite path")
        return self.sqlite_path

    def create(self) -> None:
        """An empty database, whatever an earlier run left behind."""
        if self.backend == "postgres":
            pg_recreate(self.url)
            return
        directory = self._sqlite_path().parent
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)

    def drop(self) -> None:
        if self.backend == "postgres":
            pg_drop(self.url)
        elif self.sqlite_path is not None:
            shutil.rmtree(self.sqlite_path.parent, ignore_errors=True)

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query with `?` placeholders, on a connection of its own."""
        if self.backend == "postgres":
            with psycopg.connect(self.conninfo, connect_timeout=5) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        with contextlib.closing(sqlite3.connect(self._sqlite_path(), timeout=30)) as conn:
            return list(conn.execute(sql, params).fetchall())

    def describe(self) -> dict[str, str]:
        """What the result records about the database: PostgreSQL's durability and size
        settings, or SQLite's library version."""
        if self.backend != "postgres":
            return {"sqlite": sqlite3.sqlite_version}
        names = ["server_version", "synchronous_commit", "fsync", "shared_buffers", "max_connections"]
        return {n: str(self.fetch(f"SHOW {n}")[0][0]) for n in names}
