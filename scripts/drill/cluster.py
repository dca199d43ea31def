"""The drill's own PostgreSQL cluster: made with initdb, started, restarted, removed.

The drill restarts PostgreSQL under load, so it never uses the machine's cluster (other work
may be using it): it makes a throwaway one under var/drill-<run>/pg with Debian's binaries
(the newest /usr/lib/postgresql/<version>/bin, or --pg-bin), listening on 127.0.0.1 only, on
a free port, with its socket in its own directory, and removes the whole directory at the end.

initdb and the server refuse to run as root, so when the drill runs as root the cluster's
directory is given to the `postgres` system user and every PostgreSQL command runs as that
user through runuser (in the system's temporary directory if that user cannot reach var/);
otherwise they run as the drill's own user.

Every command has a timeout. `owner.pid` beside the cluster names the drill that made it, and
`processes` the process groups it started: a later drill stops those and removes the cluster
when that drill is gone (killed before its clean-up could run).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

COMMAND_TIMEOUT = 60.0
POSTGRES_SYSTEM_USER = "postgres"
# Small and quick: the drill's database is tiny and thrown away. Durability stays as in
# production (fsync and synchronous_commit on): the restart must lose nothing committed.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "60",
    "shared_buffers": "'32MB'",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


def newest_pg_bin() -> Path:
    """Debian's newest PostgreSQL binaries, /usr/lib/postgresql/<version>/bin."""
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return found[-1]


def reachable(directory: Path, uid: int, gid: int) -> bool:
    """Whether a user may pass through every directory down to `directory` (its x bits)."""
    for part in [directory, *directory.parents]:
        try:
            mode = part.stat()
        except OSError:
            return False
        if mode.st_uid == uid:
            allowed = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid == gid:
            allowed = mode.st_mode & stat.S_IXGRP
        else:
            allowed = mode.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Cluster:
    directory: Path  # var/drill-<run>: the data directory, socket, log and owner.pid live here
    port: int
    bin_dir: Path
    run_as: str | None  # a system user to run PostgreSQL as (when the drill is root), else None

    @classmethod
    def for_run(cls, directory: Path, *, port: int, bin_dir: Path | None = None) -> Cluster:
        """The cluster in `directory`; as root, run as the `postgres` user, and in the system's
        temporary directory instead when that user cannot reach `directory` (say, under /root)."""
        run_as = None
        if os.geteuid() == 0:
            run_as = POSTGRES_SYSTEM_USER
            try:
                user = pwd.getpwnam(run_as)
            except KeyError:
                raise RuntimeError(
                    "initdb refuses to run as root and there is no 'postgres' user to run it as; "
                    "run the drill as an ordinary user"
                ) from None
            if not reachable(directory.parent, user.pw_uid, user.pw_gid):
                directory = Path(tempfile.gettempdir()) / f"townhall-{directory.name}"
        return cls(directory=directory, port=port, bin_dir=bin_dir or newest_pg_bin(), run_as=run_as)

    @property
    def data(self) -> Path:
        return self.directory / "pg"

    @property
    def log(self) -> Path:
        return self.directory / "postgresql.log"

    @property
    def url(self) -> str:
        """As the server processes get it (TOWNHALL_DATABASE_URL)."""
        return f"postgres://postgres@127.0.0.1:{self.port}/townhall_drill"

    @property
    def conninfo(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/townhall_drill"

    def _run(self, tool: str, *args: str, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / tool), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own tools, arguments built here)
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.directory
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
        return result

    def create(self) -> None:
        """initdb, the settings, and an empty `townhall_drill` database, started."""
        self.directory.mkdir(parents=True)
        (self.directory / "owner.pid").write_text(str(os.getpid()))
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions")
        settings = {**SERVER_SETTINGS, "port": str(self.port), "unix_socket_directories": f"'{self.directory}'"}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# make drill\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        self.start()
        with psycopg.connect(self._admin_conninfo(), autocommit=True, connect_timeout=5) as admin:
            admin.execute("CREATE DATABASE townhall_drill")

    def _admin_conninfo(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def accepting(self) -> bool:
        try:
            with psycopg.connect(self._admin_conninfo(), connect_timeout=1) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def remember_processes(self, pids: list[int]) -> None:
        """Note the drill's process groups beside the cluster, for `sweep_orphans` to stop
        should the drill be killed before its own clean-up runs."""
        (self.directory / "processes").write_text(" ".join(str(p) for p in pids))

    def remove(self) -> None:
        """Stop the server if it runs (immediately: the data is thrown away) and delete everything."""
        if self.postmaster_pid() is not None:
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired, OSError):
                kill_postmaster(self.data)
        shutil.rmtree(self.directory, ignore_errors=True)


def kill_postmaster(data: Path) -> None:
    """SIGKILL the postmaster named in `data`/postmaster.pid (its backends exit with it)."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def cluster_places(var: Path) -> list[Path]:
    """Where drills make their clusters: var/ and, as root, maybe the temporary directory."""
    return [var, Path(tempfile.gettempdir())]


def kill_orphaned_group(pid: int) -> None:
    """SIGKILL the process group a killed drill started, if `pid` still leads it and is one of
    ours (granian or manage.py): a recycled pid is left alone."""
    try:
        stat_fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, IndexError):
        return
    session = int(stat_fields[3])
    if session == pid and ("granian" in command or "manage.py" in command):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def sweep_orphans(places: list[Path], *, bin_dir: Path | None = None) -> list[Path]:
    """Remove the clusters of earlier drills that were killed before they could clean up
    (their owner.pid names a process that is gone). Returns what was removed."""
    removed = []
    candidates = [d for place in places for pattern in ("drill-*", "townhall-drill-*") for d in place.glob(pattern)]
    for directory in sorted(candidates):
        try:
            owner = int((directory / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if pid_alive(owner):
            continue
        with contextlib.suppress(OSError, ValueError):
            for pid in (int(p) for p in (directory / "processes").read_text().split()):
                kill_orphaned_group(pid)
        run_as = POSTGRES_SYSTEM_USER if os.geteuid() == 0 else None
        Cluster(directory, port=0, bin_dir=bin_dir or newest_pg_bin(), run_as=run_as).remove()
        removed.append(directory)
    return removed
