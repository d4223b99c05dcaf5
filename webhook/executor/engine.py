"""The local workflow engine: run a Workflow whose leaves are HTTP templates, as Argo's controller would.

Library use (the REST API runs workflows on it)::

    run = WorkflowRun(workflow_dict, RunOptions(parameters={"n": "3"}, on_event=callback))
    result = await run.execute()          # RunResult: phase, message, nodes
    run.stop(terminate=False)             # from another task: stop (exit handlers run) or terminate

``WorkflowRun(...)`` raises ``WorkflowInputError`` (every problem at once) before
anything runs. Nodes are kept in ``run.nodes`` (id → Node) and each change is
reported to ``on_event`` as a ``RunEvent`` carrying Argo's NodeStatus JSON.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from webhook.executor.calls import NODE_FACTS, Boundary, Invocation, publish
from webhook.executor.dag import run_dag
from webhook.executor.deadlines import Deadline, DeadlineExceeded, cancel_reason
from webhook.executor.durations import DurationError, parse_duration
from webhook.executor.expr import ExpressionError, evaluate_bool, evaluate_tag
from webhook.executor.guard import HostPolicy
from webhook.executor.http_step import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, HttpSettings, run_http
from webhook.executor.kept import KeptNodes
from webhook.executor.nodes import Node, NodeType, Phase, RunEvent, node_id, rfc3339, timestamps
from webhook.executor.redact import Redactor
from webhook.executor.retry import RetryError, RetryStrategy
from webhook.executor.scope import RenderError, Scope, format_value
from webhook.executor.steps import run_steps
from webhook.executor.templates import TemplateScope
from webhook.executor.transport import NetworkTransport, Transport
from webhook.executor.when import WhenError, evaluate_when
from webhook.executor.workflow import RUNNABLE_TYPES, PreparedWorkflow, WorkflowInputError, prepare, template_type
from webhook.secrets.values import NoSecretValues, SecretValues
from webhook.spec.http import PLUGIN_NAME
from webhook.spec.lookups import TemplateSource
from webhook.spec.resolve import CallState
from webhook.spec.walk import as_dict, as_list, as_str

DEADLINE_MESSAGE = "Step exceeded its deadline"
_CONTAINER_TYPES = {"steps": NodeType.STEPS, "dag": NodeType.DAG, "suspend": NodeType.SUSPEND}
__all__ = ["RunOptions", "RunResult", "WorkflowInputError", "WorkflowRun"]


@dataclass(slots=True)
class RunOptions:
    parameters: Mapping[str, str] = field(default_factory=dict)
    # Defaults: metadata.namespace or "default"; metadata.name or generateName plus a random suffix; a new UUID.
    namespace: str | None = None
    name: str | None = None
    uid: str | None = None
    secrets: SecretValues = field(default_factory=NoSecretValues)
    # Default: the network, through the SSRF guard with ``policy``.
    transport: Transport | None = None
    policy: HostPolicy = field(default_factory=HostPolicy)
    # WorkflowTemplates that templateRef / workflowTemplateRef may name.
    templates: TemplateSource | None = None
    max_body: int = DEFAULT_MAX_BODY
    default_timeout: float = DEFAULT_TIMEOUT
    on_event: Callable[[RunEvent], None] | None = None
    # NodeStatus of an earlier run by node name: calls whose node is here take it over instead of running (retry).
    keep: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class RunResult:
    name: str
    namespace: str
    uid: str
    phase: Phase
    message: str
    started_at: datetime | None
    finished_at: datetime | None
    nodes: dict[str, Node]
    # Ended by stop() (Ctrl-C, the REST API's stop/terminate) rather than by itself.
    stopped: bool = False

    @property
    def succeeded(self) -> bool:
        return self.phase is Phase.SUCCEEDED

    def to_json(self) -> dict[str, Any]:
        """``argo-warden run -o json``."""
        return {
            "name": self.name,
            "phase": str(self.phase),
            "message": self.message,
            "nodes": {node_id_: node.to_summary() for node_id_, node in self.nodes.items()},
        }

    def to_status(self) -> dict[str, Any]:
        """Argo's ``workflow.status``."""
        out: dict[str, Any] = {"phase": str(self.phase), **timestamps(self.started_at, self.finished_at),
                               "nodes": {node_id_: node.to_status() for node_id_, node in self.nodes.items()}}
        if self.message:
            out["message"] = self.message
        return out


