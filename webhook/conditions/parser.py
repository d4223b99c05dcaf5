"""``parse(text) -> Node``: the condition grammar, turned into the typed tree while it is parsed.

The transformer runs inside lark's LALR loop (no parse tree is built). It also
enforces what expr-lang's parser checks beyond the grammar: `??` not mixed with
other operators, predicate arities, operator words used as names, `#` outside a
predicate, a trailing ';' only at the very end. Every failure is a
ConditionSyntaxError with the offending token's offsets and, where we can, a hint.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from webhook.conditions import ast
from webhook.conditions.errors import ConditionSyntaxError
from webhook.conditions.grammar import parser as _lark_parser
from webhook.conditions.literals import LiteralError, parse_bytes, parse_number, parse_raw_string, parse_string

MAX_LENGTH = 65536
MAX_DEPTH = 150
MAX_NODES = 10000  # expr's own default limit

# Words expr's lexer always reads as operators: they cannot name a variable or a function.
RESERVED = frozenset({"not", "in", "and", "or", "matches", "contains", "startsWith", "endsWith", "let", "if",
                      "else"})
ORDERING = frozenset({"<", ">", "<=", ">="})
# Predicate builtins: how many arguments each takes (array, predicate, optional third).
PREDICATE_ARITY: dict[str, tuple[int, int]] = {
    "all": (2, 2), "none": (2, 2), "any": (2, 2), "one": (2, 2), "filter": (2, 2), "map": (2, 2),
    "find": (2, 2), "findIndex": (2, 2), "findLast": (2, 2), "findLastIndex": (2, 2), "groupBy": (2, 2),
    "count": (1, 2), "sum": (1, 2), "sortBy": (2, 3), "reduce": (2, 3),
}
_OPERATOR_NAMES = {"and": "&&", "&&": "&&", "or": "||", "||": "||", "^": "**", "not": "!", "!": "!"}


class _TrailingSemicolon:
    """A sequence that ended with ';' — allowed only at the very end of the text."""

    __slots__ = ("node", "start")

    def __init__(self, node: ast.Node, start: int) -> None:
        self.node = node
        self.start = start


def _node(child: Any) -> ast.Node:
    if isinstance(child, _TrailingSemicolon):
        raise ConditionSyntaxError("unexpected ';'", child.start, child.start + 1,
                                   hint="';' separates expressions; nothing may close right after it")
    assert isinstance(child, ast.Node), child
    return child


def _start(token: Token) -> int:
    return token.start_pos or 0


def _end(token: Token) -> int:
    return token.end_pos or 0


def _literal_error(exc: LiteralError, token: Token) -> ConditionSyntaxError:
    start = _start(token)
    return ConditionSyntaxError(exc.message, start, _end(token))


class _ToAst(Transformer[Token, Any]):
    """Callbacks named after the grammar's rules and aliases; each returns an ast node."""

    # -- structure

    def start(self, children: list[Any]) -> Any:
        (child,) = children
        return child.node if isinstance(child, _TrailingSemicolon) else child

    def sequence(self, children: list[Any]) -> Any:
        trailing: Token | None = None
        if children and isinstance(children[-1], Token):
            trailing = children.pop()
        elif children and children[-1] is None:
            children.pop()
        items: list[ast.Node] = []
        inner_trailing: _TrailingSemicolon | None = None
        for i, child in enumerate(children):
            if isinstance(child, Token):
                continue
            if isinstance(child, _TrailingSemicolon) and i == len(children) - 1:
                inner_trailing = child
                child = child.node
            items.append(_node(child))
        node = items[0] if len(items) == 1 else ast.Sequence(items[0].start, items[-1].end, tuple(items))
        if trailing is not None:
            return _TrailingSemicolon(node, _start(trailing))
        if inner_trailing is not None:
            return _TrailingSemicolon(node, inner_trailing.start)
        return node

    def let_expr(self, children: list[Any]) -> Any:
        name, value, _semi, body = children
        if str(name) in RESERVED:
            raise ConditionSyntaxError(f"'{name}' is an operator and cannot name a variable", _start(name), _end(name))
        trailing = body if isinstance(body, _TrailingSemicolon) else None
        body_node = trailing.node if trailing else _node(body)
        node = ast.Let(_start(name), body_node.end, str(name), _node(value), body_node,
                       name_start=_start(name), name_end=_end(name))
        return _TrailingSemicolon(node, trailing.start) if trailing else node

    def if_expr(self, children: list[Any]) -> ast.Node:
        cond, then, otherwise = _node(children[0]), _node(children[2]), _node(children[-1])
        return ast.Conditional(cond.start, otherwise.end, cond, then, otherwise, form="if")

    def conditional(self, children: list[Any]) -> ast.Node:
        cond, then, otherwise = _node(children[0]), _node(children[2]), _node(children[3])
        return ast.Conditional(cond.start, otherwise.end, cond, then, otherwise)

    def elvis(self, children: list[Any]) -> ast.Node:
        cond, _q, otherwise = _node(children[0]), children[1], _node(children[2])
        return ast.Conditional(cond.start, otherwise.end, cond, cond, otherwise, form="elvis")

    def group(self, children: list[Any]) -> ast.Node:
        node = _node(children[1])
        if isinstance(node, ast.Binary | ast.Compare):
            node = ast.replace(node, grouped=True)
        elif isinstance(node, ast.Map):
            # A parenthesised map stays a map where a bare one would open a predicate's body.
            node = ast.Sequence(node.start, node.end, (node,))
        return node

    # -- operators

    def binary(self, children: list[Any]) -> ast.Node:
        left, op_token, right = _node(children[0]), children[1], _node(children[2])
        op = _OPERATOR_NAMES.get(str(op_token), str(op_token))
        if op != "??" and isinstance(left, ast.Binary) and left.op == "??" and not left.grouped:
            raise _coalesce_mix(op_token, op)
        return ast.Binary(left.start, right.end, op, left, right, _start(op_token), _end(op_token))

    def compare_op(self, children: list[Token]) -> tuple[str, int, int]:
        words = [str(t) for t in children]
        return " ".join(words), _start(children[0]), _end(children[-1])

    def comparison(self, children: list[Any]) -> ast.Node:
        left, (op, op_start, op_end), right = _node(children[0]), children[1], _node(children[2])
        if isinstance(left, ast.Binary) and left.op == "??" and not left.grouped:
            raise _coalesce_mix(Token("OP", op, start_pos=op_start, end_pos=op_end), op)
        if op in ORDERING:
            if isinstance(left, ast.Compare) and not left.grouped:
                return ast.Compare(left.start, right.end, (*left.ops, op), (*left.operands, right),
                                   (*left.op_spans, (op_start, op_end)))
            return ast.Compare(left.start, right.end, (op,), (left, right), ((op_start, op_end),))
        return ast.Binary(left.start, right.end, op, left, right, op_start, op_end)

    def unary(self, children: list[Any]) -> ast.Node:
        op_token, operand = children[0], _node(children[1])
        op = _OPERATOR_NAMES.get(str(op_token), str(op_token))
        return ast.Unary(_start(op_token), operand.end, op, operand)

    # -- postfix

    def member(self, children: list[Any]) -> ast.Node:
        obj, dot, name = _node(children[0]), children[1], children[2]
        optional = dot.type == "OPT_DOT"
        in_chain = isinstance(obj, ast.Chain)
        base = obj.node if isinstance(obj, ast.Chain) else obj
        node: ast.Node = ast.Member(base.start, _end(name), base, ast.Str(_start(name), _end(name), str(name)),
                                    optional, _start(name), _end(name), dot=True)
        return ast.Chain(node.start, node.end, node) if in_chain or optional else node

    def method_call(self, children: list[Any]) -> ast.Node:
        obj, dot, name, args = _node(children[0]), children[1], children[2], children[3]
        optional = dot.type == "OPT_DOT"
        in_chain = isinstance(obj, ast.Chain)
        base = obj.node if isinstance(obj, ast.Chain) else obj
        arguments, end = args
        node: ast.Node = ast.MethodCall(base.start, end, base, str(name), arguments, optional,
                                        _start(name), _end(name))
        return ast.Chain(node.start, node.end, node) if in_chain or optional else node

    def index(self, children: list[Any]) -> ast.Node:
        obj, prop = _node(children[0]), _node(children[2])
        return ast.Member(obj.start, prop.end + 1, obj, prop, False, prop.start, prop.end)

    def optional_index(self, children: list[Any]) -> ast.Node:
        obj, prop = _node(children[0]), _node(children[3])
        node = ast.Member(obj.start, prop.end + 1, obj, prop, True, prop.start, prop.end)
        return ast.Chain(node.start, node.end, node)

    def slice(self, children: list[Any]) -> ast.Node:
        obj, bracket, low, high = _node(children[0]), children[1], children[2], children[3]
        low_node = None if low is None else _node(low)
        high_node = None if high is None else _node(high)
        end = max([_end(bracket), *(n.end for n in (low_node, high_node) if n is not None)]) + 1
        return ast.Slice(obj.start, end, obj, low_node, high_node)

    # -- calls

    def call_args(self, children: list[Any]) -> tuple[tuple[ast.Node, ...], int]:
        lpar = children[0]
        args = tuple(_node(c) for c in children[1:] if c is not None and not isinstance(c, Token))
        end = max([_end(lpar), *(a.end for a in args)]) + 1
        return args, end

    def call(self, children: list[Any]) -> ast.Node:
        name, (args, end) = children
        _check_function_name(name)
        return ast.Call(_start(name), end, str(name), args, name_end=_end(name))

    def builtin_call(self, children: list[Any]) -> ast.Node:
        colons, name, (args, end) = children
        _check_function_name(name)
        return ast.Call(_start(colons), end, str(name), args, name_end=_end(name))

    def pipe_call(self, children: list[Any]) -> ast.Node:
        left, _pipe, name, (args, end) = _node(children[0]), children[1], children[2], children[3]
        _check_function_name(name)
        return ast.Call(left.start, end, str(name), (left, *args), name_end=_end(name))

    def predicate_call(self, children: list[Any]) -> ast.Node:
        name, lpar, args = children
        arguments: tuple[ast.Node, ...] = args or ()
        return _predicate_call(name, arguments, _predicate_end(lpar, arguments), _start(name))

    def pipe_predicate_call(self, children: list[Any]) -> ast.Node:
        left, _pipe, name, lpar, args = _node(children[0]), children[1], children[2], children[3], children[4]
        arguments: tuple[ast.Node, ...] = (left, *(args or ()))
        return _predicate_call(name, arguments, _predicate_end(lpar, arguments), left.start, piped=True)

    def predicate_args(self, children: list[Any]) -> tuple[ast.Node, ...]:
        return tuple(_node(c) for c in children if c is not None)

    def pipe_predicate_args(self, children: list[Any]) -> tuple[ast.Node, ...]:
        return tuple(_node(c) for c in children if c is not None)

    def braced_predicate(self, children: list[Any]) -> ast.Node:
        brace, body = children
        node = _node(body)
        return ast.Lambda(_start(brace), node.end + 1, node)

    def bare_predicate(self, children: list[Any]) -> ast.Node:
        node = _node(children[0])
        if isinstance(node, ast.Map):
            # expr reads `{` after a predicate builtin as the start of the predicate's body, never a map.
            where = node.pairs[0][0].end if node.pairs else node.end - 1
            raise ConditionSyntaxError("unexpected ':' ('{' here opens the predicate's body, not a map)"
                                       if node.pairs else "unexpected '}' (a predicate's body cannot be empty)",
                                       where, where + 1, hint="for a map literal, put it in parentheses: ({a: 1})")
        return ast.Lambda(node.start, node.end, node)

    # -- atoms

    def identifier(self, children: list[Token]) -> ast.Node:
        (token,) = children
        name, start, end = str(token), _start(token), _end(token)
        if name == "true":
            return ast.Bool(start, end, True)
        if name == "false":
            return ast.Bool(start, end, False)
        if name == "nil":
            return ast.Nil(start, end)
        if name in RESERVED:
            raise ConditionSyntaxError(f"unexpected '{name}'", start, end,
                                       hint=f"'{name}' is an operator; it needs an operand on each side")
        return ast.Ident(start, end, name)

    def number(self, children: list[Token]) -> ast.Node:
        (token,) = children
        try:
            value = parse_number(str(token))
        except LiteralError as exc:
            raise _literal_error(exc, token) from None
        if isinstance(value, float):
            return ast.Float(_start(token), _end(token), value)
        return ast.Int(_start(token), _end(token), value)

    def string(self, children: list[Token]) -> ast.Node:
        (token,) = children
        try:
            return ast.Str(_start(token), _end(token), parse_string(str(token)))
        except LiteralError as exc:
            raise _string_error(exc, token, 1) from None

    def raw_string(self, children: list[Token]) -> ast.Node:
        (token,) = children
        return ast.Str(_start(token), _end(token), parse_raw_string(str(token)))

    def bytes_literal(self, children: list[Token]) -> ast.Node:
        (token,) = children
        try:
            return ast.Bytes(_start(token), _end(token), parse_bytes(str(token)))
        except LiteralError as exc:
            raise _string_error(exc, token, 2) from None

    def array(self, children: list[Any]) -> ast.Node:
        bracket = children[0]
        items = tuple(_node(c) for c in children[1:] if c is not None)
        end = max([_end(bracket), *(i.end for i in items)]) + 1
        return ast.Array(_start(bracket), end, items)

    def map(self, children: list[Any]) -> ast.Node:
        brace = children[0]
        pairs = tuple(c for c in children[1:] if c is not None)
        end = max([_end(brace), *(v.end for _, v in pairs)]) + 1
        return ast.Map(_start(brace), end, pairs)

    def pair(self, children: list[Any]) -> tuple[ast.Node, ast.Node]:
        key, value = children
        return key, _node(value)

    def map_key(self, children: list[Token]) -> ast.Node:
        (token,) = children
        start, end = _start(token), _end(token)
        if token.type == "STRING":
            return self.string(children)
        if token.type == "RAW_STRING":
            return self.raw_string(children)
        if str(token) in RESERVED:
            raise ConditionSyntaxError(f"unexpected '{token}'", start, end,
                                       hint=f"quote the key: \"{token}\"")
        # expr keeps a number key as it was written: {1: x} has the key "1".
        return ast.Str(start, end, str(token))

    def computed_key(self, children: list[Any]) -> ast.Node:
        return _node(children[1])

    def pointer(self, children: list[Token]) -> ast.Node:
        (token,) = children
        name = str(token)[1:]
        if name not in ("", "index", "acc"):
            raise ConditionSyntaxError(f"unknown predicate variable '#{name}'", _start(token), _end(token),
                                       hint="inside a predicate use '#' (the element), '#index' or '#acc'")
        return ast.Pointer(_start(token), _end(token), name)

    def pointer_method_call(self, children: list[Any]) -> ast.Node:
        # `.name(args)` in a predicate: the method `name` of the element, as `#.name(args)`.
        dot, name, args = children
        pointer = ast.Pointer(_start(dot), _end(dot), "")
        arguments, end = args
        return ast.MethodCall(_start(dot), end, pointer, str(name), arguments, False, _start(name), _end(name))

    def pointer_member(self, children: list[Token]) -> ast.Node:
        dot, name = children
        pointer = ast.Pointer(_start(dot), _end(dot), "")
        return ast.Member(_start(dot), _end(name), pointer, ast.Str(_start(name), _end(name), str(name)), False,
                          _start(name), _end(name), dot=True)


