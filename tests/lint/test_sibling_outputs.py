"""A template reading its caller's sibling outputs (webhook.validation.siblings): the dialect warning, the
errors naming calls that cannot see the sibling, and the portable rewrite every entry point shares."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml

from webhook.admission.mutation import (
    DEFAULT_MUTATORS,
    ORIGINAL_CONDITIONS,
    mutation_verdict,
    portable_object,
    portable_sibling_outputs,
)
from webhook.diagnostics import Diagnostic, Severity
from webhook.lint import LintOptions, lint_sources
from webhook.loading import load_path
from webhook.manifest import Manifest
from webhook.validation import validate

ROOT = Path(__file__).resolve().parents[2]
VERBATIM = ROOT / "examples" / "seed-verbatim.yaml"
DIALECT_CODES = {"AW408", "AW511", "AW608"}


def lint(data: dict[str, Any]) -> list[Diagnostic]:
    return validate(Manifest(data["kind"], data, default_namespace="default"))


def codes(diagnostics: list[Diagnostic], severity: Severity | None = None) -> Counter[str]:
    return Counter(d.code for d in diagnostics if severity is None or d.severity is severity)


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def verbatim() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(VERBATIM.read_text(encoding="utf-8"))
    return data


def patched(data: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The /mutate answer for ``data``, applied with the jsonpatch library as the API server would."""
    verdict = mutation_verdict(Manifest(data["kind"], copy.deepcopy(data), default_namespace="default"),
                               DEFAULT_MUTATORS)
    ops = verdict.patch or []
    return ops, jsonpatch.apply_patch(data, ops)


def workflow(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text)
    return data


# ---------------------------------------------------------------- the seed as written


def test_the_verbatim_seed_lints_with_no_error_and_named_warnings() -> None:
    source = load_path(str(VERBATIM))
    found = lint_sources([source], LintOptions(search_repository=False)).diagnostics
    assert errors(found) == []
    assert codes(found, Severity.WARNING) == Counter({
        "AW408": 1,  # http-post reads tasks.get-data.outputs.result (the dialect)
        "AW514": 1,  # ... inside a JSON string of its JSON body
        "AW508": 1,  # the literal bearer token
        "AW511": 1,  # contentType (the dialect)
        "AW608": 2,  # status_code in both successConditions (the dialect)
    })
    (sibling,) = [d for d in found if d.code == "AW408"]
    assert (sibling.line, sibling.column) == (54, 30)
    assert "input parameter 'get-data-result' on template 'http-post'" in (sibling.hint or "")
    assert "task 'process-data' of template 'main'" in (sibling.hint or "")


def test_the_patch_gives_a_portable_object_that_keeps_the_original_and_is_idempotent() -> None:
    original = verbatim()
    ops, mutated = patched(original)
    assert ops, "the verbatim seed needs rewriting"
    touched = {op["path"] for op in ops}
    # Minimal: the call's new argument, the template's new input and the body; conditions, contentType, annotation.
    assert "/spec/templates/0/dag/tasks/1/arguments" in touched
    assert "/spec/templates/2/inputs" in touched
    assert "/spec/templates/2/http/body" in touched
    assert all(not p.startswith("/spec/templates/0/dag/tasks/0") for p in touched)
    found = lint(mutated)
    assert errors(found) == []
    assert not DIALECT_CODES & set(codes(found)), [d.message for d in found]
    # The body still puts a JSON document in a JSON string: that is the author's meaning, still warned.
    assert codes(found)["AW514"] == 1
    tasks = mutated["spec"]["templates"][0]["dag"]["tasks"]
    assert tasks[1]["arguments"] == {"parameters": [
        {"name": "get-data-result", "value": "{{tasks.get-data.outputs.result}}"}]}
    post = mutated["spec"]["templates"][2]
    assert post["inputs"] == {"parameters": [{"name": "get-data-result"}]}
    assert '"input_data": "{{inputs.parameters.get-data-result}}"' in post["http"]["body"]
    kept = yaml.safe_load(mutated["metadata"]["annotations"][ORIGINAL_CONDITIONS])
    assert kept["spec.templates[2].http.body"] == original["spec"]["templates"][2]["http"]["body"]
    assert kept["spec.templates[1].http.successCondition"] == "status_code == 200"
    again, same = patched(mutated)
    assert again == [] and same == mutated


def test_portable_object_leaves_its_input_alone() -> None:
    original = verbatim()
    before = copy.deepcopy(original)
    manifest = Manifest("Workflow", original)
    out = portable_object(manifest)
    assert original == before and out.data != before and out.kind == "Workflow"


