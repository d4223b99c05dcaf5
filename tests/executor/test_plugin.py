"""The executor-plugin sidecar over real HTTP: tokens, templates that are not ours, execution, requeue."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import ROOT
from tests.executor.conftest import LOOPBACK, TestServer
from webhook.plugin.server import EXECUTE_PATH, PluginConfig, plugin_app
from webhook.plugin.token import TokenFile
from webhook.secrets.values import FileSecretValues, NoSecretValues

TOKEN = "agent-token-abc123"


class Plugin:
    def __init__(self, base: str, token_file: Path) -> None:
        self.base = base
        self.token_file = token_file

    async def call(self, body: Any, token: str | None = TOKEN, raw: bytes | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        data = raw if raw is not None else json.dumps(body).encode()
        async with aiohttp.ClientSession() as session, session.post(self.base + EXECUTE_PATH, data=data,
                                                                    headers=headers) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None


def args(http: dict[str, Any] | None = None, plugin: str = "argo-warden") -> dict[str, Any]:
    return {"workflow": {"metadata": {"name": "wf-1", "namespace": "team", "uid": "u-1"}},
            "template": {"name": "call", "inputs": {}, "outputs": {}, "plugin": {plugin: http or {}}}}


async def start(tmp_path: Path, **config: Any) -> tuple[Plugin, web.AppRunner]:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    config.setdefault("secrets", NoSecretValues())
    app = plugin_app(PluginConfig(token=TokenFile(str(token_file)), policy=LOOPBACK, **config))
    runner = web.AppRunner(app, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return Plugin(f"http://127.0.0.1:{runner.addresses[0][1]}", token_file), runner


@pytest.fixture
async def plugin(tmp_path: Path) -> AsyncIterator[Plugin]:
    p, runner = await start(tmp_path)
    yield p
    await runner.cleanup()


async def test_executes_our_templates(plugin: Plugin, server: TestServer) -> None:
    server.reply("GET", "/api/data", 200, '{"status": "completed"}')
    status, reply = await plugin.call(args({"url": server.url("/api/data"), "timeoutSeconds": 5,
                                            "successCondition": 'status_code == 200 && response.body.status == '
                                                                '"completed"',
                                            "headers": [{"name": "X-Wf", "value": "{{workflow.name}}"}]}))
    assert status == 200
    assert reply == {"node": {"phase": "Succeeded", "message": "", "outputs": {"result": '{"status": "completed"}'}}}
    assert server.seen[0].headers["X-Wf"] == "wf-1"
    status, reply = await plugin.call(args({"url": server.url("/api/data"), "successCondition": "status_code == 201"}))
    assert reply["node"]["phase"] == "Failed"
    assert reply["node"]["message"] == "successCondition 'status_code == 201' evaluated false"


@pytest.mark.parametrize("token", [None, "wrong", ""])
async def test_wrong_or_missing_token_is_403(plugin: Plugin, server: TestServer, token: str | None) -> None:
    status, reply = await plugin.call(args({"url": server.url("/x")}), token=token)
    assert status == 403
    assert reply["message"] == "forbidden: wrong or missing bearer token"
    assert not server.seen


async def test_other_schemes_are_403(plugin: Plugin) -> None:
    async with aiohttp.ClientSession() as session, session.post(
            plugin.base + EXECUTE_PATH, json=args(), headers={"Authorization": f"Basic {TOKEN}"}) as response:
        assert response.status == 403


async def test_templates_that_are_not_ours_get_an_empty_reply(plugin: Plugin) -> None:
    assert await plugin.call(args(plugin="slack")) == (200, {})
    assert await plugin.call({"workflow": {}, "template": {"name": "c", "http": {"url": "http://x"}}}) == (200, {})
    assert await plugin.call({}) == (200, {})


@pytest.mark.parametrize("raw, status", [(b"not json", 400), (b"[1, 2]", 400), (b"\xff\xfe", 400)])
async def test_bad_bodies_are_4xx(plugin: Plugin, raw: bytes, status: int) -> None:
    code, reply = await plugin.call(None, raw=raw)
    assert code == status and reply["code"] == status


async def test_other_paths_and_methods(plugin: Plugin) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(plugin.base + "/api/v1/workflow.preNodes",
                                headers={"Authorization": f"Bearer {TOKEN}"}) as response:
            assert response.status == 404  # the agent then never calls that method again
        async with session.get(plugin.base + EXECUTE_PATH) as response:
            assert response.status == 405


async def test_the_token_file_is_re_read_when_it_changes(plugin: Plugin, server: TestServer) -> None:
    server.reply("GET", "/ok", 200, "fine")
    body = args({"url": server.url("/ok")})
    assert (await plugin.call(body))[0] == 200
    replacement = plugin.token_file.with_name("token.new")
    replacement.write_text("rotated-token-xyz")
    os.replace(replacement, plugin.token_file)
    assert (await plugin.call(body))[0] == 403
    assert (await plugin.call(body, token="rotated-token-xyz"))[0] == 200
    plugin.token_file.unlink()  # gone: the last token read stays valid
    assert (await plugin.call(body, token="rotated-token-xyz"))[0] == 200


async def test_a_long_request_is_requeued_and_its_result_handed_over_once(tmp_path: Path,
                                                                         server: TestServer) -> None:
    server.reply("GET", "/slow", 200, "eventually", delay=0.6)
    plugin, runner = await start(tmp_path, reply_after=0.2)
    try:
        body = args({"url": server.url("/slow"), "timeoutSeconds": 5})
        _, reply = await plugin.call(body)
        assert reply == {"node": {"phase": "Running", "message": "the request is still in flight"}, "requeue": "5s"}
        await asyncio.sleep(0.6)
        _, reply = await plugin.call(body)
        assert reply["node"]["phase"] == "Succeeded" and reply["node"]["outputs"]["result"] == "eventually"
        assert len(server.hits("/slow")) == 1
        # Handed over: the same template again (a retry of the node) is a new request.
        await plugin.call(body)
        await asyncio.sleep(0.6)
        await plugin.call(body)
        assert len(server.hits("/slow")) == 2
    finally:
        await runner.cleanup()


async def test_secrets_and_the_ssrf_guard_apply(tmp_path: Path, server: TestServer) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: team}\n"
                       "stringData: {token: Bearer sidecar-secret-1}\n")
    server.route("GET", "/echo", _echo_auth)
    plugin, runner = await start(tmp_path, secrets=FileSecretValues.from_path(str(secrets)))
    try:
        _, reply = await plugin.call(args({
            "url": server.url("/echo"),
            "headers": [{"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}]}))
        assert server.seen[0].headers["Authorization"] == "Bearer sidecar-secret-1"
        assert reply["node"]["outputs"]["result"] == "got ***"
        _, reply = await plugin.call(args({"url": "http://169.254.169.254/latest/meta-data/"}))
        assert reply["node"]["phase"] == "Error" and "refused by the SSRF guard" in reply["node"]["message"]
    finally:
        await runner.cleanup()


async def _echo_auth(request: web.Request) -> web.Response:
    return web.Response(text=f"got {request.headers.get('Authorization')}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start_plugin(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[str], int]:
    """``argo-warden plugin`` as a process on a free port, once it listens on 127.0.0.1 (its default host)."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook", "plugin", "--port", str(port), "--token-file", str(token_file), *flags],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                _, stderr = proc.communicate(timeout=10)
                raise AssertionError(f"plugin did not start listening: {stderr}") from None
            time.sleep(0.05)