def _check_function_name(name: Token) -> None:
    if str(name) in RESERVED:
        raise ConditionSyntaxError(f"'{name}' is an operator, not a function", _start(name), _end(name))


def _predicate_end(lpar: Token, args: tuple[ast.Node, ...]) -> int:
    return max([_end(lpar), *(a.end for a in args)]) + 1


def _predicate_call(name: Token, args: tuple[ast.Node, ...], end: int, start: int,
                    piped: bool = False) -> ast.Node:
    fn = str(name)
    low, high = PREDICATE_ARITY[fn]
    if len(args) < low or len(args) > high:
        takes = f"{low}" if low == high else f"{low} or {high}"
        if low == 1:
            what = "an array and an optional predicate"
        elif high == 2:
            what = "an array and a predicate"
        else:
            what = "an array, a predicate and an optional third value"
        given = f"{len(args) - 1} after the pipe" if piped else str(len(args))
        raise ConditionSyntaxError(f"{fn}() takes {takes} arguments ({what}), not {given}", _start(name),
                                   _end(name), hint=f"for example {fn}(items, {{# > 0}})")
    if len(args) >= 2 and not isinstance(args[1], ast.Lambda):
        raise ConditionSyntaxError(f"the second argument of {fn}() must be a predicate", args[1].start, args[1].end)
    return ast.Call(start, end, fn, args, name_end=_end(name))


