"""Printing a tree back as expr-lang text that parses to the same meaning.

Parentheses are added only where expr's precedence would read the text
differently: a looser operand, a prefix operator whose operand would swallow the
next operator (`(-a) ** b`), `??` before another operator, and an ordering
comparison on the left of another (which would chain). Pipes are printed as
calls; comments and layout are not kept.
"""

from __future__ import annotations

from webhook.conditions import ast
from webhook.conditions.parser import RESERVED

_ATOM = 1000
_UNARY = 950
_LET = -1
_SEQUENCE = -2
_NO_OPEN = 10_000

PRECEDENCE = {
    "||": 10, "&&": 15,
    "==": 20, "!=": 20, "in": 20, "not in": 20, "matches": 20, "not matches": 20, "contains": 20,
    "not contains": 20, "startsWith": 20, "not startsWith": 20, "endsWith": 20, "not endsWith": 20,
    "..": 25, "+": 30, "-": 30, "*": 60, "/": 60, "%": 60, "**": 100, "??": 500,
}
_ORDERING = frozenset({"<", ">", "<=", ">="})
# How far a prefix operator's operand reaches: operators at or above this precedence are taken in.
_OPERAND_REACH = {"!": 50, "-": 90, "+": 90}


def to_text(node: ast.Node) -> str:
    return _Printer().top(node)


