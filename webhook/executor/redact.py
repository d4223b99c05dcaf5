"""Keep secret values out of everything a run shows: node messages, results, events, printed output.

Every secret value the executor reads is registered here before it is used;
``scrub`` replaces each occurrence with ``***``. Values shorter than four
characters are not scrubbed from text (they would blank out unrelated
characters everywhere and cannot be kept secret by hiding them anyway); they
still never get into a message by our own doing.
"""

from __future__ import annotations

import threading

MASK = "***"
MIN_LENGTH = 4


class Redactor:
    __slots__ = ("_lock", "_values")

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Redactor({len(self._values)} values)"

    def __bool__(self) -> bool:
        """Whether there is anything to scrub (most runs read no secret)."""
        return bool(self._values)

    def add(self, value: str) -> None:
        if len(value) >= MIN_LENGTH:
            with self._lock:
                self._values.add(value)

    def scrub(self, text: str) -> str:
        if not self._values or not text:
            return text
        # Longest first, so a value that contains another is masked whole.
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        return text
