"""``/ui/``: its files and its endpoints, against a real server; the lint and eval answers match the CLI's."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.ui.conftest import EXAMPLES, ROOT, UiServer
from webhook.ui.routes import PREFIX

BROKEN = """apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: broken-
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: a
            template: nope
"""


def cli(*args: str, stdin: str | None = None) -> tuple[int, Any]:
    done = subprocess.run([sys.executable, "-m", "webhook", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)
    return done.returncode, json.loads(done.stdout)


async def test_the_page_is_served_with_a_strict_content_security_policy(ui: UiServer) -> None:
    status, body, headers = await ui.call("GET", "/ui", token=None)
    assert status == 301 and headers["Location"] == "/ui/"
    status, body, headers = await ui.call("GET", "/ui/", token=None)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<script src="app.js"' in body and "http://" not in body and "https://" not in body
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    for name, kind in (("app.js", "text/javascript"), ("app.css", "text/css"), ("icon.svg", "image/svg+xml")):
        status, body, headers = await ui.call("GET", f"/ui/{name}", token=None)
        assert status == 200 and headers["Content-Type"].startswith(kind), name
        # Nothing from another origin at run time: no URL of a CDN or any other host in our own files.
        assert "//cdn" not in body and "unpkg" not in body and "jsdelivr" not in body


async def test_every_endpoint_refuses_a_missing_or_wrong_token_as_the_rest_api_does(ui: UiServer) -> None:
    for path in ("/ui/api/lint", "/ui/api/graph", "/ui/api/eval"):
        for token in (None, "wrong-token-0000000000"):
            status, body, _ = await ui.call("POST", path, {"text": "x"}, token=token)
            assert status == 401 and body["code"] == 16, (path, token)
        # the REST API says the same about the same token
    status, body, _ = await ui.call("GET", "/api/v1/userinfo", token="wrong-token-0000000000")
    assert status == 401


async def test_lint_answers_what_lint_o_json_prints_with_the_width_of_each_span(ui: UiServer) -> None:
    status, body, _ = await ui.call("POST", "/ui/api/lint", {"text": BROKEN})
    assert status == 200
    code, expected = cli("lint", "-o", "json", "-", stdin=BROKEN)
    assert code == 1
    assert body["summary"] == expected["summary"]
    got = [{k: v for k, v in d.items() if k not in ("file", "length")} for d in body["diagnostics"]]
    assert got == [{k: v for k, v in d.items() if k != "file"} for d in expected["diagnostics"]]
    first = body["diagnostics"][0]
    assert (first["code"], first["line"], first["column"], first["length"]) == ("AW209", 12, 23, len("nope"))
    assert first["file"] == "playground.yaml"


async def test_lint_reports_yaml_errors_at_their_line(ui: UiServer) -> None:
    status, body, _ = await ui.call("POST", "/ui/api/lint", {"text": "a: [1, 2\nb: 3\n"})
    assert status == 200 and body["summary"]["errors"] == 1
    assert body["diagnostics"][0]["line"] is not None


async def test_graph_of_text_and_of_a_run(ui: UiServer) -> None:
    seed = (EXAMPLES / "seed.yaml").read_text()
    status, body, _ = await ui.call("POST", "/ui/api/graph", {"text": seed})
    assert status == 200 and body["error"] is None and body["kind"] == "Workflow"
    assert [n["label"] for n in body["nodes"]] == ["main", "get-data", "process-data"]
    assert body["object"]["metadata"]["generateName"] == "http-example-"
    status, created, _ = await ui.call("POST", "/api/v1/workflows/argo", {"workflow": body["object"]})
    assert status == 200
    status, body, _ = await ui.call("POST", "/ui/api/graph", {"workflow": created})
    assert status == 200 and body["source"] in ("spec", "status")
    status, body, _ = await ui.call("POST", "/ui/api/graph", {"text": "just: a mapping\n"})
    assert status == 200 and body["nodes"] == [] and "no Argo document" in body["error"]
    status, body, _ = await ui.call("POST", "/ui/api/graph", {"text": "a: [1\n"})
    assert status == 200 and body["nodes"] == [] and body["error"]


@pytest.mark.parametrize(("condition", "response"), [
    ("status_code == 200", {"statusCode": 200}),
    ('fromJSON(response.body).status == "completed"', {"statusCode": 200, "body": {"status": "completed"}}),
    ('response.headers.Get("content-type") contains "json"', {"headers": {"Content-Type": "application/json"}}),
    ('response.statusCode == "200"', {}),
    ("response.statusCode +", {}),
    ("response.body", {"body": "x"}),
])
async def test_eval_answers_what_eval_o_json_prints(ui: UiServer, condition: str, response: dict[str, Any],
                                                    tmp_path: Any) -> None:
    status, body, _ = await ui.call("POST", "/ui/api/eval", {"condition": condition, "response": response})
    assert status == 200
    saved = tmp_path / "response.json"
    saved.write_text(json.dumps(response))
    _, expected = cli("eval", condition, "--response", str(saved).replace("\\", "/"), "-o", "json")
    assert body == json.loads(json.dumps(expected).replace(str(saved), "response"))


@pytest.mark.parametrize(("path", "raw", "message"), [
    ("/ui/api/lint", b"not json", "not JSON"),
    ("/ui/api/lint", b"[1]", "JSON object"),
    ("/ui/api/lint", b'{"text": 3}', "'text' must be a string"),
    ("/ui/api/lint", b'{"text": "x", "namespace": []}', "'namespace' must be a string"),
    ("/ui/api/graph", b'{"workflow": "x"}', "'workflow' must be an object"),
    ("/ui/api/graph", b"{}", "'text' must be a string"),
    ("/ui/api/eval", b'{"condition": "true", "response": {"statusCode": "200"}}', "statusCode"),
    ("/ui/api/eval", b'{"condition": "true", "response": {"statusCode": 42}}', "100 to 999"),
    ("/ui/api/eval", b'{"condition": "true", "response": []}', "JSON object"),
    ("/ui/api/eval", b'{"condition": "true", "response": {"nope": 1}}', "unknown key"),
    ("/ui/api/eval", b'{"condition": 1}', "'condition' must be a string"),
    ("/ui/api/eval", b'{"condition": "true", "response": {"body": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
     "nest"),
    ("/ui/api/lint", b"\xff\xfe", "not JSON"),
])
async def test_bad_bodies_get_a_400_that_says_why(ui: UiServer, path: str, raw: bytes, message: str) -> None:
    status, body, _ = await ui.call("POST", path, raw=raw)
    assert status == 400, body
    assert body["code"] == 3 and message in body["message"]


async def test_large_texts_are_worked_on_off_the_event_loop_and_answered(ui: UiServer) -> None:
    big = BROKEN + "".join(f"# filler line {i} " + "x" * 60 + "\n" for i in range(2000))  # past offload_bytes
    status, body, _ = await ui.call("POST", "/ui/api/lint", {"text": big})
    assert status == 200 and body["summary"]["errors"] == 1
    status, body, _ = await ui.call("POST", "/ui/api/graph", {"text": big})
    assert status == 200 and len(body["nodes"]) == 2


async def test_unknown_paths_under_ui_api_answer_in_the_api_error_shape(ui: UiServer) -> None:
    status, body, _ = await ui.call("GET", "/ui/api/lint")
    assert status == 405 and body["code"] == 12
    status, body, _ = await ui.call("GET", "/ui/api/nothing")
    assert status == 404 and body["code"] == 5
    status, body, _ = await ui.call("GET", "/ui/nothing", token=None)
    assert status == 404


def test_the_routes_prefix_is_the_documented_one() -> None:
    assert PREFIX == "/ui"


def test_without_the_rest_api_there_is_no_page() -> None:
    from webhook.admission.provider import OfflineProvider
    from webhook.server.app import create_app
    from webhook.server.config import ApiSettings, ServerConfig
    from webhook.ui.routes import add_routes

    app = create_app(ServerConfig(api=ApiSettings(enabled=False)), OfflineProvider(), [add_routes])
    assert not [r for r in app.router.resources() if r.canonical.startswith("/ui")]


def test_serve_registers_the_page_beside_the_api() -> None:
    from webhook.commands.serve import UI_ROUTES
    from webhook.optional import load_optional
    from webhook.ui.routes import add_routes

    assert load_optional(UI_ROUTES) is add_routes


def _sending(secret: str, namespace: str | None) -> str:
    metadata = f"{{generateName: send-, namespace: {namespace}}}" if namespace else "{generateName: send-}"
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {metadata}
spec:
  entrypoint: main
  templates:
  - name: main
    http:
      url: https://example.com/api
      timeoutSeconds: 10
      successCondition: response.statusCode == 200
      headers:
      - name: Authorization
        valueFrom: {{secretKeyRef: {{name: {secret}, key: token}}}}
"""


