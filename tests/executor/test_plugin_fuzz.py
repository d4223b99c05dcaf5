"""Hypothesis over ``template.execute`` bodies sent to the real plugin app over HTTP on 127.0.0.1.

Whatever the body — a well-formed call with fuzzed template fields, any JSON value, or bytes that are not
JSON — the answer is a 2xx/4xx with a JSON body the agent understands, never a 5xx, a hang or a secret.
Requests go to recorded answers, never the network. A few thousand examples here;
``ARGO_WARDEN_FUZZ_EXAMPLES=100000 python -m pytest -q -m fuzz`` runs 100,000 (see tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import fuzz_examples
from webhook.executor.recorded import RecordedTransport
from webhook.plugin.server import EXECUTE_PATH, PluginConfig, plugin_app
from webhook.plugin.token import TokenFile
from webhook.secrets.values import FileSecretValues

pytestmark = pytest.mark.fuzz

TOKEN = "fuzz-agent-token-0123"
SECRET_VALUE = "sidecar-secret-fuzz-7f3a9"
PHASES = {"Succeeded", "Failed", "Error", "Running"}

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
# Small on purpose: generating the data, not sending it, is most of each example's time.
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=5)
tags = st.sampled_from(["{{inputs.parameters.p}}", "{{workflow.name}}", "{{workflow.uid}}", "{{=asInt('1')}}",
                        "{{=sprig.upper(inputs.parameters.p)}}", "{{tasks.x.outputs.result}}", "{{", "}}", "{{=",
                        "{{ inputs.parameters.missing }}"])
texts = st.text(max_size=40) | tags | st.lists(st.text(max_size=8) | tags, max_size=4).map("".join)
urls = st.one_of(
    st.sampled_from(["http://api.example/x", "https://api.example/items/1?q=a", "http://169.254.169.254/latest/",
                     "http://[::127.0.0.1]/", "http://[::ffff:169.254.169.254]/", "http://localhost/",
                     "ftp://api.example/", "", "http://", "http://a b/", "http://api.example:99999/",
                     "http://api.example/{{inputs.parameters.p}}", "//api.example/", "http://[::1", "http://%41/"]),
    st.builds(lambda host, path: f"http://{host}/{path}", texts, texts),
    texts,
    json_values,
)
conditions = st.one_of(
    st.sampled_from(["response.statusCode == 200", "status_code == 200 && response.body.ok",
                     'response.headers["Content-Type"] == "application/json"', "len(response.body) > 3",
                     "response.body matches '(a+)+$'", "response.statuscode == 200", "1 +", "true", "'x'",
                     "response.body.items[5] == 1", "{{=asInt(1)}} == 1"]),
    texts, json_values)
headers = st.lists(st.one_of(
    st.fixed_dictionaries({"name": texts, "value": texts}),
    st.fixed_dictionaries({"name": texts, "valueFrom": st.fixed_dictionaries({"secretKeyRef": st.fixed_dictionaries({
        "name": st.sampled_from(["api", "missing"]) | texts, "key": st.sampled_from(["token", "nope"]) | texts})})}),
    json_values), max_size=4) | json_values
http_fields = st.fixed_dictionaries({"url": urls}, optional={
    "method": st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "BREW", ""]) | json_values,
    "headers": headers,
    "body": texts | json_values,
    "bodyFrom": st.fixed_dictionaries({"bytes": st.text(max_size=12)}) | json_values,
    "successCondition": conditions,
    "timeoutSeconds": st.sampled_from([0, -1, 1, 10**30, 0.001]) | json_values,
    "insecureSkipVerify": st.booleans() | json_values,
    "extra": json_values,
})
templates = st.fixed_dictionaries({
    "name": texts,
    "plugin": st.one_of(st.fixed_dictionaries({"argo-warden": http_fields}),
                        st.fixed_dictionaries({"argo-warden": json_values}),
                        st.dictionaries(st.sampled_from(["slack", "argo-warden"]) | st.text(max_size=8), json_values,
                                        max_size=2),
                        json_values),
}, optional={"inputs": st.fixed_dictionaries({"parameters": st.lists(
    st.fixed_dictionaries({"name": st.sampled_from(["p", "q"]) | texts, "value": texts | json_values}), max_size=3)}),
    "outputs": json_values, "http": json_values})
calls = st.fixed_dictionaries({
    "workflow": st.fixed_dictionaries({"metadata": st.fixed_dictionaries({
        "name": texts | json_values, "namespace": st.sampled_from(["team", "other"]) | json_values,
        "uid": st.uuids().map(str) | json_values})}) | json_values,
    "template": templates | json_values,
})


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: lone surrogates travel as \ud800 escapes, as Go would send


bodies = st.one_of(
    calls.map(encoded),
    calls.map(encoded),
    calls.map(encoded),
    json_values.map(encoded),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=3000).map(lambda n: b'{"template": ' + b"[" * n + b"]" * n + b"}"),
)


@dataclass
class Running:
    loop: asyncio.AbstractEventLoop
    base: str
    session: aiohttp.ClientSession

    def post(self, raw: bytes) -> tuple[int, str]:
        async def send() -> tuple[int, str]:
            async with asyncio.timeout(10), self.session.post(
                    self.base + EXECUTE_PATH, data=raw,
                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}) as response:
                return response.status, await response.text()

        return asyncio.run_coroutine_threadsafe(send(), self.loop).result(timeout=30)


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The plugin app on 127.0.0.1 in a loop of its own thread, so hypothesis can drive it from a plain test."""
    directory = tmp_path_factory.mktemp("plugin-fuzz")
    (directory / "token").write_text(TOKEN)
    (directory / "secrets.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: team}\n"
        f"stringData: {{token: {SECRET_VALUE}}}\n")
    (directory / "responses.yaml").write_text(
        'responses:\n- urlGlob: "*"\n  headers: {Content-Type: application/json}\n'
        '  body: \'{"ok": true, "items": [1, 2], "echo": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}\'\n')
    config = PluginConfig(token=TokenFile(str(directory / "token")),
                          secrets=FileSecretValues.from_path(str(directory / "secrets.yaml")),
                          transport=RecordedTransport.from_path(str(directory / "responses.yaml")),
                          reply_after=5.0)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> tuple[web.AppRunner, Running]:
        runner = web.AppRunner(plugin_app(config), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return runner, Running(loop, f"http://127.0.0.1:{port}", aiohttp.ClientSession())

    runner, running = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield running
    finally:
        async def stop() -> None:
            await running.session.close()
            await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@settings(max_examples=fuzz_examples(3000), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(raw=bodies)
def test_no_plugin_body_gets_a_5xx_or_leaks_a_secret(plugin: Running, raw: bytes) -> None:
    status, text = plugin.post(raw)
    assert status < 500, (status, text[:300], raw[:300])
    assert SECRET_VALUE not in text
    reply = json.loads(text)
    if status != 200:
        assert status in (400, 413) and isinstance(reply.get("message"), str), (status, reply)
        return
    assert isinstance(reply, dict)
    if reply:
        node = reply["node"]
        assert node["phase"] in PHASES and isinstance(node["message"], str), reply
        assert "internal error" not in node["message"], (reply, raw[:300])
