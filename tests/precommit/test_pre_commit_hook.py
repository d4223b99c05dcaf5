"""The pre-commit hook, run by the real pre-commit against a temporary git repository.

pre-commit builds a virtualenv and pip-installs this repository into it, using the
machine's pip configuration (index, caches): that is most of this test's time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOOD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: good
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: alpine:3.19
"""
BAD = GOOD.replace("name: good", "name: bad").replace("entrypoint: main", "entrypoint: mian")
OTHER = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n"
# pip cannot reach the index: the machine is offline, which says nothing about the hook.
_OFFLINE = re.compile(r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|"
                      r"No matching distribution found for hatchling")


def _pre_commit() -> list[str]:
    exe = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or shutil.which("pre-commit")
    if exe is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return [exe]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.mark.slow
def test_pre_commit_try_repo_then_run(tmp_path: Path) -> None:
    pre_commit = _pre_commit()
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in (("good.yaml", GOOD), ("bad.yaml", BAD), ("settings.yml", OTHER)):
        (repo / name).write_text(text, encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        # Skip byte-compiling the installed packages (the kubernetes client alone has ~1000 modules);
        # '--compile' switched off, which reads the same in every pip version.
        "PIP_COMPILE": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_COLOR": "1",
    }
    env.pop("PRE_COMMIT_COLOR", None)

    def try_repo(*files: str) -> str:
        # try-repo: our working tree (uncommitted changes included) as the hook repository. It keeps its
        # environment in a temporary store, so each call installs again (pip's caches make the second faster).
        proc = subprocess.run([*pre_commit, "try-repo", str(ROOT), "argo-warden-lint", "--color", "never",
                               "--files", *files], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        out = proc.stdout + proc.stderr
        if proc.returncode not in (0, 1) and _OFFLINE.search(out):
            pytest.skip("the package index cannot be reached to install the hook's environment")
        assert "Traceback" not in out, out
        return f"rc={proc.returncode}\n{out}"

    out = try_repo("good.yaml", "settings.yml")
    assert out.startswith("rc=0"), out
    assert re.search(r"^argo-warden lint\.+Passed$", out, re.M), out

    out = try_repo("good.yaml", "bad.yaml", "settings.yml")
    assert out.startswith("rc=1"), out
    assert re.search(r"^argo-warden lint\.+Failed$", out, re.M), out
    assert "- hook id: argo-warden-lint" in out and "- exit code: 1" in out
    assert "bad.yaml:6:15: error[AW201]: entrypoint names template 'mian', which is not defined" in out
    assert "6 |   entrypoint: mian" in out and "hint: did you mean 'main'?" in out
    assert "good.yaml:" not in out and "settings.yml:" not in out
    assert "1 error, 0 warnings in 3 files (2 Argo documents checked, 1 other skipped)" in out


CHART_WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: {{ include "app.fullname" . }}
spec:
  templates:
  {{- range .Values.steps }}
  - name: {{ .name }}
    container: {image: {{ $.Values.image | quote }}}
  {{- end }}
"""
# A Go template outside charts/*/templates: not YAML, no argoproj.io, so skipped with an info line.
KUSTOMIZE_TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .name }}\ndata:\n  {{- range .items }}\n"
SUPPRESSED = GOOD.replace("name: good", "name: suppressed").replace(
    "entrypoint: main", "entrypoint: mian  # argo-warden: ignore[AW201]")
ANNOTATED = GOOD.replace("name: good", "name: annotated\n  annotations:\n    argo-warden.io/ignore: AW510") \
    .replace("    container:\n      image: alpine:3.19\n", "    http:\n      url: https://example.com\n")


@pytest.mark.slow
def test_pre_commit_in_a_repository_with_a_helm_chart(tmp_path: Path) -> None:
    """Chart templates and other Go templates pass the hook; a suppressed finding stays suppressed."""
    pre_commit = _pre_commit()
    repo = tmp_path / "repo"
    files = {
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "charts/app/values.yaml": "image: alpine:3.19\nsteps: [{name: a}]\n",
        "charts/app/templates/workflowtemplate.yaml": CHART_WORKFLOW,
        "charts/app/templates/_helpers.tpl": '{{- define "app.fullname" -}}app{{- end -}}\n',
        "deploy/configmap.yaml": KUSTOMIZE_TEMPLATE,
        "workflows/good.yaml": GOOD,
        "workflows/suppressed.yaml": SUPPRESSED,
        "workflows/annotated.yaml": ANNOTATED,
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.argo-warden]\nseverity = { AW510 = "error" }\n',
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_COMPILE": "0",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "NO_COLOR": "1"}
    env.pop("PRE_COMMIT_COLOR", None)

    def try_repo() -> str:
        proc = subprocess.run([*pre_commit, "try-repo", str(ROOT), "argo-warden-lint", "--color", "never",
                               "--all-files", "--verbose"], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=600)
        out = proc.stdout + proc.stderr
        if proc.returncode not in (0, 1) and _OFFLINE.search(out):
            pytest.skip("the package index cannot be reached to install the hook's environment")
        assert "Traceback" not in out, out
        return f"rc={proc.returncode}\n{out}"

    out = try_repo()
    assert out.startswith("rc=0"), out
    assert re.search(r"^argo-warden lint\.+Passed$", out, re.M), out
    # --verbose shows the hook's output: the chart's templates were never given to it, the other Go template
    # was skipped with an info line, and neither suppressed finding (AW201 by comment, AW510 made an error by
    # the configuration and silenced by the annotation) is reported.
    assert "charts/app/templates" not in out
    assert "deploy/configmap.yaml: info[AW011]" in out
    assert "AW201" not in out and "AW510" not in out and "AW900" not in out
    assert "0 errors, 0 warnings in 6 files (3 Argo documents checked" in out

    # Remove the suppression comment: the same finding fails the hook.
    (repo / "workflows/suppressed.yaml").write_text(SUPPRESSED.replace("  # argo-warden: ignore[AW201]", ""))
    _git(repo, "add", ".")
    out = try_repo()
    assert out.startswith("rc=1"), out
    assert "workflows/suppressed.yaml:6:15: error[AW201]" in out
