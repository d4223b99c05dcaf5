"""Would Argo's `when` evaluator accept this text? A scanner for the govaluate language (Knetic/govaluate).

Argo substitutes a step's `{{...}}` tags, hands the text to govaluate, turns every bare
word (a govaluate variable) into a string, and evaluates with no variables and no
functions. So a `when` fails at run time when the text does not scan, when its tokens
follow each other in an order govaluate refuses, when parentheses do not balance,
when a dotted bare word is read as a field access (there is no object to read it
from), or when arithmetic meets a bare word (`my-value` is `my` minus `value`).

The caller replaces each tag by a run of letters of the same length, so offsets stay
those of the original text, and passes the spans of the tags: a token made from a
tag has a value only known at run time and is never blamed.

One pass over the text, one over the tokens (a binary search per token for the tags).
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Kind(enum.Enum):
    NUMERIC = "number"
    BOOLEAN = "boolean"
    STRING = "string"
    VARIABLE = "word"
    ACCESSOR = "dotted word"
    PREFIX = "prefix operator"
    MODIFIER = "operator"
    LOGICALOP = "logical operator"
    COMPARATOR = "comparison"
    TERNARY = "ternary operator"
    CLAUSE = "'('"
    CLAUSE_CLOSE = "')'"
    SEPARATOR = "','"


_VALUES = frozenset({Kind.NUMERIC, Kind.BOOLEAN, Kind.STRING, Kind.VARIABLE, Kind.ACCESSOR})
_OPERAND_START = frozenset({Kind.PREFIX, Kind.NUMERIC, Kind.BOOLEAN, Kind.VARIABLE, Kind.ACCESSOR, Kind.STRING,
                            Kind.CLAUSE})
# What may follow what (govaluate's lexer states); None is the start of the text.
_NEXT: dict[Kind | None, frozenset[Kind]] = {
    None: _OPERAND_START,
    Kind.CLAUSE: _OPERAND_START | {Kind.CLAUSE_CLOSE},
    Kind.CLAUSE_CLOSE: frozenset({Kind.COMPARATOR, Kind.MODIFIER, Kind.NUMERIC, Kind.BOOLEAN, Kind.VARIABLE,
                                  Kind.STRING, Kind.CLAUSE, Kind.CLAUSE_CLOSE, Kind.LOGICALOP, Kind.TERNARY,
                                  Kind.SEPARATOR}),
    Kind.MODIFIER: _OPERAND_START | {Kind.CLAUSE_CLOSE},
    Kind.COMPARATOR: _OPERAND_START | {Kind.CLAUSE_CLOSE},
    Kind.LOGICALOP: _OPERAND_START | {Kind.CLAUSE_CLOSE},
    Kind.PREFIX: frozenset({Kind.NUMERIC, Kind.BOOLEAN, Kind.VARIABLE, Kind.ACCESSOR, Kind.CLAUSE,
                            Kind.CLAUSE_CLOSE}),
    Kind.TERNARY: _OPERAND_START | {Kind.SEPARATOR},
    Kind.ACCESSOR: frozenset({Kind.CLAUSE, Kind.MODIFIER, Kind.COMPARATOR, Kind.LOGICALOP, Kind.CLAUSE_CLOSE,
                              Kind.TERNARY, Kind.SEPARATOR}),
    Kind.SEPARATOR: _OPERAND_START,
}
for _value in (Kind.NUMERIC, Kind.BOOLEAN, Kind.STRING, Kind.VARIABLE):
    _NEXT[_value] = frozenset({Kind.MODIFIER, Kind.COMPARATOR, Kind.LOGICALOP, Kind.CLAUSE_CLOSE, Kind.TERNARY,
                               Kind.SEPARATOR})
# Where the text may end.
_FINAL = frozenset({Kind.CLAUSE_CLOSE, Kind.NUMERIC, Kind.BOOLEAN, Kind.STRING, Kind.VARIABLE, Kind.ACCESSOR})

_PREFIXES = frozenset({"-", "!", "~"})
_MODIFIERS = frozenset({"+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"})
_LOGICAL = frozenset({"&&", "||"})
_COMPARATORS = frozenset({"==", "!=", ">", ">=", "<", "<=", "=~", "!~"})
_TERNARY = frozenset({"?", ":", "??"})
# Operators that need numbers on both sides ('+' also joins strings).
_NUMERIC_ONLY = frozenset({"-", "*", "/", "%", "**", ">>", "<<", "&", "|", "^"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    start: int
    end: int
    # Made (at least partly) from a `{{...}}` tag: its value is only known at run time.
    dynamic: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    start: int
    end: int
    hint: str | None = None


class _Scan:
    def __init__(self, text: str, tags: Sequence[tuple[int, int]]) -> None:
        self.text = text
        # Tags do not overlap: sorted by start, their ends are sorted too.
        self.tags = sorted(tags)
        self.ends = [e for _, e in self.tags]
        self.pos = 0
        self.tokens: list[Token] = []

    def dynamic(self, start: int, end: int) -> bool:
        """Does [start, end) overlap a tag? (a binary search: the scan stays n log n)"""
        i = bisect.bisect_right(self.ends, start)
        return i < len(self.tags) and self.tags[i][0] < end

    def word(self, pred: object) -> str:
        text, i = self.text, self.pos
        while i < len(text) and pred(text[i]):  # type: ignore[operator]
            i += 1
        out = text[self.pos:i]
        self.pos = i
        return out


def _is_word(c: str) -> bool:
    return c.isalnum() or c in "_."


def _is_numeric(c: str) -> bool:
    return c.isdigit() or c == "."


def _is_symbol(c: str) -> bool:
    return not (c.isdigit() or c.isalpha() or c in "()[]'\"") and not c.isspace()


def tokens(text: str, tags: Sequence[tuple[int, int]] = ()) -> list[Token] | Problem:
    """The tokens of ``text``, or the first reason govaluate cannot scan it."""
    s = _Scan(text, tags)
    n = len(text)
    while s.pos < n:
        c = text[s.pos]
        start = s.pos
        if c.isspace():
            s.pos += 1
            continue
        previous = s.tokens[-1].kind if s.tokens else None
        dynamic = s.dynamic(start, start + 1)
        if c.isdigit() or c == ".":
            if text.startswith(("0x", "0X"), start):
                s.pos += 2
                digits = s.word(lambda ch: ch in "0123456789abcdefABCDEF")
                if not digits:
                    return Problem("'0x' is not followed by hexadecimal digits", start, s.pos)
            else:
                number = s.word(_is_numeric)
                if not _parses_as_float(number) and not s.dynamic(start, s.pos):
                    return Problem(f"{number!r} is not a number", start, s.pos,
                                   hint="quote it if it is text: '...'")
            kind = Kind.NUMERIC
        elif c == ",":
            s.pos += 1
            kind = Kind.SEPARATOR
        elif c == "[":
            close = _closing(text, start + 1, "]")
            if close < 0:
                return Problem("'[' is never closed with ']'", start, start + 1)
            s.pos = close + 1
            kind = Kind.VARIABLE
        elif c.isalpha():
            word = s.word(_is_word)
            dynamic = s.dynamic(start, s.pos)
            kind = Kind.VARIABLE
            if word in ("true", "false"):
                kind = Kind.BOOLEAN
            elif word in ("in", "IN"):
                kind = Kind.COMPARATOR
            elif "." in word and not dynamic:
                return Problem(f"the bare word {word!r} is read as a field access, which fails", start, s.pos,
                               hint=f"quote it: '{word}'")
            elif "." in word:
                kind = Kind.ACCESSOR if word.index(".") > 0 else Kind.VARIABLE
        elif c in "'\"":
            close = _closing(text, start + 1, "'\"")
            if close < 0:
                return Problem("a string is never closed", start, start + 1)
            s.pos = close + 1
            kind = Kind.STRING
        elif c == "(":
            s.pos += 1
            kind = Kind.CLAUSE
        elif c == ")":
            s.pos += 1
            kind = Kind.CLAUSE_CLOSE
        else:
            symbol = s.word(_is_symbol)
            if symbol in _PREFIXES and Kind.PREFIX in _NEXT[previous]:
                kind = Kind.PREFIX
            elif symbol in _MODIFIERS:
                kind = Kind.MODIFIER
            elif symbol in _LOGICAL:
                kind = Kind.LOGICALOP
            elif symbol in _COMPARATORS:
                kind = Kind.COMPARATOR
            elif symbol in _TERNARY:
                kind = Kind.TERNARY
            else:
                return Problem(f"{symbol!r} is not an operator", start, s.pos,
                               hint="quote text that is not an expression: '...'")
        s.tokens.append(Token(kind, text[start:s.pos], start, s.pos, dynamic or s.dynamic(start, s.pos)))
    return s.tokens


def _parses_as_float(number: str) -> bool:
    try:
        float(number)
    except ValueError:
        return False
    return True


def _closing(text: str, start: int, closers: str) -> int:
    """Offset of the first unescaped closer at or after ``start``; -1 if none."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in closers:
            return i
        i += 1
    return -1


