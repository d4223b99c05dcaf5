"""A real server (admission, /api/v1 and /ui/) on 127.0.0.1 over real TLS, for the page's endpoints."""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from tests.admission.conftest import certs, client_ssl  # noqa: F401 - fixtures used here too
from webhook.admission.provider import OfflineProvider
from webhook.api.routes import prepare_api
from webhook.certs import IssuedFiles
from webhook.server.app import create_app
from webhook.server.config import ApiSettings, ServerConfig, TLSFiles
from webhook.server.metrics import Metrics
from webhook.server.state import ServerState
from webhook.server.tls import ReloadingTLS
from webhook.ui.routes import add_routes as ui_routes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TOKEN = "alice-token-0123456789"


@dataclass
class UiServer:
    url: str
    session: aiohttp.ClientSession

    async def call(self, method: str, path: str, body: Any = None, *, token: str | None = TOKEN,
                   raw: bytes | None = None) -> tuple[int, Any, dict[str, str]]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        async with self.session.request(method, self.url + path, data=data, headers=headers,
                                        allow_redirects=False) as response:
            text = await response.text()
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = text
            return response.status, parsed, dict(response.headers)


@pytest.fixture
async def ui(tmp_path: Path, certs: IssuedFiles, client_ssl: ssl.SSLContext) -> AsyncIterator[UiServer]:  # noqa: F811
    async with _ui_server(tmp_path, certs, client_ssl, OfflineProvider()) as server:
        yield server


# Secrets in two namespaces, for a server that checks secret references (alice may act in "argo" only).
SECRETS = """
apiVersion: v1
kind: Secret
metadata: {name: my-api-secret, namespace: argo}
data: {token: eA==}
---
apiVersion: v1
kind: Secret
metadata: {name: payroll-token, namespace: team-b}
data: {token: eA==}
"""


@pytest.fixture
async def ui_with_secrets(tmp_path: Path, certs: IssuedFiles,  # noqa: F811
                          client_ssl: ssl.SSLContext) -> AsyncIterator[UiServer]:  # noqa: F811
    from webhook.secrets.files import FileSecrets

    (tmp_path / "secrets.yaml").write_text(SECRETS)
    provider = OfflineProvider(FileSecrets.from_path(str(tmp_path / "secrets.yaml")))
    async with _ui_server(tmp_path, certs, client_ssl, provider) as server:
        yield server


@contextlib.asynccontextmanager
async def _ui_server(tmp_path: Path, certs: IssuedFiles, client_ssl: ssl.SSLContext,  # noqa: F811
                     provider: OfflineProvider) -> AsyncIterator[UiServer]:
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(yaml.safe_dump([{"token": TOKEN, "user": "alice", "namespaces": ["argo"]}]))
    config = ServerConfig(api=ApiSettings(tokens_file=str(tokens), data_dir=str(tmp_path / "data"),
                                          responses_file=str(EXAMPLES / "seed-responses.yaml")))
    metrics = Metrics()
    tls = ReloadingTLS(TLSFiles(str(certs.cert), str(certs.key)), metrics, poll_seconds=0.05)
    state = ServerState(config, provider, metrics=metrics, tls=tls)
    app = create_app(config, provider, [prepare_api(config, provider), ui_routes], state=state)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls.front)
    await site.start()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_ssl))
    try:
        yield UiServer(f"https://127.0.0.1:{runner.addresses[0][1]}", session)
    finally:
        await session.close()
        await runner.cleanup()
