"""The one-pass ``{{ … }}`` scanner finds what the regexes it replaced found, on every input for the lazy
``{{.*?}}`` form and on ordinary tags for the others, and the condition masking round-trips."""

from __future__ import annotations

import functools
import re
import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from webhook.conditions.tags import mask_tags, unmask_tags
from webhook.resources import lark_parser
from webhook.templating import (
    Expression,
    Piece,
    Reference,
    TemplateSyntaxError,
    Text,
    has_closed_tag,
    parse_template,
    replace_tags,
    tag_spans,
)

# What the validators used before (webhook/conditions/tags.py, validation/http.py, validation/structure.py).
LAZY = re.compile(r"\{\{.*?\}\}", re.S)
NO_BRACE = re.compile(r"\{\{[^}]*\}\}")
EXPRESSION = re.compile(r"\{\{\s*=.+?\}\}", re.S)

# Short strings over the characters that matter, so that every corner (a lone '{' or '}', '{{{', '}}}',
# unclosed tags, newlines inside tags) comes up often.
soup = st.text(alphabet="{}=ab .\n", max_size=40)
# Ordinary manifest text: words and well-formed tags (references and expressions) without a lone '}'.
word = st.text(alphabet="abcxyz-_./: ", min_size=0, max_size=8)
tag = st.one_of(
    st.builds(lambda w: "{{" + w + "}}", word),
    st.builds(lambda w: "{{=" + w + "}}", word.filter(bool)),
    st.builds(lambda w: "{{ " + w + " }}", word),
)
ordinary = st.lists(st.one_of(word, tag), max_size=8).map("".join)


@given(soup)
@settings(max_examples=1000, deadline=None)
def test_spans_are_the_lazy_regex_matches_on_any_text(text: str) -> None:
    assert tag_spans(text) == [m.span() for m in LAZY.finditer(text)]
    assert replace_tags(text, "x") == LAZY.sub("x", text)
    assert replace_tags(text, lambda t: f"<{t}>") == LAZY.sub(lambda m: f"<{m.group(0)}>", text)
    assert has_closed_tag(text) == (LAZY.search(text) is not None)


@given(ordinary)
@settings(max_examples=500, deadline=None)
def test_on_ordinary_text_every_old_pattern_agrees(text: str) -> None:
    assert replace_tags(text, "x") == NO_BRACE.sub("x", text)
    # The resource-manifest probe replaced expression tags first, then the others.
    old_probe = NO_BRACE.sub("placeholder", EXPRESSION.sub("placeholder", text))
    assert replace_tags(text, "placeholder") == old_probe


def _old_mask(text: str) -> tuple[str, dict[str, str]]:
    tags: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        number = str(len(tags))
        name = "_" * (len(match.group(0)) - len(number)) + number
        tags[name] = match.group(0)
        return name

    return LAZY.sub(placeholder, text), tags


def _old_unmask(text: str, tags: dict[str, str]) -> str:
    if not tags:
        return text
    pattern = re.compile("|".join(re.escape(name) for name in sorted(tags, key=len, reverse=True)))
    return pattern.sub(lambda m: tags[m.group(0)], text)


condition = st.lists(st.one_of(st.sampled_from(["a", "1", "_", "__", " == ", " && ", "x_", "9"]), tag),
                     max_size=10).map("".join)


@given(condition)
@settings(max_examples=500, deadline=None)
def test_masking_is_what_it_was_and_round_trips(text: str) -> None:
    masked, tags = mask_tags(text)
    old_masked, old_tags = _old_mask(text)
    if all(len(t) > len(str(i)) for i, t in enumerate(old_tags.values())):
        assert (masked, tags) == (old_masked, old_tags)
    assert len(masked) == len(text) or any(len(t) <= len(str(i)) for i, t in enumerate(tags.values()))
    assert unmask_tags(masked, tags) == _old_unmask(masked, tags)
    if "_" not in text:
        assert unmask_tags(masked, tags) == text
    # What the printer may make of the masked text: pieces moved around and glued to other words.
    shuffled = " + ".join(reversed(masked.split(" "))) + "_9"
    assert unmask_tags(shuffled, tags) == _old_unmask(shuffled, tags)


def test_a_long_run_of_braces_is_scanned_in_one_pass() -> None:
    # Each of these took the replaced regexes seconds (60,000 '{' held a server for 13 s).
    started = time.perf_counter()
    for text in ("{" * 400_000, "{{" * 200_000 + "}", "{{=" * 130_000, "{{a}" * 100_000):
        tag_spans(text)
        replace_tags(text, "x")
        has_closed_tag(text)
        masked, tags = mask_tags(text)
        unmask_tags(masked, tags)
    assert time.perf_counter() - started < 1.0


def test_unmasking_many_tags_is_linear() -> None:
    text = " + ".join("{{inputs.parameters.p" + str(i) + "}}" for i in range(20_000))
    started = time.perf_counter()
    masked, tags = mask_tags(text)
    assert unmask_tags(masked, tags) == text
    assert time.perf_counter() - started < 1.0


def _grammar_pieces(text: str) -> tuple[Piece, ...] | TemplateSyntaxError:
    """What grammar/template.lark makes of ``text`` (how parse_template worked before it was a scan)."""
    from lark import Token, Tree
    from lark.exceptions import LarkError

    if "{{" not in text:
        return (Text(text, 0, len(text)),) if text else ()
    try:
        tree = _grammar().parse(text)
    except LarkError:
        return TemplateSyntaxError("", 0, 0)
    pieces: list[Piece] = []
    for child in tree.children:
        if isinstance(child, Token):
            pieces.append(Text(str(child), child.start_pos or 0, child.end_pos or 0))
            continue
        assert isinstance(child, Tree)
        open_tok, inner, close_tok = child.children
        start, end = open_tok.start_pos or 0, close_tok.end_pos or 0
        body = [t for t in inner.children if isinstance(t, Token) and t.type == "BODY"]
        raw = str(body[0]) if body else ""
        raw_start = body[0].start_pos or 0 if body else start + 2 + (1 if inner.data == "expression" else 0)
        if inner.data == "expression":
            pieces.append(Expression(raw, start, end, raw_start))
        else:
            lead = len(raw) - len(raw.lstrip())
            pieces.append(Reference(raw.strip(), start, end, raw_start + lead))
    return tuple(pieces)


@functools.lru_cache(maxsize=1)
def _grammar() -> Any:
    return lark_parser("template.lark", lexer="contextual", propagate_positions=False)


@given(st.one_of(soup, ordinary, condition))
@settings(max_examples=400, deadline=None)
def test_parse_template_is_what_the_grammar_says(text: str) -> None:
    expected = _grammar_pieces(text)
    try:
        got: tuple[Piece, ...] | TemplateSyntaxError = parse_template(text)
    except TemplateSyntaxError as exc:
        got = exc
    if isinstance(expected, TemplateSyntaxError):
        assert isinstance(got, TemplateSyntaxError), got
    else:
        assert got == expected