# ---------------------------------------------------------------- who may call


TWO_DAGS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: two-dags-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: first, template: pipeline-a}
      - {name: second, template: pipeline-b, depends: first}
  - name: pipeline-a
    dag:
      tasks:
      - {name: get-data, template: fetch}
      - {name: send, template: post, depends: get-data}
  - name: pipeline-b
    dag:
      tasks:
      - {name: get-data, template: fetch}
      - {name: check, template: fetch, depends: get-data}
      - {name: send, template: post, depends: check}
  - name: fetch
    http: {url: "http://example.com/api/data", timeoutSeconds: 5}
  - name: post
    http:
      url: http://example.com/api/process
      method: POST
      timeoutSeconds: 5
      body: '{"input_data": {{tasks.get-data.outputs.result}}}'
"""


def test_a_template_called_from_two_dags_that_both_see_the_sibling() -> None:
    wf = workflow(TWO_DAGS)
    found = lint(wf)
    assert errors(found) == []
    (warning,) = [d for d in found if d.code == "AW408"]
    assert "task 'send' of template 'pipeline-a', task 'send' of template 'pipeline-b'" in (warning.hint or "")
    _, mutated = patched(wf)
    assert lint(mutated) == [d for d in lint(mutated) if d.code not in DIALECT_CODES]
    assert errors(lint(mutated)) == []
    for index in (1, 2):
        tasks = mutated["spec"]["templates"][index]["dag"]["tasks"]
        assert tasks[-1]["arguments"]["parameters"] == [
            {"name": "get-data-result", "value": "{{tasks.get-data.outputs.result}}"}]
    assert mutated["spec"]["templates"][4]["http"]["body"] == '{"input_data": {{inputs.parameters.get-data-result}}}'


def test_a_call_that_cannot_see_the_sibling_is_an_error_naming_that_call() -> None:
    wf = workflow(TWO_DAGS)
    wf["spec"]["templates"][1]["dag"]["tasks"][1].pop("depends")  # pipeline-a's send no longer waits
    found = lint(wf)
    (error,) = errors(found)
    assert error.code == "AW403"
    assert error.path == "spec.templates[4].http.body"
    assert "task 'send' of template 'pipeline-a'" in error.message and "pipeline-b" not in error.message
    assert error.hint == "add 'get-data' to the dependencies (or depends) of task 'send'"
    assert "AW408" not in codes(found)
    # A broken object is never rewritten.
    ops, _ = patched(wf)
    assert not any("inputs" in op["path"] or "arguments" in op["path"] for op in ops)


@pytest.mark.parametrize("change, code, words", [
    # the template is also the entrypoint: nothing runs before it
    (lambda wf: wf["spec"].update(entrypoint="post"), "AW401", "the workflow's entrypoint"),
    # an exit hook calls it
    (lambda wf: wf["spec"].update(onExit="post"), "AW401", "the workflow's exit handler (spec.onExit)"),
    # a task whose DAG has no get-data
    (lambda wf: wf["spec"]["templates"][0]["dag"]["tasks"].append({"name": "extra", "template": "post"}),
     "AW401", "template 'main' has no task 'get-data' next to task 'extra' of template 'main'"),
])
def test_other_calls_that_cannot_see_the_sibling(change: Any, code: str, words: str) -> None:
    wf = workflow(TWO_DAGS)
    change(wf)
    found = errors(lint(wf))
    assert [d.code for d in found] == [code], [d.message for d in found]
    assert words in found[0].message


STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: steps-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: get-data, template: fetch}
    - - {name: send, template: post}
  - name: fetch
    http: {url: "http://example.com/api/data", timeoutSeconds: 5}
    outputs:
      parameters:
      - name: id
        valueFrom: {jsonPath: "$.id"}
  - name: post
    inputs:
      parameters:
      - {name: get-data-id, value: taken}
    http:
      url: "http://example.com/api/process/{{steps.get-data.outputs.parameters.id}}"
      method: POST
      timeoutSeconds: 5
      body: '{{steps.get-data.outputs.result}}'
"""


