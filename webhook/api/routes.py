"""The Argo-Server-compatible REST API: Argo's paths, bodies and error shapes over one validation core.

Every request is authenticated, rate limited and (per namespace and verb, as
Argo's RBAC would need) authorized before a handler runs; bodies are read with
a deadline, parsed as JSON and bounded in depth. Objects are validated with the
same core, context provider and verdict as admission, then handed to a backend:
the embedded store and executor, or the Kubernetes API when ``serve`` has a
cluster. Errors are ``{"code": <grpc code>, "message": ...}`` with grpc-gateway's
HTTP status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import platform
import re
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

from webhook import __version__, wirejson
from webhook.admission.decide import judge
from webhook.admission.mutation import portable_object
from webhook.admission.provider import ContextUnavailable, Deadline
from webhook.admission.review import AdmissionRequest, UserInfo, nesting_depth
from webhook.api.backend import Backend, Kind, ListQuery, Object, WatchQuery
from webhook.api.errors import ApiError, Code, render_http_error
from webhook.api.fields import Fields
from webhook.api.identity import Authenticator, Identity
from webhook.api.limits import ApiLimits, RateLimiter, StreamSlots
from webhook.api.selectors import parse_field_selector
from webhook.manifest import Manifest
from webhook.server.app import register_error_renderer
from webhook.server.config import ServerConfig
from webhook.server.logs import event, exception_site
from webhook.server.state import RouteGroup, ServerState
from webhook.spec.lookups import TemplateSource
from webhook.validation.context import Mode

V1 = "/api/v1"
GROUP, VERSION = "argoproj.io", "v1alpha1"
# DNS-1123: a namespace is a label, a name a subdomain.
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
VALIDATION_SECONDS = 10.0
SSE_HEARTBEAT_SECONDS = 15.0
CONNECTION_CHECK_SECONDS = 1.0
Handler = Callable[["Call"], Awaitable[Any]]


class ApiConfigError(Exception):
    """The API cannot start with these settings (shown by ``serve``, exit 2)."""


@dataclass(eq=False)
class Api:
    state: ServerState
    backend: Backend
    auth: Authenticator
    # The namespace's WorkflowTemplates for validation (local store) and a key that changes with them;
    # None: the context provider knows them.
    templates: Callable[[str], Awaitable[tuple[TemplateSource, str]]] | None
    limits: ApiLimits = field(default_factory=ApiLimits)
    rate: RateLimiter = field(init=False)
    streams: StreamSlots = field(init=False)
    stream_tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rate = RateLimiter(self.limits.rate, self.limits.burst)
        self.streams = StreamSlots(self.limits.streams_per_client, self.limits.streams)


API = web.AppKey("argo_warden_api", Api)


@dataclass(eq=False)
class Call:
    """One API request after authentication: its identity and helpers to read it."""

    api: Api
    request: web.Request
    identity: Identity
    body_size: int = 0

    @property
    def namespace(self) -> str:
        return self.request.match_info.get("namespace", "")

    @property
    def name(self) -> str:
        return self.request.match_info.get("name", "")

    def query(self, key: str) -> str | None:
        value = self.request.query.get(key)
        return value if value not in (None, "") else None

    async def body(self) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.api.limits.io_seconds):
                raw = await self.api.state.arrivals.read(self.request)
        except TimeoutError:
            raise ApiError(Code.DEADLINE_EXCEEDED, "the request body did not arrive in time") from None
        self.body_size = len(raw)
        if not raw.strip():
            return {}
        try:
            data = wirejson.loads(raw)
        except UnicodeDecodeError:
            raise ApiError(Code.INVALID_ARGUMENT, "body is not UTF-8 JSON") from None
        except wirejson.NotJson as exc:
            raise ApiError(Code.INVALID_ARGUMENT, f"body is not JSON: {exc}") from None
        except RecursionError:
            raise ApiError(Code.INVALID_ARGUMENT, "body nests too deeply") from None
        limit = self.api.state.config.max_depth
        if raw.count(b"{") + raw.count(b"[") > limit and nesting_depth(data, limit) > limit:
            raise ApiError(Code.INVALID_ARGUMENT, f"body nests deeper than {limit} levels")
        if not isinstance(data, dict):
            raise ApiError(Code.INVALID_ARGUMENT, f"body must be a JSON object, not {_json_type(data)}")
        return data

    async def authorize(self, verb: str, resource: str, name: str | None = None, *,
                        cluster_scoped: bool = False) -> None:
        namespace = None if cluster_scoped else self.namespace or None
        await self.api.auth.authorize(self.identity, verb, resource, namespace, name, cluster_scoped=cluster_scoped)


# ---------------------------------------------------------------------------------------------- set-up


def prepare_api(config: ServerConfig, provider: object) -> RouteGroup:
    """Check the API's settings and make what it needs before the server starts; ApiConfigError if unusable."""
    from webhook.kube.provider import ClusterProvider

    if isinstance(provider, ClusterProvider):
        if config.tokens_file:
            raise ApiConfigError("--tokens is for serving without a cluster; with a cluster, tokens are checked "
                                 "with TokenReview")
        from webhook.api.cluster_auth import ClusterAuthenticator
        from webhook.api.cluster_backend import ClusterBackend

        cluster_auth = ClusterAuthenticator(provider.client, server_mode=config.auth_mode == "server")
        return _route_group(lambda: ClusterBackend(provider.client), cluster_auth, with_templates=False)
    auth = _local_authenticator(config)
    backend_factory = _local_backend_factory(config)
    return _route_group(backend_factory, auth, with_templates=True)