def _codes(body: Any) -> list[str]:
    return [d["code"] for d in body["diagnostics"]]


async def test_lint_checks_secrets_only_in_namespaces_the_caller_may_create_workflows_in(
        ui_with_secrets: UiServer) -> None:
    ui = ui_with_secrets
    # In alice's own namespace the store answers: a secret that exists passes, one that does not is AW700.
    status, body, _ = await ui.call("POST", "/ui/api/lint", {"text": _sending("my-api-secret", None),
                                                             "namespace": "argo"})
    assert status == 200 and "AW700" not in _codes(body) and "AW705" not in _codes(body), body
    status, body, _ = await ui.call("POST", "/ui/api/lint", {"text": _sending("nope", "argo")})
    assert status == 200 and "AW700" in _codes(body), body
    # Another namespace, named by the body or by the document: 403 before anything is looked up.
    for text, namespace in ((_sending("payroll-token", None), "team-b"), (_sending("payroll-token", "team-b"), None)):
        status, body, _ = await ui.call("POST", "/ui/api/lint", {"text": text, "namespace": namespace})
        assert status == 403, body
        assert "payroll" not in json.dumps(body)
    # No namespace at all: the store is not asked (it would answer from any namespace), and the page says so.
    status, body, _ = await ui.call("POST", "/ui/api/lint", {"text": _sending("payroll-token", None)})
    assert status == 200 and "AW700" not in _codes(body), body
    unchecked = [d for d in body["diagnostics"] if d["code"] in ("AW701", "AW705")]
    assert unchecked and "names no namespace" in json.dumps(unchecked), body
