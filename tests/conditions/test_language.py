"""Parser (precedence, error offsets and hints), checker (issues and spans), dialect and printer."""

from __future__ import annotations

import pytest

from webhook.conditions import (
    ConditionSyntaxError,
    check_condition,
    check_expression,
    compile_condition,
    http_environment,
    is_portable,
    parse,
    to_portable,
)
from webhook.conditions.printer import to_text
from webhook.diagnostics import Severity


def shape(text: str) -> str:
    """The tree of ``text`` written with every operator parenthesised."""
    from webhook.conditions import ast

    def show(node: ast.Node) -> str:
        if isinstance(node, ast.Binary):
            return f"({show(node.left)} {node.op} {show(node.right)})"
        if isinstance(node, ast.Compare):
            parts = [show(node.operands[0])]
            for op, operand in zip(node.ops, node.operands[1:], strict=True):
                parts.append(f"{op} {show(operand)}")
            return "(" + " ".join(parts) + ")"
        if isinstance(node, ast.Unary):
            return f"({node.op}{show(node.operand)})"
        if isinstance(node, ast.Conditional):
            return f"({show(node.cond)} ? {show(node.then)} : {show(node.otherwise)})"
        if isinstance(node, ast.Call):
            return f"{node.name}(" + ", ".join(show(a) for a in node.args) + ")"
        return to_text(node)

    return show(parse(text))


@pytest.mark.parametrize(("text", "expected"), [
    ("a + b * c", "(a + (b * c))"),
    ("a * b + c", "((a * b) + c)"),
    ("a - b - c", "((a - b) - c)"),
    ("a ** b ** c", "(a ** (b ** c))"),
    ("-a ** b", "(-(a ** b))"),
    ("-a * b", "((-a) * b)"),
    ("not a == b", "((!a) == b)"),
    ("not a * b", "(!(a * b))"),
    ("!a && b", "((!a) && b)"),
    ("a || b && c", "(a || (b && c))"),
    ("a == b && c != d", "((a == b) && (c != d))"),
    ("a ?? b ?? c", "((a ?? b) ?? c)"),
    ("-a ?? b", "(-(a ?? b))"),
    ("a + b ?? c", "(a + (b ?? c))"),
    ("a < b < c", "(a < b < c)"),
    ("a == b < c", "((a == b) < c)"),
    ("a < b == c", "((a < b) == c)"),
    ("a not in b", "(a not in b)"),
    ("x + a not in b", "((x + a) not in b)"),
    ("a | f() + 1", "(f(a) + 1)"),
    ("a + b | f()", "f((a + b))"),
    ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
    ("a | f() ? x : y", "(f(a) ? x : y)"),
    ("1..2 + 3", "(1 .. (2 + 3))"),
    ("a.b[c].d", "a.b[c].d"),
    ("a?.b.c", "a?.b.c"),
])
def test_precedence_and_associativity_follow_expr(text: str, expected: str) -> None:
    assert shape(text) == expected


@pytest.mark.parametrize(("text", "start", "end", "words", "hint"), [
    ("status_code = 200", 12, 13, "unexpected '='", "=="),
    ("response.statusCode ==", 20, 22, "ends too early", "operand"),
    ("(response.statusCode == 200", 0, 1, "'(' is never closed", "')'"),
    ('response.body contains "x', 23, 25, "not terminated", None),
    ("response.statusCode == 200 && && true", 30, 32, "unexpected '&&'", None),
    ("response.statusCode == 2OO", 23, 26, "bad number syntax", None),
    ("a & b", 2, 3, "unexpected '&'", "&&"),
    ("1 ?? 2 + 3", 7, 8, "'??' cannot be followed by '+'", "(a ?? b) + c"),
    ("lookup 'secret' 'a' 'b'", 7, 15, "unexpected", "operator is missing"),
    ("all(items)", 0, 3, "all() takes 2 arguments", None),
    ("# > 1", 0, 1, "only meaningful inside a predicate", None),
    ('"bad \\q escape"', 5, 7, "invalid escape '\\q'", None),
    ("x in", 2, 4, "ends too early", None),
    ("9999999999999999999 > 1", 0, 19, "too large", None),
    ("response.statusCode == 200 /* left open", 27, 29, "comment is not closed", "*/"),
])
def test_syntax_errors_point_at_the_bad_token(text: str, start: int, end: int, words: str, hint: str | None) -> None:
    with pytest.raises(ConditionSyntaxError) as error:
        parse(text)
    assert words in error.value.message
    assert (error.value.start, error.value.end) == (start, end), error.value.message
    if hint is not None:
        assert error.value.hint is not None and hint in error.value.hint


