"""Static types for the checker: what expr-lang would know about each value at compile time."""

from __future__ import annotations

Method = tuple[str, tuple["Type", ...], "Type"]


class Type:
    __slots__ = ("elem", "fields", "kind", "methods", "name")

    def __init__(self, kind: str, elem: Type | None = None, fields: tuple[tuple[str, Type], ...] = (),
                 name: str = "", methods: tuple[Method, ...] = ()) -> None:
        self.kind = kind  # any nil bool int float string bytes array map record time duration location
        self.elem = elem  # array element, map value
        self.fields = fields  # record fields (known names only)
        self.name = name  # shown in messages ("response")
        self.methods = methods

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Type):
            return NotImplemented
        return (self.kind, self.elem, self.fields, self.name) == (other.kind, other.elem, other.fields, other.name)

    def __hash__(self) -> int:
        return hash((self.kind, self.elem, self.name))

    def __repr__(self) -> str:
        return f"Type({self})"

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.kind == "array" and self.elem is not None and self.elem.kind != "any":
            return f"array of {self.elem}"
        if self.kind == "map" and self.elem is not None and self.elem.kind != "any":
            return f"map of {self.elem}"
        return self.kind

    @property
    def known(self) -> bool:
        return self.kind != "any"

    @property
    def is_number(self) -> bool:
        return self.kind in ("int", "float")

    def field(self, name: str) -> Type | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def field_names(self) -> list[str]:
        return [key for key, _ in self.fields]

    def method(self, name: str) -> tuple[tuple[Type, ...], Type] | None:
        for key, params, result in self.methods:
            if key == name:
                return params, result
        return None


ANY = Type("any")
NIL = Type("nil")
BOOL = Type("bool")
INT = Type("int")
FLOAT = Type("float")
STRING = Type("string")
BYTES = Type("bytes")
ARRAY = Type("array", ANY)
MAP = Type("map", ANY)
STRINGS = Type("array", STRING)
INTS = Type("array", INT)
HEADERS = Type("map", STRINGS, name="headers (map of string to array of string)",
               methods=(("Get", (STRING,), STRING), ("Values", (STRING,), STRINGS)))

REQUEST = Type("record", fields=(("method", STRING), ("url", STRING), ("body", STRING), ("bodyBytes", BYTES),
                                 ("headers", HEADERS)), name="request")
RESPONSE = Type("record", fields=(("statusCode", INT), ("body", STRING), ("headers", HEADERS)), name="response")

# Go's time values, as expr's now(), duration(), date() and timezone() return them.
DURATION = Type("duration", name="time.Duration")
LOCATION = Type("location", name="*time.Location")
TIME = Type("time", name="time.Time")
DURATION.methods = (
    ("Hours", (), FLOAT), ("Minutes", (), FLOAT), ("Seconds", (), FLOAT), ("Milliseconds", (), INT),
    ("Microseconds", (), INT), ("Nanoseconds", (), INT), ("Abs", (), DURATION), ("Truncate", (DURATION,), DURATION),
    ("Round", (DURATION,), DURATION), ("String", (), STRING),
)
TIME.methods = (
    *((name, (), INT) for name in ("Year", "Month", "Day", "Hour", "Minute", "Second", "Nanosecond", "YearDay",
                                   "Weekday", "Unix", "UnixMilli", "UnixMicro", "UnixNano")),
    ("IsZero", (), BOOL), ("Add", (DURATION,), TIME), ("Sub", (TIME,), DURATION), ("AddDate", (INT, INT, INT), TIME),
    ("Before", (TIME,), BOOL), ("After", (TIME,), BOOL), ("Equal", (TIME,), BOOL), ("Compare", (TIME,), INT),
    ("UTC", (), TIME), ("Local", (), TIME), ("In", (LOCATION,), TIME), ("Truncate", (DURATION,), TIME),
    ("Round", (DURATION,), TIME), ("Format", (STRING,), STRING), ("String", (), STRING),
)

# The environment upstream Argo gives an HTTP template's successCondition.
HTTP_ENVIRONMENT: dict[str, Type] = {"request": REQUEST, "response": RESPONSE}


def array_of(elem: Type) -> Type:
    return Type("array", elem)


def join(a: Type, b: Type) -> Type:
    """The type of a value that is either ``a`` or ``b``."""
    if a == b:
        return a
    if a.kind == "nil":
        return b
    if b.kind == "nil":
        return a
    return ANY
