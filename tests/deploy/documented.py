"""The long-running commands docs/deployment.md tells production to start, read from its
single-server block, so that the tests starting them run exactly what the documentation says."""

from __future__ import annotations

import shlex
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOYMENT = BASE_DIR / "docs" / "deployment.md"


def documented_command(start: str, **options: str) -> list[str]:
    """The documented command line that begins with `start` (".venv/bin/granian",
    ".venv/bin/python manage.py worker"), without its comment, its paths made absolute, and the
    value of each option named in `options` replaced (`port="8001"` for `--port 8000`)."""
    lines = DEPLOYMENT.read_text().splitlines()
    line = next(line for line in lines if line == start or line.startswith(start + " "))
    words = shlex.split(line.split("#", 1)[0])
    for name, value in options.items():
        words[words.index("--" + name.replace("_", "-")) + 1] = value
    words[0] = str(BASE_DIR / words[0])
    return [str(BASE_DIR / word) if word == "manage.py" else word for word in words]