def _coalesce_mix(op_token: Token, op: str) -> ConditionSyntaxError:
    return ConditionSyntaxError(
        f"'??' cannot be followed by '{op}' without parentheses", _start(op_token), _end(op_token),
        hint=f"write (a ?? b) {op} c, or a ?? (b {op} c)",
    )


def _string_error(exc: LiteralError, token: Token, prefix: int) -> ConditionSyntaxError:
    start = _start(token) + prefix + exc.offset
    return ConditionSyntaxError(exc.message, start, start + 2)


_TRANSFORMER = _ToAst()


# Only short texts are cached, so the caches stay small whatever an admission request holds.
CACHEABLE_LENGTH = 2048


def parse(text: str) -> ast.Node:
    """The syntax tree of ``text``; raises ConditionSyntaxError (offsets into ``text``)."""
    if isinstance(text, str) and len(text) <= CACHEABLE_LENGTH:
        return _parse_cached(text)
    return _parse(text)


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> ast.Node:
    return _parse(text)


def _parse(text: str) -> ast.Node:
    if not isinstance(text, str):
        raise ConditionSyntaxError(f"a condition is text, not {type(text).__name__}", 0, 0)
    if len(text) > MAX_LENGTH:
        raise ConditionSyntaxError(f"the condition is {len(text)} characters long; the limit is {MAX_LENGTH}",
                                   MAX_LENGTH, MAX_LENGTH + 1)
    if not text.strip() or _only_comments(text):
        raise ConditionSyntaxError("the condition is empty", 0, max(len(text), 1),
                                   hint="write a boolean expression such as response.statusCode == 200")
    try:
        tree = _lark_parser(_TRANSFORMER).parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    except RecursionError:
        raise ConditionSyntaxError("the condition is nested too deeply", 0, 1) from None
    node: ast.Node = tree
    _check_tree(node)
    return node