class WorkflowRun:
    def __init__(self, workflow: Any, options: RunOptions | None = None) -> None:
        self.options = options or RunOptions()
        self.workflow: PreparedWorkflow = prepare(
            workflow, self.options.parameters, namespace=self.options.namespace, name=self.options.name,
            uid=self.options.uid, templates=self.options.templates,
        )
        self.name = self.workflow.name
        self.nodes: dict[str, Node] = {}
        self.phase = Phase.PENDING
        self.message = ""
        self.started_at: datetime | None = None
        self.finished_at: datetime | None = None
        self.redactor = Redactor()
        self.event_errors: list[str] = []
        self._owned_transport = self.options.transport is None
        self._transport: Transport = self.options.transport or NetworkTransport(self.options.policy)
        self._settings = HttpSettings(self._transport, self.options.policy, self.options.secrets, self.redactor,
                                      self.options.max_body, self.options.default_timeout)
        parallelism = _positive(self.workflow.spec.get("parallelism"))
        self._slots = asyncio.Semaphore(parallelism) if parallelism else None
        self._stop: Deadline | None = None
        self._targets: dict[tuple[Any, TemplateScope], tuple[dict[str, Any], Any]] = {}
        self._stopped = False
        self._terminate = False
        self._globals = self._global_values()
        self._kept = KeptNodes(self.options.keep)
        # Suspend nodes waiting now, and whether new nodes may start (spec.suspend pauses that, as in Argo).
        self._suspended: dict[str, tuple[Node, asyncio.Event, dict[str, str]]] = {}
        self._running_allowed = asyncio.Event()
        if self.workflow.spec.get("suspend") is not True:
            self._running_allowed.set()
        # Which per-node facts (steps.X.status, .id, .startedAt, .finishedAt) the workflow reads at all:
        # a reference must name them, so the others need not be formatted for every node.
        text = json.dumps(self.workflow.spec)
        self.facts = frozenset(f for f in NODE_FACTS if f".{f}" in text or f"'{f}'" in text or f'\\"{f}\\"' in text)

    # ------------------------------------------------------------------ public

    def stop(self, *, terminate: bool = False) -> None:
        """Stop the run: running nodes end Failed; exit handlers still run unless ``terminate``."""
        if self._stopped and (self._terminate or not terminate):
            return
        self._stopped = True
        self._terminate = self._terminate or terminate
        if self._stop is not None:
            self._stop.fire(f"Stopped with strategy '{'Terminate' if terminate else 'Stop'}'")

    @property
    def suspended(self) -> bool:
        return not self._running_allowed.is_set() or bool(self._suspended)

    def suspend(self) -> None:
        """Argo's workflow suspend: nodes already running go on, no new ones start until resumed."""
        self._running_allowed.clear()

    def resume(self, accept: Callable[[Mapping[str, Any]], bool] | None = None,
               supplied: Mapping[str, str] | None = None) -> int:
        """Let new nodes start again and end the waiting suspend nodes ``accept`` picks (all by default).

        ``supplied`` gives values for their output parameters declared ``valueFrom.supplied``.
        Returns how many suspend nodes were resumed.
        """
        self._running_allowed.set()
        resumed = 0
        for node, gate, values in list(self._suspended.values()):
            if accept is None or accept(node.to_status()):
                values.update(supplied or {})
                gate.set()
                resumed += 1
        return resumed

    async def execute(self) -> RunResult:
        self.phase = Phase.RUNNING
        self.started_at = datetime.now(UTC)
        self._emit_workflow()
        deadline = _positive(self.workflow.spec.get("activeDeadlineSeconds"))
        entry = Invocation({"template": self.workflow.entrypoint, "arguments": {"parameters": [
            {"name": k, "value": v} for k, v in self.workflow.parameters.items()]}},
            self.name, self.name, Scope(dict(self._globals)), None, None)
        root: Node | None = None
        try:
            self._stop = Deadline(deadline, "Workflow exceeded its deadline")
            try:
                async with self._stop:
                    if self._stopped:  # stop() came before the run started
                        self._stop.fire(f"Stopped with strategy '{'Terminate' if self._terminate else 'Stop'}'")
                    root = await self.invoke(entry)
            except DeadlineExceeded as exc:
                self.message = exc.message
            root = root or self.nodes.get(self.name)
            phase = root.phase if root is not None and root.phase.fulfilled else Phase.FAILED
            if phase is Phase.SKIPPED:
                phase = Phase.SUCCEEDED
            message = self.message or (root.message if root is not None and phase is not Phase.SUCCEEDED else "")
            exit_holder = self.workflow.exit_template
            if exit_holder is not None and not self._terminate:
                phase, message = await self._run_exit_handler(exit_holder, phase, message)
            self.phase, self.message = phase, message
        finally:
            self.finished_at = datetime.now(UTC)
            if self.phase is Phase.RUNNING:
                self.phase = Phase.FAILED
                self.message = self.message or "Stopped"
            if self._owned_transport:
                await self._transport.close()
            self._emit_workflow()
        return self.result()

    def result(self) -> RunResult:
        return RunResult(self.name, self.workflow.namespace, self.workflow.uid, self.phase, self.message,
                         self.started_at, self.finished_at, self.nodes, self._stopped)

    # ------------------------------------------------------------------ nodes and events

    def new_node(self, name: str, display: str, type_: NodeType, template_name: str | None, *,
                 parent: Node | None, boundary: Boundary | None, predecessors: list[Node] | None = None,
                 inputs: dict[str, str] | None = None) -> Node:
        node = Node(node_id(self.name, name), name, display, type_, template_name,
                    inputs=inputs or {}, boundary_id=boundary.node.id if boundary is not None else None,
                    parent_id=parent.id if parent is not None else None)
        if node.id in self.nodes:
            # The same name twice (a loop over equal items): keep both, as Argo's names would collide.
            node.id = f"{node.id}-{len(self.nodes)}"
        self.nodes[node.id] = node
        for before in predecessors or ():
            before.children.append(node.id)
        node.start()
        if self.options.on_event is not None:
            self.emit(node)
        return node

    def finish(self, node: Node, phase: Phase, message: str = "") -> Node:
        if self.redactor:
            message = self.redactor.scrub(message)
            if node.result is not None:
                node.result = self.redactor.scrub(node.result)
        node.finish(phase, message)
        if self.options.on_event is not None:
            self.emit(node)
        return node

    def _take_over(self, inv: Invocation, taken: list[Node]) -> Node:
        """Put what an earlier run finished for this call (its node first, then those under it) in this run."""
        node = taken[0]
        inside = {n.id for n in taken}
        # Edges to what comes after the call are drawn again as those nodes are made.
        node.children = [c for c in node.children if c in inside]
        node.parent_id = inv.parent.id if inv.parent is not None else None
        for n in taken:
            self.nodes.setdefault(n.id, n)
        for before in inv.predecessors:
            if node.id not in before.children:
                before.children.append(node.id)
        if self.options.on_event is not None:
            for n in taken:
                self.emit(n)
        return node

    def skipped(self, inv: Invocation, phase: Phase, message: str, template_name: str | None = None) -> Node:
        template_name = template_name or as_str(inv.holder.get("template"))
        node = self.new_node(inv.name, inv.display, NodeType.SKIPPED, template_name, parent=inv.parent,
                             boundary=inv.boundary, predecessors=inv.predecessors)
        return self.finish(node, phase, message)

    def emit(self, node: Node | None = None) -> None:
        callback = self.options.on_event
        if callback is None:
            return
        event = RunEvent("node" if node is not None else "workflow", self._workflow_summary(),
                         node.to_status() if node is not None else None, node.id if node is not None else None)
        try:
            callback(event)
        except Exception as exc:  # a broken listener must not break the run
            self.event_errors.append(f"{type(exc).__name__}: {exc}")

    def _emit_workflow(self) -> None:
        self.emit(None)

    def _workflow_summary(self) -> dict[str, Any]:
        return {"name": self.name, "namespace": self.workflow.namespace, "uid": self.workflow.uid,
                "phase": str(self.phase), "message": self.message, "startedAt": rfc3339(self.started_at),
                "finishedAt": rfc3339(self.finished_at)}

    # ------------------------------------------------------------------ scope

    def _global_values(self) -> dict[str, str]:
        wf = self.workflow
        values = {
            "workflow.name": wf.name,
            "workflow.namespace": wf.namespace,
            "workflow.uid": wf.uid,
            "workflow.mainEntrypoint": wf.entrypoint,
            "workflow.creationTimestamp": rfc3339(datetime.now(UTC)) or "",
            "workflow.parameters.json": json.dumps(
                [{"name": k, "value": v} for k, v in wf.parameters.items()], separators=(",", ":")),
            "workflow.labels.json": json.dumps(wf.labels, separators=(",", ":")),
            "workflow.annotations.json": json.dumps(wf.annotations, separators=(",", ":")),
        }
        service_account = as_str(wf.spec.get("serviceAccountName"))
        if service_account:
            values["workflow.serviceAccountName"] = service_account
        if wf.spec.get("priority") is not None:
            values["workflow.priority"] = format_value(wf.spec["priority"])
        values.update({f"workflow.parameters.{k}": v for k, v in wf.parameters.items()})
        values.update({f"workflow.labels.{k}": v for k, v in wf.labels.items()})
        values.update({f"workflow.annotations.{k}": v for k, v in wf.annotations.items()})
        return values

    def global_scope(self) -> Scope:
        return Scope(dict(self._globals))

    # ------------------------------------------------------------------ calls

    async def invoke(self, inv: Invocation) -> Node:
        """Run what ``inv.holder`` calls and return its node (Skipped when ``when`` is false)."""
        if self._kept:
            taken = self._kept.take(inv.name)
            if taken is not None:
                return self._take_over(inv, taken)
        holder = inv.holder
        when = holder.get("when")
        if isinstance(when, str) and when.strip():
            try:
                rendered = inv.scope.render(when)
                if not evaluate_when(rendered):
                    return self.skipped(inv, Phase.SKIPPED, f"when '{rendered}' evaluated false")
            except (RenderError, WhenError) as exc:
                return self.skipped(inv, Phase.ERROR, str(exc))
        try:
            holder = _rendered_target(holder, inv.scope)
        except RenderError as exc:
            return self.skipped(inv, Phase.ERROR, str(exc))
        target = self._target(holder, inv.template_scope)
        if isinstance(target, str):
            return self.skipped(inv, Phase.ERROR, f"cannot run {inv.display}: {target}")
        template, template_name, kind, callee_scope = target
        if not self._running_allowed.is_set():
            await self._running_allowed.wait()
        if kind not in RUNNABLE_TYPES:
            return self.skipped(inv, Phase.ERROR, f"template '{template_name}' is a {kind or 'typeless'} template, "
                                "which argo-warden run cannot execute", template_name)
        try:
            inputs = self._inputs(template, holder, inv.scope)
        except RenderError as exc:
            return self.skipped(inv, Phase.ERROR, str(exc), template_name)
        scope = Scope({**self._globals, **_input_values(inputs)})
        try:
            strategy = RetryStrategy.parse(template.get("retryStrategy"), scope)
        except RetryError as exc:
            return self.skipped(inv, Phase.ERROR, str(exc), template_name)
        semaphore = inv.boundary.semaphore if inv.boundary is not None else None
        if semaphore is not None:
            await semaphore.acquire()
        if inv.boundary is not None and inv.boundary.tripped:
            if semaphore is not None:
                semaphore.release()
            return self.skipped(inv, Phase.OMITTED, "not started: failFast stopped this template", template_name)
        try:
            if strategy is None:
                node = await self.execute_template(inv, inv.name, inv.display, template, template_name, kind, scope,
                                                   callee_scope, inputs, inv.parent, inv.predecessors)
            else:
                node = await self._with_retries(inv, template, template_name, kind, scope, callee_scope, inputs,
                                                strategy)
        finally:
            if semaphore is not None:
                semaphore.release()
        if inv.boundary is not None and inv.boundary.fail_fast and node.phase.failed_or_error:
            inv.boundary.tripped = True
        await self._exit_hook(inv, node)
        return node

    def _target(self, holder: dict[str, Any], template_scope: TemplateScope
                ) -> tuple[dict[str, Any], str | None, str | None, TemplateScope] | str:
        """The template ``holder`` calls (with templateDefaults), its name, type and scope; or why there is none.

        Remembered per template name (and per holder for templateRef and inline): tasks and loop iterations
        that call the same template resolve once.
        """
        name = holder.get("template")
        by_name = isinstance(name, str) and "templateRef" not in holder and "inline" not in holder
        key: tuple[Any, TemplateScope] = (name if by_name else id(holder), template_scope)
        known = self._targets.get(key)
        if known is not None and (by_name or known[0] is holder):
            remembered: tuple[dict[str, Any], str | None, str | None, TemplateScope] | str = known[1]
            return remembered
        call, callee_scope = self.workflow.templates.resolve(holder, template_scope)
        target: tuple[dict[str, Any], str | None, str | None, TemplateScope] | str
        if call.state is not CallState.RESOLVED or call.template is None:
            target = call.reason or f"template '{call.target}' does not exist"
        else:
            template = _with_defaults(call.template, self.workflow.spec)
            target = (template, as_str(template.get("name")) or call.target, template_type(template), callee_scope)
        # Holders rendered for one call (a templated name) are new objects each time: keeping the holder in
        # the entry stops a recycled id() from answering for another.
        self._targets[key] = (holder, target)
        return target

    def _inputs(self, template: dict[str, Any], holder: dict[str, Any], scope: Scope) -> dict[str, str]:
        if "inputs" not in template and "arguments" not in holder:
            return {}
        given: dict[str, Any] = {}
        for p in as_list(as_dict(holder.get("arguments")).get("parameters")):
            if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                continue
            if p.get("value") is None and p.get("valueFrom") is not None:
                raise RenderError(f"argument '{p['name']}': valueFrom is not supported by argo-warden run; "
                                  "pass a value")
            given[p["name"]] = p.get("value")
        out: dict[str, str] = {}
        params = as_list(as_dict(template.get("inputs")).get("parameters"))
        global_scope = self.global_scope() if params else Scope()
        for p in params:
            if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                continue
            pname = p["name"]
            if given.get(pname) is not None:
                value = _text_of(scope.render_value(given[pname]))
            elif p.get("value") is not None:
                value = _text_of(global_scope.render_value(p["value"]))
            elif p.get("default") is not None:
                value = _text_of(global_scope.render_value(p["default"]))
            else:
                raise RenderError(f"inputs.parameters.{pname} was not supplied")
            enum = [_text_of(e) for e in as_list(p.get("enum"))]
            if enum and value not in enum:
                raise RenderError(f"inputs.parameters.{pname}: {value!r} is not one of {', '.join(enum)}")
            out[pname] = value
        return out

    async def execute_template(self, inv: Invocation, name: str, display: str, template: dict[str, Any],
                               template_name: str | None, kind: str, scope: Scope, callee_scope: TemplateScope,
                               inputs: dict[str, str], parent: Node | None, predecessors: list[Node]) -> Node:
        node_type = _CONTAINER_TYPES.get(kind) or (NodeType.PLUGIN if "plugin" in template else NodeType.HTTP)
        node = self.new_node(name, display, node_type, template_name, parent=parent, boundary=inv.boundary,
                             predecessors=predecessors, inputs=inputs)
        try:
            limit = _template_deadline(template, scope)
        except (DurationError, RenderError) as exc:
            return self.finish(node, Phase.ERROR, str(exc))
        # Awaited directly, not through a helper: every coroutine frame between a step and its socket is
        # passed through each time the request suspends and resumes.
        try:
            if limit is None:
                if kind == "http":
                    await self._run_leaf(node, template, scope)
                elif kind == "suspend":
                    await self._run_suspend(node, template, scope)
                else:
                    await self._run_container(node, template, kind, scope, callee_scope)
            else:
                async with Deadline(limit, DEADLINE_MESSAGE):
                    if kind == "http":
                        await self._run_leaf(node, template, scope)
                    elif kind == "suspend":
                        await self._run_suspend(node, template, scope)
                    else:
                        await self._run_container(node, template, kind, scope, callee_scope)
        except DeadlineExceeded as exc:
            if not node.phase.fulfilled:
                self.finish(node, Phase.FAILED, exc.message)
        except asyncio.CancelledError:
            if not node.phase.fulfilled:
                self.finish(node, Phase.FAILED, cancel_reason())
            raise
        return node

    async def _run_leaf(self, node: Node, template: dict[str, Any], scope: Scope) -> None:
        fields = template.get("http")
        if not isinstance(fields, dict):
            fields = as_dict(as_dict(template.get("plugin")).get(PLUGIN_NAME))
        if self._slots is not None:
            async with self._slots:
                outcome = await run_http(fields, scope, self.workflow.namespace, self._settings)
        else:
            outcome = await run_http(fields, scope, self.workflow.namespace, self._settings)
        node.result = outcome.result
        node.transient = outcome.transient
        self.finish(node, outcome.phase, outcome.message)

    async def _run_suspend(self, node: Node, template: dict[str, Any], scope: Scope) -> None:
        """Wait for the duration, or until resumed (the REST API's resume; Ctrl-C stops ``argo-warden run``)."""
        duration = as_dict(template.get("suspend")).get("duration")
        seconds: float | None = None
        if duration not in (None, ""):
            try:
                seconds = parse_duration(scope.render(str(duration)), "suspend duration")
            except (DurationError, RenderError) as exc:
                self.finish(node, Phase.ERROR, str(exc))
                return
        gate = asyncio.Event()
        supplied: dict[str, str] = {}
        self._suspended[node.id] = (node, gate, supplied)
        try:
            if seconds is None:
                await gate.wait()
            else:
                try:
                    async with asyncio.timeout(seconds):
                        await gate.wait()
                except TimeoutError:
                    pass
        finally:
            self._suspended.pop(node.id, None)
        try:
            node.parameters = _suspend_outputs(template, scope, supplied)
        except RenderError as exc:
            self.finish(node, Phase.ERROR, f"outputs: {exc}")
            return
        self.finish(node, Phase.SUCCEEDED)

    async def _run_container(self, node: Node, template: dict[str, Any], kind: str, scope: Scope,
                             callee_scope: TemplateScope) -> None:
        parallelism = _positive(template.get("parallelism"))
        boundary = Boundary(node, asyncio.Semaphore(parallelism) if parallelism else None,
                            fail_fast=template.get("failFast") is True)
        runner = run_steps if kind == "steps" else run_dag
        phase, message, final_scope = await runner(self, node, template, scope, boundary, callee_scope)
        if boundary.tripped:
            phase, message = Phase.FAILED, "template has failed or errored children and failFast enabled"
        if phase is Phase.SUCCEEDED:
            try:
                node.parameters = _output_parameters(template, final_scope)
            except (RenderError, ExpressionError) as exc:
                phase, message = Phase.ERROR, f"outputs: {exc}"
        self.finish(node, phase, message)

    async def _with_retries(self, inv: Invocation, template: dict[str, Any], template_name: str | None, kind: str,
                            scope: Scope, callee_scope: TemplateScope, inputs: dict[str, str],
                            strategy: RetryStrategy) -> Node:
        retry = self.new_node(inv.name, inv.display, NodeType.RETRY, template_name, parent=inv.parent,
                              boundary=inv.boundary, predecessors=inv.predecessors, inputs=inputs)
        first_start = time.monotonic()
        attempt = 0
        try:
            while True:
                attempt_scope = scope.derive({"retries": str(attempt)})
                child = await self.execute_template(inv, f"{inv.name}({attempt})", f"{inv.display}({attempt})",
                                                    template, template_name, kind, attempt_scope, callee_scope,
                                                    inputs, retry, [retry])
                if child.phase is Phase.SUCCEEDED:
                    retry.result, retry.parameters = child.result, child.parameters
                    return self.finish(retry, Phase.SUCCEEDED)
                verdict = self._retry_verdict(strategy, child, attempt, first_start)
                if verdict is not None:
                    retry.result = child.result
                    return self.finish(retry, child.phase, verdict)
                wait = strategy.wait_before(attempt + 1)
                if wait > 0:
                    retry.message = f"Backoff for {_humanize(wait)}"
                    self.emit(retry)
                    await asyncio.sleep(wait)
                    retry.message = ""
                attempt += 1
        except asyncio.CancelledError:
            if not retry.phase.fulfilled:
                self.finish(retry, Phase.FAILED, cancel_reason())
            raise

    def _retry_verdict(self, strategy: RetryStrategy, child: Node, attempt: int, first_start: float) -> str | None:
        """Why no further attempt is made, or None to retry."""
        if not strategy.retries(child.phase, child.transient):
            return child.message
        if strategy.limit is not None and attempt + 1 > strategy.limit:
            return "No more retries left"
        if strategy.max_duration is not None:
            elapsed = time.monotonic() - first_start
            if elapsed > strategy.max_duration:
                return "Max duration limit exceeded"
            if elapsed + strategy.wait_before(attempt + 1) > strategy.max_duration:
                return "Backoff would exceed max duration limit"
        if strategy.expression is not None:
            last = {"status": str(child.phase), "message": child.message, "exitCode": "-1",
                    "duration": f"{child.duration or 0:.0f}"}
            try:
                if not evaluate_bool(strategy.expression, {"lastRetry": last}):
                    return child.message
            except ExpressionError as exc:
                return f"retryStrategy.expression: {exc}"
        return None

    async def _exit_hook(self, inv: Invocation, node: Node) -> None:
        holder = inv.holder
        hook: dict[str, Any] | None = None
        if isinstance(holder.get("onExit"), str) and holder["onExit"]:
            hook = {"template": holder["onExit"]}
        elif isinstance(as_dict(holder.get("hooks")).get("exit"), dict):
            hook = holder["hooks"]["exit"]
        if hook is None or not node.phase.completed:
            return
        values = publish(inv.reference[0], inv.reference[1], node, self.facts) if inv.reference else {}
        hook_inv = Invocation(hook, f"{node.name}.onExit", f"{node.display_name}.onExit", inv.scope.derive(values),
                              inv.parent, inv.boundary, inv.template_scope, [node])
        await self.invoke(hook_inv)

    async def _run_exit_handler(self, holder: dict[str, Any], phase: Phase, message: str) -> tuple[Phase, str]:
        failures = [
            {"displayName": n.display_name, "message": n.message, "templateName": n.template_name or "",
             "phase": str(n.phase), "podName": n.id, "finishedAt": rfc3339(n.finished_at)}
            for n in self.nodes.values() if n.phase.failed_or_error and n.type in (NodeType.HTTP, NodeType.PLUGIN)
        ]
        duration = (datetime.now(UTC) - self.started_at).total_seconds() if self.started_at else 0.0
        self._globals.update({
            "workflow.status": str(phase),
            "workflow.failures": json.dumps(failures, separators=(",", ":")),
            "workflow.duration": f"{duration:.6f}",
        })
        self._stop = Deadline(None, "")
        inv = Invocation(holder, f"{self.name}.onExit", f"{self.name}.onExit", self.global_scope(), None, None)
        try:
            async with self._stop:
                node = await self.invoke(inv)
        except DeadlineExceeded as exc:
            return Phase.FAILED, message or exc.message
        if node.phase.failed_or_error and phase is Phase.SUCCEEDED:
            return Phase.FAILED, f"exit handler failed: {node.message or node.phase}"
        return phase, message


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _text_of(value: Any) -> str:
    return format_value(value)


