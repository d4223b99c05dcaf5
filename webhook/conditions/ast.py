"""The typed syntax tree of a condition, as the parser's transformer builds it.

Every node records the character span ``[start, end)`` of the text it came from,
so the checker can point at the exact token. Nodes are not changed once built;
the dialect translator makes new ones with ``replace`` (keeping the spans of what
the author wrote). Plain slotted classes rather than dataclasses: defining them
must cost next to nothing when ``argo-warden lint`` starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

N = TypeVar("N", bound="Node")


class Node:
    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def children(self) -> Iterator[Node]:
        return iter(())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _slots(type(self)))
        return f"{type(self).__name__}({fields})"


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        names.extend(getattr(klass, "__slots__", ()))
    return names


def replace(original: N, /, **changes: Any) -> N:
    """A copy of ``original`` with some fields changed."""
    copy = object.__new__(type(original))
    for name in _slots(type(original)):
        setattr(copy, name, changes[name] if name in changes else getattr(original, name))
    return copy


class Nil(Node):
    __slots__ = ()


class Bool(Node):
    __slots__ = ("value",)

    def __init__(self, start: int, end: int, value: bool) -> None:
        super().__init__(start, end)
        self.value = value


class Int(Node):
    __slots__ = ("value",)

    def __init__(self, start: int, end: int, value: int) -> None:
        super().__init__(start, end)
        self.value = value


class Float(Node):
    __slots__ = ("value",)

    def __init__(self, start: int, end: int, value: float) -> None:
        super().__init__(start, end)
        self.value = value


class Str(Node):
    __slots__ = ("value",)

    def __init__(self, start: int, end: int, value: str) -> None:
        super().__init__(start, end)
        self.value = value


class Bytes(Node):
    __slots__ = ("value",)

    def __init__(self, start: int, end: int, value: bytes) -> None:
        super().__init__(start, end)
        self.value = value


class Ident(Node):
    __slots__ = ("name",)

    def __init__(self, start: int, end: int, name: str) -> None:
        super().__init__(start, end)
        self.name = name


class Pointer(Node):
    """``#`` (name ""), ``#index`` or ``#acc`` inside a predicate."""

    __slots__ = ("name",)

    def __init__(self, start: int, end: int, name: str) -> None:
        super().__init__(start, end)
        self.name = name


class Member(Node):
    """``obj.name`` / ``obj[prop]``; ``optional`` for ``?.``; ``dot`` when written with '.' and a name."""

    __slots__ = ("dot", "obj", "optional", "prop", "prop_end", "prop_start")

    def __init__(self, start: int, end: int, obj: Node, prop: Node, optional: bool = False, prop_start: int = 0,
                 prop_end: int = 0, dot: bool = False) -> None:
        super().__init__(start, end)
        self.obj = obj
        self.prop = prop
        self.optional = optional
        # Where the property was written (the name after '.', or the index expression).
        self.prop_start = prop_start
        self.prop_end = prop_end
        self.dot = dot

    def children(self) -> Iterator[Node]:
        yield self.obj
        yield self.prop


class Chain(Node):
    """The end of a member chain that contains ``?.``: a nil met by ``?.`` makes the whole chain nil."""

    __slots__ = ("node",)

    def __init__(self, start: int, end: int, node: Node) -> None:
        super().__init__(start, end)
        self.node = node

    def children(self) -> Iterator[Node]:
        yield self.node


class Slice(Node):
    __slots__ = ("high", "low", "obj")

    def __init__(self, start: int, end: int, obj: Node, low: Node | None, high: Node | None) -> None:
        super().__init__(start, end)
        self.obj = obj
        self.low = low
        self.high = high

    def children(self) -> Iterator[Node]:
        yield self.obj
        if self.low is not None:
            yield self.low
        if self.high is not None:
            yield self.high


class Lambda(Node):
    """A predicate argument: evaluated once per element, with ``#`` bound to it."""

    __slots__ = ("body",)

    def __init__(self, start: int, end: int, body: Node) -> None:
        super().__init__(start, end)
        self.body = body

    def children(self) -> Iterator[Node]:
        yield self.body


class Call(Node):
    """``name(args)``: a builtin, a predicate builtin (some args are Lambdas) or an unknown function."""

    __slots__ = ("args", "name", "name_end")

    def __init__(self, start: int, end: int, name: str, args: tuple[Node, ...], name_end: int = 0) -> None:
        super().__init__(start, end)
        self.name = name
        self.args = args
        self.name_end = name_end

    def children(self) -> Iterator[Node]:
        yield from self.args


