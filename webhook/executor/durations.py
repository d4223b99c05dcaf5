"""Durations as Argo writes them: Go duration strings ("1m30s", "250ms") or whole seconds ("30", 30)."""

from __future__ import annotations

import re
from typing import Any

_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class DurationError(ValueError):
    pass


def parse_duration(value: Any, what: str = "duration") -> float:
    """Seconds; raises DurationError with a message naming ``what``."""
    if isinstance(value, bool):
        raise DurationError(f"{what} {value!r} is not a duration")
    if isinstance(value, int | float):
        if value < 0:
            raise DurationError(f"{what} {value!r} is negative")
        return float(value)
    if not isinstance(value, str):
        raise DurationError(f"{what} {value!r} is not a duration")
    text = value.strip()
    if re.fullmatch(r"[0-9]+", text):
        return float(text)
    sign = 1.0
    if text[:1] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    pos = 0
    total = 0.0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            break
        total += float(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise DurationError(f"{what} {value!r} is not a duration (write e.g. '30s', '5m' or '1h30m')")
    if sign < 0:
        raise DurationError(f"{what} {value!r} is negative")
    return total


def format_duration(seconds: float) -> str:
    """Short human form: 850ms, 2.5s, 3m05s, 1h02m."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
