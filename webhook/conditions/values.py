"""Values as expr-lang (Go) sees them, and the operations on them.

Python values stand for Go's: None is nil, int is a 64-bit int (arithmetic wraps
around), float is float64, str a string, bytes a []byte, list an array, dict a
map. ``bool`` is never a number here (Python's ``True == 1`` is not Go's).
Faults raise Fault, which the evaluator turns into an EvaluationError at the
node that failed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from webhook.conditions.gotime import Duration, Location, Time, wrap_duration

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1


class Fault(Exception):
    """A runtime fault of the condition (not of argo-warden)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NilList(list[Any]):
    """A nil slice (Go's ``[]string(nil)``): nil to ``== nil`` and ``??``, an empty array to len, in and []."""

    __slots__ = ()


NIL_STRINGS = NilList()


def is_nil(value: Any) -> bool:
    return value is None or type(value) is NilList


class Headers(dict[str, list[str]]):
    """``http.Header``: Go-canonical names → values in order; ``Get``/``Values`` canonicalise the name.

    A missing name gives a nil slice, as indexing a Go map of slices does.
    """

    def lookup(self, name: Any) -> list[str]:
        found = self.get(name) if type(name) is str else None
        return NIL_STRINGS if found is None else found

    def Get(self, name: Any) -> str:
        values = self.get(canonical_header_key(_text_arg(name, "Get")))
        return values[0] if values else ""

    def Values(self, name: Any) -> list[str]:
        # Go returns the header's own slice, and a nil slice when there is none.
        found = self.get(canonical_header_key(_text_arg(name, "Values")))
        return NilList() if found is None else found

    def Clone(self) -> Headers:
        return Headers({name: list(values) for name, values in self.items()})


HEADER_METHODS: dict[str, Callable[..., Any]] = {"Get": Headers.Get, "Values": Headers.Values, "Clone": Headers.Clone}


def _text_arg(value: Any, method: str) -> str:
    if value is None:
        return ""  # Go passes nil for a string parameter as its zero value
    if type(value) is not str:
        raise Fault(f"{method}() takes a header name (string), not {type_name(value)}")
    return value


