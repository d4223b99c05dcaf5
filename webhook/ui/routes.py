"""``/ui/``: the page's files, and the three endpoints only the page needs, beside the REST API.

The files are public (the page must load to ask for a token); every endpoint
under ``/ui/api/`` authenticates exactly as the REST API does, with the same
authenticator and per-client rate limit, and answers errors in its shape. The
page itself reads and changes workflows through ``/api/v1`` only.

- ``POST /ui/api/lint``  ``{"text": YAML, "namespace"?}`` → ``lint -o json``'s object
  (each diagnostic also has ``length``, the width of its span), from the same
  ``lint_sources`` core as the command line;
- ``POST /ui/api/graph`` ``{"text": YAML}`` or ``{"workflow": object}`` → the workflow
  laid out as a graph (from ``status.nodes`` when it has run, else from its templates);
- ``POST /ui/api/eval``  ``{"condition", "response"}`` → ``eval -o json``'s object.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from webhook import wirejson
from webhook.admission.provider import Deadline
from webhook.api.call import API, Api
from webhook.api.errors import ApiError, Code, render_http_error
from webhook.api.identity import Identity
from webhook.logs import event, exception_site
from webhook.server.app import register_error_renderer
from webhook.server.state import ServerState
from webhook.ui import compute

PREFIX = "/ui"
# Each request's work (lint, layout, evaluation) must end within this long; the page shows the 504.
WORK_SECONDS = 10.0
_FILES = {"": ("index.html", "text/html"), "app.js": ("app.js", "text/javascript"),
          "app.css": ("app.css", "text/css"), "icon.svg": ("icon.svg", "image/svg+xml")}
# Nothing but our own files: no inline script, no other origin (the page has no CDN to reach).
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
Handler = Callable[[web.Request, Api, Identity], Awaitable[Any]]


def add_routes(app: web.Application, state: ServerState) -> None:
    """Register the page; without the REST API (``--no-api``) there is nothing for it to show, so no page."""
    if API not in app:
        return
    files = {name: (_read(filename), content_type) for name, (filename, content_type) in _FILES.items()}
    register_error_renderer(app, PREFIX + "/api/", render_http_error)
    app.router.add_get(PREFIX, _redirect)
    for name, (body, content_type) in files.items():
        app.router.add_get(f"{PREFIX}/{name}", _file(body, content_type))
    app.router.add_post(PREFIX + "/api/lint", _endpoint(_lint))
    app.router.add_post(PREFIX + "/api/graph", _endpoint(_graph))
    app.router.add_post(PREFIX + "/api/eval", _endpoint(_eval))


def _read(name: str) -> bytes:
    return resources.files("webhook.ui").joinpath("static", name).read_bytes()


async def _redirect(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(PREFIX + "/")


def _file(body: bytes, content_type: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, content_type=content_type,
                            charset="utf-8" if not content_type.startswith("image/") else None,
                            headers=_SECURITY_HEADERS)

    return serve


def _endpoint(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        api = request.app[API]
        try:
            identity = await _identify(api, request)
            result = await handler(request, api, identity)
            return web.Response(body=wirejson.dumps(result), content_type="application/json",
                                headers={"Cache-Control": "no-store"})
        except ApiError as exc:
            return exc.response()
        except (web.HTTPException, asyncio.CancelledError):
            raise
        except Exception as exc:
            event("ui request failed", logging.ERROR, path=request.path, error=type(exc).__name__,
                  where=exception_site(exc))
            return ApiError(Code.INTERNAL, "internal error; the server log has the details").response()

    return endpoint


async def _identify(api: Api, request: web.Request) -> Identity:
    """The REST API's authenticator and rate limits (failed attempts limited per address, as there)."""
    try:
        identity = await api.auth.authenticate(request.headers.get("Authorization"))
    except ApiError:
        api.rate.take(f"ip:{request.remote}")
        raise
    api.rate.take(identity.client_key or f"ip:{request.remote}")
    return identity


async def _body(request: web.Request, api: Api) -> dict[str, Any]:
    try:
        async with asyncio.timeout(api.settings.io_seconds):
            raw = await api.state.arrivals.read(request)
    except TimeoutError:
        raise ApiError(Code.DEADLINE_EXCEEDED, "the request body did not arrive in time") from None
    try:
        data = wirejson.loads(raw) if raw.strip() else {}
    except UnicodeDecodeError:
        raise ApiError(Code.INVALID_ARGUMENT, "body is not UTF-8 JSON") from None
    except wirejson.NotJson as exc:
        raise ApiError(Code.INVALID_ARGUMENT, f"body is not JSON: {exc}") from None
    except RecursionError:
        raise ApiError(Code.INVALID_ARGUMENT, "body nests too deeply") from None
    limit = api.state.config.validation.max_depth
    if wirejson.nests_deeper_than(raw, limit):
        raise ApiError(Code.INVALID_ARGUMENT, f"body nests deeper than {limit} levels")
    if not isinstance(data, dict):
        raise ApiError(Code.INVALID_ARGUMENT, "body must be a JSON object")
    return data


async def _work(api: Api, size: int, fn: Callable[..., Any], *args: Any) -> Any:
    state = api.state
    try:
        return await state.run(Deadline.after(WORK_SECONDS), size >= state.config.validation.offload_bytes, fn, *args)
    except TimeoutError:
        raise ApiError(Code.DEADLINE_EXCEEDED, f"this took longer than {WORK_SECONDS:g} s") from None
    except compute.InputError as exc:
        raise ApiError(Code.INVALID_ARGUMENT, str(exc)) from None


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise ApiError(Code.INVALID_ARGUMENT, f"{key!r} must be a string")
    return value


async def _lint(request: web.Request, api: Api, identity: Identity) -> Any:
    body = await _body(request, api)
    text = _text(body, "text")
    namespace = body.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise ApiError(Code.INVALID_ARGUMENT, "'namespace' must be a string")
    secrets = getattr(api.state.provider, "secrets", None)
    return await _work(api, len(text), compute.lint_text, text, namespace or None, secrets,
                       api.state.config.policy)


async def _graph(request: web.Request, api: Api, identity: Identity) -> Any:
    body = await _body(request, api)
    if "workflow" in body:
        workflow = body["workflow"]
        if not isinstance(workflow, dict):
            raise ApiError(Code.INVALID_ARGUMENT, "'workflow' must be an object")
        return await _work(api, request.content_length or 0, compute.graph_of_object, workflow)
    text = _text(body, "text")
    return await _work(api, len(text), compute.graph_of_text, text)


async def _eval(request: web.Request, api: Api, identity: Identity) -> Any:
    body = await _body(request, api)
    condition = _text(body, "condition")
    response = body.get("response", {})
    return await _work(api, request.content_length or 0, compute.evaluate, condition, response)
