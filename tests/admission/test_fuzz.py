"""Fuzzed AdmissionReviews against the real aiohttp app over TLS: never a 5xx, and every answer echoes its uid.

CI runs ARGO_WARDEN_FUZZ_EXAMPLES (default 2,000) examples, each sent to /validate and /mutate. Locally, for
100,000: ``ARGO_WARDEN_FUZZ_EXAMPLES=100000 python -m pytest -q tests/admission/test_fuzz.py``.
"""

from __future__ import annotations

import asyncio
import copy
import http.client
import json
import os
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.admission.conftest import review, seed_workflow, valid_workflow
from webhook.admission.provider import OfflineProvider
from webhook.certs import IssuedFiles
from webhook.server.app import create_app
from webhook.server.config import ServerConfig, TLSFiles
from webhook.server.metrics import Metrics
from webhook.server.state import ServerState
from webhook.server.tls import ReloadingTLS

EXAMPLES = int(os.environ.get("ARGO_WARDEN_FUZZ_EXAMPLES", "2000"))

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=24)
           | st.sampled_from(["{{", "}}", "{{=", "{{inputs.parameters.x}}", "Workflow", "CronWorkflow", "",
                              "CREATE", "UPDATE", "DELETE", "argoproj.io/v1alpha1", "{" * 300]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=10)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


# Parsed once: reading the YAML for every example cost more than the requests.
_VALID, _SEED = valid_workflow(), seed_workflow()


@st.composite
def reviews(draw: st.DrawFn) -> dict[str, Any]:
    obj = copy.deepcopy(draw(st.sampled_from([_VALID, _SEED])))
    operation = draw(st.sampled_from(["CREATE", "UPDATE", "DELETE", "CONNECT"]))
    old = copy.deepcopy(_SEED) if operation in ("UPDATE", "DELETE") else None
    doc = review(obj, operation=operation, old=old, uid=draw(st.text(min_size=1, max_size=36)),
                 dry_run=draw(st.booleans()))
    paths = _paths(doc)[1:]
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(paths))
        node: Any = doc
        try:
            for part in path[:-1]:
                node = node[part]
            if draw(st.booleans()) and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


class _Server:
    """The app on 127.0.0.1 over TLS, in a thread of its own (hypothesis drives a synchronous test)."""

    def __init__(self, certs: IssuedFiles) -> None:
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, args=(certs,), daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "fuzz server did not start"

    def _run(self, certs: IssuedFiles) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start(certs))
        self._ready.set()
        self._loop.run_forever()

    async def _start(self, certs: IssuedFiles) -> None:
        config = ServerConfig()
        metrics = Metrics()
        tls = ReloadingTLS(TLSFiles(str(certs.cert), str(certs.key)), metrics)
        state = ServerState(config, OfflineProvider(), metrics=metrics, tls=tls)
        self._runner = web.AppRunner(create_app(config, state.provider, state=state), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=tls.front)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def fuzz_client(certs: IssuedFiles, client_ssl: ssl.SSLContext) -> Iterator[http.client.HTTPSConnection]:
    server = _Server(certs)
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=client_ssl, timeout=30)
    try:
        yield conn
    finally:
        conn.close()
        server.stop()


def _post(conn: http.client.HTTPSConnection, path: str, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(doc=reviews())
def test_fuzzed_reviews_never_get_a_5xx_and_every_answer_echoes_the_uid(
        fuzz_client: http.client.HTTPSConnection, doc: dict[str, Any]) -> None:
    body = json.dumps(doc).encode()
    request = doc.get("request")
    uid = request.get("uid") if isinstance(request, dict) else None
    for path in ("/validate?timeout=10s", "/mutate?timeout=10s"):
        status, payload = _post(fuzz_client, path, body)
        assert status < 500, (path, status, payload[:300])
        if status == 200:
            answer = json.loads(payload)
            assert answer["response"]["uid"] == uid, (path, payload[:300])
        else:
            assert status == 400 and json.loads(payload)["message"], (path, status, payload[:300])
