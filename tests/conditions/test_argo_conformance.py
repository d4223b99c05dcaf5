"""Argo's answer, class by class (argo_cases.py): argo_outcome gives expr's value, compile error, runtime error
or non-boolean for each condition, and the fused fast paths mean exactly what the closures mean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conditions.argo_cases import BODY_FROM_CASES, CLASSES, ENV, ENV_BODY_FROM, Compile, NotBool, Runtime
from webhook.conditions import ConditionError, EvaluationError
from webhook.conditions.argo import COMPILE, FALSE, NOT_BOOLEAN, RUNTIME, TRUE, argo_outcome, go_string
from webhook.conditions.compiling import ARGO_NATURES, prepare
from webhook.conditions.evaluator import compile_node

CASES = [(cls, text, expected, ENV) for cls, cases in CLASSES.items() for text, expected in cases]
CASES += [("bodyFrom", text, expected, ENV_BODY_FROM) for text, expected in BODY_FROM_CASES]
IDS = [f"{cls}: {text[:50]}" for cls, text, _, _ in CASES]


def test_every_class_of_the_issue_has_cases() -> None:
    assert {"untyped fields", "compile errors", "constant folding", "let", "$env", "regular expressions",
            "predicate bodies", "fromJSON", "map literals", "typed nil", "toPairs", "http.Header",
            "bodyBytes"} <= set(CLASSES)
    assert all(len(cases) >= 4 for cases in CLASSES.values())
    texts = [text for _, text, _, _ in CASES]
    assert len(texts) == len(set(texts)), "a case is listed twice"


@pytest.mark.parametrize(("cls", "text", "expected", "env"), CASES, ids=IDS)
def test_argo_gives_this(cls: str, text: str, expected: Any, env: dict[str, Any]) -> None:
    outcome = argo_outcome(text, env)
    if isinstance(expected, Compile):
        assert outcome.kind == COMPILE, (outcome.kind, outcome.message)
        assert expected.words in outcome.message
        assert outcome.phase == "Failed"
    elif isinstance(expected, Runtime):
        assert outcome.kind == RUNTIME, (outcome.kind, outcome.message)
        assert expected.words in outcome.message
        assert outcome.message.startswith(f"unable to evaluate expression '{text}': ")
    elif isinstance(expected, NotBool):
        assert outcome.kind == NOT_BOOLEAN, (outcome.kind, outcome.message)
        assert expected.words in go_string(outcome.value)
        assert outcome.message.startswith("unable to cast expression result '")
    else:
        assert outcome.kind == (TRUE if expected else FALSE), (outcome.kind, outcome.message)
        assert outcome.succeeded is expected
        if not expected:
            assert outcome.message == f"successCondition '{text}' evaluated false"


def _run(text: str, env: dict[str, Any], fuse: bool) -> tuple[str, Any]:
    try:
        tree, strict = prepare(text, ARGO_NATURES, dialect=False)
        compiled = compile_node(text, tree, fuse=fuse, strict_equal=strict)
    except ConditionError as exc:
        return "compile", exc.message
    try:
        return "value", compiled.evaluate(env)
    except EvaluationError as exc:
        return "error", (exc.message, exc.start, exc.end)


@pytest.mark.parametrize(("cls", "text", "expected", "env"), CASES, ids=IDS)
def test_fused_and_closures_agree(cls: str, text: str, expected: Any, env: dict[str, Any]) -> None:
    fused, closures = _run(text, env, True), _run(text, env, False)
    assert fused[0] == closures[0]
    if fused[0] == "value":
        assert repr(fused[1]) == repr(closures[1])
    else:
        assert fused[1] == closures[1]
