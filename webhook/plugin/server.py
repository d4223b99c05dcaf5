"""The executor-plugin API: ``POST /api/v1/template.execute`` as Argo's agent calls it.

Request ``{"workflow": {"metadata": {name, namespace, uid}}, "template": {...}}``
with ``Authorization: Bearer <token>``. A template written as
``plugin: {argo-warden: {<http template fields>}}`` is executed by the same core
as ``argo-warden run``; the reply is ``{"node": {phase, message, outputs: {result}}}``.
Anything else gets ``{}`` ("not mine"). A wrong or missing token gets 403.

The agent gives each call 30 s and retries a call that timed out, which would
send the request again: a request still running after ``reply_after`` seconds
is answered ``Running`` with a requeue, keeps running, and its result is handed
over (once) when the agent asks again with the same template. The call carries
no node id, so identical calls that arrive while one is in flight (a retry that
overtakes its original, or two nodes with the same rendered template) join it:
each gets the same answer and the request is sent once.

Only the agent pod's own containers should reach the sidecar (it listens on
127.0.0.1 by default); still, a connection that sends no complete request head
within ``idle_seconds`` (set on the runner: aiohttp's keep-alive timer runs from
the connection's start and is not reset by partial heads) or no complete body
within ``body_seconds`` is closed, and JSON nested deeper than any template is
refused before anything walks it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from webhook import wirejson
from webhook.executor.guard import HostPolicy
from webhook.executor.http_step import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, HttpOutcome, HttpSettings, run_http
from webhook.executor.nodes import Phase
from webhook.executor.redact import Redactor
from webhook.executor.scope import Scope
from webhook.executor.transport import NetworkTransport, Transport
from webhook.logs import event, exception_site
from webhook.plugin.token import TokenFile
from webhook.secrets.values import SecretValues
from webhook.server.draining import Arrivals
from webhook.spec.http import PLUGIN_NAME
from webhook.spec.walk import as_dict, as_list, as_str

EXECUTE_PATH = "/api/v1/template.execute"
# How soon the agent is told to ask again about a request still in flight.
REQUEUE = "5s"


@dataclass(slots=True)
class PluginConfig:
    """Settings of one ``argo-warden plugin`` sidecar (its flags, in ``webhook.commands.plugin``, set some)."""

    token: TokenFile
    """The token Argo's agent sends (``--token-file``; re-read when it changes)."""
    secrets: SecretValues
    """Where secret values come from (``--secrets`` or ``--in-cluster``); never logged."""
    policy: HostPolicy = field(default_factory=HostPolicy)
    """The SSRF guard every request passes (``--allow-host``, ``--deny-host``)."""
    max_body: int = DEFAULT_MAX_BODY
    """Largest response body kept as ``outputs.result``; longer ones are cut (``--max-body``)."""
    default_timeout: float = DEFAULT_TIMEOUT
    """A template's deadline when it sets no ``timeoutSeconds``."""
    reply_after: float = 20.0
    """Answer "Running, requeue" when a request takes longer than this (the agent waits 30 s per call)."""
    transport: Transport | None = None
    """How requests go out; None: the network (tests answer from recordings)."""
    body_seconds: float = 10.0
    """A request body must arrive within this long (the agent sends a few KiB over loopback at once)
    (``--body-timeout``)."""
    idle_seconds: float = 15.0
    """Idle keep-alive connections, and connections whose request head is not complete, are closed after this
    (``--idle-timeout``)."""
    max_connections: int = 256
    """Connections open at once; one past this is reset on accept (the agent uses a few, one per task worker)
    (``--max-connections``)."""
    max_request_bytes: int = 4 * 1024 * 1024
    """Largest request body (a template and the workflow's metadata); a larger one gets 413."""
    max_depth: int = 100
    """JSON nested deeper is refused before anything walks it (Argo's templates nest a dozen levels; the
    admission server allows 100 too)."""
    unclaimed_seconds: float = 600.0
    """Results of requests nobody came back for are dropped after this long."""
    linger_seconds: float = 1.0
    """How long a connection whose body was refused may go on sending before it is closed."""
    shutdown_seconds: float = 5.0
    """On SIGTERM, how long requests whose bodies are still arriving get to arrive (the agent sends small
    ones)."""


@dataclass(slots=True)
class _InFlight:
    task: asyncio.Task[HttpOutcome]
    started: float