def _local_authenticator(config: ServerConfig) -> Authenticator:
    from webhook.api.local_auth import ServerAuthenticator, TokenAuthenticator, TokenFileError

    if config.auth_mode == "server":
        if config.tokens_file:
            raise ApiConfigError("--tokens has no effect with --auth-mode server (no token is asked for)")
        return ServerAuthenticator()
    if config.tokens_file:
        try:
            return TokenAuthenticator.from_file(config.tokens_file)
        except TokenFileError as exc:
            raise ApiConfigError(f"--tokens {config.tokens_file}: {exc}") from None
    authenticator, token = TokenAuthenticator.generated()
    # Printed once, to the terminal that started the server; never logged.
    print(f"argo-warden serve: REST API token (send 'Authorization: Bearer <token>'): {token}", file=sys.stderr,
          flush=True)
    return authenticator


def _local_backend_factory(config: ServerConfig) -> Callable[[], Backend]:
    from webhook.api.local_backend import LocalBackend
    from webhook.api.store import Store
    from webhook.executor.recorded import RecordedTransport, ResponsesFileError
    from webhook.secrets.values import FileSecretValues, NoSecretValues, SecretValues

    responses = config.responses_file
    if responses:
        try:
            RecordedTransport.from_path(responses)
        except ResponsesFileError as exc:
            raise ApiConfigError(f"--responses {responses}: {exc}") from None
    values: SecretValues = NoSecretValues()
    if config.secrets_file:
        from webhook.secrets.files import SecretFileError

        try:
            values = FileSecretValues.from_path(config.secrets_file)
        except SecretFileError as exc:
            raise ApiConfigError(f"--secrets {config.secrets_file}: {exc}") from None

    from webhook.api.store import StoreError

    try:
        Store(config.data_dir).check()
    except StoreError as exc:
        raise ApiConfigError(f"--data-dir: {exc}") from None

    def transport() -> Any:
        # Recorded answers are per run (sequences and `times` count within one workflow, as with `run`).
        return RecordedTransport.from_path(responses) if responses else None

    from webhook.executor.guard import HostPolicy

    try:
        policy = HostPolicy.from_entries(config.allow_hosts, config.deny_hosts)
    except ValueError as exc:
        raise ApiConfigError(f"--allow-host/--deny-host: {exc}") from None
    return lambda: LocalBackend(Store(config.data_dir), transport=transport, secrets=values, policy=policy,
                                max_body=config.max_body)


def _route_group(make_backend: Callable[[], Backend], auth: Authenticator, *, with_templates: bool) -> RouteGroup:
    def add_routes(app: web.Application, state: ServerState) -> None:
        backend = make_backend()
        templates = getattr(backend, "templates", None) if with_templates else None
        rate = state.config.api_rate_limit
        limits = ApiLimits(rate=rate, burst=max(1, int(rate * 4))) if rate > 0 else ApiLimits(rate=1e9, burst=10**9)
        api = Api(state, backend, auth, templates, limits)
        app[API] = api
        register_error_renderer(app, "/api/", render_http_error)
        for method, path, handler, guard in _ROUTES + _EVERY_NAMESPACE_ROUTES:
            app.router.add_route(method, V1 + path, _endpoint(handler, guard))
        app.on_startup.append(_start)
        app.on_shutdown.append(_end_streams)
        app.on_cleanup.append(_close)

    return add_routes


