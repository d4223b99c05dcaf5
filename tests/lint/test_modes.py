"""Lint and submission check the same object differently where Argo's validator does (its Opts)."""

from __future__ import annotations

import pytest

from webhook.diagnostics import Diagnostic, Severity
from webhook.lint import LintOptions, lint_sources
from webhook.loading import load_text
from webhook.validation.context import Mode

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata:
  name: hello
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: message
    - name: colour
      enum: [red, blue]
  templates:
  - name: main
    container:
      image: alpine:3.19
      args: ["{{{{workflow.parameters.message}}}} {{{{workflow.parameters.colour}}}}"]
"""


def _lint(kind: str, mode: Mode) -> list[Diagnostic]:
    text = WORKFLOW.format(kind=kind)
    if kind == "CronWorkflow":
        # The same workflow, one level down under spec.workflowSpec.
        head, body = text.split("spec:\n", 1)
        text = head + "spec:\n  schedules: ['0 * * * *']\n  workflowSpec:\n" + "".join(
            "  " + line for line in body.splitlines(keepends=True))
    source = load_text(text, "wf.yaml")
    return [d for d in lint_sources([source], LintOptions(search_repository=False, mode=mode)).diagnostics
            if d.code == "AW222"]


def test_a_linted_workflow_may_leave_arguments_to_the_submission() -> None:
    found = _lint("Workflow", Mode.LINT)
    assert [(d.severity, d.line) for d in found] == [(Severity.INFO, 9), (Severity.INFO, 10)]
    assert "must be given at submission" in found[0].message


def test_a_workflow_being_created_must_have_every_argument_value() -> None:
    found = _lint("Workflow", Mode.SUBMIT)
    assert [(d.severity, d.line) for d in found] == [(Severity.ERROR, 9), (Severity.ERROR, 10)]


@pytest.mark.parametrize("mode", list(Mode))
def test_a_cron_workflow_is_never_submitted_with_values(mode: Mode) -> None:
    assert {d.severity for d in _lint("CronWorkflow", mode)} == {Severity.ERROR}


@pytest.mark.parametrize("mode", list(Mode))
def test_a_workflow_template_leaves_values_to_each_submission(mode: Mode) -> None:
    assert _lint("WorkflowTemplate", mode) == []


def test_lint_is_the_default_mode_of_lint_and_submit_of_validation() -> None:
    from webhook.validation.context import ValidationContext

    assert LintOptions().mode is Mode.LINT
    assert ValidationContext().mode is Mode.SUBMIT