def test_steps_of_an_earlier_group_and_output_parameters() -> None:
    wf = workflow(STEPS)
    found = lint(wf)
    assert errors(found) == []
    assert codes(found)["AW408"] == 2
    _, mutated = patched(wf)
    after = lint(mutated)
    assert errors(after) == [] and "AW408" not in codes(after)
    post = mutated["spec"]["templates"][2]
    # 'get-data-id' is taken by an input the template already has: the new one gets a suffix.
    assert post["inputs"]["parameters"] == [{"name": "get-data-id", "value": "taken"}, {"name": "get-data-id-2"},
                                            {"name": "get-data-result"}]
    assert post["http"]["url"] == "http://example.com/api/process/{{inputs.parameters.get-data-id-2}}"
    assert post["http"]["body"] == "{{inputs.parameters.get-data-result}}"
    send = mutated["spec"]["templates"][0]["steps"][1][0]
    assert send["arguments"]["parameters"] == [
        {"name": "get-data-id-2", "value": "{{steps.get-data.outputs.parameters.id}}"},
        {"name": "get-data-result", "value": "{{steps.get-data.outputs.result}}"}]


def test_a_step_of_the_same_group_and_an_undeclared_output_are_errors_naming_the_call() -> None:
    wf = workflow(STEPS)
    steps = wf["spec"]["templates"][0]["steps"]
    steps[0].append(steps.pop(1)[0])  # send now runs beside get-data
    found = errors(lint(wf))
    assert {d.code for d in found} == {"AW404"}
    assert all("called by step 'send' of template 'main'" in d.message and "same group" in d.message for d in found)
    wf = workflow(STEPS.replace("outputs.parameters.id}}", "outputs.parameters.idd}}"))
    (error,) = errors(lint(wf))
    assert error.code == "AW407" and "has no output parameter 'idd'" in error.message
    assert "called by step 'send' of template 'main'" in error.message and error.hint == "did you mean 'id'?"


def test_tasks_read_from_a_step_and_steps_read_from_a_task_are_errors() -> None:
    wf = workflow(STEPS.replace("steps.get-data", "tasks.get-data"))
    found = errors(lint(wf))
    assert found and all(d.code == "AW401" and "is a step, and steps see no task outputs" in d.message
                         for d in found)
    wf = workflow(TWO_DAGS.replace("{{tasks.get-data", "{{steps.get-data"))
    found = errors(lint(wf))
    assert found and all("is a DAG task, and tasks see no step outputs" in d.message for d in found)


def test_an_inline_template_reads_the_siblings_of_its_own_task() -> None:
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: inline-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: get-data
        template: fetch
      - name: send
        depends: get-data
        inline:
          http:
            url: http://example.com/api/process
            method: POST
            timeoutSeconds: 5
            body: "{{tasks.get-data.outputs.result}}"
  - name: fetch
    http: {url: "http://example.com/api/data", timeoutSeconds: 5}
""")
    found = lint(wf)
    assert errors(found) == [] and codes(found)["AW408"] == 1
    _, mutated = patched(wf)
    send = mutated["spec"]["templates"][0]["dag"]["tasks"][1]
    assert send["inline"]["inputs"] == {"parameters": [{"name": "get-data-result"}]}
    assert send["arguments"] == {"parameters": [{"name": "get-data-result",
                                                 "value": "{{tasks.get-data.outputs.result}}"}]}
    assert errors(lint(mutated)) == [] and "AW408" not in codes(lint(mutated))


def test_a_workflow_template_whose_template_no_local_task_calls_keeps_the_error() -> None:
    """Calls through templateRef from other documents are never counted: this document cannot give them the
    argument, so the template must take an input parameter itself."""
    wft = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: library}
spec:
  templates:
  - name: post
    http:
      url: http://example.com/api/process
      method: POST
      timeoutSeconds: 5
      body: "{{tasks.get-data.outputs.result}}"
""")
    (error,) = errors(lint(wft))
    assert error.code == "AW401"
    assert "is called by no task of this document" in error.message
    assert "templateRef" in (error.hint or "")
    assert patched(wft)[0] == []


def test_own_tasks_of_a_dag_template_are_not_the_dialect() -> None:
    wf = workflow(TWO_DAGS)
    wf["spec"]["templates"][1]["outputs"] = {"parameters": [
        {"name": "sent", "valueFrom": {"parameter": "{{tasks.send.outputs.result}}"}}]}
    found = lint(wf)
    assert errors(found) == [] and codes(found)["AW408"] == 1  # only post's read
    _, mutated = patched(wf)
    assert mutated["spec"]["templates"][1]["outputs"] == wf["spec"]["templates"][1]["outputs"]


def test_the_sibling_rewrite_alone_changes_only_the_read() -> None:
    manifest = Manifest("Workflow", verbatim())
    out = portable_object(manifest, (portable_sibling_outputs,))
    post = out.data["spec"]["templates"][2]
    # Only the sibling read changes: conditions and contentType stay as written (other mutators' business).
    assert post["http"]["successCondition"] == "status_code == 201" and post["http"]["contentType"]
    assert "{{inputs.parameters.get-data-result}}" in post["http"]["body"]


