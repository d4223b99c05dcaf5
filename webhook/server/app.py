"""The app factory: shared middleware, the admission and operations routes, and route groups added by other modules.

Middleware every route shares:
- errors: an HTTP error becomes a short JSON body (``{"code", "message"}``, or
  the shape a route group registered for its path prefix); an unexpected
  exception is logged by type and place (never its text, which may quote the
  object) and answered with a 500 that says nothing more;
- shutdown: once SIGTERM arrived, every response closes its connection (the
  same middleware marks each request's connection as in use, see busy_first.py).
Request bodies are capped by ``client_max_size`` (413).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from webhook.admission.provider import ContextProvider
from webhook.logs import event, exception_site
from webhook.server import admission_routes, ops_routes
from webhook.server.busy_first import QuietConnections
from webhook.server.config import ServerConfig
from webhook.server.errors import json_error
from webhook.server.metrics import Metrics
from webhook.server.state import STATE, RouteGroup, ServerState
from webhook.server.tls import ReloadingTLS

ErrorRenderer = Callable[[int, str], web.Response]
ERROR_RENDERERS = web.AppKey("argo_warden_error_renderers", list[tuple[str, ErrorRenderer]])
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(config: ServerConfig, provider: ContextProvider, extra_route_groups: Sequence[RouteGroup] = (),
               *, tls: ReloadingTLS | None = None, metrics: Metrics | None = None,
               state: ServerState | None = None) -> web.Application:
    state = state or ServerState(config, provider, metrics=metrics or Metrics(), tls=tls)
    app = web.Application(client_max_size=config.admission.max_body_bytes, middlewares=[_closing, _errors])
    app[STATE] = state
    app[ERROR_RENDERERS] = []
    for group in (ops_routes.add_routes, admission_routes.add_routes, *extra_route_groups):
        group(app, state)
    app.on_cleanup.append(_close_state)
    return app


def register_error_renderer(app: web.Application, path_prefix: str, renderer: ErrorRenderer) -> None:
    """Errors under ``path_prefix`` get the body ``renderer(status, message)`` builds (e.g. grpc-gateway's shape)."""
    app[ERROR_RENDERERS].append((path_prefix, renderer))


def error_response(request: web.Request, status: int, message: str) -> web.Response:
    for prefix, renderer in request.app[ERROR_RENDERERS]:
        if request.path.startswith(prefix):
            return renderer(status, message)
    return json_error(status, message)


_MESSAGES = {
    404: "no such path; admission reviews go to POST /validate or POST /mutate",
    405: "method not allowed",
}


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 413:
            message = f"request body is larger than {request.app[STATE].config.admission.max_body_bytes} bytes"
        else:
            message = _MESSAGES.get(exc.status) or exc.reason.lower()
        response = error_response(request, exc.status, message)
        if exc.status == 405:
            allow = exc.headers.get("Allow")
            if allow:
                response.headers["Allow"] = allow
        request.app[STATE].metrics.rejected.labels(_route(request), str(exc.status)).inc()
        return response
    except Exception as exc:
        event("request failed", logging.ERROR, path=request.path, error=type(exc).__name__,
              where=exception_site(exc))
        request.app[STATE].metrics.rejected.labels(_route(request), "500").inc()
        return error_response(request, 500, "internal error; the server log has the details")


@web.middleware
async def _closing(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    if state.quiet is not None:
        _served(state.quiet, request)
    response = await handler(request)
    if state.shutting_down:
        response.force_close()
    return response


def _served(quiet: QuietConnections, request: web.Request) -> None:
    """The request's connection is in use: the event loop serves it before quiet ones (busy_first.py)."""
    transport = request.transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is not None:
        quiet.served(sock.fileno())


def _route(request: web.Request) -> str:
    """A bounded label for metrics: the route's pattern, never the raw path."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "unmatched"


async def _close_state(app: web.Application) -> None:
    app[STATE].close()
