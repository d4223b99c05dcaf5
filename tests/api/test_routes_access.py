"""Who may call the REST API, how often, with what: tokens, namespaces, rate limits, hostile bodies, lint."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, TOKENS, ApiFactory, seed_workflow, write_tokens
from webhook.api.limits import RateLimiter
from webhook.api.routes import API
from webhook.server.config import ApiSettings

BASE = f"/api/v1/workflows/{NAMESPACE}"


async def test_no_token_or_a_wrong_one_is_401_in_grpc_shape(api: ApiFactory) -> None:
    server = await api()
    for token in (None, "not-a-token-at-all-xyz", ""):
        status, body = await server.call("GET", BASE, token=token if token != "" else "Basic abc")
        assert status == 401 and body["code"] == 16 and "token" in body["message"], body
    status, body = await server.call("GET", BASE, token=None, headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert status == 401
    # Public: the version and the OpenAPI document.
    assert (await server.call("GET", "/api/v1/version", token=None))[0] == 200


async def test_a_namespace_the_token_may_not_use_is_403(api: ApiFactory) -> None:
    server = await api()
    status, body = await server.call("GET", "/api/v1/workflows/other")
    assert status == 403 and body["code"] == 7
    assert "alice" in body["message"] and "'other'" in body["message"]
    admin = TOKENS[1]["token"]
    assert (await server.call("GET", "/api/v1/workflows/other", token=admin))[0] == 200
    status, info = await server.call("GET", "/api/v1/userinfo")
    assert status == 200 and info["subject"] == "alice"


async def test_tokens_are_never_logged_nor_echoed(api: ApiFactory, caplog: pytest.LogCaptureFixture,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    server = await api(responses=SEED_RESPONSES)
    guess = "guess-token-PLANTED-777777"
    bodies = [await server.call("GET", BASE, token=guess),
              await server.call("POST", BASE, {"workflow": seed_workflow()}),
              await server.call("GET", "/api/v1/userinfo"),
              await server.call("POST", BASE, raw=b"{broken")]
    seen = caplog.text + capsys.readouterr().err + repr(bodies)
    for secret in (guess, TOKENS[0]["token"], TOKENS[1]["token"]):
        assert secret not in seen


async def test_without_a_token_file_one_token_is_made_and_printed_once(api: ApiFactory) -> None:
    server = await api(tokens=None)
    assert len(server.token) >= 32
    assert (await server.call("GET", BASE))[0] == 200
    assert (await server.call("GET", BASE, token="x" * 43))[0] == 401


async def test_server_auth_mode_asks_for_no_token(api: ApiFactory) -> None:
    server = await api(auth_mode="server")
    assert (await server.call("GET", BASE, token=None))[0] == 200
    status, info = await server.call("GET", "/api/v1/userinfo", token=None)
    assert status == 200 and info["subject"] == "argo-warden-server"


def test_rate_limiter_refills_and_says_when_to_retry() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.take("a")
    with pytest.raises(Exception) as info:
        limiter.take("a")
    assert getattr(info.value, "retry_after", 0) == pytest.approx(0.5)
    limiter.take("b")  # another client has its own bucket
    now[0] = 0.5
    limiter.take("a")


async def test_too_many_requests_get_429_with_retry_after(api: ApiFactory) -> None:
    server = await api()
    limiter = server.app[API].rate
    limiter.rate, limiter.burst = 1.0, 5
    statuses = [(await server.call("GET", BASE))[0] for _ in range(8)]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    async with server.session.get(server.url + BASE, headers={"Authorization": f"Bearer {server.token}"}) as resp:
        assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1
        assert (await resp.json())["code"] == 8
    # Another token is not slowed down.
    assert (await server.call("GET", BASE, token=TOKENS[1]["token"]))[0] == 200
    # Calls without a token (public or not) share their address's allowance.
    anonymous = [(await server.call("GET", path, token=None))[0]
                 for path in ("/api/v1/version", BASE, "/api/v1/version", "/api/v1/openapi.json") * 2]
    assert anonymous[:2] == [200, 401] and anonymous[-1] == 429, anonymous


@pytest.mark.parametrize("raw, message", [
    (b"{broken", "not JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"workflow": "yes"}', "no Workflow object"),
    (b'{"workflow": {"kind": "Pod", "metadata": {"name": "x"}}}', "takes a Workflow"),
    (b'{"workflow": {"metadata": "x", "spec": {}}}', "metadata must be an object"),
    (b"\xff\xfe{}", "not"),
    (b"[" * 5000 + b"]" * 5000, "nest"),
    (b'{"workflow": {"metadata": {"name": "a", "namespace": "elsewhere"}, "spec": {}}}', "does not match"),
])
async def test_hostile_bodies_get_400_never_500(api: ApiFactory, raw: bytes, message: str) -> None:
    server = await api()
    status, body = await server.call("POST", BASE, raw=raw)
    assert status == 400 and body["code"] == 3 and message in body["message"], body


async def test_oversized_bodies_unknown_paths_and_bad_names(api: ApiFactory) -> None:
    server = await api()
    big = b'{"workflow": {"metadata": {"name": "' + b"a" * (5 * 1024 * 1024) + b'"}}}'
    status, body = await server.call("POST", BASE, raw=big)
    assert status == 413 and body["code"] == 3 and "larger than" in body["message"]
    status, body = await server.call("GET", "/api/v1/nothing-here")
    assert status == 404 and body["code"] == 5
    status, body = await server.call("PATCH", BASE)
    assert status == 405 and body["code"] == 12
    for path in ("/api/v1/workflows/Bad_NS", f"{BASE}/UPPER", f"{BASE}/" + "a" * 300):
        status, body = await server.call("GET", path)
        assert status == 400 and body["code"] == 3, (path, body)


async def test_lint_endpoints_answer_with_the_object_or_the_findings(api: ApiFactory) -> None:
    server = await api()
    status, body = await server.call("POST", f"{BASE}/lint", {"namespace": NAMESPACE, "workflow": seed_workflow()})
    assert status == 200 and body["kind"] == "Workflow" and body["spec"]["entrypoint"] == "main"
    bad = seed_workflow()
    bad["spec"]["templates"][1]["http"]["successCondition"] = "response.statuscode == 200"
    status, body = await server.call("POST", f"{BASE}/lint", {"workflow": bad})
    assert status == 400 and body["code"] == 3
    assert "AW6" in body["message"] and "statusCode" in body["message"], body
    template = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "t"},
                "spec": {"templates": [{"name": "a", "http": {"url": "http://example.com"}}]}}
    assert (await server.call("POST", f"/api/v1/workflow-templates/{NAMESPACE}/lint", {"template": template}))[0] == 200
    cluster = {**template, "kind": "ClusterWorkflowTemplate"}
    assert (await server.call("POST", "/api/v1/cluster-workflow-templates/lint", {"template": cluster},
                              token=TOKENS[1]["token"]))[0] == 200
    cron = {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": {"name": "c"},
            "spec": {"schedule": "61 * * * *", "workflowSpec": seed_workflow()["spec"]}}
    status, body = await server.call("POST", f"/api/v1/cron-workflows/{NAMESPACE}/lint", {"cronWorkflow": cron})
    assert status == 400 and "AW8" in body["message"], body


def test_serve_refuses_unusable_api_settings_with_exit_2(tmp_path: Path) -> None:
    bad_tokens = write_tokens(tmp_path, [{"token": "short", "user": "x", "namespaces": ["a"]}])
    cases = [
        (["--tokens", str(bad_tokens)], "at least 16 characters"),
        (["--tokens", str(tmp_path / "missing.yaml")], "cannot read it"),
        (["--auth-mode", "server", "--tokens", str(bad_tokens)], "no effect"),
        (["--responses", str(tmp_path / "none.yaml")], "--responses"),
        (["--data-dir", "/proc/argo-warden-data"], "--data-dir"),
    ]
    for extra, message in cases:
        proc = subprocess.run([sys.executable, "-m", "webhook", "serve", "--no-tls", "--port", "1", *extra],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == 2, (extra, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr, (extra, proc.stderr)
        assert "short" not in proc.stderr.replace("--tokens", "")


async def test_streams_per_client_are_capped(api: ApiFactory) -> None:
    server = await api()
    limits = ApiSettings()
    responses = []
    for _ in range(limits.streams_per_client):
        resp = await server.session.get(server.url + f"/api/v1/workflow-events/{NAMESPACE}",
                                        headers={"Authorization": f"Bearer {server.token}"})
        assert resp.status == 200
        responses.append(resp)
    status, body = await server.call("GET", f"/api/v1/workflow-events/{NAMESPACE}")
    assert status == 429 and body["code"] == 8
    for resp in responses:
        resp.close()
    await asyncio.sleep(0.1)
    for _ in range(50):
        async with server.session.get(server.url + f"/api/v1/workflow-events/{NAMESPACE}",
                                      headers={"Authorization": f"Bearer {server.token}"}) as resp:
            if resp.status == 200:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("a closed stream never gave its slot back")
