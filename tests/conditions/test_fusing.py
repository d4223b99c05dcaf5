"""The fused function of a condition means exactly what its closures mean: same values, same errors and spans."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.conditions.cases import CASES, ENV
from tests.conditions.test_cases import same
from tests.conditions.test_properties import expressions
from webhook.conditions import ConditionError, EvaluationError
from webhook.conditions.compiling import prepare
from webhook.conditions.evaluator import compile_node
from webhook.conditions.natures import nature_of
from webhook.conditions.values import Headers


def _outcome(text: str, env: Any, fuse: bool) -> tuple[str, Any]:
    try:
        natures = {name: nature_of(value) for name, value in env.items()} if isinstance(env, dict) else {}
        tree, strict = prepare(text, natures)
        compiled = compile_node(text, tree, fuse=fuse, strict_equal=strict)
    except ConditionError as exc:
        return "refused", exc.message
    try:
        return "value", compiled.evaluate(env)
    except EvaluationError as exc:
        return "error", (exc.message, exc.start, exc.end, exc.internal)


def _agree(text: str, env: Any = ENV) -> None:
    closures, fused = _outcome(text, env, False), _outcome(text, env, True)
    assert closures[0] == fused[0], (text, closures, fused)
    if closures[0] == "value":
        assert same(closures[1], fused[1]), (text, closures, fused)
    else:
        assert closures[1] == fused[1], (text, closures, fused)


@pytest.mark.parametrize("text", [text for text, _ in CASES], ids=[c[0][:60] for c in CASES])
def test_every_case_means_the_same_fused(text: str) -> None:
    _agree(text)


# Every fast path and every way out of it: wrong types on the left, NaN, big ints against float constants,
# missing roots and fields, roots that are not maps, headers, negative and out-of-range indexes, nesting.
EDGES = [
    'response.statusCode < 300 && response.headers["Content-Type"][0] contains "json"',
    'response.headers["Content-Type"][0] contains "json" || response.statusCode == 200',
    'response.headers["X-Missing"][0] contains "a"', 'response.headers["Content-Type"][-1] contains "json"',
    'response.headers["Content-Type"][-9] contains "json"', 'response.headers.Missing == "x"',
    "response.statusCode == 200.0", "response.body == 200", 'response.statusCode == "200"',
    "response.body < 3", "response.statusCode < 2.5e2", "response.statusCode >= 9007199254740993",
    "i < 9007199254740993.0", "fl > 1", "fl <= 1.5", "nope.x == 1", "nope < 1", "s.nope contains 'a'",
    "xs contains 'a'", "obj.d contains 'x'", "1 && true", "true || 1", "nil && true", "false && nope",
    "true && nope", "true || nope", "s == 'x' && (i < 3 || fl > 1) && !(xs contains 1)",
    "(((((((((((i < 1 && i < 2) && i < 3) && i < 4) && i < 5) && i < 6) && i < 7) && i < 8) && i < 9)"
    " && i < 10) && i < 11) && i < 12)",
    "i < 1 || (i < 2 || (i < 3 || (i < 4 || (i < 5 || (i < 6 || (i < 7 || (i < 8 || (i < 9 || (i < 10 || "
    "(i < 11 || i < 12))))))))))",
    " && ".join(["i < 100"] * 80),
    'request.method == "GET" && request.url contains "https"', "request.headers.Accept[0] == '*/*'",
    "response.body.status == 'completed' && response.body.data.items.length > 0",
]


@pytest.mark.parametrize("text", EDGES)
def test_edges_mean_the_same_fused(text: str) -> None:
    _agree(text)


def test_a_root_that_is_not_a_map_and_a_strange_environment() -> None:
    headers = Headers({"Content-Type": ["text/plain"]})
    for env in ({**ENV, "response": [1, 2]}, {**ENV, "response": {"statusCode": True, "headers": headers}},
                {"response": {"statusCode": float("nan"), "headers": {"Content-Type": "x"}}}, {}):
        for text in ('response.headers["Content-Type"][0] contains "json" && response.statusCode < 300',
                     "response.statusCode == 200", "response.statusCode > 1 || true"):
            _agree(text, env)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions)
@example("i < 3 && s contains 'x'")
def test_generated_expressions_mean_the_same_fused(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize("text", [EDGES[0], EDGES[-1], EDGES[-4], EDGES[-5], EDGES[-6]])
def test_the_common_shapes_are_fused(text: str) -> None:
    # Guards the equivalence tests above from passing because nothing was fused at all.
    names = {"i": 1, "fl": 1.5, "s": "x", "xs": [], "obj": {}, **ENV}
    prepared, strict = prepare(text, {name: nature_of(value) for name, value in names.items()})
    assert compile_node(text, prepared, fuse=True, strict_equal=strict)._fn.__name__ == "fused"
    assert compile_node(text, prepared, fuse=False, strict_equal=strict)._fn.__name__ != "fused"
