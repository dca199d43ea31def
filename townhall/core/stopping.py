"""How a long-running command (`run`, `scheduler`) is stopped: Ctrl-C (SIGINT) or SIGTERM
asks it to, and it finishes what it is doing before it leaves its loop."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from types import FrameType


@dataclass
class StopRequest:
    """Whether the process has been asked to stop; the command's loop reads `requested`."""

    requested: bool = False


def stop_on_signals() -> StopRequest:
    """From now on, Ctrl-C (SIGINT) and SIGTERM no longer cut the process off: they set the
    returned request's `requested`, which the command checks between rounds."""
    stop = StopRequest()

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        stop.requested = True

    signal.signal(signal.SIGINT, ask_to_stop)
    signal.signal(signal.SIGTERM, ask_to_stop)
    return stop
