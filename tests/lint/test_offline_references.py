"""templateRef / workflowTemplateRef offline: resolved against the other documents of the run, then lazily
against the other YAML files of the same git repository; what cannot be found anywhere is a warning."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner
from webhook import lint as lint_module
from webhook.diagnostics import Severity
from webhook.lint import LintOptions, lint_paths

TEMPLATES = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: ci-tools
spec:
  templates:
  - name: build
    inputs:
      parameters:
      - name: target
    container:
      image: golang:1.22
      args: [build, "{{inputs.parameters.target}}"]
"""
CLUSTER_TEMPLATES = """\
apiVersion: argoproj.io/v1alpha1
kind: ClusterWorkflowTemplate
metadata:
  name: shared
spec:
  entrypoint: notify
  arguments:
    parameters:
    - {name: channel, value: ops}
  templates:
  - name: notify
    container:
      image: alpine:3.19
      args: ["{{workflow.parameters.channel}}"]
"""


def workflow(template: str = "build", ref_name: str = "ci-tools", target: bool = True, cluster: bool = False) -> str:
    arguments = "        arguments:\n          parameters:\n          - {name: target, value: ./cmd}\n" \
        if target else ""
    scope = "          clusterScope: true\n" if cluster else ""
    return f"""\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ci-
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: build
        templateRef:
          name: {ref_name}
          template: {template}
{scope}{arguments}"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with WorkflowTemplates in one folder and workflows in another."""
    root = tmp_path / "repo"
    (root / "templates").mkdir(parents=True)
    (root / "workflows").mkdir()
    (root / "templates" / "ci-tools.yaml").write_text(TEMPLATES, encoding="utf-8")
    (root / "templates" / "shared.yml").write_text(CLUSTER_TEMPLATES, encoding="utf-8")
    (root / "README.md").write_text("not yaml\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "templates")
    return root


def codes(paths: list[Path]) -> list[tuple[str, str, Severity]]:
    result = lint_paths([str(p) for p in paths])
    return [(Path(d.file or "").name, d.code, d.severity) for d in result.diagnostics]


class GitSpy:
    """Counts how often the repository is searched (one `git ls-files` per search)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str]] = []
        real = subprocess.run

        def spy(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
            self.calls.append(list(args))
            return real(args, **kwargs)

        monkeypatch.setattr(lint_module.subprocess, "run", spy)


# ---------------------------------------------------------------- the same run


def test_resolved_against_the_other_documents_of_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = GitSpy(monkeypatch)
    wf = tmp_path / "wf.yaml"
    tools = tmp_path / "tools.yaml"
    wf.write_text(workflow(), encoding="utf-8")
    tools.write_text(TEMPLATES, encoding="utf-8")
    assert codes([wf, tools]) == []
    # Lazy: every reference resolved among the given files, so the repository was never searched.
    assert spy.calls == []
    # What the referenced template needs is checked through the reference.
    wf.write_text(workflow(target=False), encoding="utf-8")
    assert codes([wf, tools]) == [("wf.yaml", "AW217", Severity.ERROR)]
    wf.write_text(workflow(template="biuld"), encoding="utf-8")
    assert codes([wf, tools]) == [("wf.yaml", "AW213", Severity.ERROR)]
    # The same, with both documents in one file.
    both = tmp_path / "both.yaml"
    both.write_text(TEMPLATES + "---\n" + workflow(template="biuld"), encoding="utf-8")
    assert codes([both]) == [("both.yaml", "AW213", Severity.ERROR)]
    assert spy.calls == []


def test_not_found_anywhere_is_a_warning(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(workflow(ref_name="elsewhere"), encoding="utf-8")
    result = lint_paths([str(wf)])
    assert [(d.code, d.severity) for d in result.diagnostics] == [("AW212", Severity.WARNING)]
    assert "WorkflowTemplate 'elsewhere'" in result.diagnostics[0].message
    assert result.diagnostics[0].hint == "lint it together with the file that defines the WorkflowTemplate"


# ---------------------------------------------------------------- the rest of the repository


def test_resolved_lazily_from_the_repository(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = GitSpy(monkeypatch)
    wf = repo / "workflows" / "ci.yaml"
    wf.write_text(workflow(), encoding="utf-8")  # untracked: pre-commit runs before the commit
    assert codes([wf]) == []
    assert len(spy.calls) == 1 and spy.calls[0][-4:] == ["--", "*.yaml", "*.yml", "*.json"]
    # A template the repository's WorkflowTemplate lacks is an error: the target was readable.
    wf.write_text(workflow(template="biuld"), encoding="utf-8")
    result = lint_paths([str(wf)])
    assert [(d.code, d.severity) for d in result.diagnostics] == [("AW213", Severity.ERROR)]
    assert result.diagnostics[0].hint == "did you mean 'build'?"
    # Inputs are checked through the repository's template too.
    wf.write_text(workflow(target=False), encoding="utf-8")
    assert codes([wf]) == [("ci.yaml", "AW217", Severity.ERROR)]


def test_repository_search_happens_once_per_run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = GitSpy(monkeypatch)
    for i in range(3):
        (repo / "workflows" / f"wf{i}.yaml").write_text(workflow(ref_name=f"missing-{i}"), encoding="utf-8")
    result = lint_paths([str(repo / "workflows")])
    assert [d.code for d in result.diagnostics] == ["AW212"] * 3
    assert len(spy.calls) == 1


def test_workflow_template_ref_and_cluster_scope_from_the_repository(repo: Path) -> None:
    wf = repo / "workflows" / "run.yaml"
    wf.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: run-\nspec:\n"
                  "  workflowTemplateRef:\n    name: shared\n    clusterScope: true\n", encoding="utf-8")
    assert codes([wf]) == []
    wf.write_text(workflow(ref_name="shared", template="notify", target=False, cluster=True), encoding="utf-8")
    assert codes([wf]) == []
    wf.write_text(workflow(ref_name="shared", template="notfy", target=False, cluster=True), encoding="utf-8")
    assert codes([wf]) == [("run.yaml", "AW213", Severity.ERROR)]
    # A ClusterWorkflowTemplate is not found as a namespaced WorkflowTemplate.
    wf.write_text(workflow(ref_name="shared", template="notify", target=False), encoding="utf-8")
    assert codes([wf]) == [("run.yaml", "AW212", Severity.WARNING)]


def test_ignored_files_and_other_repositories_are_not_searched(repo: Path, tmp_path: Path) -> None:
    (repo / ".gitignore").write_text("scratch/\n", encoding="utf-8")
    (repo / "scratch").mkdir()
    (repo / "scratch" / "draft.yaml").write_text(TEMPLATES.replace("ci-tools", "draft"), encoding="utf-8")
    wf = repo / "workflows" / "wf.yaml"
    wf.write_text(workflow(ref_name="draft"), encoding="utf-8")
    assert codes([wf]) == [("wf.yaml", "AW212", Severity.WARNING)]
    # A workflow outside any repository finds nothing beyond its own run.
    outside = tmp_path / "outside.yaml"
    outside.write_text(workflow(), encoding="utf-8")
    assert codes([outside]) == [("outside.yaml", "AW212", Severity.WARNING)]


def test_repository_search_can_be_switched_off(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = GitSpy(monkeypatch)
    wf = repo / "workflows" / "wf.yaml"
    wf.write_text(workflow(), encoding="utf-8")
    result = lint_paths([str(wf)], LintOptions(search_repository=False))
    assert [d.code for d in result.diagnostics] == ["AW212"]
    assert spy.calls == []


def test_cli_resolves_from_the_repository_whatever_the_working_directory(repo: Path, cli: CliRunner,
                                                                         tmp_path: Path) -> None:
    wf = repo / "workflows" / "wf.yaml"
    wf.write_text(workflow(template="biuld"), encoding="utf-8")
    proc = cli("lint", str(wf), "-o", "json", cwd=str(tmp_path))
    assert proc.returncode == 1
    assert [d["code"] for d in json.loads(proc.stdout)["diagnostics"]] == ["AW213"]
    proc = cli("lint", "workflows/wf.yaml", "-o", "json", cwd=str(repo))
    assert [d["code"] for d in json.loads(proc.stdout)["diagnostics"]] == ["AW213"]


def test_unresolved_at_admission_hints_at_the_cluster_not_at_linting() -> None:
    """At admission (a requesting user is known) 'lint it together…' would be advice nobody can follow."""
    import yaml

    from webhook.manifest import Manifest
    from webhook.spec.lookups import Lookup, LookupState
    from webhook.validation import validate
    from webhook.validation.context import ValidationContext

    class Unreachable:
        def workflow_template(self, namespace: str | None, name: str) -> Lookup:
            return Lookup(LookupState.UNKNOWN, reason="the API server did not answer in time")

        def cluster_workflow_template(self, name: str) -> Lookup:
            return Lookup(LookupState.UNKNOWN, reason="the API server did not answer in time")

    manifest = Manifest(data=yaml.safe_load(workflow(ref_name="elsewhere")), kind="Workflow")
    diagnostics = validate(manifest, ValidationContext(templates=Unreachable(), user="alice",
                                                       unresolved_severity=Severity.ERROR))
    assert [(d.code, d.severity) for d in diagnostics] == [("AW212", Severity.ERROR)]
    assert "did not answer in time" in diagnostics[0].message
    assert diagnostics[0].hint is not None and "lint" not in diagnostics[0].hint
    assert "RBAC" in diagnostics[0].hint
