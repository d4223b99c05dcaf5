"""Did-you-mean hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    options = [c for c in candidates if c != word]
    if not options:
        return None
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    return match[0] if match else None


def did_you_mean(word: str, candidates: Iterable[str], *, quote: str = "'") -> str | None:
    best = closest(word, candidates)
    return f"did you mean {quote}{best}{quote}?" if best is not None else None


def one_of(candidates: Iterable[str], limit: int = 8) -> str:
    items = sorted(set(candidates))
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items) - limit} more)" if len(items) > limit else "")
