"""expr-lang's builtin functions (those that take plain values; predicates live in the evaluator).

Each function takes the evaluated arguments and raises Fault for what expr
refuses at run time; how many arguments each takes is in signatures.py.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from typing import Any

from webhook.conditions import gotime
from webhook.conditions.values import (
    HEADER_METHODS,
    INT_MIN,
    Fault,
    Headers,
    NilList,
    equal,
    float_to_int,
    format_value,
    from_json,
    go_type_name,
    is_number,
    less,
    to_int,
    to_json,
    type_name,
    wrap,
)

Budget = Callable[[int], None]

# Go's unicode.IsSpace.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"
MAX_REPEAT = 1_000_000


def _str(value: Any, fn: str, position: str = "") -> str:
    if type(value) is not str:
        where = f" {position}" if position else ""
        raise Fault(f"{fn}() takes a string{where}, not {type_name(value)}")
    return str(value)


def _array(value: Any, fn: str) -> list[Any]:
    if type(value) is list or type(value) is NilList or type(value) is tuple:
        return list(value)
    if type(value) is bytes:
        return list(value)
    raise Fault(f"{fn}() takes an array, not {type_name(value)}")


def _int_arg(value: Any, fn: str) -> int:
    if type(value) is not int:
        raise Fault(f"{fn}() takes an integer, not {type_name(value)}")
    return int(value)


def b_len(value: Any) -> int:
    t = type(value)
    if t is str or t is list or t is dict or t is bytes or t is Headers or t is NilList:
        return len(value)
    raise Fault(f"invalid argument for len (type {type_name(value)})")


def b_type(value: Any) -> str:
    return type_name(value)


def b_abs(value: Any) -> Any:
    t = type(value)
    if t is int:
        return wrap(abs(value))
    if t is float:
        return abs(value)
    raise Fault(f"invalid argument for abs (type {type_name(value)})")


def _rounding(fn: str, op: Callable[[float], float]) -> Callable[[Any], float]:
    def run(value: Any) -> float:
        t = type(value)
        if t is int:
            return float(value)
        if t is not float:
            raise Fault(f"invalid argument for {fn} (type {type_name(value)})")
        if math.isnan(value) or math.isinf(value):
            return float(value)
        result = float(op(value))
        return math.copysign(result, value) if result == 0 else result

    return run


def _go_round(value: float) -> float:
    """math.Round: half away from zero."""
    if abs(value) >= 2.0**52:
        return value
    whole = math.trunc(value)
    if abs(value - whole) >= 0.5:
        whole += 1 if value > 0 else -1
    return float(whole)


_DECIMAL_INT = re.compile(r"[+-]?[0-9]+")
# Possessive: with '[0-9]+\.?[0-9]*' a long run of digits that fails at its end was retried at every split.
_FLOAT_TEXT = re.compile(r"[+-]?(?:(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?|inf(?:inity)?|nan)",
                         re.IGNORECASE)
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F_]++(?:\.[0-9a-fA-F_]*+)?|\.[0-9a-fA-F_]++)[pP][+-]?[0-9_]++")


def b_int(value: Any) -> int:
    t = type(value)
    if t is int:
        return int(value)
    if t is float:
        return float_to_int(value)
    if t is str:
        # More than 19 significant digits is out of int64 range anyway; Python's int() refuses 4,300 and up.
        if _DECIMAL_INT.fullmatch(value) and len(value.lstrip("+-").lstrip("0")) <= 19:
            number = int(value)
            if INT_MIN <= number <= 2**63 - 1:
                return number
        raise Fault(f"invalid operation: int({value})")
    raise Fault(f"invalid operation: int({type_name(value)})")


def b_float(value: Any) -> float:
    t = type(value)
    if t is int or t is float:
        return float(value)
    if t is str:
        if _FLOAT_TEXT.fullmatch(value):
            number = float(value)
            if not math.isinf(number) or "inf" in value.lower():
                return number
        elif _HEX_FLOAT.fullmatch(value):
            return float.fromhex(value.replace("_", ""))
        raise Fault(f"invalid operation: float({value})")
    raise Fault(f"invalid operation: float({type_name(value)})")


def b_string(value: Any) -> str:
    return format_value(value)


_ONE_ARGUMENT = object()


def b_trim(value: Any, chars: Any = _ONE_ARGUMENT) -> str:
    text = _str(value, "trim")
    if chars is _ONE_ARGUMENT:
        return text.strip(_GO_SPACE)
    return text.strip(_str(chars, "trim", "as its second argument"))


def b_trim_prefix(value: Any, prefix: Any = " ") -> str:
    return _str(value, "trimPrefix").removeprefix(_str(prefix, "trimPrefix", "prefix"))


def b_trim_suffix(value: Any, suffix: Any = " ") -> str:
    return _str(value, "trimSuffix").removesuffix(_str(suffix, "trimSuffix", "suffix"))


def _case(text: str, upper: bool) -> str:
    if text.isascii():
        return text.upper() if upper else text.lower()
    # Go maps rune by rune; Python's full case mapping may change the length ("ß" → "SS").
    out = []
    for c in text:
        mapped = c.upper() if upper else c.lower()
        out.append(mapped if len(mapped) == 1 else c)
    return "".join(out)


def b_upper(value: Any) -> str:
    return _case(_str(value, "upper"), True)


def b_lower(value: Any) -> str:
    return _case(_str(value, "lower"), False)


def _split(text: str, sep: str, n: int, keep: bool) -> list[Any]:
    if n == 0:
        return []
    if sep == "":
        parts = list(text)
        if 0 < n < len(parts):
            parts = [*parts[: n - 1], "".join(parts[n - 1 :])]
        return list(parts)
    pieces = text.split(sep) if n < 0 else text.split(sep, n - 1)
    if keep:
        pieces = [p + sep for p in pieces[:-1]] + pieces[-1:]
    return list(pieces)


def b_split(value: Any, sep: Any, n: Any = -1) -> list[Any]:
    return _split(_str(value, "split"), _str(sep, "split", "separator"), to_int(n, "split's count"), keep=False)


def b_split_after(value: Any, sep: Any, n: Any = -1) -> list[Any]:
    return _split(_str(value, "splitAfter"), _str(sep, "splitAfter", "separator"),
                  to_int(n, "splitAfter's count"), keep=True)


def b_replace(value: Any, old: Any, new: Any, n: Any = -1) -> str:
    count = to_int(n, "replace's count")
    return _str(value, "replace").replace(_str(old, "replace"), _str(new, "replace"), count if count >= 0 else -1)


def make_repeat(budget: Budget) -> Callable[[Any, Any], str]:
    def b_repeat(value: Any, n: Any) -> str:
        text, count = _str(value, "repeat"), to_int(n, "repeat's count")
        if count < 0:
            raise Fault(f"invalid argument for repeat (expected positive integer, got {count})")
        if count > MAX_REPEAT:
            raise Fault("memory budget exceeded")
        budget(max(len(text) * count // 64, 1))
        return text * count

    return b_repeat


def b_join(value: Any, glue: Any = "") -> str:
    items = _array(value, "join")
    sep = _str(glue, "join", "separator")
    for item in items:
        if type(item) is not str:
            raise Fault(f"join() takes an array of strings; it holds a {type_name(item)}")
    return sep.join(items)


def _byte_offset(text: str, index: int) -> int:
    return index if index < 0 or text.isascii() else len(text[:index].encode("utf-8"))


def b_index_of(value: Any, sub: Any) -> int:
    text = _str(value, "indexOf")
    return _byte_offset(text, text.find(_str(sub, "indexOf")))


def b_last_index_of(value: Any, sub: Any) -> int:
    text = _str(value, "lastIndexOf")
    return _byte_offset(text, text.rfind(_str(sub, "lastIndexOf")))


def b_has_prefix(value: Any, prefix: Any) -> bool:
    return _str(value, "hasPrefix").startswith(_str(prefix, "hasPrefix"))


def b_has_suffix(value: Any, suffix: Any) -> bool:
    return _str(value, "hasSuffix").endswith(_str(suffix, "hasSuffix"))


def _numbers(fn: str, args: tuple[Any, ...], depth: int = 0) -> list[Any]:
    if depth > 64:
        raise Fault(f"{fn}(): arrays nested too deeply")
    out: list[Any] = []
    for arg in args:
        t = type(arg)
        if t is list or t is tuple or t is NilList or t is bytes:
            out.extend(_numbers(fn, tuple(arg), depth + 1))
        elif is_number(arg):
            out.append(arg)
        else:
            raise Fault(f"invalid argument for {fn} (type {type_name(arg)})")
    return out


def _extreme(fn: str, args: tuple[Any, ...], better: Callable[[Any, Any], bool]) -> Any:
    if len(args) == 1 and type(args[0]) is not list and not is_number(args[0]):
        return args[0]
    best: Any = None
    for number in _numbers(fn, args):
        if best is None or better(best, number):
            best = number
    return best


def b_max(*args: Any) -> Any:
    return _extreme("max", args, less)


def b_min(*args: Any) -> Any:
    return _extreme("min", args, lambda best, n: less(n, best))


def b_mean(*args: Any) -> float:
    numbers = _numbers("mean", args)
    return sum(float(n) for n in numbers) / len(numbers) if numbers else 0.0


def b_median(*args: Any) -> float:
    numbers = sorted(float(n) for n in _numbers("median", args))
    if not numbers:
        return 0.0
    mid = len(numbers) // 2
    return numbers[mid] if len(numbers) % 2 else (numbers[mid - 1] + numbers[mid]) / 2


def b_to_json(value: Any) -> str:
    return to_json(value)


def b_from_json(value: Any) -> Any:
    return from_json(value)


def b_to_base64(value: Any) -> str:
    return base64.b64encode(_str(value, "toBase64").encode("utf-8")).decode("ascii")


def b_from_base64(value: Any) -> str:
    text = _str(value, "fromBase64")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise Fault("fromBase64: illegal base64 data") from None
    return raw.decode("utf-8", "replace")


def b_first(value: Any) -> Any:
    # expr recovers from whatever its fetch panics with: first() of a map or of nil is nil, never an error.
    try:
        return _fetch_or_nil(value, 0)
    except Fault:
        return None


def b_last(value: Any) -> Any:
    try:
        return _fetch_or_nil(value, -1)
    except Fault:
        return None


def _fetch_or_nil(value: Any, index: Any) -> Any:
    """expr's get(): nil where runtime.Fetch would be out of range or miss, but a key of the wrong type
    still fails (Go's reflect refuses it)."""
    t = type(value)
    if t is list or t is bytes or t is NilList or t is tuple or t is str:
        if not is_number(index):
            raise Fault(f"invalid operation: int({go_type_name(index) if index is not None else 'nil'})")
        data = value.encode("utf-8") if t is str else value
        i = to_int(index)
        i = len(data) + i if i < 0 else i
        return data[i] if 0 <= i < len(data) else None
    if t is Headers or t is dict:
        if index is None:
            index = ""
        if type(index) is not str:
            raise Fault(f"reflect.Value.MapIndex: value of type {go_type_name(index)} is not assignable to type "
                        "string")
        if t is Headers and index in HEADER_METHODS:
            method = HEADER_METHODS[index]
            return lambda *args: method(value, *args)
        return value.get(index)
    return None


def b_get(value: Any, index: Any) -> Any:
    return _fetch_or_nil(value, index)


def b_take(value: Any, n: Any) -> list[Any]:
    items = _array(value, "take")
    if type(n) is not int:
        raise Fault(f"cannot take {type_name(n)} elements")
    if n < 0:
        raise Fault(f"take(): cannot take {n} elements")
    return items[:n]


def _map(value: Any, fn: str) -> dict[Any, Any]:
    if type(value) is dict or type(value) is Headers:
        return dict(value)
    raise Fault(f"{fn}() takes a map, not {type_name(value)}")


def b_keys(value: Any) -> list[Any]:
    return list(_map(value, "keys"))


def b_values(value: Any) -> list[Any]:
    return list(_map(value, "values").values())


def b_to_pairs(value: Any) -> list[Any]:
    # Go's [][2]any: each pair is an array of two, which never equals a []any like ["a", 1].
    return [(k, v) for k, v in _map(value, "toPairs").items()]


def b_from_pairs(value: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for pair in _array(value, "fromPairs"):
        if (type(pair) is not list and type(pair) is not tuple) or len(pair) != 2:
            raise Fault(f"fromPairs(): each item must be a [key, value] pair, not {format_value(pair)}")
        key = pair[0]
        if type(key) in (list, dict, Headers):
            raise Fault(f"fromPairs(): a {type_name(key)} cannot be a map key")
        out[key] = pair[1]
    return out


def b_reverse(value: Any) -> list[Any]:
    return _array(value, "reverse")[::-1]


def b_uniq(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _array(value, "uniq"):
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def b_concat(*args: Any) -> list[Any]:
    if not args:
        raise Fault("concat() needs at least one array")
    out: list[Any] = []
    for arg in args:
        out.extend(_array(arg, "concat"))
    return out


def b_flatten(value: Any) -> list[Any]:
    def flat(items: list[Any], depth: int) -> list[Any]:
        if depth > 64:
            raise Fault("flatten(): arrays nested too deeply")
        out: list[Any] = []
        for item in items:
            if type(item) is list:
                out.extend(flat(item, depth + 1))
            else:
                out.append(item)
        return out

    return flat(_array(value, "flatten"), 0)


def sort_values(items: list[Any], keys: list[Any], descending: bool) -> list[Any]:
    """Sort ``items`` by ``keys`` with expr's ``<`` (numbers with numbers, strings with strings)."""
    if not items:
        return []
    if all(is_number(k) for k in keys):
        sort_key: Callable[[int], Any] = lambda i: float(keys[i]) if type(keys[i]) is float else keys[i]  # noqa: E731
    elif all(type(k) is str for k in keys):
        sort_key = keys.__getitem__
    else:
        kinds = sorted({type_name(k) for k in keys})
        raise Fault(f"invalid operation: cannot sort {' and '.join(kinds)} values together")
    order = sorted(range(len(items)), key=sort_key, reverse=descending)
    return [items[i] for i in order]


def order_argument(order: Any, fn: str) -> bool:
    if type(order) is not str:
        raise Fault(f"{fn} order argument must be a string (got {type_name(order)})")
    if order not in ("asc", "desc"):
        raise Fault(f"invalid order {order}, expected asc or desc")
    return order == "desc"


def b_sort(value: Any, order: Any = "asc") -> list[Any]:
    t = type(value)
    if t is not list and t is not tuple and t is not NilList:
        # expr sorts []any, []int, []float64 and []string; anything else it meets at run time sorts to a nil slice.
        order_argument(order, "sort")
        return NilList()
    items = _array(value, "sort")
    return sort_values(items, items, order_argument(order, "sort"))


def _bit(fn: str, op: Callable[[int, int], int], shift: bool = False) -> Callable[[Any, Any], int]:
    def run(x: Any, y: Any) -> int:
        a, b = _int_arg(x, fn), _int_arg(y, fn)
        if shift and b < 0:
            raise Fault(f"invalid operation: negative shift count {b} (type int)")
        return wrap(op(a, b))

    return run


def _shl(a: int, b: int) -> int:
    return 0 if b >= 64 else a << b


def _shr(a: int, b: int) -> int:
    return a >> min(b, 63)


def _ushr(a: int, b: int) -> int:
    return 0 if b >= 64 else (a % 2**64) >> b


def b_bitnot(value: Any) -> int:
    return ~_int_arg(value, "bitnot")


def b_now(*args: Any) -> gotime.Time:
    if not args:
        return gotime.now()
    if len(args) == 1 and type(args[0]) is gotime.Location:
        return gotime.now(args[0])
    raise Fault(f"invalid number of arguments (expected 0, got {len(args)})")


def b_duration(value: Any) -> gotime.Duration:
    try:
        return gotime.parse_duration(_str(value, "duration"))
    except gotime.TimeError as exc:
        raise Fault(str(exc)) from None


def b_date(*args: Any) -> gotime.Time:
    location = None
    if args and type(args[0]) is gotime.Location:
        location, args = args[0], args[1:]
    if not 1 <= len(args) <= 3:
        raise Fault(f"invalid number of arguments for date (expected 1 to 3 after a time zone, got {len(args)})")
    texts = [_str(a, "date") for a in args]
    try:
        return gotime.expr_date(texts[0], texts[1] if len(texts) > 1 else None,
                                texts[2] if len(texts) > 2 else None, location)
    except gotime.TimeError as exc:
        raise Fault(str(exc)) from None


def b_timezone(value: Any) -> gotime.Location:
    try:
        return gotime.load_location(_str(value, "timezone"))
    except gotime.TimeError as exc:
        raise Fault(str(exc)) from None


# name → the function (arities are in signatures.ARITY).
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": b_len, "type": b_type, "abs": b_abs, "ceil": _rounding("ceil", math.ceil),
    "floor": _rounding("floor", math.floor), "round": _rounding("round", _go_round), "int": b_int,
    "float": b_float, "string": b_string, "trim": b_trim, "trimPrefix": b_trim_prefix, "trimSuffix": b_trim_suffix,
    "upper": b_upper, "lower": b_lower, "split": b_split, "splitAfter": b_split_after, "replace": b_replace,
    "join": b_join, "indexOf": b_index_of, "lastIndexOf": b_last_index_of, "hasPrefix": b_has_prefix,
    "hasSuffix": b_has_suffix, "max": b_max, "min": b_min, "mean": b_mean, "median": b_median,
    "toJSON": b_to_json, "fromJSON": b_from_json, "toBase64": b_to_base64, "fromBase64": b_from_base64,
    "first": b_first, "last": b_last, "get": b_get, "take": b_take, "keys": b_keys, "values": b_values,
    "toPairs": b_to_pairs, "fromPairs": b_from_pairs, "reverse": b_reverse, "uniq": b_uniq, "concat": b_concat,
    "flatten": b_flatten, "sort": b_sort,
    "bitand": _bit("bitand", lambda a, b: a & b), "bitor": _bit("bitor", lambda a, b: a | b),
    "bitxor": _bit("bitxor", lambda a, b: a ^ b), "bitnand": _bit("bitnand", lambda a, b: a & ~b),
    "bitshl": _bit("bitshl", _shl, True), "bitshr": _bit("bitshr", _shr, True),
    "bitushr": _bit("bitushr", _ushr, True), "bitnot": b_bitnot,
    "now": b_now, "duration": b_duration, "date": b_date, "timezone": b_timezone,
}
# Builtins that need the evaluation's memory budget: name → factory taking the budget.
BUDGETED: dict[str, Callable[[Budget], Callable[..., Any]]] = {"repeat": make_repeat}