async def _start(app: web.Application) -> None:
    await app[API].backend.start()


async def _end_streams(app: web.Application) -> None:
    for task in list(app[API].stream_tasks):
        task.cancel()


async def _close(app: web.Application) -> None:
    await app[API].backend.close()


def _endpoint(handler: Handler, guard: Guard) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        api = request.app[API]
        try:
            identity = await _identify(api, request, guard == PUBLIC)
            _check_path(request)
            call = Call(api, request, identity)
            if isinstance(guard, Access):
                # Before the body is read: a caller who may not act here learns nothing about the namespace
                # (no validation against its templates, no did-you-mean) and costs no lookup.
                await call.authorize(guard.verb, guard.resource, call.name if guard.named else None,
                                     cluster_scoped=guard.cluster_scoped)
            result = await handler(call)
            if isinstance(result, web.StreamResponse):
                return result
            return web.Response(body=wirejson.dumps(result), content_type="application/json")
        except ApiError as exc:
            return exc.response()
        except ContextUnavailable as exc:
            return ApiError(Code.UNAVAILABLE, f"cannot validate now: {exc}").response()
        except (web.HTTPException, asyncio.CancelledError):
            raise
        except Exception as exc:
            event("api request failed", logging.ERROR, path=request.path, error=type(exc).__name__,
                  where=exception_site(exc))
            return ApiError(Code.INTERNAL, "internal error; the server log has the details").response()

    return endpoint


async def _identify(api: Api, request: web.Request, public: bool) -> Identity:
    try:
        identity = await api.auth.authenticate(request.headers.get("Authorization"))
    except ApiError:
        # Anonymous calls and failed attempts are limited per address (tokens cannot be guessed at full speed).
        api.rate.take(f"ip:{request.remote}")
        if public:
            return Identity("anonymous", client_key=f"ip:{request.remote}")
        raise
    api.rate.take(identity.client_key or f"ip:{request.remote}")
    return identity


# ---------------------------------------------------------------------------------------------- validation


async def validated(call: Call, kind: str, obj: Any, operation: str = "CREATE", *,
                    portable: bool = False, mode: Mode = Mode.SUBMIT) -> dict[str, Any]:
    """``obj`` as a manifest of ``kind`` in the call's namespace, checked by the validation core (400 if not valid).

    ``portable``: the object to store, rewritten as the mutating webhook would (the seed dialect in the form
    upstream Argo runs), so what the API stores and runs is what admission would have let into a cluster.
    ``mode``: SUBMIT for what is created; the lint endpoints lint (see validation.context.Mode).
    """
    if not isinstance(obj, dict) or not obj:
        raise ApiError(Code.INVALID_ARGUMENT, f"the request has no {kind} object")
    given = obj.get("kind")
    if given not in (None, kind):
        raise ApiError(Code.INVALID_ARGUMENT, f"kind is {given!r}; this endpoint takes a {kind}")
    manifest_data: dict[str, Any] = {**obj, "kind": kind, "apiVersion": obj.get("apiVersion") or f"{GROUP}/{VERSION}"}
    obj = manifest_data
    metadata = obj.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ApiError(Code.INVALID_ARGUMENT, "metadata must be an object")
    namespace = call.namespace or None
    if namespace and isinstance(metadata, dict) and metadata.get("namespace") not in (None, "", namespace):
        raise ApiError(Code.INVALID_ARGUMENT, f"metadata.namespace {metadata['namespace']!r} does not match the "
                                              f"namespace in the path ({namespace!r})")
    manifest = Manifest(kind, obj, default_namespace=namespace)
    identity = call.identity
    review = AdmissionRequest(
        uid=str(uuid.uuid4()), operation=operation, group=GROUP, version=VERSION, kind=kind, namespace=namespace,
        name=manifest.name, object=obj, old_object=None,
        user=UserInfo(identity.user, identity.uid or None, identity.groups, dict(identity.extra)))
    state = call.api.state
    deadline = Deadline.after(VALIDATION_SECONDS)
    try:
        async with asyncio.timeout(VALIDATION_SECONDS):
            context = await state.provider.context_for(review, manifest, deadline)
    except TimeoutError:
        raise ApiError(Code.UNAVAILABLE, "the cluster did not answer in time to validate this object") from None
    if mode is not context.mode:
        # The lint endpoints check as `argo lint` does (Argo's server lints with Opts{Lint: true}).
        context = replace(context, mode=mode,
                          cache_key=f"{context.cache_key}|mode:{mode.value}" if context.cache_key else None)
    if call.api.templates is not None and namespace:
        templates, key = await call.api.templates(namespace)
        context = replace(context, templates=templates,
                          cache_key=f"{context.cache_key}|templates:{key}" if context.cache_key else None)
    # Large objects are validated off the event loop, and not memoised (as at admission).
    offload = call.body_size >= state.config.offload_bytes
    try:
        verdict = await state.run(deadline, offload, judge, manifest, context, None if offload else state.memo,
                                  state.config.policy)
    except TimeoutError:
        raise ApiError(Code.DEADLINE_EXCEEDED, "validation took too long") from None
    if not verdict.allowed:
        raise ApiError(Code.INVALID_ARGUMENT, verdict.message or "the object is not valid")
    if portable:
        try:
            return (await state.run(deadline, offload, portable_object, manifest, state.mutators)).data
        except TimeoutError:
            raise ApiError(Code.DEADLINE_EXCEEDED, "rewriting the object took too long") from None
    return manifest_data