LIBRARY_AND_USER = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: get-data, template: fetch}
      - {name: send, template: post, depends: get-data}
  - name: fetch
    http: {url: "http://example.com/api/data", timeoutSeconds: 5}
  - name: post
    http: {url: "http://example.com/api/process", method: POST, timeoutSeconds: 5,
           body: "{{tasks.get-data.outputs.result}}"}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: user-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: get-data, templateRef: {name: lib, template: fetch}}
      - {name: send, templateRef: {name: lib, template: post}, depends: get-data}
"""


def lint_text(tmp_path: Path, text: str) -> list[Diagnostic]:
    path = tmp_path / "docs.yaml"
    path.write_text(text, encoding="utf-8")
    return lint_sources([load_path(str(path))], LintOptions(search_repository=False)).diagnostics


def test_a_templateref_call_must_pass_the_parameter_the_template_takes_in_portable_form(tmp_path: Path) -> None:
    """The WorkflowTemplate's own calls are rewritten with it; a call from another document is not (no rewrite
    reaches across documents), so it is an error there, before and after the WorkflowTemplate is admitted."""
    found = lint_text(tmp_path, LIBRARY_AND_USER)
    (error,) = errors(found)
    assert error.code == "AW401" and error.path == "spec.templates[0].dag.tasks[1].templateRef"
    assert "task 'send' of template 'main' calls template 'lib/post'" in error.message
    assert "passes no 'get-data-result'" in error.message
    assert "{name: get-data-result, value: '{{tasks.get-data.outputs.result}}'}" in (error.hint or "")
    # Once the library is stored in portable form, the missing argument is the ordinary missing input.
    library, user = yaml.safe_load_all(LIBRARY_AND_USER)
    stored = portable_object(Manifest("WorkflowTemplate", library)).data
    after = errors(lint_text(tmp_path, yaml.safe_dump_all([stored, user])))
    assert [(d.code, "get-data-result" in d.message) for d in after] == [("AW217", True)]
    # Passing it, as the hint says, satisfies both forms (the verbatim library only notes an extra argument).
    user["spec"]["templates"][0]["dag"]["tasks"][1]["arguments"] = {"parameters": [
        {"name": "get-data-result", "value": "{{tasks.get-data.outputs.result}}"}]}
    assert errors(lint_text(tmp_path, yaml.safe_dump_all([library, user]))) == []
    assert errors(lint_text(tmp_path, yaml.safe_dump_all([stored, user]))) == []


def test_deciding_every_call_is_linear_in_the_tasks() -> None:
    """Each task X's dependents are found once, not once per call (a chain of calls made it quadratic)."""
    import time

    from webhook.validation import siblings

    def chain(n: int) -> Manifest:
        tasks = [{"name": "t0", "template": "fetch"}] + [
            {"name": f"t{i}", "template": "post", "depends": f"t{i - 1}"} for i in range(1, n)]
        data = workflow(TWO_DAGS.replace("tasks.get-data.", "tasks.t0."))
        templates = data["spec"]["templates"]
        data["spec"]["templates"] = [{"name": "main", "dag": {"tasks": tasks}}, templates[3], templates[4]]
        return Manifest("Workflow", data)

    def cost(n: int) -> float:
        manifest = chain(n)
        started = time.perf_counter()
        index = siblings.CallIndex(manifest)
        for p in siblings.plan(manifest, index):
            assert all(p.portable(r) for r in p.reads)
        return time.perf_counter() - started

    small = min(cost(500) for _ in range(3))
    large = min(cost(4000) for _ in range(3))
    assert large < small * 24, (small, large)  # linear: ~8x; per-call ancestor walks were ~64x


def test_calls_in_a_dag_left_out_for_its_size_are_not_called_missing() -> None:
    """One mistake, one finding: the DAG over its size limit gets AW112; the template it calls is not 'called by
    no task' for that (the calls are there, only not looked at)."""
    tasks = [{"name": "t0", "template": "fetch"}] + [
        {"name": f"t{i}", "template": "post", "depends": f"t{i - 1}"} for i in range(1, 300)]
    data = workflow(TWO_DAGS.replace("tasks.get-data.", "tasks.t0."))
    templates = data["spec"]["templates"]
    data["spec"]["templates"] = [{"name": "main", "dag": {"tasks": tasks}}, templates[3], templates[4]]
    assert [d.code for d in errors(lint(data))] == ["AW112"]
