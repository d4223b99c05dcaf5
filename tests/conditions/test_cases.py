"""Every case of cases.py evaluates to its expected value, or fails the expected way."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.conditions.cases import CASES, ENV, Fails, Refused
from webhook.conditions import ConditionError, EvaluationError, compile_condition


def same(a: Any, b: Any) -> bool:
    """Equal with types: 1, 1.0 and True are three different values here; NaN equals NaN.

    A nil slice (a missing header) compares as the empty array it behaves as.
    """
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    return bool(a == b)


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 250
    assert len({text for text, _ in CASES}) == len(CASES), "a case is listed twice"


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_case(text: str, expected: Any) -> None:
    if isinstance(expected, Refused):
        with pytest.raises(ConditionError) as refused:
            compile_condition(text, ENV)
        assert not isinstance(refused.value, EvaluationError)
        assert expected.words in refused.value.message
        return
    compiled = compile_condition(text, ENV)
    if isinstance(expected, Fails):
        with pytest.raises(EvaluationError) as failed:
            compiled.evaluate(ENV)
        assert expected.words in failed.value.message
        assert not failed.value.internal
        return
    value = compiled.evaluate(ENV)
    assert same(value, expected), f"{text!r} gave {value!r}, expected {expected!r}"
