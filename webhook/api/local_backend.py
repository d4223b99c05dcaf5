"""Workflows without a cluster: kept in the embedded store, run by the embedded executor, watched by clients.

A created Workflow starts at once. While it runs, its status (Argo's
``workflow.status`` with every node) is written back to the store at most every
``flush_seconds`` and at the end, and each write is an event for watchers. A
restart finds what a crash interrupted still Pending or Running in the store:
those are marked Error with a reason (nothing half-run is silently resumed or
dropped); ``retry`` runs what did not finish and keeps what succeeded.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import secrets
import string
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from webhook.api.backend import Kind, ListQuery, Object, Page, WatchEvent, WatchQuery
from webhook.api.errors import ApiError, Code
from webhook.api.identity import Identity
from webhook.api.retry import NodeSelector, override_parameters, plan_retry
from webhook.api.selectors import LabelSelector
from webhook.api.store import Store
from webhook.executor.engine import RunOptions, WorkflowRun
from webhook.executor.guard import HostPolicy
from webhook.executor.http_step import DEFAULT_MAX_BODY
from webhook.executor.nodes import Phase, rfc3339
from webhook.executor.transport import Transport
from webhook.executor.workflow import WorkflowInputError
from webhook.logs import event
from webhook.secrets.values import NoSecretValues, SecretValues
from webhook.settings import DEFAULT_API
from webhook.spec.lookups import DocumentTemplates

PHASE_LABEL = "workflows.argoproj.io/phase"
COMPLETED_LABEL = "workflows.argoproj.io/completed"
RESUBMITTED_LABEL = "workflows.argoproj.io/resubmitted-from-workflow"
FINISHED = ("Succeeded", "Failed", "Error")
INTERRUPTED = "argo-warden stopped while this workflow was running; retry or resubmit it"
SHUT_DOWN = "argo-warden shut down while this workflow was running; retry or resubmit it"
_SUFFIX = string.ascii_lowercase + string.digits


@dataclass(eq=False)
class _Watcher:
    namespace: str
    query: WatchQuery
    selector: LabelSelector
    queue: asyncio.Queue[WatchEvent | None] = field(default_factory=lambda: asyncio.Queue(maxsize=1024))
    overflowed: bool = False

    def wants(self, obj: Object) -> bool:
        md = obj["metadata"]
        if self.namespace and md.get("namespace") != self.namespace:
            return False
        if self.query.name and md.get("name") != self.query.name:
            return False
        return self.selector.matches(md.get("labels") or {})


@dataclass(eq=False)
class _Running:
    run: WorkflowRun
    task: asyncio.Task[None]
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    stopped_by_server: bool = False


class LocalBackend:
    def __init__(self, store: Store, *, transport: Callable[[], Transport | None] = lambda: None,
                 secrets: SecretValues | None = None, policy: HostPolicy | None = None,
                 flush_seconds: float = 0.1, max_running: int = DEFAULT_API.max_running,
                 max_body: int = DEFAULT_MAX_BODY) -> None:
        self.store = store
        self._max_body = max_body
        self._transport = transport
        self._secrets = secrets or NoSecretValues()
        self._policy = policy or HostPolicy()
        self._flush_seconds = flush_seconds
        # Workflows running at once; beyond it create and retry answer 429 (each run holds connections and memory).
        self.max_running = max_running
        self._running: dict[tuple[str, str], _Running] = {}
        self._watchers: set[_Watcher] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._templates: dict[str, tuple[DocumentTemplates, int]] = {}
        self._template_generation: dict[str, int] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await self.store.open()
        for obj in await self.store.unfinished_workflows():
            _mark_interrupted(obj, INTERRUPTED)
            await self._write(obj)
            event("workflow interrupted by a restart", logging.WARNING, namespace=obj["metadata"]["namespace"],
                  name=obj["metadata"]["name"])

    async def close(self) -> None:
        for running in list(self._running.values()):
            running.stopped_by_server = True
            running.run.stop(terminate=True)
        if self._tasks:
            # Every run, including those already writing their last status, before the store closes.
            await asyncio.wait(list(self._tasks), timeout=10)
        for watcher in list(self._watchers):
            _end(watcher)
        await self.store.close()

    # ------------------------------------------------------------------ objects

    async def create(self, kind: Kind, namespace: str, obj: Object, identity: Identity) -> Object:
        obj = _new_object(kind, namespace, obj)
        if kind == "WorkflowTemplate":
            stored = await self.store.insert(kind, obj)
            self._templates_changed(namespace)
            return stored
        self._check_room()
        run = await self._prepare_run(obj)
        _set_started(obj)
        stored = await self.store.insert(kind, obj)
        self._publish("ADDED", stored)
        self._launch(stored, run)
        return copy.deepcopy(stored)

    async def get(self, kind: Kind, namespace: str, name: str) -> Object:
        return await self.store.get(kind, namespace, name)

    async def list(self, kind: Kind, namespace: str, query: ListQuery) -> Page:
        return await self.store.page(kind, namespace, query)

    async def update(self, kind: Kind, namespace: str, name: str, obj: Object) -> Object:
        if kind != "WorkflowTemplate":
            raise ApiError(Code.UNIMPLEMENTED, "workflows are changed through stop, terminate, retry and resubmit")
        current = await self.store.get(kind, namespace, name)
        md = obj.setdefault("metadata", {})
        if not isinstance(md, dict):
            raise ApiError(Code.INVALID_ARGUMENT, "metadata must be an object")
        expected = md.get("resourceVersion")
        for key in ("uid", "creationTimestamp"):
            md[key] = current["metadata"].get(key)
        md["name"], md["namespace"] = name, namespace
        md.pop("generateName", None)
        stored = await self.store.replace(kind, obj, str(expected) if expected else None)
        self._templates_changed(namespace)
        return stored

    async def delete(self, kind: Kind, namespace: str, name: str) -> None:
        running = self._running.get((namespace, name)) if kind == "Workflow" else None
        if running is not None:
            running.run.stop(terminate=True)
            await asyncio.wait([running.task], timeout=10)
        removed = await self.store.delete(kind, namespace, name)
        if kind == "WorkflowTemplate":
            self._templates_changed(namespace)
        if kind == "Workflow":
            self._publish("DELETED", removed)

    # ------------------------------------------------------------------ actions

    async def stop(self, namespace: str, name: str, *, terminate: bool, message: str = "") -> Object:
        obj, running = await self._running_workflow(namespace, name, "terminate" if terminate else "stop")
        running.run.stop(terminate=terminate)
        return obj

    async def suspend(self, namespace: str, name: str) -> Object:
        obj, running = await self._running_workflow(namespace, name, "suspend")
        running.run.suspend()
        obj.setdefault("spec", {})["suspend"] = True
        return copy.deepcopy(await self._write(obj))

    async def resume(self, namespace: str, name: str, node_field_selector: str = "") -> Object:
        selector = NodeSelector.parse(node_field_selector) if node_field_selector.strip() else None
        obj, running = await self._running_workflow(namespace, name, "resume")
        running.run.resume(selector.matches if selector is not None else None)
        spec = obj.get("spec")
        if isinstance(spec, dict):
            spec.pop("suspend", None)
        return copy.deepcopy(await self._write(obj))

    async def _running_workflow(self, namespace: str, name: str, action: str) -> tuple[Object, _Running]:
        obj = await self.store.get("Workflow", namespace, name)
        running = self._running.get((namespace, name))
        if running is None:
            raise ApiError(Code.FAILED_PRECONDITION,
                           f"cannot {action} workflow '{name}': it is {_phase(obj) or 'not running'}")
        return obj, running

    async def retry(self, namespace: str, name: str, *, restart_successful: bool = False,
                    node_field_selector: str = "", parameters: Sequence[str] = ()) -> Object:
        """Run a finished workflow again under the same name, as Argo's retry does (webhook.api.retry).

        Nodes that succeeded are taken over with their outputs, not run again: a
        step that sent a request before does not send it twice.
        """
        obj = await self.store.get("Workflow", namespace, name)
        if (namespace, name) in self._running:
            raise ApiError(Code.FAILED_PRECONDITION, f"workflow '{name}' is running; only finished workflows can "
                                                     "be retried")
        plan = plan_retry(obj, restart_successful=restart_successful, node_field_selector=node_field_selector)
        override_parameters(obj.setdefault("spec", {}), parameters)
        self._check_room()
        run = await self._prepare_run(obj, keep=plan.kept_by_name())
        _set_started(obj)
        obj["status"]["nodes"] = plan.nodes()
        stored = await self._write(obj)
        self._launch(stored, run)
        return copy.deepcopy(stored)

    async def resubmit(self, namespace: str, name: str, identity: Identity, parameters: Sequence[str] = ()) -> Object:
        old = await self.store.get("Workflow", namespace, name)
        labels = {k: v for k, v in (old["metadata"].get("labels") or {}).items()
                  if k not in (PHASE_LABEL, COMPLETED_LABEL)}
        labels[RESUBMITTED_LABEL] = name
        fresh: Object = {"apiVersion": old.get("apiVersion", "argoproj.io/v1alpha1"), "kind": "Workflow",
                         "metadata": {"generateName": f"{name}-", "namespace": namespace, "labels": labels},
                         "spec": copy.deepcopy(old.get("spec") or {})}
        override_parameters(fresh["spec"], parameters)
        annotations = old["metadata"].get("annotations")
        if annotations:
            fresh["metadata"]["annotations"] = dict(annotations)
        return await self.create("Workflow", namespace, fresh, identity)

    async def watch(self, namespace: str, query: WatchQuery) -> AsyncIterator[WatchEvent]:
        watcher = _Watcher(namespace, query, LabelSelector.parse(query.label_selector))
        self._watchers.add(watcher)
        try:
            if query.resource_version is None:
                token: str | None = None
                while True:
                    page = await self.store.page("Workflow", namespace, ListQuery(
                        label_selector=query.label_selector, name=query.name, continue_token=token))
                    for obj in page.items:
                        yield WatchEvent("ADDED", obj)
                    token = page.continue_token
                    if token is None:
                        break
            while True:
                item = await watcher.queue.get()
                if item is None:
                    if watcher.overflowed:
                        raise ApiError(Code.RESOURCE_EXHAUSTED, "the event stream fell too far behind; watch again")
                    return
                if query.resource_version is not None and _older(item.object, query.resource_version):
                    continue
                yield item
        finally:
            self._watchers.discard(watcher)

    async def templates(self, namespace: str) -> tuple[DocumentTemplates, str]:
        """The namespace's WorkflowTemplates (for validation and for runs), and a key that changes with them.

        Read from the store once and kept until a template of the namespace is written: this process is
        the store's only writer.
        """
        kept = self._templates.get(namespace)
        generation = self._template_generation.get(namespace, 0)
        key = f"{namespace}:{generation}"
        if kept is not None and kept[1] == generation:
            return kept[0], key
        found = await self._read_templates(namespace)
        self._templates[namespace] = (found, generation)
        return found, key

    def _templates_changed(self, namespace: str) -> None:
        self._template_generation[namespace] = self._template_generation.get(namespace, 0) + 1

    async def _read_templates(self, namespace: str) -> DocumentTemplates:
        found = DocumentTemplates(complete_in=namespace)
        token: str | None = None
        while True:
            page = await self.store.page("WorkflowTemplate", namespace, ListQuery(continue_token=token))
            for obj in page.items:
                found.add("WorkflowTemplate", obj, namespace)
            token = page.continue_token
            if token is None:
                return found

    # ------------------------------------------------------------------ runs

    def _check_room(self) -> None:
        if len(self._running) >= self.max_running:
            raise ApiError(Code.RESOURCE_EXHAUSTED, f"{len(self._running)} workflows are running, as many as this "
                                                    "server runs at once; retry when one has finished",
                           retry_after=1)

    async def _prepare_run(self, obj: Object, keep: Mapping[str, Mapping[str, Any]] | None = None) -> WorkflowRun:
        md = obj["metadata"]
        options = RunOptions(namespace=md["namespace"], name=md["name"], uid=md["uid"], secrets=self._secrets,
                             transport=self._transport(), policy=self._policy, max_body=self._max_body,
                             templates=(await self.templates(md["namespace"]))[0], keep=keep or {})
        try:
            return WorkflowRun(copy.deepcopy(obj), options)
        except WorkflowInputError as exc:
            raise ApiError(Code.INVALID_ARGUMENT, f"the embedded executor cannot run this workflow: "
                                                  f"{'; '.join(exc.problems)}") from None

    def _launch(self, obj: Object, run: WorkflowRun) -> None:
        key = (obj["metadata"]["namespace"], obj["metadata"]["name"])
        changed = asyncio.Event()
        run.options.on_event = lambda _event: changed.set()
        task = asyncio.create_task(self._drive(key, run, changed), name=f"workflow {key[0]}/{key[1]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._running[key] = _Running(run, task, changed)

    async def _drive(self, key: tuple[str, str], run: WorkflowRun, changed: asyncio.Event) -> None:
        flusher = asyncio.create_task(self._flush_while_running(key, run, changed))
        try:
            await run.execute()
        except Exception as exc:  # a bug of ours ends this workflow, not the server
            run.phase, run.message = Phase.ERROR, f"internal error in the executor ({type(exc).__name__})"
            event("workflow run failed", logging.ERROR, namespace=key[0], name=key[1], error=type(exc).__name__)
        finally:
            flusher.cancel()
            running = self._running.pop(key, None)
            await self._flush(key, run, final=True,
                              shut_down=running is not None and running.stopped_by_server)

    async def _flush_while_running(self, key: tuple[str, str], run: WorkflowRun, changed: asyncio.Event) -> None:
        while True:
            await changed.wait()
            changed.clear()
            await self._flush(key, run, final=False)
            await asyncio.sleep(self._flush_seconds)

    async def _flush(self, key: tuple[str, str], run: WorkflowRun, *, final: bool, shut_down: bool = False) -> None:
        try:
            obj = await self.store.get("Workflow", *key)
        except ApiError:
            return  # deleted meanwhile
        status = run.result().to_status()
        if final and shut_down:
            status["phase"], status["message"] = "Error", SHUT_DOWN
        obj["status"] = status
        _set_phase_labels(obj, status["phase"])
        try:
            await self._write(obj)
        except ApiError as exc:
            if exc.code != Code.NOT_FOUND:
                raise  # deleted between the read and this write: nothing left to update

    async def _write(self, obj: Object) -> Object:
        stored = await self.store.replace("Workflow", obj)
        self._publish("MODIFIED", stored)
        return stored

    def _publish(self, type_: str, obj: Object) -> None:
        for watcher in list(self._watchers):
            if watcher.overflowed or not watcher.wants(obj):
                continue
            try:
                watcher.queue.put_nowait(WatchEvent(type_, copy.deepcopy(obj)))  # type: ignore[arg-type]
            except asyncio.QueueFull:
                watcher.overflowed = True
                _end(watcher)


def _end(watcher: _Watcher) -> None:
    """Tell a watcher there is nothing more (room for the marker is made if its queue is full)."""
    while True:
        try:
            watcher.queue.put_nowait(None)
            return
        except asyncio.QueueFull:
            watcher.queue.get_nowait()


def _new_object(kind: Kind, namespace: str, obj: Object) -> Object:
    obj = copy.deepcopy(obj)
    md = obj.setdefault("metadata", {})
    name = md.get("name")
    if not name:
        prefix = md.get("generateName")
        if not prefix:
            raise ApiError(Code.INVALID_ARGUMENT, "metadata.name or metadata.generateName is required")
        name = prefix + "".join(secrets.choice(_SUFFIX) for _ in range(5))
    md["name"] = name
    md["namespace"] = namespace
    md["uid"] = str(uuid.uuid4())
    md["creationTimestamp"] = rfc3339(datetime.now(UTC))
    obj["apiVersion"] = obj.get("apiVersion") or "argoproj.io/v1alpha1"
    obj["kind"] = kind
    if kind == "Workflow":
        obj.pop("status", None)
    return obj


def _set_started(obj: Object) -> None:
    """The run starts as the object is stored: it is Running from the first answer on (clients such as Hera's
    ``wait`` take a Pending workflow for one that is not running)."""
    obj["status"] = {"phase": "Running", "startedAt": rfc3339(datetime.now(UTC))}
    _set_phase_labels(obj, "Running")


def _phase(obj: Object) -> str:
    status = obj.get("status")
    phase = status.get("phase") if isinstance(status, dict) else None
    return phase if isinstance(phase, str) else ""


def _set_phase_labels(obj: Object, phase: str) -> None:
    labels = obj["metadata"].setdefault("labels", {})
    labels[PHASE_LABEL] = phase
    if phase in FINISHED:
        labels[COMPLETED_LABEL] = "true"
    else:
        labels.pop(COMPLETED_LABEL, None)


def _mark_interrupted(obj: Object, message: str) -> None:
    status = obj.setdefault("status", {})
    now = rfc3339(datetime.now(UTC))
    status["phase"], status["message"], status["finishedAt"] = "Error", message, now
    for node in (status.get("nodes") or {}).values():
        if isinstance(node, dict) and node.get("phase") in ("Pending", "Running", None):
            node["phase"], node["message"], node["finishedAt"] = "Error", message, now
    _set_phase_labels(obj, "Error")


def _older(obj: Object, resource_version: str) -> bool:
    try:
        return int(obj["metadata"].get("resourceVersion", "0")) <= int(resource_version)
    except (TypeError, ValueError):
        return False