def _only_comments(text: str) -> bool:
    stripped = text.strip()
    if stripped.startswith("//") and "\n" not in stripped:
        return True
    return stripped.startswith("/*") and stripped.endswith("*/") and stripped.count("*/") == 1


def _check_tree(root: ast.Node) -> None:
    """Limits (depth, size) and `#` outside a predicate, in one iterative pass."""
    stack: list[tuple[ast.Node, int, bool]] = [(root, 1, False)]
    count = 0
    while stack:
        node, depth, in_predicate = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ConditionSyntaxError(f"the condition is nested more than {MAX_DEPTH} levels deep",
                                       node.start, node.end, hint="split it with let variables")
        if count > MAX_NODES:
            raise ConditionSyntaxError(f"the condition has more than {MAX_NODES} parts", node.start, node.end)
        if isinstance(node, ast.Pointer) and not in_predicate:
            shown = "#" + node.name if node.name or node.end - node.start == 1 else "."
            raise ConditionSyntaxError(f"'{shown}' is only meaningful inside a predicate", node.start, node.end,
                                       hint="use it in the second argument of all, any, filter, map...")
        inner = in_predicate or isinstance(node, ast.Lambda)
        for child in node.children():
            stack.append((child, depth + 1, inner))


# -- turning lark's errors into ours