class PluginExecutor:
    """Executes argo-warden plugin templates; keeps requests that outlive one call until they are claimed."""

    def __init__(self, config: PluginConfig) -> None:
        self.config = config
        self.redactor = Redactor()
        self._transport = config.transport or NetworkTransport(config.policy)
        self._settings = HttpSettings(self._transport, config.policy, config.secrets, self.redactor,
                                      config.max_body, config.default_timeout)
        self._in_flight: dict[str, _InFlight] = {}

    async def close(self) -> None:
        for flight in self._in_flight.values():
            flight.task.cancel()
        await asyncio.gather(*(f.task for f in self._in_flight.values()), return_exceptions=True)
        self._in_flight.clear()
        await self._transport.close()

    async def execute(self, args: dict[str, Any]) -> dict[str, Any]:
        template = as_dict(args.get("template"))
        fields = as_dict(template.get("plugin")).get(PLUGIN_NAME)
        if not isinstance(fields, dict):
            return {}
        metadata = as_dict(as_dict(args.get("workflow")).get("metadata"))
        self._forget_unclaimed()
        key = _key(metadata, template)
        flight = self._in_flight.get(key)
        if flight is None:
            scope = _scope(metadata, template)
            namespace = as_str(metadata.get("namespace"))
            task = asyncio.create_task(run_http(fields, scope, namespace, self._settings))
            flight = self._in_flight[key] = _InFlight(task, time.monotonic())
        done, _ = await asyncio.wait({flight.task}, timeout=self.config.reply_after)
        if not done:
            return {"node": {"phase": str(Phase.RUNNING), "message": "the request is still in flight"},
                    "requeue": REQUEUE}
        # Handed over: every caller waiting on this flight gets its result; the next identical call is a new one.
        if self._in_flight.get(key) is flight:
            del self._in_flight[key]
        try:
            outcome = flight.task.result()
        except Exception as exc:  # a bug of ours: the agent gets an Error node, never a 500
            event("plugin execution failed", error=type(exc).__name__, site=exception_site(exc))
            outcome = HttpOutcome(Phase.ERROR, f"argo-warden internal error ({type(exc).__name__})")
        return {"node": _node(outcome)}

    def _forget_unclaimed(self) -> None:
        now = time.monotonic()
        for key, flight in list(self._in_flight.items()):
            if flight.task.done() and now - flight.started > self.config.unclaimed_seconds:
                del self._in_flight[key]


def _key(metadata: dict[str, Any], template: dict[str, Any]) -> str:
    identity = {"uid": metadata.get("uid"), "name": metadata.get("name"), "namespace": metadata.get("namespace"),
                "template": template}
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def _scope(metadata: dict[str, Any], template: dict[str, Any]) -> Scope:
    """What tags the controller left in the template may still use: the workflow's identity and the inputs."""
    values = {f"workflow.{k}": v for k in ("name", "namespace", "uid") if isinstance(v := metadata.get(k), str)}
    for p in as_list(as_dict(template.get("inputs")).get("parameters")):
        if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), str):
            values[f"inputs.parameters.{p['name']}"] = p["value"]
    return Scope(values)


def _node(outcome: HttpOutcome) -> dict[str, Any]:
    node: dict[str, Any] = {"phase": str(outcome.phase), "message": outcome.message}
    if outcome.result is not None:
        node["outputs"] = {"result": outcome.result}
    return node


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"code": status, "message": message}, status=status)


EXECUTOR: web.AppKey[PluginExecutor] = web.AppKey("executor", PluginExecutor)
ARRIVALS: web.AppKey[Arrivals] = web.AppKey("arrivals", Arrivals)


def plugin_app(config: PluginConfig) -> web.Application:
    executor = PluginExecutor(config)
    app = web.Application(client_max_size=config.max_request_bytes)
    max_depth = config.max_depth

    async def execute(request: web.Request) -> web.Response:
        try:
            return await _execute(request)
        except web.HTTPException:
            raise
        except Exception as exc:  # a bug of ours: the agent gets an answer it understands, never a 500
            event("plugin call failed", error=type(exc).__name__, site=exception_site(exc))
            return web.json_response({"node": {"phase": str(Phase.ERROR),
                                               "message": f"argo-warden internal error ({type(exc).__name__})"}})

    async def _execute(request: web.Request) -> web.Response:
        if not config.token.accepts(request.headers.get("Authorization")):
            event("plugin call refused: wrong or missing token", remote=request.remote)
            return _error(403, "forbidden: wrong or missing bearer token")
        try:
            async with asyncio.timeout(config.body_seconds):
                raw = await request.app[ARRIVALS].read(request)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"request body is larger than {config.max_request_bytes} bytes")
        except TimeoutError:
            event("plugin call dropped: the body did not arrive in time", remote=request.remote)
            response = _error(408, f"the request body did not arrive within {config.body_seconds:g} s")
            response.force_close()
            return response
        try:
            # As every request path reads JSON (wirejson): NaN refused, integers past 64 bits as floats, a large
            # body parsed with the garbage collector paused.
            args = wirejson.loads(raw)
        except wirejson.TooDeep:
            return _error(400, f"request body nests deeper than {max_depth} levels")
        except (wirejson.NotJson, UnicodeDecodeError) as exc:
            return _error(400, f"request body is not JSON: {str(exc)[:200]}")
        if not isinstance(args, dict):
            return _error(400, "request body must be a JSON object with 'workflow' and 'template'")
        if wirejson.nests_deeper_than(raw, max_depth):
            return _error(400, f"request body nests deeper than {max_depth} levels")
        started = time.monotonic()
        reply = await executor.execute(args)
        if reply:
            node = reply["node"]
            event("plugin template executed", template=as_str(as_dict(args.get("template")).get("name")),
                  workflow=as_str(as_dict(as_dict(args.get("workflow")).get("metadata")).get("name")),
                  phase=node["phase"], seconds=round(time.monotonic() - started, 3))
        return web.json_response(reply)

    async def close(_: web.Application) -> None:
        await executor.close()

    app.router.add_post(EXECUTE_PATH, execute)
    app.on_cleanup.append(close)
    app[EXECUTOR] = executor
    app[ARRIVALS] = Arrivals()
    return app
