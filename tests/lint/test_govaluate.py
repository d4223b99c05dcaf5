"""The `when` scanner answers as govaluate does under Argo (bare words are strings; no variables, no functions)."""

from __future__ import annotations

import re

import pytest

from webhook.validation import govaluate


def _check(text: str) -> govaluate.Problem | None:
    tags = [m.span() for m in re.finditer(r"\{\{.*?\}\}", text)]
    filled = re.sub(r"\{\{.*?\}\}", lambda m: "Q" * len(m[0]), text)
    return govaluate.check(filled, tags)


@pytest.mark.parametrize("text", [
    "{{steps.flip.outputs.result}} == heads",
    "'{{steps.flip.outputs.result}}' == 'go-ahead'",
    "{{tasks.a.status}} == Succeeded && {{tasks.b.status}} != Failed",
    "({{item}} > 5) || !false",
    "{{inputs.parameters.run}}",
    "{{item}} =~ '^a.*'",
    "{{workflow.parameters.count}} - 1 > 0",
    "true",
    "-1 < 0",
    "0x1F == 31",
    "{{x}} in ('a', 'b')",
    "a ?? b == c",
    "{{steps.a.outputs.result}}-{{steps.b.outputs.result}} == x",
])
def test_accepted(text: str) -> None:
    assert _check(text) is None


@pytest.mark.parametrize(("text", "message", "span"), [
    # The unquoted-hyphen trap: `go-ahead` is `go` minus `ahead`, and strings cannot be subtracted.
    ("{{steps.a.outputs.result}} == go-ahead", "'-' is arithmetic here", "go-ahead"),
    ("{{x}} == 'a' - 1", "'-' is arithmetic here", "'a' - 1"),
    ("{{x}} = heads", "'=' is not an operator", "="),
    ("{{x}} == v1.2", "read as a field access", "v1.2"),
    ("{{x}} == 1.2.3", "'1.2.3' is not a number", "1.2.3"),
    ("{{x}} == heads or tails", "follows 'heads' with no operator", "heads or"),
    ("({{x}} == a", "'(' is never closed", None),
    ("{{x}} == a)", "')' closes no '('", ")"),
    ("{{x}} ==", "ends after '=='", "=="),
    ("len({{x}}) > 1", "not a function", "len("),
    ("{{x}} == 'open", "never closed", "'"),
    ("heads", "is not true or false", "heads"),
    ("{{x}} == && a", "'&&' cannot come after '=='", "&&"),
])
def test_refused(text: str, message: str, span: str | None) -> None:
    problem = _check(text)
    assert problem is not None and message in problem.message, problem
    if span is not None:
        assert text[problem.start:problem.end] == span


def test_linear_in_the_length_of_the_condition() -> None:
    import time

    def took(n: int) -> float:
        text = " && ".join(["{{x}} == a"] * n)
        start = time.perf_counter()
        assert _check(text) is None
        return time.perf_counter() - start

    small, large = took(2_000), took(20_000)
    assert large < small * 30
