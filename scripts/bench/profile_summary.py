"""Summarise py-spy raw (collapsed) profiles: where the web workers' time goes.

.venv/bin/python -m scripts.bench.profile_summary bench-results/<stamp>-logs/profile-web-worker-*.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match.group("file")
    for marker in ("site-packages/", "/townhall/", "/lib/python3.13/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match.group('func')} ({path})"


def summarise(paths: list[str], top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for path in paths:
        with open(path) as handle:
            for line in handle:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if not stack:
                    continue
                n = int(count)
                frames = [short(f) for f in stack.split(";")]
                total += n
                own[frames[-1]] += n
                for frame in set(frames):
                    inclusive[frame] += n
    lines = [f"{total} samples"]
    lines.append("inclusive (share of samples in which the function is on the stack):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines.append("self (share of samples at the top of the stack):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(sys.argv[1:], top=int(__import__("os").environ.get("TOP", "25"))))
