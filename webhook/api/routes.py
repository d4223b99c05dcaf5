"""The Argo-Server-compatible REST API: Argo's paths, bodies and error shapes over one validation core.

This module is the route table and its handlers. Every request is authenticated, rate limited and (per
namespace and verb, as Argo's RBAC would need) authorized by its endpoint before a handler runs
(``endpoint``); bodies are read with a deadline, parsed as JSON and bounded in depth (``call``). Objects are
validated with the same core, context provider and verdict as admission (``validate``), then handed to a
backend: the embedded store and executor, or the Kubernetes API when ``serve`` has a cluster (``route_group``).
Watches are streamed by ``streams``. Errors are ``{"code": <grpc code>, "message": ...}`` with grpc-gateway's
HTTP status.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

from webhook import __version__
from webhook.api.backend import Kind, ListQuery, Object, WatchQuery
from webhook.api.call import API as API
from webhook.api.call import Api as Api
from webhook.api.call import Call as Call
from webhook.api.call import Handler as Handler
from webhook.api.endpoint import PUBLIC as PUBLIC
from webhook.api.endpoint import SIGNED_IN as SIGNED_IN
from webhook.api.endpoint import Access as Access
from webhook.api.endpoint import Guard as Guard
from webhook.api.endpoint import Route
from webhook.api.errors import ApiError, Code
from webhook.api.fields import Fields
from webhook.api.names import GROUP, VERSION, check_new_name, is_object_name
from webhook.api.names import V1 as V1
from webhook.api.route_group import ApiConfigError as ApiConfigError
from webhook.api.route_group import prepare_route_group
from webhook.api.selectors import parse_field_selector
from webhook.api.streams import stream_events
from webhook.api.validate import validated as validated
from webhook.server.config import ServerConfig
from webhook.server.state import RouteGroup
from webhook.validation.context import Mode

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
    check_new_name(obj)
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
    if not is_object_name(name):
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
    check_new_name(obj)
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
    check_new_name(obj)
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
    return await stream_events(call, lambda: call.api.backend.watch(call.namespace, query))


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
    page_size = call.api.settings.page
    query = ListQuery(label_selector=call.query("listOptions.labelSelector"), name=name, name_prefix=prefix,
                      phases=fields.phases, limit=min(limit, page_size) if limit else page_size,
                      continue_token=call.query("listOptions.continue"))
    page = await call.api.backend.list(kind, call.namespace, query)
    return _list_body(kind, page.items, page.continue_token, page.resource_version)


def _list_body(kind: Kind, items: list[Object], continue_token: str | None, resource_version: str) -> Any:
    metadata: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        metadata["continue"] = continue_token
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": f"{kind}List", "metadata": metadata, "items": items}


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


# ---------------------------------------------------------------------------------------------- route table


def _route(method: str, path: str, handler: Handler, guard: Guard) -> Route:
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
_ROUTES: list[Route] = [
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
_EVERY_NAMESPACE_ROUTES: list[Route] = [
    _route("GET", "/workflows/", list_workflows, Access("list", _WF)),
    _route("GET", "/workflow-templates/", list_workflow_templates, Access("list", _WFT)),
    _route("GET", "/workflow-events/", workflow_events, Access("watch", _WF)),
]


def prepare_api(config: ServerConfig, provider: object) -> RouteGroup:
    """The REST API as ``serve`` mounts it (see ``route_group``); ApiConfigError if its settings are unusable."""
    return prepare_route_group(config, provider, _ROUTES + _EVERY_NAMESPACE_ROUTES)
