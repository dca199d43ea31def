"""The machine the tests run on: a free port on 127.0.0.1, whether a server there answers,
and which processes are alive (from /proc)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def healthz(port: int) -> int | None:
    """The status of GET /healthz, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def live_processes() -> dict[int, tuple[int, int]]:
    """Every live (not zombie) process: pid -> (parent pid, process group), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its closing paren.
        state, ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if state != "Z":
            found[int(entry.name)] = (int(ppid), int(pgrp))
    return found


def children_of(pid: int) -> set[int]:
    """The live processes whose parent is `pid`."""
    return {child for child, (parent, _) in live_processes().items() if parent == pid}