class MethodCall(Node):
    """``obj.name(args)`` (``response.headers.Get("X")``, ``sprig.trim(s)``)."""

    __slots__ = ("args", "name", "name_end", "name_start", "obj", "optional")

    def __init__(self, start: int, end: int, obj: Node, name: str, args: tuple[Node, ...], optional: bool = False,
                 name_start: int = 0, name_end: int = 0) -> None:
        super().__init__(start, end)
        self.obj = obj
        self.name = name
        self.args = args
        self.optional = optional
        self.name_start = name_start
        self.name_end = name_end

    def children(self) -> Iterator[Node]:
        yield self.obj
        yield from self.args


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, start: int, end: int, op: str, operand: Node) -> None:
        super().__init__(start, end)
        self.op = op  # "!", "-", "+"
        self.operand = operand

    def children(self) -> Iterator[Node]:
        yield self.operand


class Binary(Node):
    """Every binary operator but the ordering comparisons; negated word operators are ``not in`` etc."""

    __slots__ = ("grouped", "left", "op", "op_end", "op_start", "right")

    def __init__(self, start: int, end: int, op: str, left: Node, right: Node, op_start: int = 0, op_end: int = 0,
                 grouped: bool = False) -> None:
        super().__init__(start, end)
        self.op = op
        self.left = left
        self.right = right
        self.op_start = op_start
        self.op_end = op_end
        # Written inside parentheses (matters for `??`, which may not be mixed unparenthesised).
        self.grouped = grouped

    def children(self) -> Iterator[Node]:
        yield self.left
        yield self.right


class Compare(Node):
    """``a < b``, and chains ``a < b <= c`` meaning ``a < b && b <= c`` (each operand evaluated once)."""

    __slots__ = ("grouped", "op_spans", "operands", "ops")

    def __init__(self, start: int, end: int, ops: tuple[str, ...], operands: tuple[Node, ...],
                 op_spans: tuple[tuple[int, int], ...] = (), grouped: bool = False) -> None:
        super().__init__(start, end)
        self.ops = ops
        self.operands = operands
        self.op_spans = op_spans
        self.grouped = grouped

    def children(self) -> Iterator[Node]:
        yield from self.operands


class Conditional(Node):
    """``c ? a : b``, ``c ?: b`` (elvis: ``then`` is ``cond``) and ``if c { a } else { b }``."""

    __slots__ = ("cond", "form", "otherwise", "then")

    def __init__(self, start: int, end: int, cond: Node, then: Node, otherwise: Node, form: str = "ternary") -> None:
        super().__init__(start, end)
        self.cond = cond
        self.then = then
        self.otherwise = otherwise
        self.form = form  # "ternary" | "elvis" | "if"

    def children(self) -> Iterator[Node]:
        yield self.cond
        if self.form != "elvis":
            yield self.then
        yield self.otherwise


class Array(Node):
    __slots__ = ("items",)

    def __init__(self, start: int, end: int, items: tuple[Node, ...]) -> None:
        super().__init__(start, end)
        self.items = items

    def children(self) -> Iterator[Node]:
        yield from self.items


class Map(Node):
    __slots__ = ("pairs",)

    def __init__(self, start: int, end: int, pairs: tuple[tuple[Node, Node], ...]) -> None:
        super().__init__(start, end)
        self.pairs = pairs

    def children(self) -> Iterator[Node]:
        for key, value in self.pairs:
            yield key
            yield value


class Let(Node):
    __slots__ = ("body", "name", "name_end", "name_start", "value")

    def __init__(self, start: int, end: int, name: str, value: Node, body: Node, name_start: int = 0,
                 name_end: int = 0) -> None:
        super().__init__(start, end)
        self.name = name
        self.value = value
        self.body = body
        self.name_start = name_start
        self.name_end = name_end

    def children(self) -> Iterator[Node]:
        yield self.value
        yield self.body


class Sequence(Node):
    """``a; b; c``: every item is evaluated, the last one is the value."""

    __slots__ = ("items",)

    def __init__(self, start: int, end: int, items: tuple[Node, ...] = ()) -> None:
        super().__init__(start, end)
        self.items = items

    def children(self) -> Iterator[Node]:
        yield from self.items


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children (iterative: trees may be deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(current.children())))
