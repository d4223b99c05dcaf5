"""Fixtures for the REST API: the real app (admission + /api/v1) on 127.0.0.1 over real TLS, and tokens."""

from __future__ import annotations

import dataclasses
import json
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from tests.admission.conftest import certs, client_ssl  # noqa: F401 - fixtures used here too
from webhook.admission.provider import ContextProvider, OfflineProvider
from webhook.api.routes import prepare_api
from webhook.certs import IssuedFiles
from webhook.server.app import create_app
from webhook.server.config import ApiSettings, SecretSettings, ServerConfig, TLSFiles
from webhook.server.metrics import Metrics
from webhook.server.state import ServerState
from webhook.server.tls import ReloadingTLS
from webhook.settings import ExecutorSettings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NAMESPACE = "argo"
TOKENS = [
    {"token": "alice-token-0123456789", "user": "alice", "namespaces": [NAMESPACE]},
    {"token": "admin-token-0123456789", "user": "admin", "namespaces": ["*"]},
]


@dataclass
class ApiServer:
    url: str
    ca_file: Path
    token: str
    data_dir: Path
    state: ServerState
    session: aiohttp.ClientSession
    app: web.Application
    tokens: list[dict[str, Any]] = field(default_factory=list)

    async def call(self, method: str, path: str, json_body: Any = None, *, token: str | None = "",
                   raw: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """``token``: "" the server's first token, None no Authorization header."""
        sent = dict(headers or {})
        chosen = self.token if token == "" else token
        if chosen is not None:
            sent["Authorization"] = f"Bearer {chosen}"
        data = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else None)
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        async with self.session.request(method, self.url + path, data=data, headers=sent) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text


ApiFactory = Callable[..., Any]


def write_tokens(directory: Path, tokens: list[dict[str, Any]]) -> Path:
    path = directory / "tokens.yaml"
    path.write_text(yaml.safe_dump(tokens), encoding="utf-8")
    return path


@pytest.fixture
async def api(tmp_path: Path, certs: IssuedFiles, client_ssl: ssl.SSLContext,  # noqa: F811
              capsys: pytest.CaptureFixture[str]) -> AsyncIterator[ApiFactory]:
    """Start argo-warden's app with the REST API; every server and session is closed after the test."""
    runners: list[web.AppRunner] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(tokens: list[dict[str, Any]] | None = TOKENS, responses: Path | None = None,
                    auth_mode: str = "client", provider: ContextProvider | None = None,
                    data_dir: Path | None = None, secrets: Path | None = None, tls: bool = True,
                    **settings: Any) -> ApiServer:
        """``tls=False``: plain HTTP (``serve --no-tls``), where TLS is not the point; ``settings``: more
        ServerConfig sections (``policy``), ApiSettings fields (``heartbeat_seconds``) or ExecutorSettings
        fields (the embedded executor's allow_hosts, deny_hosts, max_body)."""
        directory = data_dir or tmp_path / f"data-{len(runners)}"
        tokens_file = write_tokens(tmp_path, tokens) if tokens is not None and auth_mode == "client" else None
        executor = {name: settings.pop(name) for name in ("allow_hosts", "deny_hosts", "max_body") if name in settings}
        more = {f.name: settings.pop(f.name) for f in dataclasses.fields(ApiSettings) if f.name in settings}
        api_settings = ApiSettings(auth_mode=auth_mode, tokens_file=str(tokens_file) if tokens_file else None,
                                   data_dir=str(directory), responses_file=str(responses) if responses else None,
                                   **more)
        config = ServerConfig(api=api_settings, secrets=SecretSettings(file=str(secrets) if secrets else None),
                              executor=ExecutorSettings(**executor), **settings)
        provider = provider or OfflineProvider()
        add_routes = prepare_api(config, provider)
        token = tokens[0]["token"] if tokens else ""
        if tokens is None and auth_mode == "client":
            printed = capsys.readouterr().err
            token = printed.rsplit(": ", 1)[-1].strip()
        metrics = Metrics()
        tls_files = ReloadingTLS(TLSFiles(str(certs.cert), str(certs.key)), metrics, poll_seconds=0.05)
        state = ServerState(config, provider, metrics=metrics, tls=tls_files if tls else None)
        app = create_app(config, provider, [add_routes], state=state)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2)
        await provider.start()
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls_files.front if tls else None)
        await site.start()
        port = runner.addresses[0][1]
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_ssl))
        sessions.append(session)
        scheme = "https" if tls else "http"
        return ApiServer(f"{scheme}://127.0.0.1:{port}", Path(certs.ca_cert), token, directory, state, session, app,
                         tokens or [])

    yield start
    for session in sessions:
        await session.close()
    for runner in runners:
        await runner.cleanup()


def seed_workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "seed.yaml").read_text(encoding="utf-8"))
    return data


SEED_RESPONSES = EXAMPLES / "seed-responses.yaml"
