"""Operations routes: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from aiohttp import web

from webhook.server.metrics import CONTENT_TYPE
from webhook.server.state import STATE, ServerState


def add_routes(app: web.Application, state: ServerState) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    reason = request.app[STATE].not_ready_reason()
    if reason is not None:
        return web.json_response({"status": "not ready", "reason": reason}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    body = request.app[STATE].metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