def test_the_plugin_command(tmp_path: Path) -> None:
    proc, port = _start_plugin(tmp_path)
    try:
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{EXECUTE_PATH}", data=json.dumps(args(plugin="other")).encode(),
            headers={"Authorization": f"Bearer {TOKEN}"}, method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read()) == {}
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0, stderr
    assert '"msg":"argo-warden executor plugin listening"' in stderr


async def test_a_call_whose_body_is_still_arriving_at_sigterm_is_answered(tmp_path: Path) -> None:
    from tests.shutdown import split_across_sigterm

    proc, port = _start_plugin(tmp_path)
    try:
        body = json.dumps(args(plugin="other")).encode()
        head, payload, elapsed = await split_across_sigterm(port, proc, EXECUTE_PATH, body,
                                                            {"Authorization": f"Bearer {TOKEN}"})
        assert head.startswith(b"HTTP/1.1 200"), head
        assert json.loads(payload) == {} and elapsed < 3
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


@pytest.mark.parametrize("flags, message", [
    (["--token-file", "/nonexistent/token"], "cannot read the token file"),
    (["--token-file", "EMPTY"], "the token file is empty"),
    (["--secrets", "nope.yaml"], "--secrets nope.yaml: no such file"),
    (["--allow-host", "::/200"], "--allow-host/--deny-host"),
])
def test_plugin_usage_errors(cli, tmp_path: Path, flags: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty"
    empty.write_text("")
    token = tmp_path / "token"
    token.write_text(TOKEN)
    flags = [str(empty) if f == "EMPTY" else f for f in flags]
    if "--token-file" not in flags:
        flags = [*flags, "--token-file", str(token)]
    proc = cli("plugin", "--port", "1", *flags)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


async def test_the_request_cap_and_depth_are_settings(tmp_path: Path) -> None:
    p, runner = await start(tmp_path, max_request_bytes=2000, max_depth=5)
    try:
        status, reply = await p.call(None, raw=json.dumps(args({"url": "x" * 3000})).encode())
        assert status == 413 and "larger than 2000 bytes" in reply["message"], reply
        status, reply = await p.call(None, raw=b'{"a": [[[[[[[1]]]]]]]}')
        assert status == 400 and "deeper than 5 levels" in reply["message"], reply
    finally:
        await runner.cleanup()
