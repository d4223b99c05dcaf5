"""podGC.labelSelector as Argo turns it into a Kubernetes selector (AW245): operators and their values."""

from __future__ import annotations

import pytest

from webhook.lint import LintOptions, lint_sources
from webhook.loading import load_text

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: x}}
spec:
  entrypoint: main
  podGC:
    labelSelector:
      matchExpressions: [{expression}]
  templates: [{{name: main, container: {{image: a}}}}]
"""


@pytest.mark.parametrize(("expression", "message"), [
    ("{key: a, operator: Sometimes}", "operator 'Sometimes' is unknown"),
    ("{key: a, operator: In}", "operator In needs values"),
    ("{key: a, operator: NotIn, values: []}", "operator NotIn needs values"),
    ("{key: a, operator: Exists, values: [b]}", "operator Exists takes no values"),
    ("{key: a, operator: In, values: [b]}", None),
    ("{key: a, operator: DoesNotExist}", None),
])
def test_selector(expression: str, message: str | None) -> None:
    source = load_text(WORKFLOW.format(expression=expression), "wf.yaml")
    found = [d.message for d in lint_sources([source], LintOptions(search_repository=False)).diagnostics
             if d.code == "AW245"]
    assert found == ([f"podGC.labelSelector: {message}"] if message else [])
