"""Reading number, string and bytes literals exactly as expr-lang's scanner does."""

from __future__ import annotations

import math

MAX_INT = 2**63 - 1


class LiteralError(ValueError):
    """A malformed literal; ``offset`` is the position of the fault inside the token."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


_DIGITS = "0123456789_"
_HEX = "0123456789abcdefABCDEF_"


def _scan_number(token: str) -> int:
    """How many characters of ``token`` expr's number scanner takes; raises on a bad number."""
    i, n = 0, len(token)
    digits = _DIGITS
    if token.startswith("0") and n > 1 and token[1] in "xXoObB":
        digits = {"x": _HEX, "o": "01234567_", "b": "01_"}[token[1].lower()]
        i = 2
    elif token.startswith("0"):
        i = 1
    while i < n and token[i] in digits:
        i += 1
    if i < n and token[i] == ".":
        i += 1
        while i < n and token[i] in digits:
            i += 1
    if i < n and token[i] in "eE":
        i += 1
        if i < n and token[i] in "+-":
            i += 1
        while i < n and token[i] in digits:
            i += 1
    if i < n:
        if token[i].isalnum() or token[i] in "_$":
            raise LiteralError(f"bad number syntax: {token[: i + 1]!r}", i)
        # A second '.' (1.5.3): expr reads two numbers in a row, which no rule allows.
        raise LiteralError(f"unexpected '{token[i:]}' after the number {token[:i]}", i)
    return i


def parse_number(token: str) -> int | float:
    """The value of a NUMBER token: an int (64-bit) or a float, as expr reads it."""
    _scan_number(token)
    value = token.replace("_", "")
    lower = value.lower()
    number: int | float
    try:
        if lower.startswith("0x"):
            number = int(value[2:], 16) if len(value) > 2 else _fail("invalid hex literal")
        elif "." in lower or "e" in lower:
            number = _parse_float(value)
        elif lower.startswith("0b"):
            number = int(value[2:], 2) if len(value) > 2 else _fail("invalid binary literal")
        elif lower.startswith("0o"):
            number = int(value[2:], 8) if len(value) > 2 else _fail("invalid octal literal")
        else:
            number = int(value, 10)
    except LiteralError:
        raise
    except ValueError as exc:
        raise LiteralError(f"invalid number literal {token!r}") from exc
    if isinstance(number, int) and number > MAX_INT:
        raise LiteralError(f"integer literal {token} is too large (the largest is {MAX_INT})")
    return number


def _fail(message: str) -> int:
    raise LiteralError(message)


def _parse_float(value: str) -> float:
    mantissa = value.lower().split("e")[0]
    if not any(c.isdigit() for c in mantissa) or value.lower().endswith(("e", "e+", "e-")):
        raise LiteralError(f"invalid float literal {value!r}")
    number = float(value)
    if math.isinf(number):
        raise LiteralError(f"float literal {value} is too large")
    return number


_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def parse_string(token: str) -> str:
    """The value of a double- or single-quoted string token (quotes included)."""
    quote, body = token[0], token[1:-1]
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if "\\" not in body:
        return body
    return "".join(str(piece) for piece in _unescape(body, quote, as_bytes=False))


def parse_raw_string(token: str) -> str:
    """A backtick string: no escapes; a doubled backtick stands for one."""
    return token[1:-1].replace("``", "`")


def parse_bytes(token: str) -> bytes:
    """A ``b"..."`` literal: text is UTF-8 encoded, ``\\xNN`` and ``\\NNN`` give raw bytes."""
    quote, body = token[1], token[2:-1]
    out = bytearray()
    for piece in _unescape(body, quote, as_bytes=True):
        if isinstance(piece, int):
            out.append(piece)
        else:
            out.extend(piece.encode("utf-8", "surrogatepass"))
    return bytes(out)


def _unescape(body: str, quote: str, *, as_bytes: bool) -> list[str | int]:
    out: list[str | int] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise LiteralError("a string cannot end with '\\'", i)
        e = body[i + 1]
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
        elif e == quote:
            out.append(e)
            i += 2
        elif e in "01234567":
            octal = body[i + 1 : i + 4]
            if len(octal) < 3 or any(ch not in "01234567" for ch in octal) or e > "3":
                raise LiteralError(f"invalid octal escape '\\{octal}'", i)
            value = int(octal, 8)
            out.append(value if as_bytes else chr(value))
            i += 4
        elif e in "xX" or (e in "uU" and not as_bytes):
            i = _unicode_escape(body, i, e, out, as_bytes)
        else:
            hint = " (bytes literals take \\x escapes, not \\u)" if as_bytes and e in "uU" else ""
            raise LiteralError(f"invalid escape '\\{e}'{hint}", i)
    return out


def _unicode_escape(body: str, i: int, e: str, out: list[str | int], as_bytes: bool) -> int:
    if e == "u" and body[i + 2 : i + 3] == "{":
        close = body.find("}", i + 3)
        digits = body[i + 3 : close] if close >= 0 else ""
        if close < 0 or not 1 <= len(digits) <= 6 or not _is_hex(digits):
            raise LiteralError("invalid escape '\\u{...}': 1 to 6 hex digits in braces", i)
        out.append(_rune(int(digits, 16), i))
        return close + 1
    width = {"x": 2, "X": 2, "u": 4, "U": 8}[e]
    digits = body[i + 2 : i + 2 + width]
    if len(digits) < width or not _is_hex(digits):
        raise LiteralError(f"invalid escape '\\{e}': {width} hex digits expected", i)
    value = int(digits, 16)
    if as_bytes:
        out.append(value)
    else:
        out.append(_rune(value, i))
    return i + 2 + width


def _is_hex(digits: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in digits)


def _rune(value: int, offset: int) -> str:
    if value > 0x10FFFF:
        raise LiteralError(f"escape \\U{value:08X} is beyond Unicode", offset)
    if 0xD800 <= value <= 0xDFFF:
        return "\ufffd"  # Go encodes a lone surrogate as the replacement character
    return chr(value)
