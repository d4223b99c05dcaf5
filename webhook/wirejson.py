"""JSON on the request paths (admission reviews, REST bodies, log lines): orjson's speed, the standard library's rules.

orjson is three to five times faster than ``json`` but refuses some inputs the
standard library reads; those go through ``json`` so every caller sees one
behaviour. Integers beyond 64 bits are read as floats, as the Kubernetes API
server reads them (an object it forwards never holds a larger integer). NaN and
the infinities are not JSON and no API server sends them: they are refused,
which also keeps ``canonical`` one-to-one (orjson would write NaN as null).
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
from collections.abc import Iterator
from typing import Any

import orjson


class NotJson(ValueError):
    """The bytes are not JSON; ``str()`` says where and why."""


class TooDeep(NotJson):
    """JSON nested deeper than the standard library's parser can follow (orjson stops at 1,024 levels)."""

    def __init__(self) -> None:
        super().__init__("arrays and objects nest too deeply")


# The longest integer (in characters, sign included) that can fall within 64 bits; longer ones are floats.
_INT_CHARS = 20
_INT_RANGE = (-(2**63), 2**64 - 1)


# Texts at least this long are parsed with the cyclic garbage collector paused (see ``collector_paused``).
PAUSE_COLLECTOR_CHARS = 64 * 1024


def loads(raw: bytes | str) -> Any:
    """Parse JSON; ``NotJson`` with the standard library's message (line, column) when it is not.

    Whatever the input, the only exceptions are ``NotJson`` (``TooDeep`` for nesting) and
    ``UnicodeDecodeError`` (bytes that are not UTF-8): callers answer both with a 400.
    """
    if len(raw) < PAUSE_COLLECTOR_CHARS:
        return _loads(raw)
    with collector_paused():
        return _loads(raw)


_pausers = 0
_resume = False
_pause_lock = threading.Lock()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while any thread is inside this block; back as it was after the last.

    Parsing a 1.4 MiB review builds ~100,000 dicts and lists, and the collector ran every 700 of
    them: ~140 passes per parse, all holding the GIL, and with the start-up objects frozen a full
    pass (which walks every parsed body still in flight) after every few parses. A server thread
    parsing large bodies stalled the event loop with them: with two clients posting 1.4 MiB bodies,
    loop stalls of 27 ms at the 99.9th percentile, 26 full passes in 8 s; paused, 10 ms and 3. A
    parsed JSON value holds no reference cycle, so the pause leaves no garbage behind.
    """
    global _pausers, _resume
    with _pause_lock:
        _pausers += 1
        if _pausers == 1:
            _resume = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _pausers -= 1
            if _pausers == 0 and _resume:
                gc.enable()


def _loads(raw: bytes | str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw, parse_constant=_not_a_number, parse_float=_finite_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise NotJson(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise TooDeep() from None


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; values JSON has no form for are written with ``str``."""
    try:
        return orjson.dumps(value, default=str)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits, lone surrogates, non-string keys: the standard library's way.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8",
                                                                                                "surrogatepass")


_BRACKETS_AND_QUOTES = b"{}[]\""
_NOT_BRACKETS_OR_QUOTES = bytes(b for b in range(256) if b not in _BRACKETS_AND_QUOTES)
_ARRAY_AS_OBJECT = bytes.maketrans(b"[]", b"{}")


def nests_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether the JSON text ``raw`` (already known to be valid JSON) nests arrays and objects past ``limit``.

    Read from the text with a handful of passes of bytes methods, never a Python loop per
    node: walking the parsed value took 120 ms for a 1.4 MiB object (on the event loop's
    GIL) and most of a second for 1.4 MB of nested brackets. Escaped backslashes go first,
    then escaped quote marks (left to right, as a JSON reader pairs them), then every byte
    but brackets and quote marks, then what lies between quote marks (string contents).
    Arrays count as objects; each pass deletes every innermost pair ``{}``, so the number
    of passes until nothing is left is the depth: at most ``limit`` passes, each linear.
    """
    if raw.count(b"{") + raw.count(b"[") <= limit:
        return False  # fewer brackets than the limit cannot nest past it (most bodies)
    if b"\x00" in raw:
        # UTF-16 or UTF-32 (JSON in UTF-8 never holds a NUL byte): read as UTF-8, as the passes below expect.
        raw = raw.decode(json.detect_encoding(raw)).encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Adjacent quote marks hold no bracket between them (an empty string, or the end of one string and the start of
    # the next): dropping them leaves every bracket inside or outside a string as it was, and leaves far fewer
    # pieces to split (a 1.4 MiB object: 7 ms of splitting and joining became 1.3 ms, all of it holding the GIL).
    text = raw.translate(None, _NOT_BRACKETS_OR_QUOTES).replace(b'""', b"")
    brackets = b"".join(text.split(b'"')[::2]).translate(_ARRAY_AS_OBJECT)
    for _ in range(limit):
        if not brackets:
            return False
        brackets = brackets.replace(b"{}", b"")
    return bool(brackets)


def canonical(value: Any) -> bytes:
    """One byte string per JSON value (keys sorted), for digests."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=repr)
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=repr).encode("utf-8", "surrogatepass")


def _not_a_number(name: str) -> Any:
    raise NotJson(f"{name} is not valid JSON")


def _int(text: str) -> int | float:
    # As orjson: beyond 64 bits a float. Never int() of a long digit string: it is quadratic in the digits, and
    # past 4,300 of them Python refuses with a ValueError.
    if len(text) <= _INT_CHARS:
        value = int(text)
        if _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            return value
    return _finite_float(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise NotJson(f"number {text[:40]} is out of range")
    return value
