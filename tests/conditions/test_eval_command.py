"""``argo-warden eval``: exit 0 true, 1 false, 2 error; the result and the portable form; clear messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner

BODY = '{"status": "completed", "data": {"items": [{"id": 1}]}}'


def test_seed_condition_against_a_body_file(tmp_path: Path, cli: CliRunner) -> None:
    body = tmp_path / "body.json"
    body.write_text(BODY, encoding="utf-8")
    proc = cli("eval", "status_code == 200 && response.body.data.items.length > 0", "--body", str(body))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "true", "portable: response.statusCode == 200 && len(fromJSON(response.body).data.items) > 0"]
    assert "warning[AW608]" in proc.stderr


def test_false_exits_1(cli: CliRunner) -> None:
    proc = cli("eval", "response.statusCode == 200", "--status", "503")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["false", "portable: response.statusCode == 200"]
    assert proc.stderr == ""


def test_body_from_stdin_and_headers(cli: CliRunner) -> None:
    proc = cli("eval", 'response.body.status == "completed" && response.headers.Get("content-type") == "a/b"',
               "--body", "-", "--header", "Content-Type: a/b", input=BODY)
    assert proc.returncode == 0, proc.stderr


def test_saved_response_with_request_and_json_output(tmp_path: Path, cli: CliRunner) -> None:
    saved = tmp_path / "response.json"
    saved.write_text(json.dumps({
        "statusCode": 201, "headers": {"Set-Cookie": ["a=1", "b=2"]}, "body": {"ok": True},
        "request": {"method": "POST", "url": "https://x.test", "headers": {"Accept": "*/*"}},
    }), encoding="utf-8")
    proc = cli("eval", 'request.method == "POST" && len(response.headers["Set-Cookie"]) == 2 && '
               "fromJSON(response.body).ok", "--response", str(saved), "-o", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["result"] is True and report["error"] is None and report["changed"] is False
    # flags override the saved response
    proc = cli("eval", "response.statusCode == 201", "--response", str(saved), "--status", "500")
    assert proc.returncode == 1


@pytest.mark.parametrize(("args", "words"), [
    (["status_code = 200"], "unexpected '=' (column 13)"),
    (["response.body"], "gives string"),
    (['response.headers["X"][0] == "a"'], "index out of range"),
    (["fromJSON(response.body).a"], "not valid JSON"),
    (["true", "--body", "/no/such/file"], "--body /no/such/file:"),
    (["true", "--header", "novalue"], "write it as Name:value"),
    (["true", "--header", "bad name: x"], "cannot contain spaces"),
    (["true", "--status", "42"], "from 100 to 999"),
    (["unknownFn(1)"], "Argo does not compile the condition: unknown name unknownFn"),
    (['1 + "a" == 2'], "Argo does not compile the condition: invalid operation: + (mismatched types int and string)"),
    (["true || 1 % 0 == 0"], "integer divide by zero"),
])
def test_errors_exit_2_with_one_clear_line(cli: CliRunner, args: list[str], words: str) -> None:
    proc = cli("eval", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("condition", "code"), [
    ('response.statusCode == "200"', "AW603"),
    ("response.statuscode == 200", "AW602"),
])
def test_what_argo_compiles_and_finds_false_exits_1_with_the_finding_as_a_warning(
        cli: CliRunner, condition: str, code: str) -> None:
    # request and response are map[string]any in Argo: their fields have no static type, so expr compiles
    # these and they are false (the step ends Failed, "evaluated false"); argo-warden knows better and warns.
    proc = cli("eval", condition)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "false"
    assert f"warning[{code}]" in proc.stderr and "refuse" not in proc.stderr
    report = json.loads(cli("eval", condition, "-o", "json").stdout)
    assert report["result"] is False and report["error"] is None
    assert report["argo"] == {"outcome": "false", "phase": "Failed",
                              "message": f"successCondition '{condition}' evaluated false"}
    assert report["issues"][0]["code"] == code


def test_a_non_boolean_is_an_error_in_argo(cli: CliRunner) -> None:
    proc = cli("eval", "response.statusCode")
    assert proc.returncode == 2
    assert "gives int '200', not a boolean" in proc.stderr and "warning[AW604]" in proc.stderr
    report = json.loads(cli("eval", "response.statusCode", "-o", "json").stdout)
    assert report["argo"]["outcome"] == "not-boolean" and report["result"] is None
    assert report["argo"]["message"] == "unable to cast expression result '200' to bool"


def test_a_dialect_condition_answers_for_its_portable_form_and_says_what_argo_makes_of_it(cli: CliRunner) -> None:
    proc = cli("eval", "status_code == 200")
    assert proc.returncode == 0
    assert "as written, Argo gives a compile error: unknown name status_code" in proc.stderr
    report = json.loads(cli("eval", "status_code == 200", "-o", "json").stdout)
    assert report["result"] is True and report["portable"] == "response.statusCode == 200"
    assert report["as_written"]["outcome"] == "compile-error"
    assert report["as_written"]["message"].startswith("unknown name status_code (1:1)")


def test_syntax_error_has_a_caret_under_the_token(cli: CliRunner) -> None:
    proc = cli("eval", "response.statusCode == 200 &&& true")
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("argo-warden eval: the condition does not parse: unexpected '&'")
    assert lines[1] == "  response.statusCode == 200 &&& true"
    assert lines[2] == "  " + " " * 29 + "^"


@pytest.mark.parametrize("content", ["[1", "[1, 2]", '{"statusCode": "200"}', '{"statusCod": 1}',
                                     '{"headers": {"A": 1}}', '{"request": {"method": 1}}', '{"request": []}'])
def test_malformed_saved_responses_are_refused(tmp_path: Path, cli: CliRunner, content: str) -> None:
    saved = tmp_path / "response.json"
    saved.write_text(content, encoding="utf-8")
    proc = cli("eval", "true", "--response", str(saved), "-o", "json")
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert report["result"] is None and str(saved) in report["error"]["message"]


def test_bad_flag_is_a_usage_error(cli: CliRunner) -> None:
    proc = cli("eval", "true", "--status", "abc")
    assert proc.returncode == 2
    assert "invalid int value" in proc.stderr
