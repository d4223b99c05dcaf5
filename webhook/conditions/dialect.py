"""The seed dialect: what it means, rewritten into portable expr-lang.

The seed document writes conditions upstream Argo cannot run:

    status_code == 200                        → response.statusCode == 200
    response.status_code == 200               → response.statusCode == 200
    response.body.status == "completed"       → fromJSON(response.body).status == "completed"
    response.body.data.items.length > 0       → len(fromJSON(response.body).data.items) > 0

``translate`` gives the tree those meanings (the evaluator runs the result), and
lists every place the dialect was used so the checker can warn and the printer can
write the portable text. ``.length`` means ``len()`` only where the value is known
to be an array or a string, or comes from the body read as JSON: on anything else
it stays an ordinary field, so text that is already portable keeps its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from webhook.conditions import ast

_STRING_FIELDS = {"request": {"method", "url", "body"}, "response": {"body"}}
_STRING_RESULTS = frozenset({"upper", "lower", "trim", "trimPrefix", "trimSuffix", "replace", "repeat", "string",
                             "join", "toJSON", "toBase64", "fromBase64", "type"})
_ARRAY_RESULTS = frozenset({"split", "splitAfter", "filter", "map", "keys", "values", "sort", "sortBy", "reverse",
                            "uniq", "concat", "flatten", "take", "toPairs"})


@dataclass(frozen=True)
class DialectUse:
    """One place the seed dialect is used: the text as written and its portable form."""

    start: int
    end: int
    written: str
    portable: str


def translate(root: ast.Node, text: str) -> tuple[ast.Node, list[DialectUse]]:
    translator = _Translator(text)
    return translator.node(root, frozenset()), translator.uses


class _Translator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.uses: list[DialectUse] = []
        # Nodes whose value is the response body read as JSON (or a path into it).
        self.json_ids: set[int] = set()

    def use(self, original: ast.Node, new: ast.Node) -> ast.Node:
        from webhook.conditions.printer import to_text

        self.uses.append(DialectUse(original.start, original.end, self.text[original.start:original.end],
                                    to_text(new)))
        return new

    def node(self, node: ast.Node, bound: frozenset[str]) -> ast.Node:
        if isinstance(node, ast.Ident):
            if node.name == "status_code" and "status_code" not in bound and "response" not in bound:
                new = _status_code(node)
                return self.use(node, new)
            return node
        if isinstance(node, ast.Member):
            return self.member(node, bound)
        if isinstance(node, ast.Chain):
            inner = self.node(node.node, bound)
            result = ast.replace(node, node=inner)
            if id(inner) in self.json_ids:
                self.json_ids.add(id(result))
            return result
        if isinstance(node, ast.Let):
            return ast.replace(node, value=self.node(node.value, bound), body=self.node(node.body, bound | {node.name}))
        if isinstance(node, ast.Slice):
            return ast.replace(node, obj=self.node(node.obj, bound),
                           low=None if node.low is None else self.node(node.low, bound),
                           high=None if node.high is None else self.node(node.high, bound))
        if isinstance(node, ast.Call):
            return ast.replace(node, args=tuple(self.node(a, bound) for a in node.args))
        if isinstance(node, ast.MethodCall):
            return ast.replace(node, obj=self.node(node.obj, bound), args=tuple(self.node(a, bound) for a in node.args))
        if isinstance(node, ast.Lambda):
            return ast.replace(node, body=self.node(node.body, bound))
        if isinstance(node, ast.Unary):
            return ast.replace(node, operand=self.node(node.operand, bound))
        if isinstance(node, ast.Binary):
            return ast.replace(node, left=self.node(node.left, bound), right=self.node(node.right, bound))
        if isinstance(node, ast.Compare):
            return ast.replace(node, operands=tuple(self.node(o, bound) for o in node.operands))
        if isinstance(node, ast.Conditional):
            cond = self.node(node.cond, bound)
            then = cond if node.form == "elvis" else self.node(node.then, bound)
            return ast.replace(node, cond=cond, then=then, otherwise=self.node(node.otherwise, bound))
        if isinstance(node, ast.Array):
            return ast.replace(node, items=tuple(self.node(i, bound) for i in node.items))
        if isinstance(node, ast.Map):
            return ast.replace(node, pairs=tuple((self.node(k, bound), self.node(v, bound)) for k, v in node.pairs))
        if isinstance(node, ast.Sequence):
            return ast.replace(node, items=tuple(self.node(i, bound) for i in node.items))
        return node

    def member(self, node: ast.Member, bound: frozenset[str]) -> ast.Node:
        obj = self.node(node.obj, bound)
        prop = node.prop if isinstance(node.prop, ast.Str) else self.node(node.prop, bound)
        name = prop.value if isinstance(prop, ast.Str) else None
        if name == "status_code" and _is_env(obj, "response", bound):
            return self.use(node, ast.replace(node, obj=obj, prop=ast.replace(prop, value="statusCode")))
        if name is not None and _is_env_field(obj, "response", "body", bound):
            if name == "length":
                return self.use(node, _len(node, obj))
            parsed = ast.Call(obj.start, obj.end, "fromJSON", (_sealed(obj),), name_end=obj.start)
            self.json_ids.add(id(parsed))
            new = ast.replace(node, obj=parsed, prop=prop)
            self.json_ids.add(id(new))
            return self.use(node, new)
        if name == "length" and self.kind(obj, bound) in ("array", "string", "json"):
            return self.use(node, _len(node, obj))
        new = ast.replace(node, obj=obj, prop=prop)
        if id(obj) in self.json_ids:
            self.json_ids.add(id(new))
        return new

    def kind(self, node: ast.Node, bound: frozenset[str]) -> str:
        """What a value is known to be: "array", "string", "json" (from the body) or "other"."""
        if id(node) in self.json_ids:
            return "json"
        if isinstance(node, ast.Str):
            return "string"
        if isinstance(node, ast.Array):
            return "array"
        if isinstance(node, ast.Chain):
            return self.kind(node.node, bound)
        if isinstance(node, ast.Member):
            for root, fields in _STRING_FIELDS.items():
                if any(_is_env_field(node, root, f, bound) for f in fields):
                    return "string"
            if any(_is_env_field(node.obj, root, "headers", bound) for root in ("request", "response")):
                return "array"
        if isinstance(node, ast.MethodCall) and node.name == "Values":
            return "array"
        if isinstance(node, ast.Call):
            if node.name in _STRING_RESULTS:
                return "string"
            if node.name in _ARRAY_RESULTS:
                return "array"
        if isinstance(node, ast.Binary) and node.op == "..":
            return "array"
        if isinstance(node, ast.Slice):
            return self.kind(node.obj, bound)
        return "other"


def _status_code(node: ast.Node) -> ast.Node:
    response = ast.Ident(node.start, node.end, "response")
    return ast.Member(node.start, node.end, response, ast.Str(node.start, node.end, "statusCode"), False,
                      node.start, node.end, dot=True)


def _len(node: ast.Member, obj: ast.Node) -> ast.Node:
    return ast.Call(node.start, node.end, "len", (_sealed(obj),), name_end=node.end)


def _is_env(node: ast.Node, name: str, bound: frozenset[str]) -> bool:
    return isinstance(node, ast.Ident) and node.name == name and name not in bound


def _is_env_field(node: ast.Node, root: str, field: str, bound: frozenset[str]) -> bool:
    return (isinstance(node, ast.Member) and isinstance(node.prop, ast.Str) and node.prop.value == field
            and _is_env(node.obj, root, bound))


def _sealed(node: ast.Node) -> ast.Node:
    """``node`` as a function argument: a '?.' inside it must end its chain there, as in the printed text."""
    current = node
    while isinstance(current, ast.Member | ast.MethodCall | ast.Slice):
        if isinstance(current, ast.Member | ast.MethodCall) and current.optional:
            return ast.Chain(node.start, node.end, node)
        current = current.obj
    return node