def _input_values(inputs: dict[str, str]) -> dict[str, str]:
    if not inputs:
        return {}
    values = {f"inputs.parameters.{k}": v for k, v in inputs.items()}
    values["inputs.parameters"] = json.dumps([{"name": k, "value": v} for k, v in inputs.items()],
                                             separators=(",", ":"))
    return values


def _rendered_target(holder: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The holder with a templated ``template`` / ``templateRef`` name substituted."""
    name = holder.get("template")
    ref = holder.get("templateRef")
    if isinstance(name, str) and "{{" in name:
        return {**holder, "template": scope.render(name)}
    if isinstance(ref, dict) and any(isinstance(v, str) and "{{" in v for v in ref.values()):
        return {**holder, "templateRef": scope.render_value(ref)}
    return holder


def _with_defaults(template: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """``spec.templateDefaults`` under the template's own fields (top-level keys, as most defaults are)."""
    defaults = as_dict(spec.get("templateDefaults"))
    if not defaults:
        return template
    return {**defaults, **template}


def _template_deadline(template: dict[str, Any], scope: Scope) -> float | None:
    limits: list[float] = []
    timeout = template.get("timeout")
    if timeout is not None and timeout != "":
        limits.append(parse_duration(scope.render(timeout) if isinstance(timeout, str) else timeout, "timeout"))
    active = template.get("activeDeadlineSeconds")
    if active is not None:
        limits.append(parse_duration(scope.render(active) if isinstance(active, str) else active,
                                     "activeDeadlineSeconds"))
    return min(limits) if limits else None


def _suspend_outputs(template: dict[str, Any], scope: Scope, supplied: Mapping[str, str]) -> dict[str, str]:
    """A suspend template's output parameters: the value supplied on resume, else the declared default."""
    out: dict[str, str] = {}
    for param in as_list(as_dict(template.get("outputs")).get("parameters")):
        param = as_dict(param)
        name = as_str(param.get("name"))
        if not name:
            continue
        source = as_dict(param.get("valueFrom"))
        if name in supplied:
            out[name] = supplied[name]
        elif "default" in source or "value" in param:
            out[name] = scope.render(_text_of(source["default"] if "default" in source else param["value"]))
        else:
            raise RenderError(f"parameter '{name}' was not supplied when the node was resumed and has no default")
    return out


def _output_parameters(template: dict[str, Any], scope: Scope) -> dict[str, str]:

    out: dict[str, str] = {}
    for p in as_list(as_dict(template.get("outputs")).get("parameters")):
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            continue
        value_from = as_dict(p.get("valueFrom"))
        if p.get("value") is not None:
            out[p["name"]] = _text_of(scope.render_value(p["value"]))
        elif isinstance(value_from.get("parameter"), str):
            try:
                out[p["name"]] = scope.render(value_from["parameter"])
            except RenderError:
                if value_from.get("default") is None:
                    raise
                out[p["name"]] = _text_of(value_from["default"])
        elif isinstance(value_from.get("expression"), str):
            out[p["name"]] = format_value(evaluate_tag(value_from["expression"], scope))
        elif value_from.get("default") is not None:
            out[p["name"]] = _text_of(value_from["default"])
    return out


def _humanize(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} milliseconds"
    if seconds < 120:
        whole = round(seconds)
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"