def test_deep_nesting_is_refused_cleanly() -> None:
    with pytest.raises(ConditionSyntaxError, match="nested more than"):
        parse("[" * 400 + "]" * 400)
    with pytest.raises(ConditionSyntaxError, match="nested more than"):
        parse("-" * 400 + "1")
    assert compile_condition("(" * 400 + "1" + ")" * 400).evaluate({}) == 1
    with pytest.raises(ConditionSyntaxError, match="nested more than"):
        parse(" + ".join(["1"] * 400))


def test_very_long_text_is_refused() -> None:
    with pytest.raises(ConditionSyntaxError, match="characters long"):
        parse("1 + " * 20000 + "1")


def test_non_text_is_refused() -> None:
    with pytest.raises(ConditionSyntaxError):
        parse(42)  # type: ignore[arg-type]


# -- checker


def codes(text: str) -> list[tuple[str, str, int, int]]:
    return [(i.code, i.message, i.start, i.end) for i in check_condition(text)]


def test_portable_upstream_conditions_are_clean() -> None:
    for text in ["response.statusCode == 201", 'response.body contains "google"',
                 'response.headers["Server"][0] == "cloudflare"',
                 'fromJSON(response.body).status == "completed" && response.statusCode < 300',
                 'request.method == "GET" && len(request.bodyBytes) == 0',
                 'all(fromJSON(response.body).items, .ok)', 'response.headers.Get("X-Id") matches "^[0-9]+$"']:
        assert check_condition(text) == [], text


def test_unknown_field_has_a_did_you_mean_and_points_at_the_field() -> None:
    (issue,) = check_condition("response.statuscode == 200")
    assert issue.code == "AW602" and issue.severity is Severity.ERROR
    assert (issue.start, issue.end) == (9, 19)
    assert issue.hint == "did you mean 'response.statusCode'? In Argo 'statuscode' reads nil"


def test_type_mismatch_that_argo_finds_false_points_at_the_operator() -> None:
    # expr compiles it (statusCode has no static type in Argo) and it is always false there.
    (issue,) = check_condition('response.statusCode == "200"')
    assert issue.code == "AW603"
    assert issue.message == "always false in Argo: statusCode is a number"
    assert (issue.start, issue.end) == (20, 22)
    assert issue.hint is not None and "without quotes" in issue.hint


@pytest.mark.parametrize(("text", "code", "start"), [
    ("response.statusCode", "AW604", 0),
    ("lenght(response.body) > 0", "AW605", 0),
    ("len(response.body, 1) > 0", "AW606", 0),
    ('response.body matches "a("', "AW607", 22),
    ("statusCode == 200", "AW601", 0),
    ("response.body.x == 1 && request.body.y == 2", "AW603", 37),
    ("response.statusCode > '100'", "AW603", 20),
    ('response.headers["A"] == "x"', "AW603", 22),
    ("response.statusCode + 1", "AW604", 0),
    ("asInt(response.body) > 0", "AW605", 0),
    ("now() > 0", "AW603", 6),
    ('duration("1d") > duration("0s")', "AW611", 0),
    ("response.statusCode == 200 && response.headers.get('x') == ''", "AW603", 47),
    ('"a" in response.body', "AW603", 4),
    ("len(response.statusCode) > 0", "AW603", 4),
    ("fromJSON(response.body).items.length > 0", "AW610", 30),
])
def test_checker_reports(text: str, code: str, start: int) -> None:
    issues = [i for i in check_condition(text) if i.code == code]
    assert issues, f"{text!r}: {check_condition(text)}"
    assert issues[0].start == start


def test_unknown_name_suggests_the_environment_field() -> None:
    (issue,) = check_condition("statusCode == 200")
    assert issue.hint == "did you mean 'response.statusCode'?"


def test_argo_template_tags_in_a_condition_are_left_to_run_time() -> None:
    assert check_condition("response.statusCode == {{inputs.parameters.code}}") == []
    assert check_condition('response.body contains "{{workflow.name}}"') == []
    (issue,) = check_condition("response.statuscode == {{inputs.parameters.code}}")
    assert (issue.start, issue.end) == (9, 19)


def test_dialect_is_a_warning_with_the_portable_form() -> None:
    issues = check_condition("status_code == 200 && response.body.data.items.length > 0")
    (issue,) = issues
    assert issue.code == "AW608" and issue.severity is Severity.WARNING
    assert (issue.start, issue.end) == (0, 11)
    assert "'status_code', 'response.body.data.items.length'" in issue.message
    assert issue.hint is not None
    assert "len(fromJSON(response.body).data.items) > 0" in issue.hint


