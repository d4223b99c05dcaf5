"""Workflows in a cluster: the REST API's objects are Argo's custom resources, read and written through the
Kubernetes API (argo-warden's own service account; the caller was authorized before, see cluster_auth).

What Argo's server does is done here the same way: stop and terminate set
``spec.shutdown``, resubmit creates a Workflow from the old spec, retry resets
the failed part of the status for the controller to run again. Every call is
bounded in time; the API server's refusals become the matching grpc errors.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from webhook.api.backend import Kind, ListQuery, Object, Page, WatchEvent, WatchQuery
from webhook.api.errors import ApiError, Code
from webhook.api.identity import Identity
from webhook.api.retry import NodeSelector, override_parameters, plan_retry
from webhook.kube.client import ApiResponse, ApiUnavailable, KubeClient, keep_all, path
from webhook.settings import DEFAULT_API

GROUP, VERSION = "argoproj.io", "v1alpha1"
RESOURCES: dict[str, str] = {"Workflow": "workflows", "WorkflowTemplate": "workflowtemplates"}
PHASE_LABEL = "workflows.argoproj.io/phase"
COMPLETED_LABEL = "workflows.argoproj.io/completed"
RESUBMITTED_LABEL = "workflows.argoproj.io/resubmitted-from-workflow"
FINISHED = ("Succeeded", "Failed", "Error")
MERGE_PATCH = "application/merge-patch+json"


class ClusterBackend:
    def __init__(self, client: KubeClient, call_seconds: float = DEFAULT_API.cluster_call_seconds,
                 page: int = DEFAULT_API.page) -> None:
        self.client = client
        self.call_seconds = call_seconds
        self.page_size = page

    async def start(self) -> None:
        await self.client.start()

    async def close(self) -> None:
        return None  # the client belongs to the provider, which closes it

    # ------------------------------------------------------------------ objects

    async def create(self, kind: Kind, namespace: str, obj: Object, identity: Identity) -> Object:
        body = copy.deepcopy(obj)
        body.setdefault("metadata", {})["namespace"] = namespace
        body.pop("status", None)
        return await self._ask("POST", kind, namespace, None, body=body)

    async def get(self, kind: Kind, namespace: str, name: str) -> Object:
        return await self._ask("GET", kind, namespace, name)

    async def list(self, kind: Kind, namespace: str, query: ListQuery) -> Page:
        params: dict[str, str] = {"limit": str(min(query.limit, self.page_size) if query.limit > 0 else self.page_size)}
        labels = [query.label_selector] if query.label_selector else []
        if query.phases:
            # Kubernetes cannot select custom resources on status fields; Argo's controller labels the phase.
            labels.append(f"{PHASE_LABEL} in ({','.join(query.phases)})")
        if labels:
            params["labelSelector"] = ",".join(labels)
        if query.name:
            params["fieldSelector"] = f"metadata.name={query.name}"
        if query.continue_token:
            params["continue"] = query.continue_token
        answer = await self._ask("GET", kind, namespace, None, params=params)
        items = [i for i in answer.get("items") or [] if isinstance(i, dict)]
        if query.name_prefix:
            # No prefix selector in Kubernetes: filtered here, so a page may come back shorter than the limit.
            items = [i for i in items if str((i.get("metadata") or {}).get("name", "")).startswith(query.name_prefix)]
        for item in items:
            item.setdefault("apiVersion", f"{GROUP}/{VERSION}")
            item.setdefault("kind", kind)
        found_meta = answer.get("metadata")
        meta: dict[str, Any] = found_meta if isinstance(found_meta, dict) else {}
        remaining = meta.get("remainingItemCount")
        return Page(items, meta.get("continue") or None, str(meta.get("resourceVersion", "")),
                    remaining if isinstance(remaining, int) else None)

    async def update(self, kind: Kind, namespace: str, name: str, obj: Object) -> Object:
        body = copy.deepcopy(obj)
        md = body.setdefault("metadata", {})
        md["name"], md["namespace"] = name, namespace
        if not md.get("resourceVersion"):
            # A replace needs the version it replaces; without one the caller means "the current one".
            current = await self.get(kind, namespace, name)
            md["resourceVersion"] = current["metadata"].get("resourceVersion")
        return await self._ask("PUT", kind, namespace, name, body=body)

    async def delete(self, kind: Kind, namespace: str, name: str) -> None:
        await self._ask("DELETE", kind, namespace, name)

    # ------------------------------------------------------------------ actions

    async def stop(self, namespace: str, name: str, *, terminate: bool, message: str = "") -> Object:
        await self._unfinished(namespace, name, "terminate" if terminate else "stop")
        patch: Object = {"spec": {"shutdown": "Terminate" if terminate else "Stop"}}
        if message and not terminate:
            patch["metadata"] = {"annotations": {"workflows.argoproj.io/shutdown-message": message[:1000]}}
        return await self._ask("PATCH", "Workflow", namespace, name, body=patch, content_type=MERGE_PATCH)

    async def suspend(self, namespace: str, name: str) -> Object:
        await self._unfinished(namespace, name, "suspend")
        return await self._ask("PATCH", "Workflow", namespace, name, body={"spec": {"suspend": True}},
                               content_type=MERGE_PATCH)

    async def resume(self, namespace: str, name: str, node_field_selector: str = "") -> Object:
        """Argo's resume: clear spec.suspend, mark the waiting suspend nodes Succeeded (outputs that were to be
        supplied take their defaults), and let the controller go on. Sent with the resourceVersion read: a
        concurrent change answers 409 rather than being overwritten."""
        selector = NodeSelector.parse(node_field_selector) if node_field_selector.strip() else None
        body = copy.deepcopy(await self._unfinished(namespace, name, "resume"))
        spec = body.get("spec")
        if isinstance(spec, dict):
            spec.pop("suspend", None)
        nodes = (body.get("status") or {}).get("nodes")
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for node in (nodes.values() if isinstance(nodes, dict) else ()):
            if not isinstance(node, dict) or node.get("type") != "Suspend" or node.get("phase") != "Running":
                continue
            if selector is not None and not selector.matches(node):
                continue
            for param in ((node.get("outputs") or {}).get("parameters") or []):
                source = param.get("valueFrom") if isinstance(param, dict) else None
                if isinstance(source, dict) and "supplied" in source and "value" not in param:
                    if "default" not in source:
                        raise ApiError(Code.FAILED_PRECONDITION, f"output parameter '{param.get('name')}' of node "
                                                                 f"'{node.get('displayName')}' has not been set and "
                                                                 "has no default")
                    param["value"] = source["default"]
            node.update(phase="Succeeded", finishedAt=now)
        return await self._ask("PUT", "Workflow", namespace, name, body=body)

    async def _unfinished(self, namespace: str, name: str, action: str) -> Object:
        current = await self.get("Workflow", namespace, name)
        phase = _phase(current)
        if phase in FINISHED:
            raise ApiError(Code.FAILED_PRECONDITION, f"cannot {action} workflow '{name}': it is {phase}")
        return current

    async def retry(self, namespace: str, name: str, *, restart_successful: bool = False,
                    node_field_selector: str = "", parameters: Sequence[str] = ()) -> Object:
        """Argo's retry: keep the nodes that succeeded, reset what contains a node to run again, forget the
        rest (webhook.api.retry), and hand the workflow back to the controller as Running.

        The pods of forgotten nodes are left to the controller's garbage collection (Argo's server deletes
        them itself).
        """
        current = await self.get("Workflow", namespace, name)
        plan = plan_retry(current, restart_successful=restart_successful, node_field_selector=node_field_selector)
        status = dict(current.get("status") or {})
        status.update(phase="Running", nodes=plan.nodes(), finishedAt=None, message=None)
        labels = dict((current.get("metadata") or {}).get("labels") or {})
        labels.pop(COMPLETED_LABEL, None)
        labels[PHASE_LABEL] = "Running"
        body = copy.deepcopy(current)
        body["status"] = status
        body["metadata"]["labels"] = labels
        spec = body.get("spec")
        if isinstance(spec, dict):
            spec.pop("shutdown", None)
            override_parameters(spec, parameters)
        return await self._ask("PUT", "Workflow", namespace, name, body=body)

    async def resubmit(self, namespace: str, name: str, identity: Identity, parameters: Sequence[str] = ()) -> Object:
        old = await self.get("Workflow", namespace, name)
        labels = {k: v for k, v in ((old.get("metadata") or {}).get("labels") or {}).items()
                  if k not in (PHASE_LABEL, COMPLETED_LABEL)}
        labels[RESUBMITTED_LABEL] = name
        spec = copy.deepcopy(old.get("spec") or {})
        spec.pop("shutdown", None)
        override_parameters(spec, parameters)
        fresh: Object = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Workflow",
                         "metadata": {"generateName": f"{name}-", "namespace": namespace, "labels": labels},
                         "spec": spec}
        return await self.create("Workflow", namespace, fresh, identity)

    async def watch(self, namespace: str, query: WatchQuery) -> AsyncIterator[WatchEvent]:
        params: dict[str, str] = {}
        if query.label_selector:
            params["labelSelector"] = query.label_selector
        if query.name:
            params["fieldSelector"] = f"metadata.name={query.name}"
        if query.resource_version:
            params["resourceVersion"] = query.resource_version
        try:
            async for item in self.client.watch(_collection(namespace, "Workflow"), params):
                kind, obj = item.get("type"), item.get("object")
                if kind == "ERROR":
                    message = obj.get("message") if isinstance(obj, dict) else None
                    raise ApiError(Code.UNAVAILABLE, f"the cluster ended the watch: {message or 'no reason'}")
                if kind in ("ADDED", "MODIFIED", "DELETED") and isinstance(obj, dict):
                    yield WatchEvent(kind, obj)
        except ApiUnavailable as exc:
            raise ApiError(Code.UNAVAILABLE, str(exc)) from None

    # ------------------------------------------------------------------ the API server

    async def _ask(self, method: str, kind: Kind, namespace: str, name: str | None, *,
                   body: Object | None = None, params: dict[str, str] | None = None,
                   content_type: str | None = None) -> Object:
        api_path = _collection(namespace, kind) if name is None else _collection(namespace, kind) + path(name)
        try:
            async with asyncio.timeout(self.call_seconds):
                response: ApiResponse[Any] = await self.client.request(method, api_path, keep_all, body=body,
                                                                       params=params, content_type=content_type)
        except TimeoutError:
            raise ApiError(Code.UNAVAILABLE, f"the Kubernetes API did not answer {method} {kind} within "
                                             f"{self.call_seconds:g} s") from None
        except ApiUnavailable as exc:
            raise ApiError(Code.UNAVAILABLE, str(exc)) from None
        if response.ok:
            value = response.value
            return value if isinstance(value, dict) else {}
        raise _refusal(response, method, kind, namespace, name or (body or {}).get("metadata", {}).get("name"))


def _collection(namespace: str, kind: Kind) -> str:
    if namespace:
        return path("apis", GROUP, VERSION, "namespaces", namespace, RESOURCES[kind])
    return path("apis", GROUP, VERSION, RESOURCES[kind])


def _refusal(response: ApiResponse[Any], method: str, kind: str, namespace: str, name: Any) -> ApiError:
    error = response.error
    said = error.message if error is not None and error.message else f"status {response.status}"
    what = f'{RESOURCES.get(kind, kind)}.{GROUP} "{name}"' if name else f"{RESOURCES.get(kind, kind)}.{GROUP}"
    status = response.status
    if status == 404:
        return ApiError(Code.NOT_FOUND, f'{what} not found in namespace "{namespace}"')
    if status == 409:
        if error is not None and error.reason == "AlreadyExists":
            return ApiError(Code.ALREADY_EXISTS, f'{what} already exists in namespace "{namespace}"')
        return ApiError(Code.ABORTED, f"{what} was changed meanwhile: {said}")
    if status in (401, 403):
        return ApiError(Code.PERMISSION_DENIED, f"argo-warden's service account may not {method} {what} in "
                                                f"namespace '{namespace}' (check its RBAC): {said}")
    if status in (400, 422):
        return ApiError(Code.INVALID_ARGUMENT, f"the Kubernetes API refused {what}: {said}")
    if status == 429:
        return ApiError(Code.RESOURCE_EXHAUSTED, "the Kubernetes API is throttling requests; retry later",
                        retry_after=1)
    return ApiError(Code.UNAVAILABLE, f"the Kubernetes API answered {method} {what} with {status}: {said}")


def _phase(obj: Object) -> str:
    status = obj.get("status")
    phase = status.get("phase") if isinstance(status, dict) else None
    return phase if isinstance(phase, str) else ""