# ---------------------------------------------------------------------------------------------- lint


async def lint_workflow(call: Call) -> Any:
    return await validated(call, "Workflow", (await call.body()).get("workflow"), mode=Mode.LINT)


async def lint_workflow_template(call: Call) -> Any:
    return await validated(call, "WorkflowTemplate", (await call.body()).get("template"), mode=Mode.LINT)


async def lint_cluster_workflow_template(call: Call) -> Any:
    return await validated(call, "ClusterWorkflowTemplate", (await call.body()).get("template"), mode=Mode.LINT)


async def lint_cron_workflow(call: Call) -> Any:
    return await validated(call, "CronWorkflow", (await call.body()).get("cronWorkflow"), mode=Mode.LINT)


# ---------------------------------------------------------------------------------------------- workflows


async def create_workflow(call: Call) -> Any:
    body = await call.body()
    obj = await validated(call, "Workflow", body.get("workflow"), portable=True)
    _check_new_name(obj)
    if _dry_run(body):
        return _as_created(obj, call.namespace)
    return await call.api.backend.create("Workflow", call.namespace, obj, call.identity)


async def list_workflows(call: Call) -> Any:
    return _selected_fields(call, await _list(call, "Workflow"))


async def get_workflow(call: Call) -> Any:
    return _selected_fields(call, await call.api.backend.get("Workflow", call.namespace, call.name))


async def delete_workflow(call: Call) -> Any:
    await call.api.backend.delete("Workflow", call.namespace, call.name)
    return {}


async def stop_workflow(call: Call) -> Any:
    body = await call.body()
    message = body.get("message")
    return await call.api.backend.stop(call.namespace, call.name, terminate=False,
                                       message=message if isinstance(message, str) else "")


async def terminate_workflow(call: Call) -> Any:
    await call.body()
    return await call.api.backend.stop(call.namespace, call.name, terminate=True)


async def suspend_workflow(call: Call) -> Any:
    await call.body()
    return await call.api.backend.suspend(call.namespace, call.name)


async def resume_workflow(call: Call) -> Any:
    body = await call.body()
    selector = body.get("nodeFieldSelector")
    return await call.api.backend.resume(call.namespace, call.name,
                                         selector if isinstance(selector, str) else "")


async def retry_workflow(call: Call) -> Any:
    body = await call.body()
    selector = body.get("nodeFieldSelector")
    return await call.api.backend.retry(call.namespace, call.name,
                                        restart_successful=body.get("restartSuccessful") is True,
                                        node_field_selector=selector if isinstance(selector, str) else "",
                                        parameters=_parameter_list(body.get("parameters")))


async def resubmit_workflow(call: Call) -> Any:
    body = await call.body()
    return await call.api.backend.resubmit(call.namespace, call.name, call.identity,
                                           parameters=_parameter_list(body.get("parameters")))


