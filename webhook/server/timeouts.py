"""The ``?timeout=`` the API server puts on every webhook call, as a Go duration (``10s``, ``1m30s``, ``500ms``)."""

from __future__ import annotations

import functools
import re

_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


MAX_LENGTH = 64


class BadTimeout(ValueError):
    pass


@functools.lru_cache(maxsize=256)  # an API server sends the same few values on every call
def parse_duration(text: str) -> float:
    """Seconds in a Go duration string; a bare number is taken as seconds."""
    value = text.strip()
    if not value:
        raise BadTimeout("timeout is empty")
    if len(value) > MAX_LENGTH:
        # The API server sends a few characters ("10s"); a long value is not one of its and is not parsed.
        raise BadTimeout(f"timeout {value[:40]!r}… is longer than {MAX_LENGTH} characters")
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        seconds = float(value)
    else:
        pos, seconds = 0, 0.0
        # Anchored at each part's end: a part that does not match ends the scan (no search from later positions).
        while pos < len(value):
            match = _PART.match(value, pos)
            if match is None:
                break
            seconds += float(match[1]) * _UNIT[match[2]]
            pos = match.end()
        if pos != len(value) or pos == 0:
            raise BadTimeout(f"timeout {value[:40]!r} is not a duration like 10s or 500ms")
    if seconds <= 0:
        raise BadTimeout(f"timeout {value[:40]!r} must be above zero")
    return seconds
