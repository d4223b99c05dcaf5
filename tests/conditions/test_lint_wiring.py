"""``argo-warden lint`` reports a bad successCondition at the file line and column of the bad token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from webhook.lint import LintOptions, lint_paths

HEAD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: cond-
spec:
  entrypoint: call
  templates:
  - name: call
    http:
      url: https://example.com/api
      timeoutSeconds: 5
"""


def lint_text(tmp_path: Path, text: str) -> list[tuple[str, int | None, int | None, int, str]]:
    path = tmp_path / "wf.yaml"
    path.write_text(text, encoding="utf-8")
    result = lint_paths([str(path)], LintOptions(search_repository=False))
    return [(d.code, d.line, d.column, d.length, d.message) for d in result.diagnostics if d.code.startswith("AW6")]


@pytest.mark.parametrize(("condition_lines", "line", "column", "length"), [
    # plain scalar: 'statuscode' starts at column 34 of line 12
    (["      successCondition: response.statuscode == 200"], 12, 34, 10),
    (["      successCondition: 'response.statuscode == 200'"], 12, 35, 10),
    # a doubled quote before the bad token shifts the source column by one more
    (["      successCondition: 'response.body contains ''x'' && response.statuscode == 200'"], 12, 67, 10),
    (['      successCondition: "response.statuscode == 200"'], 12, 35, 10),
    # escapes before the bad token: \" is two source characters for one
    (['      successCondition: "response.body contains \\"x\\" && response.statuscode == 200"'], 12, 67, 10),
    (["      successCondition: |", "        response.statusCode == 200 &&", "          response.statuscode < 300"],
     14, 20, 10),
    (["      successCondition: >-", "        response.statusCode == 200 &&", "        response.statuscode < 300"],
     14, 18, 10),
    # a plain scalar folded over two lines
    (["      successCondition: response.statusCode == 200 &&", "        response.statuscode < 300"], 13, 18, 10),
])
def test_unknown_field_is_located_in_every_scalar_style(tmp_path: Path, condition_lines: list[str], line: int,
                                                        column: int, length: int) -> None:
    found = lint_text(tmp_path, HEAD + "\n".join(condition_lines) + "\n")
    assert len(found) == 1, found
    code, got_line, got_column, got_length, message = found[0]
    assert code == "AW602"
    assert message == "template 'call': successCondition: response has no field 'statuscode'"
    assert (got_line, got_column, got_length) == (line, column, length)


def test_syntax_error_points_at_the_token(tmp_path: Path) -> None:
    found = lint_text(tmp_path, HEAD + "      successCondition: status_code = 200\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("AW600", 12, 37)]


def test_seed_conditions_are_warnings_and_portable_ones_are_clean(tmp_path: Path) -> None:
    found = lint_text(tmp_path, HEAD + "      successCondition: status_code == 200\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("AW608", 12, 25)]
    assert lint_text(tmp_path, HEAD + "      successCondition: response.statusCode == 200\n") == []
    assert lint_text(tmp_path, HEAD + "      successCondition: response.statusCode == {{inputs.parameters.c}}\n") == []


def test_plugin_templates_are_checked_too(tmp_path: Path) -> None:
    text = HEAD.replace("    http:\n", "    plugin:\n      argo-warden:\n").replace(
        "      url:", "        url:").replace("      timeoutSeconds", "        timeoutSeconds")
    found = lint_text(tmp_path, text + '        successCondition: response.statusCode == "200"\n')
    assert [(c, line, col) for c, line, col, _, _ in found] == [("AW603", 13, 47)]


def test_inline_templates_are_checked(tmp_path: Path) -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: inline-
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: call
        inline:
          http:
            url: https://example.com
            timeoutSeconds: 5
            successCondition: lenght(response.body) > 0
"""
    found = lint_text(tmp_path, text)
    assert [(c, line, col) for c, line, col, _, _ in found] == [("AW605", 16, 31)]


def test_expression_tags_are_checked_through_the_reference_rule(tmp_path: Path) -> None:
    text = HEAD.replace("url: https://example.com/api", 'url: "https://example.com/{{=asInnt(workflow.name)}}"')
    found = lint_text(tmp_path, text)
    assert [(c, line) for c, line, _, _, _ in found] == [("AW605", 10)]


def test_cli_shows_the_caret_and_fails(tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(HEAD + "      successCondition: response.statuscode == 200\n", encoding="utf-8")
    proc = cli("lint", "--no-color", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "12:34: error[AW602]" in proc.stdout
    assert "did you mean 'response.statusCode'?" in proc.stdout
    proc = cli("lint", "-o", "json", str(path))
    report = json.loads(proc.stdout)
    (diagnostic,) = [d for d in report["diagnostics"] if d["code"] == "AW602"]
    assert (diagnostic["line"], diagnostic["column"]) == (12, 34)
