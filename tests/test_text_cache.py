"""The per-text caches keep short texts only: an object's megabyte string is never held between reviews."""

from __future__ import annotations

import pytest

from webhook.templating import TemplateSyntaxError, parse_template
from webhook.text_cache import short_text_cache


def test_short_texts_are_remembered_long_ones_worked_out_each_time() -> None:
    calls: list[str] = []

    @short_text_cache(maxsize=2, longest=5)
    def length(text: str) -> int:
        calls.append(text)
        return len(text)

    assert [length("abc"), length("abc"), length("abcdef"), length("abcdef")] == [3, 3, 6, 6]
    assert calls == ["abc", "abcdef", "abcdef"]
    length("x"), length("y"), length("abc")  # least recently used first out: "abc" is worked out again
    assert calls[-1] == "abc" and len(calls) == 6


def test_a_call_that_raises_is_not_remembered() -> None:
    calls = 0

    @short_text_cache(maxsize=4, longest=100)
    def refuse(text: str) -> str:
        nonlocal calls
        calls += 1
        raise ValueError(text)

    for _ in range(2):
        with pytest.raises(ValueError):
            refuse("bad")
    assert calls == 2


def test_the_tag_parser_answers_long_texts_as_before() -> None:
    long = "x" * 5000 + "{{inputs.parameters.a}}"
    assert parse_template(long) == parse_template(long)
    assert parse_template(long)[-1].start == 5000
    with pytest.raises(TemplateSyntaxError):
        parse_template("{" * 5000 + "{{")
