"""Argo ``{{...}}`` template tags: parsing (grammar/template.lark) and substitution.

``parse_template`` splits a string into text, references and expression tags,
each with its character span; the validator resolves references in scope and
the executor substitutes values with ``render``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from webhook.text_cache import short_text_cache


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Reference:
    """``{{ path }}``: ``path`` is trimmed; ``body_start`` is where it starts in the string."""

    path: str
    start: int
    end: int
    body_start: int

    @property
    def body_span(self) -> tuple[int, int]:
        return (self.body_start, self.body_start + max(len(self.path), 1))


@dataclass(frozen=True, slots=True)
class Expression:
    """``{{=source}}``: ``source`` is the expr-lang text as written; ``body_start`` is its offset."""

    source: str
    start: int
    end: int
    body_start: int


Piece = Text | Reference | Expression


class TemplateSyntaxError(ValueError):
    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


def has_tags(text: str) -> bool:
    return "{{" in text


def tag_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every closed tag, left to right: from '{{' to the first '}}' after it.

    The same tags a ``{{.*?}}`` regex finds (and the grammar's, without the error for
    an unclosed '{{'), in one pass: a backtracking regex retries from every '{' of a
    long run of them, which is quadratic in the run (60,000 '{' took seconds).
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return spans
        close = text.find("}}", start + 2)
        if close < 0:
            # No '}}' after this '{{', hence none after any later one.
            return spans
        pos = close + 2
        spans.append((start, pos))


def has_closed_tag(text: str) -> bool:
    """True when ``text`` holds at least one closed ``{{ … }}`` tag."""
    start = text.find("{{")
    return start >= 0 and text.find("}}", start + 2) >= 0


def replace_tags(text: str, replacement: str | Callable[[str], str]) -> str:
    """``text`` with every closed tag (see ``tag_spans``) replaced; a callable gets the tag's text."""
    spans = tag_spans(text)
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(replacement if isinstance(replacement, str) else replacement(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# Tags recur across the rules of one validation and across the objects of one manifest; long texts (a body
# of megabytes) are scanned on each call rather than kept.
@short_text_cache(maxsize=8192, longest=4096)
def parse_template(text: str) -> tuple[Piece, ...]:
    """Pieces of ``text`` in order. Raises TemplateSyntaxError for a '{{' that is never closed.

    A single left-to-right scan that gives what grammar/template.lark describes (the
    grammar stays the specification; tests/linear/test_tag_scanner.py checks the two
    agree): a tag runs from '{{' to the first '}}', and is an expression when '='
    follows '{{' at once. Parsing with Lark cost about a millisecond a string.
    """
    if "{{" not in text:
        return (Text(text, 0, len(text)),) if text else ()
    pieces: list[Piece] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        close = text.find("}}", start + 2)
        if close < 0:
            raise TemplateSyntaxError("'{{' is never closed with '}}'", start, start + 2)
        if start > pos:
            pieces.append(Text(text[pos:start], pos, start))
        end = close + 2
        if text.startswith("=", start + 2):
            pieces.append(Expression(text[start + 3 : close], start, end, start + 3))
        else:
            raw = text[start + 2 : close]
            lead = len(raw) - len(raw.lstrip())
            pieces.append(Reference(raw.strip(), start, end, start + 2 + lead))
        pos = end
    if pos < len(text):
        pieces.append(Text(text[pos:], pos, len(text)))
    return tuple(pieces)


def render(
    text: str,
    resolve: Callable[[Reference], str | None],
    evaluate: Callable[[Expression], str] | None = None,
) -> str:
    """Substitute tags. A reference ``resolve`` returns None for is kept as written (as Argo does)."""
    if "{{" not in text:
        return text
    out: list[str] = []
    for piece in parse_template(text):
        if isinstance(piece, Text):
            out.append(piece.text)
        elif isinstance(piece, Reference):
            value = resolve(piece)
            out.append(text[piece.start : piece.end] if value is None else value)
        elif evaluate is not None:
            out.append(evaluate(piece))
        else:
            out.append(text[piece.start : piece.end])
    return "".join(out)
