"""expr-lang's constant folding (optimizer/fold.go), which runs when a condition compiles.

It changes what some conditions mean, and Argo sees the changed one: ``1 % 0``
written out is a compile error (``true || 1 % 0 == 0`` does not compile),
``x && true`` is just ``x`` (so a non-boolean ``x`` is the result, not an
error), and ``true || x`` / ``false && x`` never evaluate ``x``. Literal
arithmetic folds with Go's rules (int64 wraps, ``1 / 0`` is +Inf).
"""

from __future__ import annotations

from typing import Any

from webhook.conditions import ast
from webhook.conditions.errors import ConditionCompileError
from webhook.conditions.values import Fault, add, divide, modulo, multiply, negate, power, subtract

_ARITHMETIC = {"+": add, "-": subtract, "*": multiply, "/": divide, "%": modulo, "**": power, "^": power}
_MAX_PASSES = 1000  # expr's own limit


def fold(node: ast.Node) -> ast.Node:
    """The tree after folding; raises ConditionCompileError where folding fails (an integer divided by 0)."""
    for _ in range(_MAX_PASSES):
        folder = _Folder()
        node = folder.visit(node)
        if not folder.applied:
            break
    return node


def _literal(node: ast.Node) -> Any:
    t = type(node)
    if t is ast.Int or t is ast.Float or t is ast.Str or t is ast.Bool:
        return node.value  # type: ignore[attr-defined]
    return _NONE


_NONE = object()


def _make(value: Any, like: ast.Node) -> ast.Node:
    t = type(value)
    if t is bool:
        return ast.Bool(like.start, like.end, value)
    if t is int:
        return ast.Int(like.start, like.end, value)
    if t is float:
        return ast.Float(like.start, like.end, value)
    return ast.Str(like.start, like.end, value)


class _Folder:
    def __init__(self) -> None:
        self.applied = False

    def visit(self, node: ast.Node) -> ast.Node:
        t = type(node)
        if t is ast.Binary:
            return self.binary(node)  # type: ignore[arg-type]
        if t is ast.Unary:
            return self.unary(node)  # type: ignore[arg-type]
        changes = self.children(node)
        return ast.replace(node, **changes) if changes else node

    def children(self, node: ast.Node) -> dict[str, Any]:
        """The fields of ``node`` whose subtrees changed, folded."""
        changes: dict[str, Any] = {}
        for name in _FIELDS.get(type(node), ()):
            value = getattr(node, name)
            if isinstance(value, ast.Node):
                new = self.visit(value)
                if new is not value:
                    changes[name] = new
            elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
                pairs = tuple((self.visit(k), self.visit(v)) for k, v in value)
                if any(a is not b for p, q in zip(pairs, value, strict=True) for a, b in zip(p, q, strict=True)):
                    changes[name] = pairs
            elif isinstance(value, tuple):
                items = tuple(self.visit(item) for item in value)
                if any(a is not b for a, b in zip(items, value, strict=True)):
                    changes[name] = items
        return changes

    def unary(self, node: ast.Unary) -> ast.Node:
        operand = self.visit(node.operand)
        value = _literal(operand)
        t = type(value)
        if node.op == "-" and t in (int, float):
            self.applied = True
            return _make(negate(value), node)
        if node.op == "+" and t in (int, float):
            self.applied = True
            return _make(value, node)
        if node.op in ("!", "not") and t is bool:
            self.applied = True
            return _make(not value, node)
        return node if operand is node.operand else ast.replace(node, operand=operand)

    def binary(self, node: ast.Binary) -> ast.Node:
        left = self.visit(node.left)
        right = self.visit(node.right)
        a, b = _literal(left), _literal(right)
        ta, tb = type(a), type(b)
        op = node.op
        numbers = ta in (int, float) and tb in (int, float)
        if op in _ARITHMETIC and numbers and (op != "%" or ta is tb is int):
            try:
                value = _ARITHMETIC[op](a, b)
            except Fault as fault:
                raise ConditionCompileError(fault.message, node.op_start or node.start,
                                            node.op_end or node.end) from None
            self.applied = True
            return _make(value, node)
        if op == "+" and ta is tb is str:
            self.applied = True
            return _make(a + b, node)
        if op in ("&&", "and"):
            if ta is bool and a:
                self.applied = True
                return right
            if tb is bool and b:
                self.applied = True
                return left
            if (ta is bool and not a) or (tb is bool and not b):
                self.applied = True
                return _make(False, node)
        if op in ("||", "or"):
            if ta is bool and not a:
                self.applied = True
                return right
            if tb is bool and not b:
                self.applied = True
                return left
            if (ta is bool and a) or (tb is bool and b):
                self.applied = True
                return _make(True, node)
        if op == "==" and ta is tb and ta in (int, str, bool):
            self.applied = True
            return _make(a == b, node)
        if left is node.left and right is node.right:
            return node
        return ast.replace(node, left=left, right=right)


_FIELDS: dict[type, tuple[str, ...]] = {
    ast.Member: ("obj", "prop"), ast.Chain: ("node",), ast.Slice: ("obj", "low", "high"), ast.Lambda: ("body",),
    ast.Call: ("args",), ast.MethodCall: ("obj", "args"), ast.Compare: ("operands",),
    ast.Conditional: ("cond", "then", "otherwise"), ast.Array: ("items",), ast.Map: ("pairs",),
    ast.Let: ("value", "body"), ast.Sequence: ("items",),
}
