"""Loading policies: every mistake at its line and column, typed against Argo's schema, before any object is seen."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from webhook.diagnostics import Severity
from webhook.org_policies.loading import PolicyLoadError, load_policy_files
from webhook.org_policies.model import NODE_KINDS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def problems(tmp_path: Path, text: str) -> list[tuple[int | None, int | None, str, str, str | None]]:
    path = tmp_path / "policies.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyLoadError) as caught:
        load_policy_files([str(path)])
    return [(d.line, d.column, d.code, d.message, d.hint) for d in caught.value.diagnostics]


def test_the_example_library_loads() -> None:
    policies = load_policy_files([str(EXAMPLES / "policies.yaml")])
    assert len(policies.policies) >= 10
    assert {p.node for p in policies.policies} >= {"object", "template", "step", "http", "container"}
    assert all(p.source.startswith(str(EXAMPLES / "policies.yaml") + ":") for p in policies.policies)


def test_a_typo_in_a_field_is_reported_at_its_column_with_a_did_you_mean(tmp_path: Path) -> None:
    text = ("policies:\n"
            "  - id: ORG001\n"
            "    message: m\n"
            "    for: template\n"
            "    assert: template.contianer.image startsWith \"registry/\"\n")
    assert problems(tmp_path, text) == [
        (5, 22, "AW951", "Template has no field 'contianer'",
         "did you mean 'Template.container'? In Argo 'contianer' reads nil")]


@pytest.mark.parametrize(("node", "expression", "message"), [
    ("http", "http.urll != \"\"", "HTTP has no field 'urll'"),
    ("container", "container.imag != \"\"", "Container has no field 'imag'"),
    ("step", "step.tempalte != \"\"", "WorkflowStep has no field 'tempalte'"),
    ("task", "task.dependecies != nil", "DAGTask has no field 'dependecies'"),
    ("object", "object.spec.entrypiont != \"\"", "no field 'entrypiont'"),
    ("template", "template.retryStrategy.limt != nil", "RetryStrategy has no field 'limt'"),
    ("http", "step.name != \"\"", "unknown name 'step'"),
    ("object", "template.name != \"\"", "unknown name 'template'"),
])
def test_each_binding_is_typed(tmp_path: Path, node: str, expression: str, message: str) -> None:
    found = problems(tmp_path, f"- id: ORG001\n  message: m\n  for: {node}\n  assert: '{expression}'\n")
    assert len(found) == 1 and found[0][2] == "AW951" and message in found[0][3], found


def test_the_context_bindings_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("- id: ORG001\n  message: m\n  for: http\n"
                    "  assert: 'namespace != \"\" && user.username != \"\" && \"x\" in user.groups && "
                    "template.name != \"\" && object.metadata.name != \"\"'\n", encoding="utf-8")
    assert [p.id for p in load_policy_files([str(path)]).policies] == ["ORG001"]
    found = problems(tmp_path, "- id: ORG001\n  message: m\n  for: object\n  assert: user.group != nil\n")
    assert found[0][3] == "user has no field 'group'"


def test_an_assert_must_be_boolean(tmp_path: Path) -> None:
    found = problems(tmp_path, "- id: ORG001\n  message: m\n  for: object\n  assert: object.spec.entrypoint\n")
    assert found[0][2] == "AW951" and found[0][3] == "the assert gives string, not a boolean"


def test_message_expressions_are_checked(tmp_path: Path) -> None:
    found = problems(tmp_path, "- id: ORG001\n  message: 'bad {{ http.ur }} here'\n  for: http\n"
                               "  assert: http.url != \"\"\n")
    assert found == [(2, 25, "AW951", "HTTP has no field 'ur'", "did you mean 'HTTP.url'? In Argo 'ur' reads nil")]
    found = problems(tmp_path, "- id: ORG001\n  message: 'never {{ closed'\n  for: http\n  assert: 'true'\n")
    assert found[0][3] == "a '{{' in the message is never closed"


def test_syntax_errors_point_into_the_assert(tmp_path: Path) -> None:
    found = problems(tmp_path, "- id: ORG001\n  message: m\n  for: http\n  assert: http.url == (\n")
    assert found[0][:3] == (4, 24, "AW951") or found[0][:3] == (4, 23, "AW951"), found


@pytest.mark.parametrize(("entry", "message", "hint"), [
    ("{id: AW123, message: m, for: http, assert: 'true'}", "policy id AW123 would clash with argo-warden's own codes",
     "choose a prefix of your own, such as ORG or the team's name"),
    ("{id: org-1, message: m, for: http, assert: 'true'}", "policy id 'org-1' is not a code like ORG001",
     "two to ten capital letters, then one to six digits"),
    ("{id: ORG001, message: m, for: tempalte, assert: 'true'}", "a policy cannot run for 'tempalte'",
     "did you mean 'template'?"),
    ("{id: ORG001, mesage: m, message: m, for: http, assert: 'true'}", "unknown policy key 'mesage'",
     "did you mean 'message'?"),
    ("{id: ORG001, message: m, for: http}", "a policy needs `assert`", None),
    ("{id: ORG001, message: m, for: http, assert: 'true', severity: fatal}", "unknown severity 'fatal'",
     "choose error, warning or info"),
    ("{id: ORG001, message: m, for: http, assert: 'true', match: {kinds: [Workflows]}}",
     "'Workflows' is not an Argo kind", "did you mean 'Workflow'?"),
    ("{id: ORG001, message: m, for: http, assert: 'true', match: {namespace: [a]}}", "unknown match key 'namespace'",
     "did you mean 'namespaces'?"),
    ("{id: ORG001, message: m, for: http, assert: 'true', match: {labels: {matchExpressions: [{key: a, "
     "operator: in, values: [b]}]}}}", "unknown operator 'in'", "did you mean 'In'?"),
])
def test_malformed_policies(tmp_path: Path, entry: str, message: str, hint: str | None) -> None:
    found = problems(tmp_path, f"- {entry}\n")
    assert [(f[2], f[3], f[4]) for f in found] == [("AW950", message, hint)]
    assert found[0][0] == 1


def test_ids_are_unique_across_files(tmp_path: Path) -> None:
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    for path in (one, two):
        path.write_text("- {id: ORG001, message: m, for: http, assert: 'true'}\n", encoding="utf-8")
    with pytest.raises(PolicyLoadError) as caught:
        load_policy_files([str(one), str(two)])
    [d] = caught.value.diagnostics
    assert d.message == "policy id ORG001 is defined twice" and d.hint == f"first defined at {one}:1"


@pytest.mark.parametrize("text", ["", "policies: 3\n", "- 3\n", "{{ not yaml\n", "[" * 500 + "]" * 500 + "\n",
                                  "- id: ORG001\n  message: m\n  for: http\n  assert: '" + "(" * 3000 + "'\n"])
def test_garbage_gives_diagnostics_not_tracebacks(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        policies = load_policy_files([str(path)])
    except PolicyLoadError as exc:
        assert exc.diagnostics and all(d.code.startswith("AW") and d.file == str(path) for d in exc.diagnostics)
    else:
        assert not policies  # an empty file holds no policy


def test_a_policy_set_survives_pickling_for_worker_processes() -> None:
    policies = load_policy_files([str(EXAMPLES / "policies.yaml")])
    again = pickle.loads(pickle.dumps(policies))
    assert again.digest == policies.digest and again.policies[0].compiled.evaluate(
        {"http": {"url": "https://a.svc/"}}) is True


def test_defaults_and_the_nodes_a_policy_runs_for(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("policies:\n  - {id: TEAM7, message: m, for: object, assert: 'true'}\n", encoding="utf-8")
    [policy] = load_policy_files([str(path)]).policies
    assert policy.severity is Severity.ERROR and policy.match.kinds == () and policy.node in NODE_KINDS