def check(text: str, tags: Sequence[tuple[int, int]] = ()) -> Problem | None:
    """The first reason Argo's `when` evaluation of ``text`` (tags substituted) fails, or None."""
    scanned = tokens(text, tags)
    if isinstance(scanned, Problem):
        return scanned
    if not scanned:
        return None
    previous: Token | None = None
    depth = 0
    for tok in scanned:
        touching_tag = previous is not None and previous.end == tok.start and (previous.dynamic or tok.dynamic)
        if tok.kind not in _NEXT[previous.kind if previous else None] and not touching_tag:
            if previous is not None and previous.kind is Kind.VARIABLE and tok.kind is Kind.CLAUSE:
                return Problem(f"{previous.text!r} is not a function (no functions are available)",
                               previous.start, tok.end)
            if previous is not None and previous.kind in _VALUES and tok.kind in _VALUES:
                return Problem(f"{tok.text!r} follows {previous.text!r} with no operator between them",
                               previous.start, tok.end, hint="quote text with spaces as one string: '...'")
            after = f"after {previous.text!r}" if previous is not None else "at the start"
            return Problem(f"{tok.text!r} cannot come {after}", tok.start, tok.end)
        if tok.kind is Kind.CLAUSE:
            depth += 1
        elif tok.kind is Kind.CLAUSE_CLOSE:
            depth -= 1
            if depth < 0:
                return Problem("')' closes no '('", tok.start, tok.end)
        previous = tok
    assert previous is not None
    if previous.kind not in _FINAL:
        return Problem(f"the expression ends after {previous.text!r}", previous.start, previous.end)
    if depth:
        return Problem("a '(' is never closed", scanned[0].start, previous.end)
    return _arithmetic_on_words(scanned) or _not_boolean(scanned)