def test_expression_tags_check_syntax_and_function_names_only() -> None:
    assert check_expression("asInt(inputs.parameters.n) + 1") == []
    assert check_expression("sprig.trim(inputs.parameters.name)") == []
    assert check_expression("jsonpath(tasks.a.outputs.result, '$.x')") == []
    assert check_expression("lookup 'secret' 'my-api-secret' 'token'") == []
    (issue,) = check_expression("asInnt(inputs.parameters.n)")
    assert issue.code == "AW605" and issue.hint == "did you mean asInt()?"
    (issue,) = check_expression("inputs.parameters.n +")
    assert issue.code == "AW600"
    (issue,) = check_expression("jsonpath(x)")
    assert issue.code == "AW606"
    (issue,) = check_expression('1 + "a"')
    assert issue.code == "AW603"


# -- dialect and printer


SEED = {
    "status_code == 200": "response.statusCode == 200",
    'status_code == 200 && response.body.status == "completed"':
        'response.statusCode == 200 && fromJSON(response.body).status == "completed"',
    "status_code == 200 && response.body.data.items.length > 0":
        "response.statusCode == 200 && len(fromJSON(response.body).data.items) > 0",
    "response.status_code >= 200": "response.statusCode >= 200",
    "response.body.length > 0": "len(response.body) > 0",
    'response.headers["X"].length == 1': 'len(response.headers["X"]) == 1',
    "response.body?.a?.b == nil": "fromJSON(response.body)?.a?.b == nil",
    "status_code == {{inputs.parameters.code}}": "response.statusCode == {{inputs.parameters.code}}",
}


@pytest.mark.parametrize(("written", "portable"), SEED.items())
def test_seed_dialect_has_a_portable_form(written: str, portable: str) -> None:
    assert not is_portable(written)
    assert to_portable(written) == portable
    assert is_portable(portable)
    assert to_portable(portable) == portable


@pytest.mark.parametrize("text", [
    "response.statusCode == 200 // a comment stays",
    "fromJSON(response.body).items.length > 0",
    "let status_code = 1; status_code == 1",
    "response.statusCode==200",
])
def test_portable_text_is_returned_unchanged(text: str) -> None:
    assert is_portable(text)
    assert to_portable(text) == text


def test_to_portable_of_broken_text_raises_and_is_portable_says_no() -> None:
    with pytest.raises(ConditionSyntaxError):
        to_portable("status_code = 200")
    assert not is_portable("status_code = 200")


def test_dialect_and_portable_forms_evaluate_alike() -> None:
    env = http_environment(200, {"Content-Type": "application/json"},
                           '{"status": "completed", "data": {"items": [1]}}')
    for written, portable in SEED.items():
        if "{{" in written:
            continue
        assert compile_condition(written).evaluate(env) == compile_condition(portable).evaluate(env), written


@pytest.mark.parametrize("text", [
    "(-a) ** b", "-(a ** b)", "(not a) * b", "!(a * b)", "(a ?? b) + c", "a + (b ?? c)", "(a < b) < c",
    "a < b < c", "(a ? b : c) + 1", "f(let x = 1; x)", "(1).x", "[1, 2][0]", "a ?: b", "{\"k\": 1, (a): 2}",
    'b"\\x00\\xff"', '"quote\\"s and \\\\ and \\n"', "if a { 1 } else if b { 2 } else { 3 }", "a not matches b",
    "-a - -b", "arr | filter(# > 1) | map(.x)", "reduce(arr, #acc + #, 0)", "x.in", "x[\"a b\"]", "a?.[0]",
])
def test_printed_text_parses_back_to_the_same_tree(text: str) -> None:
    printed = to_text(parse(text))
    assert to_text(parse(printed)) == printed
    assert shape(printed) == shape(text)


@pytest.mark.parametrize(("text", "words"), [
    ("sprig.trimm(inputs.parameters.x)", "sprig has no function trimm()"),
    ("sprig.env('HOME')", "Argo removes sprig.env()"), ("sprig.expandenv('$HOME')", "Argo removes sprig.expandenv()"),
])
def test_tags_know_sprig(text: str, words: str) -> None:
    issues = [i for i in check_expression(text) if i.code == "AW605"]
    assert issues and words in issues[0].message, check_expression(text)


@pytest.mark.parametrize("text", [
    "sprig.trim(inputs.parameters.x)", "sprig.add(1, 2) > 2", "sprig.date('2006-01-02', sprig.now())",
    "let sprig = {'x': 1}; sprig.x", "sprig.genSelfSignedCert('a', nil, nil, 365)", "sprig.urlJoin(sprig.dict())",
])
def test_every_sprig_function_is_known(text: str) -> None:
    assert check_expression(text) == [], check_expression(text)
