"""The seed workflow end to end against a real server: step one's body arrives in step two's POST."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.executor.conftest import EXAMPLES, TestServer, by_display, run, workflow
from webhook.admission.mutation import portable_object
from webhook.executor.nodes import Phase
from webhook.manifest import Manifest
from webhook.secrets.values import FileSecretValues

DATA = json.dumps({"status": "completed", "data": {"items": ["a", "b"]}})


def seed(server: TestServer, name: str = "seed.yaml") -> dict:
    text = (EXAMPLES / name).read_text().replace("http://example.com", server.base)
    return yaml.safe_load(text)


async def test_step_one_body_arrives_in_step_two_post(server: TestServer) -> None:
    server.reply("GET", "/api/data", 200, DATA, headers={"Content-Type": "application/json"})
    server.reply("POST", "/api/process", 201, '{"accepted": true}')
    result = await run(seed(server))
    assert result.phase is Phase.SUCCEEDED, result.message
    (get,) = server.hits("/api/data")
    assert get.headers["X-Argo-Workflow"] == result.name
    assert get.headers["Accept"] == "application/json"
    (post,) = server.hits("/api/process")
    sent = json.loads(post.body)
    assert sent["input_data"] == json.loads(DATA)
    assert sent["workflow_id"] == result.uid
    assert post.headers["Content-Type"] == "application/json"
    assert by_display(result, "get-data").result == DATA
    assert by_display(result, "process-data").result == '{"accepted": true}'


async def test_the_verbatim_seed_in_portable_form_sends_step_ones_body(server: TestServer) -> None:
    """What the REST API stores and the mutating webhook admits: every dialect item rewritten, and it runs."""
    server.reply("GET", "/api/data", 200, DATA, headers={"Content-Type": "application/json"})
    server.reply("POST", "/api/process", 201, '{"accepted": true}')
    stored = portable_object(Manifest("Workflow", seed(server, "seed-verbatim.yaml"))).data
    result = await run(stored)
    assert result.phase is Phase.SUCCEEDED, result.message
    (post,) = server.hits("/api/process")
    assert f'"input_data": "{DATA}"'.encode() in post.body  # as the seed wrote it: the document in a string
    assert post.headers["Content-Type"] == "application/json"
    assert by_display(result, "process-data").result == '{"accepted": true}'


async def test_seed_dialect_condition_fails_with_upstream_message(server: TestServer) -> None:
    server.reply("GET", "/api/data", 200, DATA)
    server.reply("POST", "/api/process", 200, "ok")  # the seed wants 201
    result = await run(seed(server))
    assert result.phase is Phase.FAILED
    post = by_display(result, "process-data")
    assert post.phase is Phase.FAILED
    assert post.message == "successCondition 'status_code == 201' evaluated false"
    assert post.result == "ok"


@pytest.mark.parametrize("name", ["seed-steps.yaml", "seed-portable.yaml"])
async def test_both_dialects_read_the_json_body(server: TestServer, name: str) -> None:
    server.reply("GET", "/api/data", 200, DATA, headers={"Content-Type": "application/json"})
    server.reply("POST", "/api/process", 201, "{}", headers={"Content-Type": "application/json"})
    result = await run(seed(server, name))
    assert result.phase is Phase.SUCCEEDED, [(n.display_name, n.message) for n in result.nodes.values()]
    server.seen.clear()
    server.reply("GET", "/api/data", 200, json.dumps({"status": "pending", "data": {"items": []}}))
    result = await run(seed(server, name))
    get = by_display(result, "get-data")
    assert get.phase is Phase.FAILED
    assert "evaluated false" in get.message
    assert not server.hits("/api/process")


async def test_without_a_condition_success_is_a_2xx_status(server: TestServer) -> None:
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: plain}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: created, template: get, arguments: {parameters: [{name: path, value: /created}]}}
      - {name: redirect-less, template: get, arguments: {parameters: [{name: path, value: /moved}]}}
      - {name: missing, template: get, arguments: {parameters: [{name: path, value: /missing}]}}
  - name: get
    inputs: {parameters: [{name: path}]}
    http: {url: "BASE{{inputs.parameters.path}}", timeoutSeconds: 5}
""", server)
    server.reply("GET", "/created", 204)
    server.reply("GET", "/moved", 304)
    server.reply("GET", "/missing", 404, "nope")
    result = await run(wf)
    assert by_display(result, "created").phase is Phase.SUCCEEDED
    assert by_display(result, "redirect-less").message == "received non-2xx response code: 304"
    missing = by_display(result, "missing")
    assert missing.message == "received non-2xx response code: 404"
    assert missing.result == "nope"
    assert result.phase is Phase.FAILED


async def test_secret_headers_are_sent_and_never_shown(server: TestServer, tmp_path) -> None:
    planted = "s3cr3t-value-7f1c2d9e"
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"""
apiVersion: v1
kind: Secret
metadata: {{name: my-api-secret}}
stringData: {{token: "Bearer {planted}"}}
""")
    # The server echoes the Authorization header in its body and its failure.
    async def echo(request):  # type: ignore[no-untyped-def]
        from aiohttp import web

        return web.Response(status=500, text=f"denied for {request.headers.get('Authorization')}")

    server.reply("GET", "/api/data", 200, DATA)
    server.route("POST", "/api/process", echo)
    events = []
    result = await run(seed(server, "seed-secret.yaml"), secrets=FileSecretValues.from_path(str(secrets)),
                       on_event=events.append)
    (get,) = server.hits("/api/data")
    (post,) = server.hits("/api/process")
    assert get.headers["Authorization"] == f"Bearer {planted}"
    assert post.headers["Authorization"] == f"Bearer {planted}"
    assert result.phase is Phase.FAILED
    shown = json.dumps(result.to_json()) + json.dumps(result.to_status()) + repr(events)
    assert planted not in shown
    assert by_display(result, "process-data").result == "denied for ***"
