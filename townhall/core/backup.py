"""Backing up and restoring the whole database, through the connection Django is using.

SQLite (the embedded default) is copied with SQLite's online backup API: a consistent copy
taken while the server keeps running, never a copy of the file (which can catch a write
half done, and misses what is still in the write-ahead log). PostgreSQL is dumped with
`pg_dump --format=custom` and restored with `pg_restore --clean --if-exists --no-owner`
in one transaction. The connection settings come from Django's DATABASES; the password
reaches the tools through the PGPASSWORD environment variable, never the command line.
docs/operations.md is the procedure around these two functions.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

# Connection OPTIONS that libpq also reads from the environment (psycopg passes them as is).
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


class BackupError(Exception):
    """A backup or restore that could not be made; nothing was changed."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore did: the file, its size, how many tables, how long."""

    engine: str
    path: Path
    size_bytes: int
    tables: int
    seconds: float


def database_backup(*, path: Path, using: str = "default") -> BackupReport:
    """Write a consistent copy of database `using` to `path` (replaced if it exists).

    The copy is written next to `path` first and moved into place when complete, so a
    failed backup never leaves a half-written file under the name of a good one.
    """
    started = time.monotonic()
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    vendor = connections[using].vendor
    try:
        if vendor == "sqlite":
            tables = _sqlite_backup(using=using, to=partial)
        elif vendor == "postgresql":
            tables = _postgres_backup(using=using, to=partial)
        else:
            raise BackupError(_("Backups of %(vendor)s databases are not supported.") % {"vendor": vendor})
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(vendor, path, path.stat().st_size, tables, time.monotonic() - started)


def database_restore(*, path: Path, using: str = "default") -> BackupReport:
    """Replace every table of database `using` with those in the backup at `path`.

    Stop the web server, task worker and scheduler first: the restore replaces the data
    under them (docs/operations.md gives the order to start them again).
    """
    started = time.monotonic()
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("There is no backup file at %(path)s.") % {"path": path})
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError(_("A restore cannot run inside a transaction."))
    vendor = connection.vendor
    if vendor == "sqlite":
        tables = _sqlite_restore(using=using, source=path)
    elif vendor == "postgresql":
        tables = _postgres_restore(using=using, source=path)
    else:
        raise BackupError(_("Restores of %(vendor)s databases are not supported.") % {"vendor": vendor})
    return BackupReport(vendor, path, path.stat().st_size, tables, time.monotonic() - started)


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_connection(using: str) -> sqlite3.Connection:
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)  # noqa: S101 (the vendor was checked)
    return raw


def _sqlite_tables(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchone()
    return int(row[0])


def _sqlite_backup(*, using: str, to: Path) -> int:
    target = sqlite3.connect(to)
    try:
        _sqlite_connection(using).backup(target)
        # A single self-contained file: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_tables(target)
    finally:
        target.close()


def _sqlite_restore(*, using: str, source: Path) -> int:
    try:
        backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(_("%(path)s is not a SQLite backup: %(error)s") % {"path": source, "error": error}) from error
    try:
        try:
            is_ours = backup.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(
                _("%(path)s is not a SQLite backup: %(error)s") % {"path": source, "error": error}
            ) from error
        if not is_ours:
            raise BackupError(_("%(path)s is not a backup of this application's database.") % {"path": source})
        backup.backup(_sqlite_connection(using))
        return _sqlite_tables(backup)
    finally:
        backup.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_tool(name: str) -> str:
    """The path of PostgreSQL's `name` (pg_dump, pg_restore): from TOWNHALL["POSTGRES_BIN_DIR"]
    when set, otherwise the PATH. Refuses when it is not there."""
    folder = settings.TOWNHALL["POSTGRES_BIN_DIR"]
    found = shutil.which(name, path=folder or None)
    if found is None:
        where = folder or _("the PATH")
        raise BackupError(
            _(
                "%(tool)s was not found in %(where)s. Install PostgreSQL's client tools (the same "
                "major version as the server or newer), or set TOWNHALL_POSTGRES_BIN_DIR."
            )
            % {"tool": name, "where": where}
        )
    return found


def _postgres_connection_args(using: str) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for libpq tools, from Django's settings for
    `using` (the test database under test). The password goes in the environment only."""
    params: dict[str, Any] = connections[using].settings_dict
    args = ["--no-password", f"--dbname={params['NAME']}"]
    if params.get("HOST"):
        args.append(f"--host={params['HOST']}")
    if params.get("PORT"):
        args.append(f"--port={params['PORT']}")
    if params.get("USER"):
        args.append(f"--username={params['USER']}")
    env = os.environ.copy()
    env.pop("PGPASSWORD", None)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    for option, variable in _LIBPQ_OPTIONS.items():
        if params.get("OPTIONS", {}).get(option):
            env[variable] = str(params["OPTIONS"][option])
    return args, env


def _run(command: list[str], *, env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (our arguments)
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(command[0]).name, "error": result.stderr.strip() or result.returncode}
        )
    return result.stdout


def _postgres_tables(archive: Path) -> int:
    listing = _run([postgres_tool("pg_restore"), "--list", str(archive)], env=os.environ.copy())
    return sum(1 for line in listing.splitlines() if " TABLE DATA " in line)


def _postgres_backup(*, using: str, to: Path) -> int:
    pg_dump = postgres_tool("pg_dump")
    args, env = _postgres_connection_args(using)
    _run([pg_dump, "--format=custom", f"--file={to}", *args], env=env)
    return _postgres_tables(to)


def _postgres_restore(*, using: str, source: Path) -> int:
    pg_restore = postgres_tool("pg_restore")
    tables = _postgres_tables(source)  # refuses a file that is not a custom-format dump
    args, env = _postgres_connection_args(using)
    # Django's own connection must hold no locks on the tables being replaced.
    connections[using].close()
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _run([pg_restore, *options, *args, str(source)], env=env)
    return tables
