"""Asking a running server on 127.0.0.1 whether it answers."""

from __future__ import annotations

import urllib.error
import urllib.request


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
