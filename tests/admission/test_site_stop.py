"""Stopping the site while a connection finishes its TLS handshake must not cut the request it carries."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from webhook.certs import issue
from webhook.server import connections
from webhook.server.connections import CappedSite, ConnectionCounts


async def test_a_connection_whose_handshake_is_done_when_the_site_stops_is_still_answered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The race behind a lost answer under SIGTERM: the handshake completes (the protocol is made, the request
    # may follow at once) and the site stops before the task that set the connection up resumes. Cancelling
    # that task made asyncio close the transport: the handler answered and logged, the client got nothing.
    files = issue(tmp_path / "certs")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(str(files.cert), str(files.key))

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"answered": True})

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = CappedSite(runner, "127.0.0.1", 0, ssl_context=server_ctx, counts=ConnectionCounts(100, 100))
    await site.start()
    stopped: list[bool] = []
    made = connections._Tracked.connection_made

    def made_then_stop(self: Any, transport: asyncio.BaseTransport) -> None:
        made(self, transport)
        if not stopped:  # what stop() does, at the worst moment: before the setting-up task resumes
            stopped.append(True)
            site._stop_handshakes()

    monkeypatch.setattr(connections._Tracked, "connection_made", made_then_stop)
    try:
        client_ctx = ssl.create_default_context(cafile=str(files.ca_cert))
        async with aiohttp.ClientSession() as session, session.get(f"https://127.0.0.1:{site.port}/",
                                                                   ssl=client_ctx) as resp:
            assert resp.status == 200 and (await resp.json()) == {"answered": True}
        assert stopped
    finally:
        await runner.cleanup()
