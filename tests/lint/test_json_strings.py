"""AW514: a tag whose value is JSON, inside a JSON string of a JSON body (webhook.validation.json_strings)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml

from webhook.diagnostics import Diagnostic
from webhook.manifest import Manifest
from webhook.templating import parse_template
from webhook.validation import validate
from webhook.validation.json_strings import expression_path, quoted_tags, tag_pieces

BASE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: json-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: get-data, template: fetch}
      - {name: compute, template: script}
      - name: send
        template: post
        depends: get-data && compute
  - name: fetch
    http: {url: "http://example.com/api/data", timeoutSeconds: 5}
  - name: script
    script: {image: "python:3.12", source: "print(1)"}
  - name: post
    http:
      url: http://example.com/api/process
      method: POST
      timeoutSeconds: 5
      body: BODY
"""


def lint_body(body: str, **http: Any) -> list[Diagnostic]:
    data = yaml.safe_load(BASE)
    post = data["spec"]["templates"][3]["http"]
    post["body"] = body
    post.update(http)
    found = validate(Manifest("Workflow", data))
    assert not [d for d in found if d.severity == "error"], [d.message for d in found]
    return [d for d in found if d.code == "AW514"]


@pytest.mark.parametrize("body, extra", [
    ('{"input_data": "{{tasks.get-data.outputs.result}}"}', {}),
    ('{"a": 1, "b": ["x", "{{tasks.get-data.outputs.result}}"]}', {}),
    # not JSON by its text, but by its declared type
    ('  "{{tasks.get-data.outputs.result}}"', {"headers": [{"name": "content-type",
                                                          "value": "application/merge-patch+json"}]}),
    ('  "{{tasks.get-data.outputs.result}}"', {"contentType": "application/json"}),
    ('{"labels": "{{workflow.labels.json}}"}', {}),
    ('{"v": "{{=toJson(workflow.name)}}"}', {}),
    ('{"v": "{{= sprig.toJson(1)}}"}', {}),
])
def test_json_values_in_json_strings_are_warned(body: str, extra: dict[str, Any]) -> None:
    (found,) = lint_body(body, **extra)
    assert "inside a JSON string of the body" in found.message


@pytest.mark.parametrize("body, extra", [
    ('{"input_data": {{tasks.get-data.outputs.result}}}', {}),              # embedded: the fix
    ('{"input_data": {{=toJson(tasks["get-data"].outputs.result)}}}', {}),  # the other fix
    ('{"from": "{{tasks.compute.outputs.result}}"}', {}),                   # a script's result is text
    ('{"name": "{{workflow.name}}"}', {}),
    ('{"a": "\\"", "b": {{tasks.get-data.outputs.result}}}', {}),            # an escaped quote closes nothing
    ('text "{{tasks.get-data.outputs.result}}"', {}),                      # not JSON at all
    ('{{tasks.get-data.outputs.result}}', {}),                             # a tag, not an object
    ('"{{tasks.get-data.outputs.result}}"', {"headers": [{"name": "Content-Type", "value": "text/plain"}]}),
])
def test_other_bodies_are_not_warned(body: str, extra: dict[str, Any]) -> None:
    assert lint_body(body, **extra) == []


def test_the_hint_gives_both_fixes_when_the_tag_is_the_whole_string() -> None:
    (alone,) = lint_body('{"input_data": "{{tasks.get-data.outputs.result}}"}')
    assert alone.hint == ("drop the quotes around it to embed the document as JSON, or send it as a JSON string "
                          "with {{=toJson(tasks['get-data'].outputs.result)}} (no quotes around that either)")
    (mixed,) = lint_body('{"input_data": "got: {{tasks.get-data.outputs.result}}"}')
    assert mixed.hint is not None and "build the whole string with one {{=toJson(...)}} tag" in mixed.hint


def test_a_looped_tasks_aggregate_is_json() -> None:
    data = yaml.safe_load(BASE)
    tasks = data["spec"]["templates"][0]["dag"]["tasks"]
    tasks[1]["withItems"] = [1, 2]
    data["spec"]["templates"][3]["http"]["body"] = '{"all": "{{tasks.compute.outputs.result}}"}'
    found = [d for d in validate(Manifest("Workflow", data)) if d.code == "AW514"]
    assert len(found) == 1 and "looped task 'compute'" in found[0].message


@pytest.mark.parametrize("body, expected", [
    ('{"a": "{{x}}"}', [("x", True)]),
    ('{"a": "p {{x}}"}', [("x", False)]),
    ('{"a": "{{x}} "}', [("x", False)]),
    ('{"a": {{x}}}', []),
    ('{"a": "\\"{{x}}"}', [("x", False)]),
    ('{"a": "\\\\", "b": "{{x}}"}', [("x", True)]),
    ('{"a": "{{x}}{{y}}"}', [("x", False), ("y", False)]),
    ('{"a": "{{x}}', [("x", False)]),
    ('{"a": "\\{{x}}"}', [("x", False)]),
])
def test_quoted_tags(body: str, expected: list[tuple[str, bool]]) -> None:
    found = [(q.piece.path, q.alone) for q in quoted_tags(tag_pieces(body))]  # type: ignore[union-attr]
    assert found == expected


@pytest.mark.parametrize("text", ['{"a": "{{ x }}", "b": {{=toJson(y)}}}', "plain", "{{x}}", "a {{ unclosed",
                                  '{{=a}}{{b.c}} tail', "{{{x}}}"])
def test_tag_pieces_agree_with_the_grammar(text: str) -> None:
    """The linear scanner's pieces are the grammar's wherever the grammar accepts the text."""
    try:
        expected = parse_template(text)
    except ValueError:
        expected = None
    if expected is not None:
        assert tag_pieces(text) == expected


def test_expression_path() -> None:
    assert expression_path("tasks.get-data.outputs.result") == "tasks['get-data'].outputs.result"
    assert expression_path("inputs.parameters.data") == "inputs.parameters.data"


def test_the_scan_is_linear_in_the_body() -> None:
    """Quotes, backslashes, tags and a long run of '{': four times the body costs about four times the time."""
    def cost(n: int) -> float:
        body = '{"k": "' + '\\" {{x}} \\\\ " "' * n + '"{{{{{{' * n + '}'
        started = time.perf_counter()
        for _ in range(3):
            sum(1 for _ in quoted_tags(tag_pieces(body)))
        return time.perf_counter() - started

    cost(1000)
    small, large = min(cost(2_000) for _ in range(3)), min(cost(8_000) for _ in range(3))
    assert large < small * 8, (small, large)  # linear: ~4x; quadratic would be ~16x