class _Printer:
    def top(self, node: ast.Node) -> str:
        text, _, _ = self.emit(node)
        return text

    def emit(self, node: ast.Node) -> tuple[str, int, int]:
        """(text, binding level, reach of a prefix operator left open at its right end)."""
        method = getattr(self, "p_" + type(node).__name__)
        result: tuple[str, int, int] = method(node)
        return result

    def whole(self, node: ast.Node) -> str:
        """An operand where any single expression may stand (arguments, items, branches)."""
        text, level, _ = self.emit(node)
        return f"({text})" if level < 0 else text

    def postfix_base(self, node: ast.Node) -> str:
        text, level, _ = self.emit(node)
        if level < _ATOM or isinstance(node, ast.Int | ast.Float):
            return f"({text})"
        return text

    def left_operand(self, node: ast.Node, prec: int, op: str) -> tuple[str, int]:
        text, level, reach = self.emit(node)
        needs = level < prec or (level == prec and op == "**") or reach <= prec
        needs = needs or (op != "??" and isinstance(node, ast.Binary) and node.op == "??")
        needs = needs or (op in _ORDERING and isinstance(node, ast.Compare))
        if needs:
            return f"({text})", _NO_OPEN
        return text, reach

    def right_operand(self, node: ast.Node, prec: int, op: str) -> tuple[str, int]:
        text, level, reach = self.emit(node)
        limit = prec if op == "**" else prec + 1
        if op == "??":
            limit = _UNARY
        if level < limit:
            return f"({text})", _NO_OPEN
        return text, reach

    # -- leaves

    def p_Nil(self, node: ast.Nil) -> tuple[str, int, int]:
        return "nil", _ATOM, _NO_OPEN

    def p_Bool(self, node: ast.Bool) -> tuple[str, int, int]:
        return ("true" if node.value else "false"), _ATOM, _NO_OPEN

    def p_Int(self, node: ast.Int) -> tuple[str, int, int]:
        return str(node.value), _ATOM, _NO_OPEN

    def p_Float(self, node: ast.Float) -> tuple[str, int, int]:
        return repr(node.value), _ATOM, _NO_OPEN

    def p_Str(self, node: ast.Str) -> tuple[str, int, int]:
        return quote(node.value), _ATOM, _NO_OPEN

    def p_Bytes(self, node: ast.Bytes) -> tuple[str, int, int]:
        out = []
        for b in node.value:
            ch = chr(b)
            if ch in "\\\"":
                out.append("\\" + ch)
            elif 0x20 <= b < 0x7F:
                out.append(ch)
            else:
                out.append(f"\\x{b:02x}")
        return 'b"' + "".join(out) + '"', _ATOM, _NO_OPEN

    def p_Ident(self, node: ast.Ident) -> tuple[str, int, int]:
        return node.name, _ATOM, _NO_OPEN

    def p_Pointer(self, node: ast.Pointer) -> tuple[str, int, int]:
        return "#" + node.name, _ATOM, _NO_OPEN

    # -- postfix

    def p_Member(self, node: ast.Member) -> tuple[str, int, int]:
        base = self.postfix_base(node.obj)
        prop = node.prop
        if isinstance(prop, ast.Str) and node.dot and is_identifier(prop.value):
            return f"{base}{'?.' if node.optional else '.'}{prop.value}", _ATOM, _NO_OPEN
        index = self.whole(prop)
        return f"{base}{'?.' if node.optional else ''}[{index}]", _ATOM, _NO_OPEN

    def p_Chain(self, node: ast.Chain) -> tuple[str, int, int]:
        return self.emit(node.node)

    def p_Slice(self, node: ast.Slice) -> tuple[str, int, int]:
        base = self.postfix_base(node.obj)
        low = "" if node.low is None else self.whole(node.low)
        high = "" if node.high is None else self.whole(node.high)
        return f"{base}[{low}:{high}]", _ATOM, _NO_OPEN

    def p_Call(self, node: ast.Call) -> tuple[str, int, int]:
        args = ", ".join(self.whole(a) for a in node.args)
        return f"{node.name}({args})", _ATOM, _NO_OPEN

    def p_MethodCall(self, node: ast.MethodCall) -> tuple[str, int, int]:
        base = self.postfix_base(node.obj)
        args = ", ".join(self.whole(a) for a in node.args)
        return f"{base}{'?.' if node.optional else '.'}{node.name}({args})", _ATOM, _NO_OPEN

    def p_Lambda(self, node: ast.Lambda) -> tuple[str, int, int]:
        return "{" + self.top(node.body) + "}", _ATOM, _NO_OPEN

    # -- operators

    def p_Unary(self, node: ast.Unary) -> tuple[str, int, int]:
        reach = _OPERAND_REACH[node.op]
        text, level, inner_reach = self.emit(node.operand)
        if level < reach:
            text, inner_reach = f"({text})", _NO_OPEN
        return f"{node.op}{text}", _UNARY, min(reach, inner_reach)

    def p_Binary(self, node: ast.Binary) -> tuple[str, int, int]:
        prec = PRECEDENCE[node.op]
        left, _ = self.left_operand(node.left, prec, node.op)
        right, reach = self.right_operand(node.right, prec, node.op)
        return f"{left} {node.op} {right}", prec, reach

    def p_Compare(self, node: ast.Compare) -> tuple[str, int, int]:
        parts = []
        first, reach = self.left_operand(node.operands[0], 20, node.ops[0])
        parts.append(first)
        for i, (op, operand) in enumerate(zip(node.ops, node.operands[1:], strict=True)):
            text, reach = self.right_operand(operand, 20, op)
            is_last = i == len(node.ops) - 1
            if not is_last and reach <= 20:
                text, reach = f"({text})", _NO_OPEN
            parts.append(f"{op} {text}")
        return " ".join(parts), 20, reach

    def p_Conditional(self, node: ast.Conditional) -> tuple[str, int, int]:
        if node.form == "if":
            return self._if(node), _LET, _NO_OPEN
        cond_text, cond_level, _ = self.emit(node.cond)
        cond = f"({cond_text})" if cond_level <= 0 else cond_text
        otherwise = self.whole(node.otherwise)
        if node.form == "elvis":
            return f"{cond} ?: {otherwise}", 0, _NO_OPEN
        then_text, then_level, _ = self.emit(node.then)
        then = f"({then_text})" if then_level <= 0 else then_text
        return f"{cond} ? {then} : {otherwise}", 0, _NO_OPEN

    def _if(self, node: ast.Conditional) -> str:
        text = f"if {self.whole(node.cond)} {{ {self.top(node.then)} }} else "
        other = node.otherwise
        if isinstance(other, ast.Conditional) and other.form == "if":
            return text + self._if(other)
        return text + f"{{ {self.top(other)} }}"

    # -- composites and bindings

    def p_Array(self, node: ast.Array) -> tuple[str, int, int]:
        return "[" + ", ".join(self.whole(i) for i in node.items) + "]", _ATOM, _NO_OPEN

    def p_Map(self, node: ast.Map) -> tuple[str, int, int]:
        pairs = []
        for key, value in node.pairs:
            key_text = quote(key.value) if isinstance(key, ast.Str) else f"({self.top(key)})"
            pairs.append(f"{key_text}: {self.whole(value)}")
        return "{" + ", ".join(pairs) + "}", _ATOM, _NO_OPEN

    def p_Let(self, node: ast.Let) -> tuple[str, int, int]:
        return f"let {node.name} = {self.whole(node.value)}; {self.top(node.body)}", _LET, _NO_OPEN

    def p_Sequence(self, node: ast.Sequence) -> tuple[str, int, int]:
        return "; ".join(self.whole(i) for i in node.items), _SEQUENCE, _NO_OPEN


def is_identifier(name: str) -> bool:
    if not name or not (name[0].isalpha() or name[0] in "_$"):
        return False
    if name in ("true", "false", "nil") or name in RESERVED:
        return False
    return all(c.isalnum() or c in "_$" for c in name)


_QUOTE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a", "\b": "\\b",
                  "\f": "\\f", "\v": "\\v"}


def quote(text: str) -> str:
    """A double-quoted expr string literal for ``text``."""
    out = ['"']
    for c in text:
        escaped = _QUOTE_ESCAPES.get(c)
        if escaped is not None:
            out.append(escaped)
        elif not c.isprintable():
            code = ord(c)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)
