"""Properties: nothing but our own errors ever leaves the language, and printing keeps the meaning."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tests.conditions.test_cases import same
from webhook.conditions import (
    ConditionError,
    EvaluationError,
    check_condition,
    check_expression,
    compile_condition,
    evaluate_success,
    http_environment,
    is_portable,
    parse,
    to_portable,
)
from webhook.conditions.dialect import translate
from webhook.conditions.printer import to_text

ENV: dict[str, Any] = {
    **http_environment(200, [("content-type", "application/json"), ("x-id", "7")],
                       '{"status": "ok", "data": {"items": [1, 2, {"id": 3}]}, "n": 1.5}',
                       request_method="GET", request_url="https://x.test/a", request_headers={"A": "b"}),
    "xs": [3, 1, 2],
    "ys": ["b", "a"],
    "obj": {"a": 1, "b": [1, 2], "c": None, "d": {"e": "f"}},
    "s": "Hello",
    "i": 7,
    "fl": -2.5,
    "z": None,
}

TOKENS = [
    "response", "request", ".", "?.", "statusCode", "status_code", "body", "headers", "length", "[", "]", "(", ")",
    "{", "}", ",", ":", ";", "?", "??", "!", "not", "in", "not in", "and", "or", "&&", "||", "==", "!=", "<", "<=",
    ">", ">=", "+", "-", "*", "/", "%", "**", "^", "..", "|", "#", "#index", "#acc", "let", "x", "=", "if", "else",
    "matches", "contains", "startsWith", "endsWith", "1", "0", "-1", "2.5", ".5", "1e3", "0x1f", '"a"', "'b'", "`c`",
    'b"d"', "true", "false", "nil", "len", "fromJSON", "all", "map", "filter", "reduce", "sum", "count", "sortBy",
    "toJSON", "string", "int", "float", "split", "join", "max", "abs", "first", "uniq", "xs", "obj", "s", "$env",
    "/*", "*/", "//", "\n", '"', "'", "`", "&", "@", "😀", "{{", "}}", "::", "1_0", "9999999999999999999",
]

soup = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=14).map("".join),
    st.text(max_size=40),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soup)
def test_any_text_gives_a_result_or_our_error(text: str) -> None:
    for check in (check_condition, check_expression):
        for issue in check(text):
            assert 0 <= issue.start <= issue.end <= len(text) + 1, (text, issue)
    is_portable(text)
    try:
        to_portable(text)
        compiled = compile_condition(text)
    except ConditionError as exc:
        assert exc.start is None or 0 <= exc.start <= len(text) + 1
        return
    try:
        compiled.evaluate(ENV)
    except EvaluationError as exc:
        assert not exc.internal, f"{text!r}: {exc}"
    ok, message = evaluate_success(text, 200, body="{}")
    assert isinstance(ok, bool) and isinstance(message, str)


# -- generated expressions that parse

names = st.sampled_from(["xs", "ys", "obj", "s", "i", "fl", "z", "response.statusCode", "response.body",
                         "status_code", "response.status_code", "response.body.status", "response.body.data.items",
                         "response.body.n", "request.method", 'response.headers["Content-Type"]', "obj.d.e",
                         "response.body.data.items.length", "s.length", "xs.length", "obj?.c?.x", "z?.a"])
literals = st.one_of(
    st.integers(-20, 20).map(str), st.sampled_from(["0.5", "2.0", "1e2", "0x10", "9223372036854775807"]),
    st.sampled_from(['"a"', '"Hello"', "'ok'", '"status"', "`x`", '""']),
    st.sampled_from(["true", "false", "nil"]),
)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary_ops = st.sampled_from(["+", "-", "*", "/", "%", "**", "^", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
                                  "and", "or", "in", "not in", "contains", "startsWith", "endsWith", "matches",
                                  "not contains", "..", "??"])
    return st.one_of(
        st.tuples(inner, binary_ops, inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        # Parenthesised operands: the printer must keep exactly the parentheses that matter.
        st.tuples(inner, binary_ops, inner).map(lambda t: f"({t[0]}) {t[1]} {t[2]}"),
        st.tuples(inner, binary_ops, inner).map(lambda t: f"{t[0]} {t[1]} ({t[2]})"),
        st.tuples(st.sampled_from(["-", "!"]), inner, binary_ops, inner).map(
            lambda t: f"({t[0]}{t[1]}) {t[2]} {t[3]}"),
        st.tuples(inner, st.sampled_from(["??", "<", ">=", "**", "-", "&&", "=="]), inner, binary_ops, inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]}) {t[3]} {t[4]}"),
        st.tuples(st.sampled_from(["-", "!", "not ", "+"]), inner).map(lambda t: f"{t[0]}{t[1]}"),
        inner.map(lambda e: f"({e})"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} ?: {t[1]}"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.tuples(inner, inner).map(lambda t: f"{{a: {t[0]}, 'b c': {t[1]}}}"),
        st.tuples(inner, st.sampled_from(["a", "b", "length", "x"])).map(lambda t: f"({t[0]}).{t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})?.[{t[1]}]"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]})[{t[1]}:{t[2]}]"),
        st.tuples(st.sampled_from(["len", "string", "int", "float", "abs", "upper", "first", "type", "toJSON",
                                   "uniq", "sort", "keys", "fromJSON", "trim", "reverse", "max", "mean"]),
                  inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["split", "join", "indexOf", "repeat", "get", "take", "concat", "hasPrefix"]),
                  inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(st.sampled_from(["all", "any", "none", "one", "filter", "map", "count", "sum", "find", "findIndex",
                                   "groupBy", "sortBy"]), inner,
                  st.sampled_from(["# > 1", "#", "{# == 2}", ".a", "#index < 1", "# ?? 0", "len(#) > 0", "-#"])
                  ).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(inner, st.sampled_from(["len()", "string()", "filter(# > 0)", "map(# * 2)", "sum()"])
                  ).map(lambda t: f"{t[0]} | {t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"let v = {t[0]}; v == {t[1]}"),
        st.tuples(inner, inner, inner).map(lambda t: f"if {t[0]} {{ {t[1]} }} else {{ {t[2]} }}"),
        st.tuples(inner, inner).map(lambda t: f"reduce({t[0]}, #acc + #, {t[1]})"),
    )


expressions = st.recursive(st.one_of(names, literals), _extend, max_leaves=8)


def _outcome(text: str) -> tuple[str, Any]:
    try:
        return "value", compile_condition(text).evaluate(ENV)
    except EvaluationError as exc:
        assert not exc.internal, f"{text!r}: {exc}"
        return "error", exc.message
    except ConditionError as exc:
        return "refused", exc.message


def _same_outcome(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "value":
        x, y = a[1], b[1]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        return same(x, y)
    return bool(a[1] == b[1])


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions)
# Shapes where one missing pair of parentheses changes the meaning.
@example("(1 < 0) < 2")
@example("1 - (2 - 3)")
@example("(2 ** 3) ** 2")
@example("8 / (4 / 2)")
@example("(nil ?? 2) + 3")
@example("(-2) ** 2")
@example("(!false) == false")
@example("true == (1 < 2)")
@example("(1 < 2) == (3 < 4)")
@example("xs | filter(# > 1) | len() + 1")
@example("z?.a.b ?? 1")
@example("(status_code == 200 ? response.body.data.items.length : 0) > 2")
def test_printed_portable_form_means_the_same(text: str) -> None:
    try:
        tree = parse(text)
    except ConditionError:
        assume(False)
        return
    translated, _ = translate(tree, text)
    portable = to_text(translated)
    assert is_portable(portable), (text, portable)
    original = _outcome(text)
    printed = _outcome(portable)
    assert _same_outcome(original, printed), f"{text!r} → {portable!r}: {original} vs {printed}"
    assert to_text(translate(parse(portable), portable)[0]) == portable
