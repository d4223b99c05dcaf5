"""What expr-lang knows about a value at compile time: its Go type, or nothing.

expr's checker works on Go types (``reflect.Type``); a condition's environment
gives them from its values, so in Argo's environment ``request`` and
``response`` are ``map[string]interface {}`` and everything read from them is
of unknown type. A Nature here is the little of a Go type the checker looks
at: its kind (Go's reflect.Kind name), its printed name, an element type for
slices and maps, and for a predicate the type its body gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webhook.conditions.values import Headers


class Nature:
    __slots__ = ("elem", "integer", "is_float", "kind", "name", "nil", "out")

    def __init__(self, kind: str | None, name: str = "", elem: Nature | None = None, *, integer: bool = False,
                 is_float: bool = False, nil: bool = False, out: Nature | None = None) -> None:
        self.kind = kind  # None: unknown (no Go type at all)
        self.name = name  # as Go prints the type: "map[string]interface {}"
        self.elem = elem
        self.integer = integer
        self.is_float = is_float
        self.nil = nil
        self.out = out  # a predicate's body (None: it gives nothing, like nil)

    def __repr__(self) -> str:
        return f"Nature({self})"

    def __str__(self) -> str:
        return self.name if self.kind is not None else "unknown"

    @property
    def unknown(self) -> bool:
        return (self.kind is None and not self.nil) or self.kind == "interface"

    @property
    def number(self) -> bool:
        return self.integer or self.is_float

    @property
    def array(self) -> bool:
        return self.kind == "slice"

    def element(self) -> Nature:
        if self.kind in ("slice", "map"):
            return self.elem if self.elem is not None else ANY
        return UNKNOWN

    def assignable_to(self, other: Nature) -> bool:
        if self.nil and other.kind in ("ptr", "interface", "func", "map", "slice"):
            return True
        if self.kind is None or other.kind is None or (self.kind != other.kind and other.kind != "interface"):
            return False
        return other.kind == "interface" or self.name == other.name


UNKNOWN = Nature(None)
NIL = Nature(None, "nil", nil=True)
ANY = Nature("interface", "interface {}")
BOOL = Nature("bool", "bool")
INT = Nature("int", "int", integer=True)
UINT8 = Nature("uint8", "uint8", integer=True)
FLOAT = Nature("float64", "float64", is_float=True)
STRING = Nature("string", "string")
BYTES = Nature("slice", "[]uint8", UINT8)
ARRAY = Nature("slice", "[]interface {}", ANY)
STRINGS = Nature("slice", "[]string", STRING)
MAP = Nature("map", "map[string]interface {}", ANY)
ANY_MAP = Nature("map", "map[interface {}]interface {}", ANY)
HEADER = Nature("map", "http.Header", STRINGS)
TIME = Nature("struct", "time.Time")
DURATION = Nature("int64", "time.Duration")
LOCATION = Nature("ptr", "*time.Location")
FUNC = Nature("func", "func")


def array_of(elem: Nature) -> Nature:
    """expr's ``[]interface {}`` that remembers what its elements are."""
    return Nature("slice", "[]interface {}", elem)


def nature_of(value: Any) -> Nature:
    """The Nature expr gives a value of the environment (its dynamic Go type)."""
    if value is None:
        return NIL
    t = type(value)
    if t is bool:
        return BOOL
    if t is int:
        return INT
    if t is float:
        return FLOAT
    if t is str:
        return STRING
    if t is bytes:
        return BYTES
    if isinstance(value, Headers):
        return HEADER
    if isinstance(value, Mapping):
        return MAP
    if isinstance(value, list | tuple):
        return ARRAY
    return UNKNOWN


def comparable(left: Nature, right: Nature) -> bool:
    return (left.unknown or right.unknown or left.nil or right.nil or (left.number and right.number)
            or (left.name == right.name == "time.Duration") or (left.name == right.name == "time.Time")
            or (left.array and right.array) or left.assignable_to(right))


def any_of(nature: Nature, checks: str) -> bool:
    """``checks``: letters b(ool) s(tring) i(nteger) n(umber) m(ap) a(rray) t(ime) d(uration)."""
    for check in checks:
        if ((check == "b" and nature.kind == "bool") or (check == "s" and nature.kind == "string")
                or (check == "i" and nature.integer) or (check == "n" and nature.number)
                or (check == "m" and nature.kind == "map") or (check == "a" and nature.array)
                or (check == "t" and nature.name == "time.Time")
                or (check == "d" and nature.name == "time.Duration")):
            return True
    return False


def maybe_compatible(left: Nature, right: Nature, checks: str) -> bool:
    return ((left.unknown and right.unknown) or (left.unknown and any_of(right, checks))
            or (right.unknown and any_of(left, checks)))