def canonical_header_key(name: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: ``content-type`` → ``Content-Type``; odd names unchanged."""
    if not name or any(not (c.isascii() and (c.isalnum() or c in "!#$%&'*+-.^_`|~")) for c in name):
        return name
    out = []
    upper = True
    for c in name:
        out.append(c.upper() if upper else c.lower())
        upper = c == "-"
    return "".join(out)


def wrap(value: int) -> int:
    """A Python int as Go's 64-bit int after overflow."""
    if INT_MIN <= value <= INT_MAX:
        return value
    return (value - INT_MIN) % 2**64 + INT_MIN


def type_name(value: Any) -> str:
    """The name expr's type() gives."""
    t = type(value)
    if value is None:
        return "nil"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float"
    if t is str:
        return "string"
    if t is Headers:
        return "net/http.Header"
    if t is Time:
        return "time.Time"
    if t is Duration:
        return "time.Duration"
    if t is Location:
        return "*time.Location"
    if t is list or t is bytes or t is NilList or t is tuple:
        return "array"
    if t is dict:
        return "map"
    if callable(value):
        return "func"
    return "unknown"


_GO_TYPES = {bool: "bool", int: "int", float: "float64", str: "string", list: "[]interface {}",
             tuple: "[2]interface {}", NilList: "[]string", bytes: "[]uint8", dict: "map[string]interface {}",
             Headers: "http.Header",
             Time: "time.Time", Duration: "time.Duration", Location: "*time.Location"}


def go_type_name(value: Any) -> str:
    """The Go type Argo's value has, as Go prints it (in expr's runtime errors)."""
    return _GO_TYPES.get(type(value), "interface {}")


def is_number(value: Any) -> bool:
    t = type(value)
    return t is int or t is float


def equal(a: Any, b: Any) -> bool:
    """expr's ``==``: numbers by value (int and float alike), arrays item by item, maps strictly."""
    ta, tb = type(a), type(b)
    if ta is NilList or tb is NilList:
        if a is None or b is None:
            return True
        ta = list if ta is NilList else ta
        tb = list if tb is NilList else tb
    if ta is tb:
        if ta is list:
            return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
        if ta is dict or ta is Headers:
            return deep_equal(a, b)
        return bool(a == b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) == float(b)
    if (ta is list and tb is bytes) or (ta is bytes and tb is list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if (ta is Duration and tb is int) or (ta is int and tb is Duration):
        return _nanos(a) == _nanos(b)  # Go compares them as int64s
    return False


def _nanos(value: Any) -> int:
    return value.nanos if type(value) is Duration else int(value)


def deep_equal(a: Any, b: Any) -> bool:
    """Go's reflect.DeepEqual on our values: same types all the way down (1 and 1.0 differ)."""
    ta = type(a)
    if ta is not type(b):
        return False
    if ta is list:
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if ta is dict or ta is Headers:
        return a.keys() == b.keys() and all(deep_equal(v, b[k]) for k, v in a.items())
    if ta is float:
        return bool(a == b)
    return bool(a == b)


def less(a: Any, b: Any, op: str = "<") -> bool:
    ta, tb = type(a), type(b)
    if (ta is int and tb is int) or (ta is str and tb is str):
        return bool(a < b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) < float(b)
    if ta is tb and (ta is Time or ta is Duration):
        return _ordinal(a) < _ordinal(b)
    raise Fault(f"invalid operation: {type_name(a)} {op} {type_name(b)}")


def compare(op: str, a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if (ta is int and tb is int) or (ta is str and tb is str):
        pass
    elif (ta is int or ta is float) and (tb is int or tb is float):
        a, b = float(a), float(b)
    elif ta is tb and (ta is Time or ta is Duration):
        a, b = _ordinal(a), _ordinal(b)
    else:
        raise Fault(f"invalid operation: {type_name(a)} {op} {type_name(b)}")
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def _ordinal(value: Time | Duration) -> int:
    """Where a time or duration stands in order: instants compare whatever their zones."""
    return value.unix_nanos if isinstance(value, Time) else value.nanos


def _mismatch(op: str, a: Any, b: Any) -> Fault:
    return Fault(f"invalid operation: {type_name(a)} {op} {type_name(b)}")


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a + b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) + float(b)
    if ta is str and tb is str:
        return a + b
    if ta is Time and tb is Duration:
        return a.Add(b)
    if ta is Duration and tb is Time:
        return b.Add(a)
    if ta is Duration and tb is Duration:
        return Duration(wrap_duration(a.nanos + b.nanos))
    raise _mismatch("+", a, b)


def subtract(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a - b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) - float(b)
    if ta is Time and tb is Time:
        return a.Sub(b)
    if ta is Time and tb is Duration:
        return a.Add(Duration(-b.nanos))
    if ta is Duration and tb is Duration:
        return Duration(wrap_duration(a.nanos - b.nanos))
    raise _mismatch("-", a, b)


def multiply(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a * b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) * float(b)
    if ta is Duration or tb is Duration:
        # expr's Multiply: a float on either side gives a float, else a Duration.
        if (ta is Duration or ta is int) and (tb is Duration or tb is int):
            return Duration(wrap_duration(_nanos(a) * _nanos(b)))
        if (ta is Duration and tb is float) or (ta is float and tb is Duration):
            return float(_nanos(a) if ta is Duration else a) * float(_nanos(b) if tb is Duration else b)
    raise _mismatch("*", a, b)


def divide(a: Any, b: Any) -> float:
    if not (is_number(a) and is_number(b)):
        raise _mismatch("/", a, b)
    x, y = float(a), float(b)
    if y == 0.0:
        if x == 0.0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def modulo(a: Any, b: Any) -> int:
    if type(a) is not int or type(b) is not int:
        raise _mismatch("%", a, b)
    if b == 0:
        raise Fault("integer divide by zero")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def power(a: Any, b: Any) -> float:
    """Go's math.Pow (no exceptions: infinities and NaN instead)."""
    if not (is_number(a) and is_number(b)):
        raise _mismatch("**", a, b)
    x, y = float(a), float(b)
    try:
        return math.pow(x, y)
    except OverflowError:
        odd = y.is_integer() and int(y) % 2 == 1
        return -math.inf if x < 0 and odd else math.inf
    except ValueError:
        if x == 0.0:
            odd = y.is_integer() and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return math.nan


def negate(a: Any) -> Any:
    t = type(a)
    if t is int:
        return wrap(-a)
    if t is float:
        return -a
    raise Fault(f"invalid operation: - {type_name(a)}")


def to_int(value: Any, what: str = "index") -> int:
    """Go's runtime.ToInt: numbers only (a float is truncated)."""
    t = type(value)
    if t is int:
        return int(value)
    if t is float:
        return float_to_int(value)
    raise Fault(f"{what} must be a number, not {type_name(value)}")


def float_to_int(value: float) -> int:
    if math.isnan(value) or math.isinf(value) or not INT_MIN <= value < 2.0**63:
        return INT_MIN  # what Go's conversion gives on amd64
    return int(value)


def make_range(low: Any, high: Any, budget: Callable[[int], None]) -> list[int]:
    lo, hi = to_int(low, "a range bound"), to_int(high, "a range bound")
    size = hi - lo + 1
    if size <= 0:
        return []
    budget(size)
    return list(range(lo, hi + 1))


# -- formatting as Go's fmt %v (string()) and encoding/json (toJSON)

def _digits(value: float) -> tuple[str, int]:
    """Shortest digits that read back as ``value`` (like Go's), and the decimal point position."""
    from decimal import Decimal

    _sign, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    point = len(digits) + exponent
    lead = len(text) - len(text.lstrip("0"))
    return text.lstrip("0") or "0", point - lead


def _format_e(digits: str, point: int) -> str:
    exp = point - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _format_f(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


def format_float(value: float) -> str:
    """Go's ``%v`` for a float64 (%g, shortest digits): exponent form below 1e-4 and from 1e+06 on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits, point = _digits(value)
    sign = "-" if value < 0 else ""
    exp = point - 1
    if exp < -4 or exp >= 6:
        return sign + _format_e(digits, point)
    return sign + _format_f(digits, point)


def format_value(value: Any) -> str:
    """``string(v)``: Go's ``fmt.Sprintf("%v", v)``."""
    t = type(value)
    if t is str:
        return str(value)
    if value is None:
        return "<nil>"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return format_float(value)
    if t is bytes:
        return "[" + " ".join(str(b) for b in value) + "]"
    if t is list or t is NilList:
        return "[" + " ".join(format_value(v) for v in value) + "]"
    if t is dict or t is Headers:
        return "map[" + " ".join(f"{format_value(k)}:{format_value(value[k])}" for k in _sorted_keys(value)) + "]"
    if callable(value):
        return "<func>"
    return str(value)


def _sorted_keys(mapping: dict[Any, Any]) -> list[Any]:
    def key(k: Any) -> tuple[int, Any]:
        if is_number(k):
            return (1, float(k))
        if type(k) is str:
            return (2, k)
        return (3, format_value(k))

    return sorted(mapping, key=key)


def json_float(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        raise Fault(f"json: unsupported value: {format_float(value)}")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits, point = _digits(value)
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    if magnitude < 1e-6 or magnitude >= 1e21:
        text = _format_e(digits, point)
        # Go writes e-07 as e-7.
        mantissa, _, exp = text.partition("e")
        exp_sign, exp_digits = exp[0], exp[1:].lstrip("0") or "0"
        return f"{sign}{mantissa}e{exp_sign}{exp_digits}"
    return sign + _format_f(digits, point)


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
                 "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_string(text: str) -> str:
    out = ['"']
    for c in text:
        escaped = _JSON_ESCAPES.get(c)
        if escaped is not None:
            out.append(escaped)
        elif c < " " or "\ud800" <= c <= "\udfff":
            out.append("\\ufffd" if c >= "\ud800" else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def to_json(value: Any, indent: str = "") -> str:
    """encoding/json's MarshalIndent(v, "", "  "): sorted keys, HTML-safe escapes, Go's number forms."""
    t = type(value)
    if value is None or t is NilList:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return json_float(value)
    if t is str:
        return json_string(value)
    if t is bytes:
        import base64

        return '"' + base64.b64encode(value).decode("ascii") + '"'
    if t is Time:
        return json_string(value.Format("2006-01-02T15:04:05.999999999Z07:00"))
    if t is Duration:
        return str(value.nanos)
    if t is Location:
        return "{}"  # its fields are unexported in Go
    inner = indent + "  "
    if t is list or t is tuple:
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + "\n" + indent + "]"
    if t is dict or t is Headers:
        if not value:
            return "{}"
        items = []
        for k in sorted(value, key=lambda k: format_value(k)):
            items.append(f"{inner}{json_string(format_value(k))}: {to_json(value[k], inner)}")
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    raise Fault(f"json: unsupported type: {type_name(value)}")


_decoder: Any = None


def from_json(text: Any) -> Any:
    """encoding/json's Unmarshal into ``any``: every number is a float64."""
    global _decoder
    import json

    if type(text) is not str:
        raise Fault(f"fromJSON() takes a string, not {type_name(text)}")
    if _decoder is None:
        _decoder = json.JSONDecoder(parse_int=float, parse_float=_json_number, parse_constant=_json_constant)
    try:
        value = _decoder.decode(text)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        where = f" at offset {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise Fault(f"fromJSON: the text is not valid JSON ({reason.lower()}{where})") from None
    return _replace_lone_surrogates(value) if "\\u" in text else value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(value: Any) -> Any:
    """Go's decoder turns a \\u escape of half a surrogate pair into U+FFFD (Python keeps the half)."""
    t = type(value)
    if t is str:
        return _SURROGATE.sub("\ufffd", value)
    if t is list:
        return [_replace_lone_surrogates(v) for v in value]
    if t is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[_SURROGATE.sub("\ufffd", key)] = _replace_lone_surrogates(item)
        return out
    return value


def _json_number(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"number {text} is out of range")
    return number


def _json_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON value")
