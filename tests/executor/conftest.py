"""A real HTTP server on 127.0.0.1 for the executor tests, and helpers to run workflows against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from webhook.executor.engine import RunOptions, RunResult, WorkflowRun
from webhook.executor.guard import HostPolicy
from webhook.executor.nodes import Node

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LOOPBACK = HostPolicy.from_entries(["127.0.0.1"])

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class TestServer:
    """Routes set per test; every request is recorded; ``in_flight``/``peak`` count concurrent requests."""

    __test__ = False
    app: web.Application
    base: str = ""
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    _routes: dict[tuple[str, str], Handler] = field(default_factory=dict)

    def route(self, method: str, path: str, handler: Handler) -> None:
        self._routes[(method, path)] = handler

    def reply(self, method: str, path: str, status: int = 200, body: str = "", *, delay: float = 0,
              headers: dict[str, str] | None = None) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            if delay:
                await asyncio.sleep(delay)
            return web.Response(status=status, text=body, headers=headers)

        self.route(method, path, handler)

    def sequence(self, method: str, path: str, answers: list[tuple[int, str]]) -> None:
        """Successive answers; the last one repeats."""
        calls = {"n": 0}

        async def handler(request: web.Request) -> web.StreamResponse:
            status, body = answers[min(calls["n"], len(answers) - 1)]
            calls["n"] += 1
            return web.Response(status=status, text=body)

        self.route(method, path, handler)

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(Seen(request.method, request.path, request.query_string, dict(request.headers), body))
        handler = self._routes.get((request.method, request.path))
        if handler is None:
            return web.Response(status=404, text=f"no route {request.method} {request.path}")
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    test_server = TestServer(app)
    app.router.add_route("*", "/{tail:.*}", test_server.dispatch)
    # Handlers still sleeping at the end of a test (slow responses) are cancelled, not waited for.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    test_server.base = f"http://127.0.0.1:{port}"
    yield test_server
    await runner.cleanup()


def workflow(text: str, server: TestServer | None = None) -> dict[str, Any]:
    """A workflow from YAML text; ``BASE`` becomes the test server's URL."""
    if server is not None:
        text = text.replace("BASE", server.base)
    data: dict[str, Any] = yaml.safe_load(text)
    return data


async def run(wf: dict[str, Any], **options: Any) -> RunResult:
    options.setdefault("policy", LOOPBACK)
    return await WorkflowRun(wf, RunOptions(**options)).execute()


def by_display(result: RunResult, display: str) -> Node:
    matches = [n for n in result.nodes.values() if n.display_name == display]
    assert len(matches) == 1, (display, [n.display_name for n in result.nodes.values()])
    return matches[0]


def phases(result: RunResult) -> dict[str, str]:
    return {n.display_name: str(n.phase) for n in result.nodes.values()}