def _parameter_list(value: object, where: str = "parameters") -> list[str]:
    """Argo's ``parameters: ["name=value", ...]`` (retry, resubmit, submit options)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, str) and "=" in p for p in value):
        raise ApiError(Code.INVALID_ARGUMENT, f"{where} must be a list of 'name=value'")
    return value


async def submit_workflow(call: Call) -> Any:
    body = await call.body()
    kind, name = body.get("resourceKind"), body.get("resourceName")
    if kind not in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
        raise ApiError(Code.INVALID_ARGUMENT, f"resourceKind {kind!r} cannot be submitted here; use "
                                              "WorkflowTemplate or ClusterWorkflowTemplate")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ApiError(Code.INVALID_ARGUMENT, "resourceName must name the template")
    options = body.get("submitOptions") or {}
    if not isinstance(options, dict):
        raise ApiError(Code.INVALID_ARGUMENT, "submitOptions must be an object")
    obj = _submitted(kind, name, options)
    # Argo's server reads the template with the caller's own credentials, so the caller must be able to get it.
    if kind == "WorkflowTemplate":
        await call.authorize("get", "workflowtemplates", name)
    else:
        await call.authorize("get", "clusterworkflowtemplates", name, cluster_scoped=True)
    obj = await validated(call, "Workflow", obj, portable=True)
    _check_new_name(obj)
    if options.get("dryRun") is True or options.get("serverDryRun") is True:
        return _as_created(obj, call.namespace)
    return await call.api.backend.create("Workflow", call.namespace, obj, call.identity)


def _submitted(kind: str, name: str, options: dict[str, Any]) -> Object:
    labels = _label_pairs(options.get("labels"))
    labels["workflows.argoproj.io/workflow-template" if kind == "WorkflowTemplate"
           else "workflows.argoproj.io/cluster-workflow-template"] = name
    metadata: dict[str, Any] = {"labels": labels}
    if isinstance(options.get("name"), str) and options["name"]:
        metadata["name"] = options["name"]
    else:
        prefix = options.get("generateName")
        metadata["generateName"] = prefix if isinstance(prefix, str) and prefix else f"{name}-"
    annotations = _label_pairs(options.get("annotations"))
    if annotations:
        metadata["annotations"] = annotations
    spec: dict[str, Any] = {"workflowTemplateRef": {"name": name, **({"clusterScope": True}
                                                                      if kind == "ClusterWorkflowTemplate" else {})}}
    parameters = _parameter_list(options.get("parameters"), "submitOptions.parameters")
    if parameters:
        spec["arguments"] = {"parameters": [{"name": p.split("=", 1)[0], "value": p.split("=", 1)[1]}
                                            for p in parameters]}
    for option, key in (("entryPoint", "entrypoint"), ("serviceAccount", "serviceAccountName")):
        if isinstance(options.get(option), str) and options[option]:
            spec[key] = options[option]
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Workflow", "metadata": metadata, "spec": spec}


# ---------------------------------------------------------------------------------------------- templates


async def create_workflow_template(call: Call) -> Any:
    body = await call.body()
    obj = await validated(call, "WorkflowTemplate", body.get("template"), portable=True)
    _check_new_name(obj)
    if _dry_run(body):
        return _as_created(obj, call.namespace)
    return await call.api.backend.create("WorkflowTemplate", call.namespace, obj, call.identity)


async def list_workflow_templates(call: Call) -> Any:
    return await _list(call, "WorkflowTemplate")


async def get_workflow_template(call: Call) -> Any:
    return await call.api.backend.get("WorkflowTemplate", call.namespace, call.name)


async def update_workflow_template(call: Call) -> Any:
    body = await call.body()
    obj = await validated(call, "WorkflowTemplate", body.get("template"), operation="UPDATE", portable=True)
    named = (obj.get("metadata") or {}).get("name")
    if named not in (None, "", call.name):
        raise ApiError(Code.INVALID_ARGUMENT, f"metadata.name {named!r} does not match the name in the path")
    return await call.api.backend.update("WorkflowTemplate", call.namespace, call.name, obj)


async def delete_workflow_template(call: Call) -> Any:
    await call.api.backend.delete("WorkflowTemplate", call.namespace, call.name)
    return {}


# ---------------------------------------------------------------------------------------------- server


async def version(call: Call) -> Any:
    return {"version": f"v{__version__}", "buildDate": "", "gitCommit": "", "gitTag": f"v{__version__}",
            "gitTreeState": "", "goVersion": "", "compiler": f"python{platform.python_version()}",
            "platform": f"{sys.platform}/{platform.machine()}"}


async def info(call: Call) -> Any:
    return {"managedNamespace": "", "links": [], "columns": [], "navColor": "", "modals": {}}


async def userinfo(call: Call) -> Any:
    identity = call.identity
    out: dict[str, Any] = {"subject": identity.user, "issuer": "argo-warden"}
    if identity.groups:
        out["groups"] = list(identity.groups)
    return out


async def openapi_document(call: Call) -> Any:
    try:
        from webhook.api.openapi import document
    except ImportError:
        raise ApiError(Code.UNAVAILABLE, "this build has no OpenAPI document") from None
    return document()


# ---------------------------------------------------------------------------------------------- events


async def workflow_events(call: Call) -> Any:
    fields = parse_field_selector(call.query("listOptions.fieldSelector"))
    query = WatchQuery(name=fields.name, label_selector=call.query("listOptions.labelSelector"),
                       resource_version=call.query("listOptions.resourceVersion"))
    api, client = call.api, call.identity.client_key
    api.streams.acquire(client)
    try:
        sse = "text/event-stream" in call.request.headers.get("Accept", "")
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream" if sse else "application/json",
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        await response.prepare(call.request)
        task = asyncio.current_task()
        if task is not None:
            api.stream_tasks.add(task)
        try:
            await _stream(api, call.request, response, api.backend.watch(call.namespace, query), sse)
        except asyncio.CancelledError:
            pass  # the server is shutting down, or the client left
        finally:
            if task is not None:
                api.stream_tasks.discard(task)
        return response
    finally:
        api.streams.release(client)


async def _stream(api: Api, request: web.Request, response: web.StreamResponse, events: AsyncIterator[Any],
                  sse: bool) -> None:
    """Write each event as one line (grpc-gateway's stream) or one SSE message; end on any error.

    aiohttp does not cancel a handler whose client left, so a quiet stream looks at its connection
    every second (and SSE sends a comment line now and then, which proxies also need).
    """

    async def write(message: dict[str, Any]) -> None:
        data = wirejson.dumps(message)
        async with asyncio.timeout(api.limits.io_seconds):  # a client that stops reading is let go
            await response.write(b"data: " + data + b"\n\n" if sse else data + b"\n")

    next_event: asyncio.Task[Any] | None = None
    try:
        while True:
            next_event = asyncio.ensure_future(anext(events))
            quiet = 0.0
            while True:
                done, _ = await asyncio.wait([next_event], timeout=CONNECTION_CHECK_SECONDS)
                if done:
                    break
                transport = request.transport
                if transport is None or transport.is_closing():
                    return
                quiet += CONNECTION_CHECK_SECONDS
                if sse and quiet >= SSE_HEARTBEAT_SECONDS:
                    quiet = 0.0
                    async with asyncio.timeout(api.limits.io_seconds):
                        await response.write(b": heartbeat\n\n")
            try:
                item = next_event.result()
            except StopAsyncIteration:
                return
            except ApiError as exc:
                await write({"error": {"grpc_code": int(exc.code), "http_code": exc.code.http_status,
                                       "message": exc.message, "http_status": exc.code.name}})
                return
            await write({"result": {"type": item.type, "object": item.object}})
    except (TimeoutError, ConnectionResetError):
        return
    finally:
        if next_event is not None and not next_event.done():
            next_event.cancel()
        with contextlib.suppress(Exception):
            await events.aclose()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------- helpers


async def _list(call: Call, kind: Kind) -> Any:
    fields = parse_field_selector(call.query("listOptions.fieldSelector"))
    if fields.namespace and call.namespace and fields.namespace != call.namespace:
        return _list_body(kind, [], None, "")
    limit_text = call.query("listOptions.limit")
    try:
        limit = int(limit_text) if limit_text else 0
    except ValueError:
        raise ApiError(Code.INVALID_ARGUMENT, f"listOptions.limit {limit_text!r} is not a number") from None
    if limit < 0:
        raise ApiError(Code.INVALID_ARGUMENT, "listOptions.limit must not be negative")
    name_filter = call.query("nameFilter") or "Exact"
    if name_filter not in ("Exact", "Prefix"):
        raise ApiError(Code.INVALID_ARGUMENT, f"nameFilter {name_filter!r} is not supported (Exact or Prefix)")
    name, prefix = (fields.name, None) if name_filter == "Exact" else (None, fields.name)
    query = ListQuery(label_selector=call.query("listOptions.labelSelector"), name=name, name_prefix=prefix,
                      phases=fields.phases, limit=min(limit, call.api.limits.page) if limit else call.api.limits.page,
                      continue_token=call.query("listOptions.continue"))
    page = await call.api.backend.list(kind, call.namespace, query)
    return _list_body(kind, page.items, page.continue_token, page.resource_version)


def _list_body(kind: Kind, items: list[Object], continue_token: str | None, resource_version: str) -> Any:
    metadata: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        metadata["continue"] = continue_token
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": f"{kind}List", "metadata": metadata, "items": items}


def _check_new_name(obj: Object) -> None:
    """What the Kubernetes API server would refuse: a name that is not DNS-1123, or none at all."""
    metadata = obj.get("metadata") or {}
    name, prefix = metadata.get("name"), metadata.get("generateName")
    if name not in (None, ""):
        if not isinstance(name, str) or not _NAME.match(name):
            raise ApiError(Code.INVALID_ARGUMENT, f"metadata.name {str(name)[:80]!r} is not a valid object name "
                                                  "(lower-case letters, digits, '-' and '.', at most 253)")
        return
    if prefix in (None, ""):
        raise ApiError(Code.INVALID_ARGUMENT, "metadata.name or metadata.generateName is required")
    # generateName gets five more characters, so the prefix may end in '-' or '.' but must leave room for them.
    if not isinstance(prefix, str) or len(prefix) > 248 or not _NAME.match(prefix + "x"):
        raise ApiError(Code.INVALID_ARGUMENT, f"metadata.generateName {str(prefix)[:80]!r} is not a valid name "
                                              "prefix (lower-case letters, digits, '-' and '.', at most 248)")


def _selected_fields(call: Call, data: Any) -> Any:
    """Argo's ``fields`` parameter: only the paths asked for, or (leading '-') all but those."""
    fields = Fields.parse(call.query("fields"))
    return data if fields is None else fields.apply(data)


def _dry_run(body: dict[str, Any]) -> bool:
    options = body.get("createOptions")
    dry = options.get("dryRun") if isinstance(options, dict) else None
    return body.get("serverDryRun") is True or (isinstance(dry, list) and "All" in dry)


def _as_created(obj: Object, namespace: str) -> Object:
    """What a dry run answers: the object as it would be stored (namespace set, nothing kept)."""
    out = dict(obj)
    out["metadata"] = {**(obj.get("metadata") or {}), "namespace": namespace}
    return out


def _label_pairs(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, str):
        raise ApiError(Code.INVALID_ARGUMENT, "labels and annotations are written 'key=value,key2=value2'")
    out: dict[str, str] = {}
    for pair in value.split(","):
        key, sep, val = pair.partition("=")
        if not sep or not key.strip():
            raise ApiError(Code.INVALID_ARGUMENT, f"{pair.strip()!r} is not key=value")
        out[key.strip()] = val.strip()
    return out


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _check_path(request: web.Request) -> None:
    """Refuse malformed namespaces and names in the path before anything else looks at them."""
    namespace, name = request.match_info.get("namespace"), request.match_info.get("name")
    if namespace is not None and not _NAMESPACE.match(namespace):
        raise ApiError(Code.INVALID_ARGUMENT, f"namespace {namespace[:80]!r} is not a valid namespace name "
                                              "(lower-case letters, digits and '-', at most 63)")
    if name is not None and not _NAME.match(name):
        raise ApiError(Code.INVALID_ARGUMENT, f"name {name[:80]!r} is not a valid object name "
                                              "(lower-case letters, digits, '-' and '.', at most 253)")


@dataclass(frozen=True, slots=True)
class Access:
    """What a route needs, as Argo's RBAC would: ``verb`` on ``resource`` (group argoproj.io) in the path's
    namespace (every namespace when the path names none), on the path's object when ``named``; a
    ``cluster_scoped`` resource is asked for without a namespace."""

    verb: str
    resource: str
    named: bool = False
    cluster_scoped: bool = False


PUBLIC = "public"  # no token needed
SIGNED_IN = "signed in"  # any valid token; the route touches no namespace
Guard = Access | str


def _route(method: str, path: str, handler: Handler, guard: Guard) -> tuple[str, str, Handler, Guard]:
    # Every route that reaches into a namespace is authorized by the endpoint before its handler reads the body,
    # looks anything up or validates; a route without an Access cannot be added for such a path.
    namespaced = "{namespace}" in path or path.endswith("/")
    if (namespaced or "{name}" in path) and not isinstance(guard, Access):
        raise TypeError(f"route {method} {path} names a namespace or object but says no Access")
    if isinstance(guard, Access) and guard.named != ("{name}" in path):
        raise TypeError(f"route {method} {path}: Access.named must say whether the path names the object")
    return method, path, handler, guard


_WF, _WFT = "workflows", "workflowtemplates"
# (method, path under /api/v1, handler, what the caller needs). Lint needs what creating the object would.
_ROUTES: list[tuple[str, str, Handler, Guard]] = [
    _route("POST", "/workflows/{namespace}/lint", lint_workflow, Access("create", _WF)),
    _route("POST", "/workflow-templates/{namespace}/lint", lint_workflow_template, Access("create", _WFT)),
    _route("POST", "/cluster-workflow-templates/lint", lint_cluster_workflow_template,
           Access("create", "clusterworkflowtemplates", cluster_scoped=True)),
    _route("POST", "/cron-workflows/{namespace}/lint", lint_cron_workflow, Access("create", "cronworkflows")),
    _route("POST", "/workflows/{namespace}/submit", submit_workflow, Access("create", _WF)),
    _route("POST", "/workflows/{namespace}", create_workflow, Access("create", _WF)),
    _route("GET", "/workflows/{namespace}", list_workflows, Access("list", _WF)),
    _route("GET", "/workflows/{namespace}/{name}", get_workflow, Access("get", _WF, named=True)),
    _route("DELETE", "/workflows/{namespace}/{name}", delete_workflow, Access("delete", _WF, named=True)),
    _route("PUT", "/workflows/{namespace}/{name}/stop", stop_workflow, Access("update", _WF, named=True)),
    _route("PUT", "/workflows/{namespace}/{name}/terminate", terminate_workflow, Access("update", _WF, named=True)),
    _route("PUT", "/workflows/{namespace}/{name}/suspend", suspend_workflow, Access("update", _WF, named=True)),
    _route("PUT", "/workflows/{namespace}/{name}/resume", resume_workflow, Access("update", _WF, named=True)),
    _route("PUT", "/workflows/{namespace}/{name}/retry", retry_workflow, Access("update", _WF, named=True)),
    # A resubmission is a new workflow; Argo's server asks for create (and reads the old one).
    _route("PUT", "/workflows/{namespace}/{name}/resubmit", resubmit_workflow, Access("create", _WF, named=True)),
    _route("POST", "/workflow-templates/{namespace}", create_workflow_template, Access("create", _WFT)),
    _route("GET", "/workflow-templates/{namespace}", list_workflow_templates, Access("list", _WFT)),
    _route("GET", "/workflow-templates/{namespace}/{name}", get_workflow_template, Access("get", _WFT, named=True)),
    _route("PUT", "/workflow-templates/{namespace}/{name}", update_workflow_template,
           Access("update", _WFT, named=True)),
    _route("DELETE", "/workflow-templates/{namespace}/{name}", delete_workflow_template,
           Access("delete", _WFT, named=True)),
    _route("GET", "/workflow-events/{namespace}", workflow_events, Access("watch", _WF)),
    _route("GET", "/version", version, PUBLIC),
    _route("GET", "/info", info, SIGNED_IN),
    _route("GET", "/userinfo", userinfo, SIGNED_IN),
    _route("GET", "/openapi.json", openapi_document, PUBLIC),
]
# An empty namespace ("/workflows/", as Argo's UI and `argo list -A` send it) is every namespace the caller may
# see: grpc-gateway matches it with the routes above, so it is not a route of its own in Argo's document (or ours).
_EVERY_NAMESPACE_ROUTES: list[tuple[str, str, Handler, Guard]] = [
    _route("GET", "/workflows/", list_workflows, Access("list", _WF)),
    _route("GET", "/workflow-templates/", list_workflow_templates, Access("list", _WFT)),
    _route("GET", "/workflow-events/", workflow_events, Access("watch", _WF)),
]
