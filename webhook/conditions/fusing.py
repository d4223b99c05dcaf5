"""One Python function for the common operations at the top of a condition.

The evaluator compiles every node to a closure; a condition like
``response.headers["Content-Type"][0] contains "json" && response.statusCode < 300`` then costs one Python call
per node, and calls are most of its time. Here the nodes whose closures have a simple fast path (``&&``/``||``,
an ordered comparison or ``==`` with a constant, ``contains`` a constant, a one-field read such as
``response.statusCode``) are written out as the statements of one generated function, each with exactly its
closure's fast path; every other case of theirs goes to the same slow-path helper the closure uses, given the
values already computed (nothing is evaluated twice). Any other node stays a call of its closure.

Only identifiers chosen here and operators from a fixed set go into the generated text; constants from the
condition are passed in as objects, never written into the source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from webhook.conditions import ast
from webhook.conditions.values import NIL_STRINGS, Headers

Fn = Callable[[Mapping[str, Any], list[Any]], Any]


@dataclass(frozen=True, slots=True)
class Logical:
    """``&&`` (stop at false) or ``||`` (stop at true); ``fail(left)`` raises for a left side that is no boolean."""

    stop: bool
    fail: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Order:
    """``x < constant`` and the like; ``fail(x)`` raises for an x that is not a number."""

    op: str
    constant: int | float
    fail: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class EqualInt:
    """``x == constant`` for an int constant; ``other(x)`` answers for an x that is neither int nor float."""

    number: int
    other: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class EqualStr:
    """``x == "text"``: true only for that very string."""

    text: str


@dataclass(frozen=True, slots=True)
class Contains:
    """``x contains "text"``; ``other(x)`` answers (or raises) for an x that is not a string."""

    needle: str
    other: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Path:
    """``root.first[k1][k2]…`` with constant keys, read from the environment.

    ``missing()`` raises for an unknown root; ``walk_all(value)`` reads every key from a root that is no map;
    ``walk_key(value, key)`` reads one key from a value of any other kind (or raises).
    """

    root: str
    first: str
    rest: tuple[str | int, ...]
    missing: Callable[[], Any]
    walk_all: Callable[[Any], Any]
    walk_key: Callable[[Any, str | int], Any]


Shape = Logical | Order | EqualInt | EqualStr | Contains | Path

_ORDER_OPERATORS = frozenset({"<", ">", "<=", ">="})
# Python refuses more than 20 statically nested blocks; each level here opens at most two.
MAX_DEPTH = 8
MAX_INLINED = 48


def fuse(root: ast.Node, closures: Mapping[int, Fn], shapes: Mapping[int, Shape]) -> Fn | None:
    """One function doing what ``closures[id(root)]`` does, or None when that would save nothing."""
    if id(root) not in shapes:
        return None
    writer = _Writer(closures, shapes)
    result = writer.value(root, 0)
    if writer.inlined < 2:
        return None
    source = "def fused(env, frame):\n" + "\n".join(writer.lines) + f"\n    return {result}\n"
    namespace: dict[str, Any] = dict(writer.constants)
    exec(compile(source, "<condition>", "exec"), namespace)
    fused: Fn = namespace["fused"]
    return fused


class _Writer:
    def __init__(self, closures: Mapping[int, Fn], shapes: Mapping[int, Shape]) -> None:
        self.closures = closures
        self.shapes = shapes
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.inlined = 0
        self._locals = 0

    def constant(self, value: Any) -> str:
        name = f"k{len(self.constants)}"
        self.constants[name] = value
        return name

    def local(self) -> str:
        self._locals += 1
        return f"v{self._locals}"

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * (depth + 1) + text)

    def value(self, node: ast.Node, depth: int) -> str:
        """Emit statements computing ``node`` at ``depth``; returns the local that holds its value."""
        shape = self.shapes.get(id(node))
        result = self.local()
        if isinstance(shape, Order) and shape.op not in _ORDER_OPERATORS:
            shape = None  # only operators from the fixed set are ever written into the source
        if shape is None or depth >= MAX_DEPTH or self.inlined >= MAX_INLINED:
            self.emit(depth, f"{result} = {self.constant(self.closures[id(node)])}(env, frame)")
            return result
        self.inlined += 1
        if isinstance(shape, Logical):
            assert isinstance(node, ast.Binary)
            stop, go = ("True", "False") if shape.stop else ("False", "True")
            left = self.value(node.left, depth)
            self.emit(depth, f"if {left} is {stop}:")
            self.emit(depth + 1, f"{result} = {stop}")
            self.emit(depth, f"elif {left} is {go}:")
            right = self.value(node.right, depth + 1)
            self.emit(depth + 1, f"{result} = {right}")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{result} = {self.constant(shape.fail)}({left})")
        elif isinstance(shape, Order):
            assert isinstance(node, ast.Compare)
            x = self.value(node.operands[0], depth)
            k, op, fail = self.constant(shape.constant), shape.op, self.constant(shape.fail)
            # As the closure: int against an int constant exactly; everything else as floats.
            if type(shape.constant) is int:
                self.emit(depth, f"if type({x}) is int:")
                self.emit(depth + 1, f"{result} = {x} {op} {k}")
                self.emit(depth, f"elif type({x}) is float:")
                self.emit(depth + 1, f"{result} = {x} {op} {self.constant(float(shape.constant))}")
            else:
                self.emit(depth, f"if type({x}) is float:")
                self.emit(depth + 1, f"{result} = {x} {op} {k}")
                self.emit(depth, f"elif type({x}) is int:")
                self.emit(depth + 1, f"{result} = float({x}) {op} {k}")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{result} = {fail}({x})")
        elif isinstance(shape, EqualInt):
            assert isinstance(node, ast.Binary)
            x = self.value(node.left, depth)
            self.emit(depth, f"if type({x}) is int:")
            self.emit(depth + 1, f"{result} = {x} == {self.constant(shape.number)}")
            self.emit(depth, f"elif type({x}) is float:")
            self.emit(depth + 1, f"{result} = {x} == {self.constant(float(shape.number))}")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{result} = {self.constant(shape.other)}({x})")
        elif isinstance(shape, EqualStr):
            assert isinstance(node, ast.Binary)
            x = self.value(node.left, depth)
            self.emit(depth, f"{result} = type({x}) is str and {x} == {self.constant(shape.text)}")
        elif isinstance(shape, Contains):
            assert isinstance(node, ast.Binary)
            x = self.value(node.left, depth)
            self.emit(depth, f"if type({x}) is str:")
            self.emit(depth + 1, f"{result} = {self.constant(shape.needle)} in {x}")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{result} = {self.constant(shape.other)}({x})")
        else:
            self.path(shape, result, depth)
        return result

    def path(self, shape: Path, v: str, depth: int) -> None:
        self.emit(depth, "try:")
        self.emit(depth + 1, f"{v} = env[{self.constant(shape.root)}]")
        self.emit(depth, "except KeyError:")
        self.emit(depth + 1, f"{v} = {self.constant(shape.missing)}()")
        self.emit(depth, f"if type({v}) is dict:")
        self.emit(depth + 1, f"{v} = {v}.get({self.constant(shape.first)})")
        walk_key = self.constant(shape.walk_key) if shape.rest else ""
        inner = depth + 1
        for key in shape.rest:
            k = self.constant(key)
            self.emit(inner, f"if type({v}) is dict:")
            self.emit(inner + 1, f"{v} = {v}.get({k})")
            if type(key) is str:
                found = self.local()
                self.emit(inner, f"elif type({v}) is {self.constant(Headers)}:")
                self.emit(inner + 1, f"{found} = {v}.get({k})")
                self.emit(inner + 1, f"{v} = {self.constant(NIL_STRINGS)} if {found} is None else {found}")
            else:
                self.emit(inner, f"elif type({v}) is list:")
                self.emit(inner + 1, "try:")
                self.emit(inner + 2, f"{v} = {v}[{k}]")
                self.emit(inner + 1, "except IndexError:")
                self.emit(inner + 2, f"{v} = {walk_key}({v}, {k})")
            self.emit(inner, "else:")
            self.emit(inner + 1, f"{v} = {walk_key}({v}, {k})")
        self.emit(depth, "else:")
        self.emit(depth + 1, f"{v} = {self.constant(shape.walk_all)}({v})")