_SHOWN = {
    "_RPAR": "')'", "_RBRACK": "']'", "_RBRACE": "'}'", "_COLON": "':'", "_COMMA": "','", "SEMI": "';'",
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "EQ": "'=='", "LPAR": "'('",
    "QUESTION": "'?'", "PIPE": "'|'",
}
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def _syntax_error(text: str, exc: UnexpectedInput) -> ConditionSyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(text, exc.pos_in_stream or 0)
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        return _bad_token(text, exc.token, set(exc.expected))
    if isinstance(exc, UnexpectedToken | UnexpectedEOF):
        return _early_end(text)
    pos = getattr(exc, "pos_in_stream", 0) or 0
    return ConditionSyntaxError("the condition does not parse", pos, pos + 1)


def _bad_character(text: str, pos: int) -> ConditionSyntaxError:
    char = text[pos] if pos < len(text) else ""
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    if char in "\"'":
        return ConditionSyntaxError("string literal is not terminated", pos, line_end,
                                    hint=f"close it with {char} on the same line (escape a {char} inside as \\{char})")
    if char == "`":
        return ConditionSyntaxError("raw string is not terminated", pos, len(text), hint="close it with `")
    if text.startswith("/*", pos):
        return ConditionSyntaxError("comment is not closed", pos, pos + 2, hint="close it with */")
    if char == "&":
        return ConditionSyntaxError("unexpected '&'", pos, pos + 1, hint="write '&&' (or 'and')")
    if char == "'" or char == "\u2018" or char == "\u2019" or char in "\u201c\u201d":
        return ConditionSyntaxError(f"unexpected typographic quote {char!r}", pos, pos + 1,
                                    hint="use a plain ' or \" quote")
    shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
    return ConditionSyntaxError(f"unexpected character {shown}", pos, pos + 1)


