"""{{=expr}} tags: Argo's helpers, nested variables, lookup of secrets, and what errors look like."""

from __future__ import annotations

import json

import pytest

from tests.executor.conftest import TestServer, by_display, run, workflow
from webhook.executor.nodes import Phase
from webhook.executor.scope import RenderError, Scope
from webhook.secrets.values import FileSecretValues


def _scope() -> Scope:
    return Scope({"inputs.parameters.n": "41", "tasks.get-data.outputs.result": '{"a": {"b": [5, 6]}}',
                  "workflow.name": "wf-1"})


@pytest.mark.parametrize("text, expected", [
    ("{{=asInt(inputs.parameters.n) + 1}}", "42"),
    ("{{=asFloat(inputs.parameters.n) / 2}}", "20.5"),
    ("{{=sprig.upper(workflow.name)}}", "WF-1"),
    ("{{=sprig.replace('-', '_', workflow.name)}}", "wf_1"),
    ("{{=jsonpath(tasks['get-data'].outputs.result, '$.a.b[1]')}}", "6"),
    ("{{=fromJSON(tasks['get-data'].outputs.result).a.b}}", "[5,6]"),
    ("{{=toJson({'n': asInt(inputs.parameters.n)})}}", '{"n":41}'),
    ("x-{{=inputs.parameters.n == '41' ? 'yes' : 'no'}}-y", "x-yes-y"),
    ("{{=string(len(workflow.name))}}", "4"),
    ("{{=sprig.add(inputs.parameters.n, 1, '2')}}", "44"), ("{{=sprig.div(-7, 2)}}", "-3"),
    ("{{=sprig.mod(-7, 2)}}", "-1"), ("{{=sprig.mul(2, 3, 4)}}", "24"),
    ("{{=sprig.max(1, inputs.parameters.n)}}", "41"),
    ("{{=sprig.min(3, '2', 5)}}", "2"), ("{{=sprig.sub(inputs.parameters.n, 1)}}", "40"),
    ("{{=sprig.sha256sum('abc')}}", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("{{=sprig.sha1sum('abc')}}", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("{{=sprig.toString(asInt(inputs.parameters.n))}}", "41"), ("{{=sprig.nospace(' a b ')}}", "ab"),
    ("{{=sprig.squote(workflow.name)}}", "'wf-1'"), ("{{=sprig.int('12abc')}}", "0"),
    ("{{=date('2024-01-02').Format('Jan 2')}}", "Jan 2"),
])
def test_expression_tags(text: str, expected: str) -> None:
    assert _scope().render(text) == expected


@pytest.mark.parametrize("text, message", [
    ("{{=asInt('x')}}", "failed to evaluate expression {{=asInt('x')}}"),
    ("{{=nope(1)}}", "unknown function nope()"),
    ("{{=sprig.genCA('x', 1)}}", "sprig.genCA() is valid in Argo, but argo-warden does not evaluate it"),
    ("{{=sprig.div(1, 0)}}", "integer divide by zero"),
    ("{{=inputs.parameters.missing}}", "evaluated to nil"),
    ("{{=lookup('secret', 'a', 'b')}}", "secret lookups are resolved only in the url, headers and body"),
    ("{{inputs.parameters.other}}", "unable to resolve {{inputs.parameters.other}}"),
    ("{{unclosed", "'{{' is never closed"),
])
def test_expression_errors_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        _scope().render(text)
    assert message in str(info.value)


def test_unknown_prefixes_are_left_as_written() -> None:
    assert _scope().render("{{ not.argo }} and {{mustache}}") == "{{ not.argo }} and {{mustache}}"


async def test_tags_in_an_http_template_and_secret_lookups(server: TestServer, tmp_path) -> None:
    async def echo(request):  # type: ignore[no-untyped-def]
        from aiohttp import web

        return web.json_response({"auth": request.headers.get("X-Key"), "query": request.query_string,
                                  "body": (await request.text())})

    server.route("POST", "/echo", echo)
    secrets = tmp_path / "s.yaml"
    secrets.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: api}\n"
                       "data: {key: " + __import__("base64").b64encode(b"k-123456").decode() + "}\n")
    doc = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: tags}
spec:
  entrypoint: main
  arguments: {parameters: [{name: n, value: "2"}]}
  templates:
  - name: main
    inputs: {parameters: [{name: n}]}
    http:
      url: "BASE/echo?page={{=asInt(inputs.parameters.n) * 10}}"
      method: POST
      timeoutSeconds: 5
      headers: [{name: X-Key, value: "{{=lookup('secret', 'api', 'key')}}"}]
      body: '{{=toJson({"wf": workflow.name, "n": asInt(workflow.parameters.n)})}}'
""", server)
    result = await run(doc, secrets=FileSecretValues.from_path(str(secrets)))
    node = by_display(result, "tags")
    assert node.phase is Phase.SUCCEEDED, node.message
    (seen,) = server.hits("/echo")
    assert seen.headers["X-Key"] == "k-123456" and seen.query == "page=20"
    assert json.loads(seen.body) == {"wf": "tags", "n": 2}
    # The server echoed the secret: the stored result has it masked.
    assert json.loads(node.result)["auth"] == "***"


async def test_a_secret_that_cannot_be_read_is_an_error_naming_it(server: TestServer, tmp_path) -> None:
    secrets = tmp_path / "s.yaml"
    secrets.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: api}\nstringData: {other: x}\n")
    doc = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: missing}
spec:
  entrypoint: main
  templates:
  - name: main
    http:
      url: BASE/x
      timeoutSeconds: 5
      headers: [{name: Authorization, valueFrom: {secretKeyRef: {name: api, key: token}}}]
""", server)
    result = await run(doc, secrets=FileSecretValues.from_path(str(secrets)))
    node = by_display(result, "missing")
    assert (node.phase, node.message) == (Phase.ERROR, "secret 'api' has no key 'token' (keys: other)")
    result = await run(doc)
    assert "no secret store is configured (use --secrets FILE)" in by_display(result, "missing").message
    assert not server.seen
