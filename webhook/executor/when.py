"""Evaluate a step's ``when`` (after substitution) as Argo does with govaluate; grammar in grammar/when.lark.

Bare words are strings, numbers are floats, ``==`` compares type and value
(``5 == "5"`` is false), ordering needs two numbers or two strings, ``+`` joins
when either side is a string, and ``&&``/``||``/``!`` need booleans. The result
must be a boolean. Regular expressions are RE2 (Go's regexp), searched, not
anchored, as ``regexp.MatchString`` does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Tree

Value = bool | float | str


class WhenError(ValueError):
    pass


@lru_cache(maxsize=1)
def _parser() -> Lark:
    from webhook.resources import lark_parser

    return lark_parser("when.lark")


@lru_cache(maxsize=2048)
def _parse(text: str) -> Tree[Any]:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    try:
        return _parser().parse(text)
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise WhenError(f"invalid 'when' expression '{text}': it ends too early") from None
        raise WhenError(f"invalid 'when' expression '{text}': unexpected '{exc.token}' at column {exc.column} "
                        "(hint: quote values that contain spaces or symbols)") from None
    except UnexpectedCharacters as exc:
        raise WhenError(f"invalid 'when' expression '{text}': unexpected {text[exc.pos_in_stream or 0]!r} at column "
                        f"{exc.column} (hint: quote values that contain spaces or symbols)") from None
    except (UnexpectedEOF, UnexpectedInput):
        raise WhenError(f"invalid 'when' expression '{text}'") from None


def evaluate_when(text: str) -> bool:
    """Raises WhenError with a message like upstream's."""
    if not text.strip():
        return True
    result = _Evaluator(text).value(_parse(text))
    if not isinstance(result, bool):
        raise WhenError(f"expected boolean evaluation for '{text}', got {_show(result)}")
    return result


def _show(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    return repr(value)


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)


def _kind(value: Value) -> str:
    return "boolean" if isinstance(value, bool) else "number" if isinstance(value, float) else "string"


class _Evaluator:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, message: str) -> WhenError:
        return WhenError(f"failed to evaluate 'when' expression '{self.text}': {message}")

    def value(self, tree: Any) -> Value:
        kind = tree.data
        children = tree.children
        if kind == "string":
            return _unquote(str(children[0]))
        if kind == "number":
            token = str(children[0])
            return float(int(token, 16)) if token.startswith("0x") else float(token)
        if kind == "true":
            return True
        if kind == "false":
            return False
        if kind == "word":
            return str(children[0])
        if kind == "or_":
            return self.boolean(children[0], "||") or self.boolean(children[1], "||")
        if kind == "and_":
            return self.boolean(children[0], "&&") and self.boolean(children[1], "&&")
        if kind == "not_":
            return not self.boolean(children[0], "!")
        if kind == "neg":
            operand = self.value(children[1])
            if not isinstance(operand, float) or isinstance(operand, bool):
                raise self.fail(f"'-' needs a number, got {_show(operand)}")
            return -operand
        if kind == "compare":
            return self.compare(self.value(children[0]), str(children[1]), self.value(children[2]))
        if kind == "member":
            needle = self.value(children[0])
            options = [self.value(c) for c in children[2:] if c is not None]
            return any(_equal(needle, o) for o in options)
        if kind == "arith":
            return self.arith(self.value(children[0]), str(children[1]), self.value(children[2]))
        raise self.fail(f"unsupported construct '{kind}'")  # pragma: no cover - grammar and evaluator agree

    def boolean(self, tree: Any, operator: str) -> bool:
        value = self.value(tree)
        if not isinstance(value, bool):
            raise self.fail(f"'{operator}' needs true or false, got {_show(value)}")
        return value

    def compare(self, left: Value, op: str, right: Value) -> bool:
        if op == "==":
            return _equal(left, right)
        if op == "!=":
            return not _equal(left, right)
        if op in ("=~", "!~"):
            if not isinstance(left, str) or not isinstance(right, str):
                raise self.fail(f"'{op}' needs two strings, got {_show(left)} and {_show(right)}")
            import re2

            try:
                found = re2.search(right, left) is not None
            except re2.error as exc:
                raise self.fail(f"regular expression {right!r} does not compile ({exc})") from None
            return found if op == "=~" else not found
        both_numbers = isinstance(left, float) and isinstance(right, float) \
            and not isinstance(left, bool) and not isinstance(right, bool)
        both_strings = isinstance(left, str) and isinstance(right, str)
        if not (both_numbers or both_strings):
            raise self.fail(f"cannot compare {_show(left)} ({_kind(left)}) with {_show(right)} ({_kind(right)}) "
                            f"using '{op}'")
        a: Any = left
        b: Any = right
        if op == ">":
            return bool(a > b)
        if op == ">=":
            return bool(a >= b)
        if op == "<":
            return bool(a < b)
        return bool(a <= b)

    def arith(self, left: Value, op: str, right: Value) -> Value:
        numbers = isinstance(left, float) and isinstance(right, float)
        if op == "+" and not numbers and not isinstance(left, bool) and not isinstance(right, bool):
            return _text(left) + _text(right)
        if not numbers:
            hint = " (hint: quote text that contains '-', e.g. '{{item}}')" if op == "-" else ""
            raise self.fail(f"'{op}' needs two numbers, got {_show(left)} and {_show(right)}{hint}")
        assert isinstance(left, float) and isinstance(right, float)
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            raise self.fail(f"division by zero in '{_number_text(left)} {op} 0'")
        return left / right if op == "/" else float(int(left) % int(right))


def _text(value: Value) -> str:
    return _number_text(value) if isinstance(value, float) else str(value)


def _equal(left: Value, right: Value) -> bool:
    return type(left) is type(right) and left == right


def _unquote(token: str) -> str:
    body = token[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
            continue
        out.append(body[i])
        i += 1
    return "".join(out)
