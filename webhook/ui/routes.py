"""``/ui/``: the page's files, and the three endpoints only the page needs, beside the REST API.

The files are public (the page must load to ask for a token); every endpoint
under ``/ui/api/`` authenticates exactly as the REST API does, with the same
authenticator and per-client rate limit, and answers errors in its shape. The
page itself reads and changes workflows through ``/api/v1`` only.

- ``POST /ui/api/lint``  ``{"text": YAML, "namespace"?}`` → ``lint -o json``'s object
  (each diagnostic also has ``length``, the width of its span), from the same
  ``lint_sources`` core as the command line. With a secret store, secret references
  are looked up in each document's namespace (else ``namespace``): the caller must be
  allowed to create Workflows in each of them, as for ``/api/v1/workflows/{namespace}/lint``,
  before anything is looked up (else 403);
- ``POST /ui/api/graph`` ``{"text": YAML}`` or ``{"workflow": object}`` → the workflow
  laid out as a graph (from ``status.nodes`` when it has run, else from its templates);
- ``POST /ui/api/eval``  ``{"condition", "response"}`` → ``eval -o json``'s object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from webhook.admission.provider import Deadline
from webhook.api.call import API, Api, Call
from webhook.api.endpoint import SIGNED_IN, endpoint_for
from webhook.api.errors import ApiError, Code, render_http_error
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


def add_routes(app: web.Application, state: ServerState) -> None:
    """Register the page; without the REST API (``--no-api``) there is nothing for it to show, so no page."""
    if API not in app:
        return
    files = {name: (_read(filename), content_type) for name, (filename, content_type) in _FILES.items()}
    register_error_renderer(app, PREFIX + "/api/", render_http_error)
    app.router.add_get(PREFIX, _redirect)
    for name, (body, content_type) in files.items():
        app.router.add_get(f"{PREFIX}/{name}", _file(body, content_type))
    # Behind the REST API's own endpoint: its authenticator, rate limits and error shape.
    app.router.add_post(PREFIX + "/api/lint", endpoint_for(_lint, SIGNED_IN))
    app.router.add_post(PREFIX + "/api/graph", endpoint_for(_graph, SIGNED_IN))
    app.router.add_post(PREFIX + "/api/eval", endpoint_for(_eval, SIGNED_IN))


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


async def _lint(call: Call) -> Any:
    api = call.api
    body = await call.body()
    text = _text(body, "text")
    namespace = body.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise ApiError(Code.INVALID_ARGUMENT, "'namespace' must be a string")
    source = await _work(api, len(text), compute.load_playground, text)
    secrets = getattr(api.state.provider, "secrets", None)
    if secrets is not None:
        # Secret references are looked up in the documents' namespaces: only where the caller may create
        # Workflows (else the page would tell anyone signed in which secrets and keys exist in any namespace).
        try:
            namespaces = compute.secret_namespaces(source, namespace or None)
        except compute.InputError as exc:
            raise ApiError(Code.INVALID_ARGUMENT, str(exc)) from None
        for each in sorted(namespaces):
            await api.auth.authorize(call.identity, "create", "workflows", each, None)
        secrets = compute.WithinNamespaces(secrets, frozenset(namespaces))
    return await _work(api, len(text), compute.lint_text, source, namespace or None, secrets,
                       api.state.config.policy)


async def _graph(call: Call) -> Any:
    body = await call.body()
    if "workflow" in body:
        workflow = body["workflow"]
        if not isinstance(workflow, dict):
            raise ApiError(Code.INVALID_ARGUMENT, "'workflow' must be an object")
        return await _work(call.api, call.body_size, compute.graph_of_object, workflow)
    text = _text(body, "text")
    return await _work(call.api, len(text), compute.graph_of_text, text)


async def _eval(call: Call) -> Any:
    body = await call.body()
    condition = _text(body, "condition")
    response = body.get("response", {})
    return await _work(call.api, call.body_size, compute.evaluate, condition, response)
