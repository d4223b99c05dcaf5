"""Which files lint skips: glob patterns relative to the configuration's directory, matched at any depth.

``*`` stays inside one path segment, ``**`` spans any number of them, and a
pattern also matches below any directory (``charts/*/templates/**`` excludes
``deploy/charts/app/templates/x.yaml`` as well). Files named on the command line
are excluded too: pre-commit names every changed file.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=256)
def _segments(pattern: str) -> tuple[str, ...]:
    return tuple(s for s in pattern.replace(os.sep, "/").strip("/").split("/") if s)


def _match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Segment-wise glob match; ``**`` matches zero or more segments. Memoised on positions: O(len × len)."""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(pattern):
            if j == len(parts):
                return True
            continue
        if pattern[i] == "**":
            stack.append((i + 1, j))
            if j < len(parts):
                stack.append((i, j + 1))
        elif j < len(parts) and fnmatch.fnmatchcase(parts[j], pattern[i]):
            stack.append((i + 1, j + 1))
    return False


def excluded(path: str, patterns: Sequence[str], root: str | None = None) -> bool:
    """True when ``path`` (a file) matches one of ``patterns`` relative to ``root`` or below any directory."""
    if not patterns or path == "-":
        return False
    base = os.path.abspath(root or os.getcwd())
    full = os.path.abspath(path)
    rel = os.path.relpath(full, base) if full.startswith(base + os.sep) else full
    parts = tuple(p for p in rel.replace(os.sep, "/").split("/") if p)
    for pattern in patterns:
        segments = _segments(pattern)
        if not segments:
            continue
        # Anchored at the root, or at any directory below it.
        if any(_match(segments, parts[k:]) for k in range(len(parts))):
            return True
    return False
