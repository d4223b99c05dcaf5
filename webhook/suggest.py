"""Did-you-mean hints, at a cost bounded whatever the object.

A hint compares a word with candidates by difflib's ratio, which is quadratic in the
word's length, once per candidate, once per finding. So a word longer than
``MAX_WORD`` gets no hint (no name that long was mistyped from a short one), at most
``MAX_CANDIDATES`` candidates are compared per hint, and inside ``suggestion_budget``
(one per validation) all hints together compare at most ``BUDGET`` pairs; past it,
findings simply carry no did-you-mean. A 3 MB ``kind`` took 26 s before.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

MAX_WORD = 100
MAX_CANDIDATES = 500
BUDGET = 10_000

# Comparisons left in the current validation (a one-item list, so it can be counted down in place).
_LEFT: ContextVar[list[int] | None] = ContextVar("argo_warden_suggestions", default=None)


@contextlib.contextmanager
def suggestion_budget(comparisons: int = BUDGET) -> Iterator[None]:
    token = _LEFT.set([comparisons])
    try:
        yield
    finally:
        _LEFT.reset(token)


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    if len(word) > MAX_WORD:
        return None
    left = _LEFT.get()
    lowered = word.lower()
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    best: tuple[float, str] | None = None
    same_case: str | None = None
    compared = 0
    for c in candidates:
        if c == word:
            continue
        if compared >= MAX_CANDIDATES or (left is not None and left[0] <= 0):
            break
        compared += 1
        if left is not None:
            left[0] -= 1
        if len(c) > MAX_WORD:
            continue
        if c.lower() == lowered:
            same_case = c  # the last one, as before
        matcher.set_seq1(c)
        # As difflib.get_close_matches: the cheap upper bounds first, then the ratio.
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            if score >= cutoff and (best is None or (score, c) > best):
                best = (score, c)
    if same_case is not None:
        return same_case
    return best[1] if best is not None else None


def did_you_mean(word: str, candidates: Iterable[str], *, quote: str = "'") -> str | None:
    best = closest(word, candidates)
    return f"did you mean {quote}{best}{quote}?" if best is not None else None


def one_of(candidates: Iterable[str], limit: int = 8) -> str:
    items = sorted(set(candidates))
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items) - limit} more)" if len(items) > limit else "")
