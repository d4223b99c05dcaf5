"""RE2 regular expressions (google-re2: Go's regexp syntax, linear time), compiled once per pattern."""

from __future__ import annotations

from typing import Any

import re2

from webhook.conditions.values import Fault

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every bad pattern on stderr
_CACHE: dict[tuple[str, bool], Any] = {}
_CACHE_SIZE = 512


def compile_regex(pattern: str, for_bytes: bool = False) -> Any:
    """The compiled pattern; raises Fault with RE2's reason when it does not compile."""
    key = (pattern, for_bytes)
    compiled = _CACHE.get(key)
    if compiled is None:
        _go_refusals(pattern)
        try:
            compiled = re2.compile(pattern.encode("utf-8") if for_bytes else pattern, _OPTIONS)
        except re2.error as exc:
            reason = exc.args[0] if exc.args else exc
            text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
            raise Fault(f"error parsing regexp: {text}") from None
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = compiled
    return compiled


def _go_refusals(pattern: str) -> None:
    """What Go's regexp/syntax refuses and RE2 accepts: ``\\C`` (any byte), outside or inside a class."""
    i = pattern.find("\\")
    while 0 <= i < len(pattern) - 1:
        if pattern[i + 1] == "C":
            raise Fault("error parsing regexp: invalid escape sequence: `\\C`")
        i = pattern.find("\\", i + 2)
