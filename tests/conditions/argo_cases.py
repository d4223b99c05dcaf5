"""Argo's answer for successConditions, by class: what expr-lang v1.17.8 does with ``expr.Compile(cond,
expr.Env(env))`` and ``expr.Run`` in the environment Argo's agent builds (written from expr's documentation
and source: its checker, optimizer, compiler and VM).

Each case is ``(condition, expected)``: ``True``/``False`` (the condition's value), ``Compile("words")`` (expr
does not compile it: the step fails with that error), ``Runtime("words")`` (it fails while running) or
``NotBool("words")`` (it gives something else than a boolean, shown as Go's %s shows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webhook.conditions import http_environment


@dataclass(frozen=True)
class Compile:
    words: str


@dataclass(frozen=True)
class Runtime:
    words: str


@dataclass(frozen=True)
class NotBool:
    words: str


BODY = '{"status": "completed", "count": 2, "data": {"items": [{"id": 1}, {"id": 2}]}, "tags": ["x"]}'
ENV: dict[str, Any] = http_environment(
    200, [("content-type", "application/json"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], BODY,
    request_method="POST", request_url="https://api.example.com/v1/jobs", request_body='{"name": "job"}',
    request_headers=[("Accept", "application/json"), ("x-lower", "kept as written")],
)
# The same exchange for a template with bodyFrom: bodyBytes holds its bytes.
ENV_BODY_FROM: dict[str, Any] = http_environment(
    200, [("Content-Type", "text/plain")], "ok", request_method="PUT", request_body_bytes=b"hi")

CLASSES: dict[str, list[tuple[str, Any]]] = {
    # request and response are map[string]any: their fields have no static type, a missing one reads nil.
    "untyped fields": [
        ('response.statusCode == "200"', False), ("response.statuscode == 200", False),
        ("response.statuscode == nil", True), ("response.status == nil", True), ("request.Method == nil", True),
        ('response.statusCode != "200"', True), ("response.statusCode == 200.0", True),
        ("response.statusCode in [200, 201]", True), ('response.body == 200', False),
        ('response.nope.deeper == nil', Runtime("cannot fetch deeper")), ("response?.nope?.deeper == nil", True),
        ("response.statusCode < 300 && response.statusCode >= 200", True),
        ('response.statusCode < "300"', Runtime("int < string")),
        ("response.statusCode + 1 == 201", True), ('response.body + 1', Runtime("string + int")),
        ("response.statusCode", NotBool("200")), ("response.body.status", Runtime("")),
        ("response.nope > 1", Runtime("nil")), ('"statusCode" in response', True), ('"nope" in response', False),
    ],
    # Only names expr cannot find compile to an error; so do mismatches between typed values.
    "compile errors": [
        ("status_code == 200", Compile("unknown name status_code")), ("nope", Compile("unknown name nope")),
        ("statusCode == 200", Compile("unknown name statusCode")),
        ('1 + "a" == 2', Compile("mismatched types int and string")), ('1 == "1"', Compile("mismatched types")),
        ("len(1) > 0", Compile("invalid argument for len")), ('upper(1) == "1"', Compile("to call upper")),
        ("all([1, 2], # == 'x')", Compile("mismatched types int and string")),
        ("filter([1, 2], 1)", Compile("predicate should return boolean")),
        ("nil < 1", Compile("mismatched types")), ("!1", Compile("mismatched type int")),
        ("if 1 { true } else { false }", Compile("non-bool expression")),
        ('split("a")', Compile("not enough arguments to call split")), ("foo(1)", Compile("unknown name foo")),
        ("len(response.body) > 0", True), ("upper(response.body) contains 'COMPLETED'", True),
    ],
    "constant folding": [
        ("true || 1 % 0 == 0", Compile("integer divide by zero")), ("1 % 0 == 0", Compile("integer divide by zero")),
        ("false && 1 % 0 == 0", Compile("integer divide by zero")), ("1 / 0 > 1", True),
        ("true || fromJSON(response.body).nope.deeper", True), ("false && response.nope > 1", False),
        ("response.body && true", NotBool(BODY[:20])), ("true && response.statusCode", NotBool("200")),
        ("9223372036854775807 + 1 < 0", True), ('"a" + "b" == "ab"', True), ("-(-2) == 2", True),
        ("response.statusCode % 0 == 0", Runtime("integer divide by zero")),
    ],
    "let": [
        ("let len = 3; len > 1", Compile("cannot redeclare builtin len")),
        ("let response = 1; response == 1", Compile("cannot redeclare response")),
        ("let x = 1; let x = 2; x == 2", Compile("cannot redeclare variable x")),
        ("let code = response.statusCode; code == 200", True),
        ("let b = fromJSON(response.body); b.status == 'completed' && b.count == 2", True),
    ],
    "$env": [
        ("$env.response.statusCode == 200", True), ("$env.nope == nil", Compile("unknown name nope")),
        ("$env?.nope == nil", True), ('$env["response"].statusCode == 200', True),
        ('$env["nope"] == nil', Compile("unknown name nope")),
        ('get($env, "response").statusCode == 200', True),
    ],
    "regular expressions": [
        ('response.body matches "\\\\C"', Compile("invalid escape sequence")),
        ('response.body matches "[\\\\C]"', Compile("invalid escape sequence")),
        ('response.body matches "(?=x)"', Compile("error parsing regexp")), ('response.body matches "^\\\\{"', True),
        ('response.body matches "(?i)COMPLETED"', True), ("response.nope matches 'a'", False),
        ('response.headers["X-Missing"] matches "a"', False),
    ],
    "predicate bodies": [
        ("all(fromJSON(response.body).data.items, {.id > 0})", True), ("map([1], {a: 1})", Compile("unexpected")),
        ("map([1], ({a: 1}))[0].a == 1", True), ("map([1], {{a: 1}})[0].a == 1", True),
        ("all([1], {})", Compile("unexpected")), ("any([1, 2], {# > 1})", True),
        ("count(response.body, # == 123) == 4", True), ("all(response.headers, true)", True),
        ("map(response.headers, #) == nil", Runtime("reflect")), ("len(map(response.headers, #index)) == 2", True),
        ("all(fromJSON(response.body).data.items, .Get == nil)", True),
        ('any(fromJSON(response.body).data.items, .Get("x") == "b")', Runtime("")),
    ],
    "fromJSON": [
        ('fromJSON("\\"\\\\ud800\\"") == "\\ufffd"', True), ('fromJSON("\\"\\\\ud83d\\\\ude00\\"") == "😀"', True),
        ("fromJSON(response.body).count == 2", True), ("fromJSON(response.body).count == 2.0", True),
        ('fromJSON("{") == nil', Runtime("")), ('fromJSON("[1, 2]")[1] == 2', True),
    ],
    "map literals": [
        ('{"a": 1, "a": 2}.a == 1', True), ("{a: 1, b: 2}.b == 2", True), ('{"a": 1}.nope == nil', True),
        ("({'a': 1} ?? 'x')['a'] == 1", True),
    ],
    "typed nil": [
        ("findIndex([], true)", NotBool("<nil>")), ("get([1, 2, 3], 5)", NotBool("<nil>")),
        ("findIndex([1, 2], # > 5) == -1", Runtime("interface conversion: interface {} is nil")),
        ("get([1, 2, 3], 5) == 1", Runtime("interface conversion: interface {} is nil")),
        ('find(["a"], # == "b") == "a"', Runtime("interface conversion: interface {} is nil")),
        ("get([1, 2, 3], 5) == nil", True), ("findIndex([1, 2], # > 1) == 1", True),
        ("let i = findIndex([1], # > 5); i == 0", Runtime("interface conversion")),
        ("findIndex(fromJSON(response.body).data.items, .id == 9) == nil", True),
    ],
    # Builtins meeting values of unknown type at run time behave as expr's Go functions do.
    "builtins at run time": [
        ("sort(response.body) == nil", True), ("sort(fromJSON(response.body).tags) == ['x']", True),
        ("first(response.headers) == nil", True), ("last(response.nope) == nil", True),
        ("first(response.body) == 123", True), ('trim(response.body, response.nope) == ""', Runtime("")),
        ("median(fromJSON('[1, 2]')) == 1.5", True), ('toJSON(toPairs({"a": 1})) contains "a"', True),
    ],
    "toPairs": [
        ('toPairs({"a": 1}) == [["a", 1]]', False), ('toPairs({"a": 1})[0] == ["a", 1]', False),
        ('toPairs({"a": 1}) == toPairs({"a": 1})', True), ('toPairs({"a": 1})[0][0] == "a"', True),
        ('fromPairs(toPairs({"a": 1})).a == 1', True), ("len(toPairs(response.headers)) == 2", True),
    ],
    "http.Header": [
        ('response.headers.Get("content-type") == "application/json"', True),
        ('response.headers["Content-Type"][0] == "application/json"', True),
        ('response.headers["content-type"] == nil', True), ('response.headers.Values("X-Missing") == nil', True),
        ('response.headers.Values("set-cookie") == ["a=1", "b=2"]', True),
        ('response.headers["X-Missing"] == nil', True), ('len(response.headers["X-Missing"]) == 0', True),
        ('response.headers["X-Missing"]?.x == nil', True), ('response.headers.Get("X-Missing") == ""', True),
        ('response.headers.Clone().Get("Content-Type") == "application/json"', True),
        ("response.headers.Clone() == response.headers", True), ("len(response.headers.Clone()) == 2", True),
        ('response.headers["X-Missing"][0] == "a"', Runtime("index out of range")),
        ('response.headers["X-Missing"] contains "a"', False), ('"a" contains response.headers["X-Missing"]', False),
        ('request.headers["Accept"][0] == "application/json"', True),
        ('request.headers["x-lower"][0] == "kept as written"', True), ('request.headers.Get("x-lower") == ""', True),
        ('"Set-Cookie" in response.headers', True),
        ('response.headers["Set-Cookie"] in ["a", "b"]', Runtime("MapIndex")),
        ('get(response.headers, 1) == nil', Runtime("MapIndex")),
        ('response.headers.Get(nil) == ""', True), ("response.headers.Values(nil) == nil", True),
        ('response.headers[nil] contains "json"', False),
        ("fromJSON(response.body)[false] == nil", Runtime("MapIndex")),
        ("response.headers.Nope(let len = 1; len) == 1", Runtime("")),
    ],
    "bodyBytes": [
        ("request.bodyBytes == nil", True), ("len(request.bodyBytes) == 0", True),
        ('(request.bodyBytes ?? "none") == "none"', True), ("request.bodyBytes?.x == nil", True),
    ],
}
BODY_FROM_CASES: list[tuple[str, Any]] = [
    ("request.bodyBytes != nil", True), ("len(request.bodyBytes) == 2", True),
    # string() of a []byte is fmt's %v of it: "[104 105]".
    ('string(request.bodyBytes) == "hi"', False),
    ("request.bodyBytes[0] == 104", True), ("median(request.bodyBytes) == 104.5", True),
    ("nil in request.bodyBytes", False), ('request.body == ""', True), ('request.method == "PUT"', True),
]
