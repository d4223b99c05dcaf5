"""Fixtures for the admission server: generated certificates, a server on 127.0.0.1 over real TLS, reviews."""

from __future__ import annotations

import copy
import json
import socket
import ssl
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from webhook.admission.provider import ContextProvider, OfflineProvider
from webhook.certs import IssuedFiles, issue
from webhook.server.app import create_app
from webhook.server.config import ServerConfig, TLSFiles
from webhook.server.metrics import Metrics
from webhook.server.state import ServerState
from webhook.server.tls import ReloadingTLS

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "bench" / "data" / "seed-workflow.yaml"


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> IssuedFiles:
    return issue(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def client_ssl(certs: IssuedFiles) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certs.ca_cert))


def seed_workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SEED.read_text())
    return data


def invalid_workflow() -> dict[str, Any]:
    """The seed workflow with one error: the task calling http-post no longer waits for the task it reads."""
    wf = seed_workflow()
    del wf["spec"]["templates"][0]["dag"]["tasks"][1]["dependencies"]
    return wf


def valid_workflow() -> dict[str, Any]:
    """The seed workflow in portable form by hand (task outputs go in through an input parameter)."""
    wf = seed_workflow()
    templates = wf["spec"]["templates"]
    templates[0]["dag"]["tasks"][1]["arguments"] = {
        "parameters": [{"name": "data", "value": "{{tasks.get-data.outputs.result}}"}]}
    post = templates[2]
    post["inputs"] = {"parameters": [{"name": "data"}]}
    post["http"]["body"] = post["http"]["body"].replace("{{tasks.get-data.outputs.result}}",
                                                        "{{inputs.parameters.data}}")
    return wf


def review(obj: dict[str, Any] | None, operation: str = "CREATE", old: dict[str, Any] | None = None,
           namespace: str | None = "default", dry_run: bool = False, uid: str | None = None,
           user: str = "alice") -> dict[str, Any]:
    kind = (obj or old or {}).get("kind", "Workflow")
    request: dict[str, Any] = {
        "uid": uid or str(uuid.uuid4()),
        "kind": {"group": "argoproj.io", "version": "v1alpha1", "kind": kind},
        "resource": {"group": "argoproj.io", "version": "v1alpha1", "resource": kind.lower() + "s"},
        "operation": operation, "userInfo": {"username": user, "groups": ["system:authenticated"]},
        "object": obj, "oldObject": old, "dryRun": dry_run,
    }
    if namespace is not None:
        request["namespace"] = namespace
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    state: ServerState
    session: aiohttp.ClientSession

    async def post(self, path: str, body: Any, raw: bool = False) -> tuple[int, Any]:
        data = body if raw else json.dumps(body).encode()
        async with self.session.post(self.url + path, data=data,
                                     headers={"Content-Type": "application/json"}) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.url + path) as resp:
            return resp.status, await resp.text()


ServerFactory = Callable[..., Any]


@pytest.fixture
async def start_server(certs: IssuedFiles, client_ssl: ssl.SSLContext) -> AsyncIterator[ServerFactory]:
    """Start the app on 127.0.0.1 over TLS with the generated certificates; stopped after the test."""
    runners: list[web.AppRunner] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(config: ServerConfig | None = None, provider: ContextProvider | None = None,
                    tls_files: TLSFiles | None = None) -> RunningServer:
        config = config or ServerConfig()
        files = tls_files or TLSFiles(str(certs.cert), str(certs.key))
        metrics = Metrics()
        tls = ReloadingTLS(files, metrics, poll_seconds=0.05)
        state = ServerState(config, provider or OfflineProvider(), metrics=metrics, tls=tls)
        app = create_app(config, state.provider, state=state)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls.front)
        await site.start()
        port = runner.addresses[0][1]
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_ssl))
        sessions.append(session)
        return RunningServer(f"https://127.0.0.1:{port}", state, session)

    yield start
    for session in sessions:
        await session.close()
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def server(start_server: ServerFactory) -> RunningServer:
    running: RunningServer = await start_server()
    return running


def deep(obj: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(obj)
