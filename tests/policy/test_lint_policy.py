"""Configuration, selection, severities, suppressions and skipped templates, through ``argo-warden lint``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliRunner
from webhook.configuration import find_config, from_mapping, load_config, resolve
from webhook.diagnostics import Diagnostic, Severity
from webhook.lint import LintOptions, lint_paths
from webhook.policy.apply import apply_policy
from webhook.policy.exclude import excluded
from webhook.policy.settings import DEFAULT_POLICY, PolicyError, PolicySettings
from webhook.policy.suppressions import scan_comments

HTTP = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: x
spec:
  entrypoint: main
  templates:
  - name: main
    http:
      url: https://example.com
      insecureSkipVerify: true
"""
# AW510 (info) at line 9 (http:), AW507 (warning) at line 11.


def codes(result_or_list: object) -> list[str]:
    diags = getattr(result_or_list, "diagnostics", result_or_list)
    assert isinstance(diags, list)
    return [d.code for d in diags]


def lint(tmp_path: Path, text: str, policy: PolicySettings = DEFAULT_POLICY, name: str = "wf.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    return codes(lint_paths([str(path)], LintOptions(policy=policy, search_repository=False)))


# ------------------------------------------------------------ selection and severity


def test_select_ignore_by_specificity(tmp_path: Path) -> None:
    assert lint(tmp_path, HTTP) == ["AW510", "AW507"]
    assert lint(tmp_path, HTTP, from_mapping({"ignore": ["AW5"]}, "cfg")) == []
    # The more specific select wins over the broader ignore, and the other way round.
    assert lint(tmp_path, HTTP, from_mapping({"ignore": ["AW5"], "extend-select": ["AW507"]}, "cfg")) == ["AW507"]
    assert lint(tmp_path, HTTP, from_mapping({"select": ["AW507", "AW51"], "ignore": ["AW510"]}, "cfg")) == ["AW507"]
    # At equal specificity ignore wins.
    assert lint(tmp_path, HTTP, from_mapping({"select": ["AW5"], "ignore": ["AW5"]}, "cfg")) == []


def test_severity_override_by_specificity(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(HTTP)
    policy = from_mapping({"severity": {"AW5": "error", "AW510": "warning"}}, "cfg")
    result = lint_paths([str(path)], LintOptions(policy=policy, search_repository=False))
    assert [(d.code, d.severity) for d in result.diagnostics] == [("AW510", Severity.WARNING),
                                                                  ("AW507", Severity.ERROR)]


def test_input_errors_are_never_dropped(tmp_path: Path) -> None:
    policy = from_mapping({"ignore": ["AW0"]}, "cfg")
    assert lint(tmp_path, "a: [\n", policy) == ["AW001"]


@pytest.mark.parametrize(("data", "message"), [
    ({"ignor": ["AW5"]}, "ignor: unknown setting; did you mean 'ignore'?"),
    ({"extend_select": ["AW5"]}, "did you mean 'extend-select'?"),
    ({"select": ["AW5100"]}, "unknown code or prefix 'AW5100'; did you mean 'AW510'?"),
    ({"select": ["W5"]}, "unknown code or prefix 'W5'"),
    ({"select": "AW5,"}, "unknown code or prefix 'AW5,'"),
    ({"select": [5]}, "select must be a list of strings"),
    ({"severity": {"AW510": "fatal"}}, "'fatal' is not one of error, warning, info"),
    ({"severity": {"AW510": "warn"}}, "did you mean 'warning'?"),
    ({"admission": {"enforcment": "warn"}}, "did you mean 'enforcement'?"),
    ({"admission": {"enforcement": "dryrun"}}, "'dryrun' is not one of deny, warn, audit"),
    (["AW5"], "must be a table of settings"),
])
def test_bad_settings_say_what_was_meant(data: object, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        from_mapping(data, "cfg")
    assert message in str(info.value)


def test_config_found_upward_yaml_before_pyproject(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "wf.yaml").write_text(HTTP)
    assert find_config([str(deep / "wf.yaml")]) is None
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: does not count
    assert find_config([str(deep / "wf.yaml")]) is None
    (tmp_path / "pyproject.toml").write_text("[tool.argo-warden]\nignore = ['AW510']\n")
    assert find_config([str(deep / "wf.yaml")]) == str(tmp_path / "pyproject.toml")
    (tmp_path / "a" / ".argo-warden.yaml").write_text("ignore: [AW507]\n")
    assert find_config([str(deep / "wf.yaml")]) == str(tmp_path / "a" / ".argo-warden.yaml")
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.argo-warden]\n")
    assert find_config([str(deep)]) == str(tmp_path / "a" / ".argo-warden.yaml")
    assert resolve([str(deep)], None).ignore == ("AW507",)
    assert resolve([str(deep)], str(tmp_path / "pyproject.toml")).ignore == ("AW510",)


def test_broken_config_files(tmp_path: Path) -> None:
    bad_toml = tmp_path / "pyproject.toml"
    bad_toml.write_text("[tool.argo-warden\n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_config(str(bad_toml))
    bad_yaml = tmp_path / "c.yaml"
    bad_yaml.write_text("select: [\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_config(str(bad_yaml))
    with pytest.raises(PolicyError, match="no such file"):
        resolve(["."], str(tmp_path / "missing.yaml"))


def test_cli_flags_and_config(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(HTTP)
    (tmp_path / ".argo-warden.yaml").write_text("ignore: [AW507]\nseverity: {AW510: error}\n")
    out = cli("lint", "-o", "json", "wf.yaml", cwd=str(tmp_path))
    assert out.returncode == 1, out.stderr
    assert [(d["code"], d["severity"]) for d in json.loads(out.stdout)["diagnostics"]] == [("AW510", "error")]
    out = cli("lint", "-o", "json", "--ignore", "AW51", "wf.yaml", cwd=str(tmp_path))
    assert out.returncode == 0 and json.loads(out.stdout)["diagnostics"] == []
    out = cli("lint", "-o", "json", "--select", "AW507", "wf.yaml", cwd=str(tmp_path))
    # --select replaces select; the configured ignore still applies.
    assert out.returncode == 0 and json.loads(out.stdout)["diagnostics"] == []
    out = cli("lint", "--select", "AW5O7", "wf.yaml", cwd=str(tmp_path))
    assert out.returncode == 2 and "did you mean 'AW507'?" in out.stderr and "Traceback" not in out.stderr
    (tmp_path / ".argo-warden.yaml").write_text("selct: [AW5]\n")
    out = cli("lint", "wf.yaml", cwd=str(tmp_path))
    assert out.returncode == 2 and "selct: unknown setting; did you mean 'select'?" in out.stderr
    out = cli("lint", "--config", str(tmp_path / "nope.toml"), "wf.yaml", cwd=str(tmp_path))
    assert out.returncode == 2 and "no such file" in out.stderr


# ------------------------------------------------------------ suppressions


def test_comment_on_the_line_and_alone_above(tmp_path: Path) -> None:
    text = HTTP.replace("    http:\n", "    # argo-warden: ignore[AW510]\n    http:\n").replace(
        "insecureSkipVerify: true", "insecureSkipVerify: true  # argo-warden: ignore[AW507]")
    assert lint(tmp_path, text) == []


def test_file_suppression_and_unused_ones(tmp_path: Path) -> None:
    text = "# argo-warden: ignore-file[AW507, AW608]\n" + HTTP.replace(
        "  name: x", "  name: x  # argo-warden: ignore[AW510]")
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    result = lint_paths([str(path)], LintOptions(search_repository=False))
    found = [(d.code, d.line, d.message) for d in result.diagnostics]
    assert found == [
        ("AW900", 1, "suppression comment silences AW608, which is not reported in this file"),
        ("AW900", 5, "suppression comment silences AW510, which is not reported on its line"),
        ("AW510", 10, found[2][2]),
    ]


def test_malformed_and_unknown_suppressions(tmp_path: Path) -> None:
    text = HTTP + "# argo-warden: ignroe[AW510]\n# argo-warden: ignore[AW510\n# argo-warden: ignore[]\n" \
                  "# argo-warden: ignore[AW5100]\n"
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    result = lint_paths([str(path)], LintOptions(search_repository=False))
    bad = [(d.line, d.message, d.hint) for d in result.diagnostics if d.code == "AW901"]
    assert [b[1] for b in bad] == [
        "suppression comment: unknown directive 'ignroe'",
        "suppression comment: the list of codes is not closed with ']'",
        "suppression comment: the suppression names no code",
        "suppression comment names unknown code AW5100",
    ]
    assert bad[3][2] == "did you mean 'AW510'?"


def test_hash_inside_a_value_is_not_a_comment(tmp_path: Path) -> None:
    # No space before '#': YAML reads it as part of the scalar.
    text = HTTP.replace("url: https://example.com", "url: https://example.com/#argo-warden:ignore[AW510]")
    assert "AW510" in lint(tmp_path, text)


def test_unused_suppression_can_itself_be_ignored(tmp_path: Path) -> None:
    text = HTTP + "# argo-warden: ignore-file[AW608]\n"
    assert lint(tmp_path, text, from_mapping({"ignore": ["AW900"]}, "cfg")) == ["AW510", "AW507"]


def test_annotation_silences_warnings_not_errors(tmp_path: Path) -> None:
    text = HTTP.replace("  name: x\n", '  name: x\n  annotations:\n    argo-warden.io/ignore: "AW507, AW510"\n')
    assert lint(tmp_path, text) == []
    broken = text.replace("entrypoint: main", "entrypoint: mian").replace('"AW507, AW510"', '"AW507,AW510,AW201"')
    assert lint(tmp_path, broken) == ["AW902", "AW201"]
    # The server's configuration may let an annotation silence more.
    relaxed = from_mapping({"admission": {"unsuppressible": ["AW7"]}}, "cfg")
    assert lint(tmp_path, broken, relaxed) == []
    # One document's annotation does not cover the next document.
    two = text + "---\n" + HTTP.replace("name: x", "name: y")
    assert lint(tmp_path, two) == ["AW510", "AW507"]


def test_scanner_is_linear() -> None:
    # Many markers on one line, and many lines of near-misses: both stay proportional to the size.
    def timed(text: str) -> float:
        # The best of three: a busy machine only ever adds time.
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            scan_comments(text)
            best = min(best, time.perf_counter() - started)
        return best

    unit = "x: 1 " + "argo-warden:" * 2_000 + "\n" + "# argo-warden: ignore[AW510" * 200 + "\n"
    small, large = unit * 10, unit * 100
    # Ten times the text: about ten times the time (quadratic would be a hundred).
    assert timed(large) < 30 * timed(small)
    big = "a: b # argo-warden: ignore[" + "AW510," * 200_000 + "]\n"
    assert len(scan_comments(big).suppressions) == 200_000


def test_apply_policy_keeps_input_errors_even_when_suppressed() -> None:
    d = Diagnostic("AW001", Severity.ERROR, "bad", file="f.yaml", line=1, column=1)
    out = apply_policy(DEFAULT_POLICY, [d], "a: [ # argo-warden: ignore[AW001]\n")
    assert [x.code for x in out] == ["AW001", "AW900"]


# ------------------------------------------------------------ files that are not manifests


CHART_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "x.fullname" . }}
spec:
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 8 }}
  {{- end }}
"""


def test_go_templates_are_skipped_with_an_info_line(tmp_path: Path) -> None:
    assert lint(tmp_path, CHART_TEMPLATE, name="deploy.yaml") == ["AW011"]
    # A broken file that names argoproj.io is still an error, and so is a broken file with no template.
    assert lint(tmp_path, "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n{{ x }}\n  - y: [\n",
                name="wf.yaml") == ["AW001"]
    assert lint(tmp_path, "a: [\n", name="plain.yaml") == ["AW001"]


def test_chart_templates_are_excluded_by_default(cli: CliRunner, tmp_path: Path) -> None:
    templates = tmp_path / "deploy" / "charts" / "app" / "templates"
    templates.mkdir(parents=True)
    (templates / "workflow.yaml").write_text("apiVersion: argoproj.io/v1alpha1\n{{ broken\n")
    (tmp_path / "wf.yaml").write_text(HTTP.replace("      insecureSkipVerify: true\n", "        "))
    out = cli("lint", ".", cwd=str(tmp_path))
    assert out.returncode == 0, out.stdout
    assert "workflow.yaml" not in out.stdout
    out = cli("lint", "deploy/charts/app/templates/workflow.yaml", "wf.yaml", cwd=str(tmp_path))
    assert out.returncode == 0 and "workflow.yaml" not in out.stdout, out.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.argo-warden]\nexclude = []\nextend-exclude = ['wf.yaml']\n")
    out = cli("lint", ".", cwd=str(tmp_path))
    assert out.returncode == 1 and "error[AW001]" in out.stdout and "wf.yaml" not in out.stdout, out.stdout
    out = cli("lint", "--exclude", "deploy/**", ".", cwd=str(tmp_path))
    assert out.returncode == 0, out.stdout


@pytest.mark.parametrize(("path", "pattern", "expected"), [
    ("charts/a/templates/x.yaml", "charts/*/templates/**", True),
    ("deploy/charts/a/templates/sub/x.yaml", "charts/*/templates/**", True),
    ("charts/a/values.yaml", "charts/*/templates/**", False),
    ("charts/a/b/templates/x.yaml", "charts/*/templates/**", False),
    ("ci/x.yaml", "*.yaml", True),
    ("ci/x.yaml", "ci/*.yml", False),
])
def test_exclude_globs(tmp_path: Path, path: str, pattern: str, expected: bool) -> None:
    assert excluded(str(tmp_path / path), [pattern], str(tmp_path)) is expected


def test_this_repositorys_chart_lints_clean(cli: CliRunner) -> None:
    # Before chart templates were excluded and Go templates skipped, this gave 11 AW001 errors.
    out = cli("lint", "charts/")
    assert out.returncode == 0, out.stdout
    assert "error" not in out.stdout.replace("0 errors", "")
    templates = [str(p) for p in sorted((ROOT / "charts").rglob("templates/*.yaml"))]
    count = len(templates)
    out = cli("lint", *templates)
    assert out.returncode == 0 and f"in 0 files (0 Argo documents checked, {count} excluded by the configuration)" \
        in out.stdout, out.stdout


def test_scanner_positions() -> None:
    text = ('a: "x argo-warden: y"  # argo-warden: ignore[AW510]\r\n'
            "b: 1\r\n"
            "  # argo-warden: ignore-file[AW608]\r\n"
            "c: 2 #argo-warden:ignore[AW507]\n"
            "d: 3#argo-warden: ignore[AW509]\n")
    found = [(s.code, s.scope, s.line, s.column, s.target) for s in scan_comments(text).suppressions]
    assert found == [("AW510", "line", 1, 24, 1), ("AW608", "file", 3, 3, None), ("AW507", "line", 4, 6, 4)]
