"""``format_path``: the text of a finding's path, the same whether its key segments were kept or not."""

from __future__ import annotations

import pytest

from webhook.diagnostics import _KEY_SEGMENTS, JsonPath, format_path

LONG_KEY = "k" * 100


@pytest.mark.parametrize(("path", "text"), [
    ((), ""),
    (("spec", "templates", 2, "http"), "spec.templates[2].http"),
    ((0, "name"), "[0].name"),
    (("a b", "c-d", "e_f"), '["a b"].c-d.e_f'),
    (("x", 'say "hi"', "back\\slash"), 'x["say \\"hi\\""]["back\\\\slash"]'),
    (("-",), "-"),
    (("metadata", LONG_KEY), f"metadata.{LONG_KEY}"),
    (("é", "ключ"), "é.ключ"),
])
def test_paths_read_the_same_on_first_and_later_use(path: JsonPath, text: str) -> None:
    assert format_path(path) == text
    assert format_path(path) == text  # with the segments now kept


def test_long_keys_are_not_kept() -> None:
    format_path(("spec", LONG_KEY))
    assert LONG_KEY not in _KEY_SEGMENTS
    assert _KEY_SEGMENTS["spec"] == ".spec"