def _arithmetic_on_words(toks: list[Token]) -> Problem | None:
    """Bare words become strings: arithmetic beside one fails (the unquoted-hyphen trap)."""
    for i, tok in enumerate(toks):
        if tok.kind is not Kind.MODIFIER or tok.text not in _NUMERIC_ONLY:
            continue
        left = toks[i - 1] if i > 0 else None
        right = toks[i + 1] if i + 1 < len(toks) else None
        for side in (left, right):
            if side is not None and side.kind in (Kind.VARIABLE, Kind.STRING) and not side.dynamic:
                whole = _joined(toks, i)
                return Problem(f"'{tok.text}' is arithmetic here, and {side.text!r} is not a number",
                               (left or tok).start, (right or tok).end,
                               hint=f"quote it if it is one value: '{whole}'" if whole else None)
    return None


def _joined(toks: list[Token], i: int) -> str | None:
    """``my-value`` when tokens i-1, i, i+1 touch each other (a hyphenated word), else None."""
    if 0 < i < len(toks) - 1 and toks[i - 1].end == toks[i].start and toks[i].end == toks[i + 1].start:
        return "".join(t.text for t in toks[i - 1:i + 2])
    return None


def _not_boolean(toks: list[Token]) -> Problem | None:
    if len(toks) == 1 and toks[0].kind in (Kind.NUMERIC, Kind.STRING, Kind.VARIABLE) and not toks[0].dynamic:
        return Problem(f"{toks[0].text!r} is not true or false", toks[0].start, toks[0].end,
                       hint="compare it: <value> == <value>")
    return None
