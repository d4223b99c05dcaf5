"""Results remembered per short text: the caches keyed on strings that come from the objects we check.

Every object made from one manifest (each run of a workflow, each review of it)
carries the same urls, header values, bodies and tags, so a function of one such
text is worth remembering. But the texts come from the object: an lru_cache alone
would keep whatever megabyte string an attacker sent, once per entry. Here only
texts up to ``longest`` characters are kept, so ``maxsize * longest`` bounds the
text a cache holds; a longer one is worked out on each call (its cost is linear
in it). A call that raises is not remembered, as with lru_cache.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

_R = TypeVar("_R")


def short_text_cache(maxsize: int, longest: int) -> Callable[[Callable[[str], _R]], Callable[[str], _R]]:
    """Decorate a function of one text (whose result is not changed by its callers): remembers the results of
    the ``maxsize`` texts last asked for, among texts of at most ``longest`` characters."""

    def decorate(func: Callable[[str], _R]) -> Callable[[str], _R]:
        cached = lru_cache(maxsize=maxsize)(func)

        @wraps(func)
        def call(text: str) -> _R:
            return cached(text) if len(text) <= longest else func(text)

        return call

    return decorate