def _bad_token(text: str, token: Token, expected: set[str]) -> ConditionSyntaxError:
    start, end = _start(token), _end(token)
    value = str(token)
    hint: str | None = None
    after_operand = "EQ" in expected or ("_RPAR" in expected and len(expected) == 1)
    opened = start - 1 if value == "*" and text[start - 1 : start] == "/" else start
    if text.startswith("/*", opened) and "*/" not in text[opened:]:
        return ConditionSyntaxError("comment is not closed", opened, opened + 2, hint="close it with */")
    if value == "=":
        hint = "compare with '=='"
    elif token.type in ("NAME", "PRED_FN", "NUMBER", "STRING", "RAW_STRING") and "EQ" in expected:
        hint = f"an operator is missing before '{value}'"
    elif value == "|" and after_operand:
        hint = "'|' passes a value to a function (a | lower()); for 'or' write '||'"
    elif expected:
        shown = sorted({_SHOWN[e] for e in expected if e in _SHOWN})
        if shown and len(shown) <= 4:
            hint = "expected " + " or ".join(shown)
    if value in RESERVED and token.type == "NAME":
        hint = f"'{value}' is an operator; it needs an operand on each side"
    return ConditionSyntaxError(f"unexpected '{value}'", start, end, hint=hint)


def _early_end(text: str) -> ConditionSyntaxError:
    opened = _unclosed_bracket(text)
    if opened is not None:
        char = text[opened]
        return ConditionSyntaxError(f"'{char}' is never closed", opened, opened + 1,
                                    hint=f"add the matching '{_CLOSERS[char]}'")
    end = len(text.rstrip())
    start = max(end - 1, 0)
    word = _is_word_char(text[start])
    # Back to the start of the last token: a run of word characters, or of operator characters.
    while start > 0 and not text[start - 1].isspace() and _is_word_char(text[start - 1]) == word \
            and text[start - 1] not in "()[]{}\"'`":
        start -= 1
    return ConditionSyntaxError("the condition ends too early", start, max(end, start + 1),
                                hint="an operand is missing at the end")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


def _unclosed_bracket(text: str) -> int | None:
    """Position of the innermost bracket still open at the end (strings and comments skipped)."""
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            close = i + 1
            while close < n and text[close] != c:
                close += 2 if text[close] == "\\" and c != "`" else 1
            i = close + 1
            continue
        if text.startswith("//", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if c in "([{":
            stack.append(i)
        elif c in ")]}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None
