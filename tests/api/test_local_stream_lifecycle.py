"""The event stream's life: heartbeats while nothing happens, and an end when the server shuts down."""

from __future__ import annotations

import asyncio

from tests.api.conftest import NAMESPACE, ApiFactory
from webhook.api import routes


async def test_a_quiet_sse_stream_gets_heartbeats_and_ends_when_the_server_shuts_down(api: ApiFactory) -> None:
    server = await api(heartbeat_seconds=0.2, connection_check_seconds=0.05)
    headers = {"Authorization": f"Bearer {server.token}", "Accept": "text/event-stream"}
    async with server.session.get(f"{server.url}/api/v1/workflow-events/{NAMESPACE}", headers=headers) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
        async with asyncio.timeout(5):
            line = await resp.content.readline()
        assert line == b": heartbeat\n"
        await server.app.shutdown()  # what serve does on SIGTERM before it closes connections
        async with asyncio.timeout(5):
            rest = await resp.content.read()
        assert b"data:" not in rest  # nothing but heartbeats, then the end
    assert not server.app[routes.API].stream_tasks
