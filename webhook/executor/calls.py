"""What a steps or DAG template asks of the run it belongs to, and what its calls publish.

``engine.WorkflowRun`` runs templates; ``steps`` and ``dag`` run the calls of
a container template and hand each call back to the run. They see the run
through ``Runner`` and build ``Invocation``s inside a ``Boundary``, all defined
here, so the engine can import them and they need nothing of the engine.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from webhook.executor.nodes import Node, NodeType, Phase, rfc3339
from webhook.executor.scope import Scope
from webhook.executor.templates import ROOT_SCOPE, TemplateScope


@dataclass(slots=True)
class Boundary:
    """One steps/DAG template invocation: its parallelism and template-level failFast."""

    node: Node
    semaphore: asyncio.Semaphore | None = None
    fail_fast: bool = False
    tripped: bool = False


@dataclass(slots=True)
class Invocation:
    """A step, task or hook about to call a template."""

    holder: dict[str, Any]
    name: str
    display: str
    scope: Scope
    parent: Node | None
    boundary: Boundary | None
    template_scope: TemplateScope = ROOT_SCOPE
    # Nodes that get this call's node as a child (Argo's graph edges).
    predecessors: list[Node] = field(default_factory=list)
    # ("steps" | "tasks", name): where the call's outputs are published, for its exit hook.
    reference: tuple[str, str] | None = None


class Runner(Protocol):
    """The run, as a container template's calls use it."""

    @property
    def facts(self) -> frozenset[str]:
        """Which of a node's status, id, startedAt and finishedAt the workflow reads (see ``publish``)."""
        ...

    def new_node(self, name: str, display: str, type_: NodeType, template_name: str | None, *,
                 parent: Node | None, boundary: Boundary | None, predecessors: list[Node] | None = None,
                 inputs: dict[str, str] | None = None) -> Node:
        """A started node of the run (a loop's group, a steps template's group)."""
        ...

    def finish(self, node: Node, phase: Phase, message: str = "") -> Node: ...

    def skipped(self, inv: Invocation, phase: Phase, message: str, template_name: str | None = None) -> Node:
        """The call's node, finished without running (``when`` false, a loop over nothing, an error)."""
        ...

    async def invoke(self, inv: Invocation) -> Node:
        """Run what ``inv.holder`` calls and return its node."""
        ...


# ------------------------------------------------------------------ what a finished call publishes

NODE_FACTS = ("status", "id", "startedAt", "finishedAt")


def _facts(base: str, node: Node, facts: frozenset[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    if "status" in facts:
        values[f"{base}.status"] = str(node.phase)
    if "id" in facts:
        values[f"{base}.id"] = node.id
    if "startedAt" in facts:
        values[f"{base}.startedAt"] = rfc3339(node.started_at) or ""
    if "finishedAt" in facts:
        values[f"{base}.finishedAt"] = rfc3339(node.finished_at) or ""
    return values


def publish(prefix: str, name: str, node: Node, facts: frozenset[str] = frozenset(NODE_FACTS)) -> dict[str, str]:
    """What later steps or tasks may read of a finished call: ``steps.X.outputs.result`` and friends.

    ``facts``: which of status, id, startedAt, finishedAt to give (those the workflow mentions at all).
    """
    base = f"{prefix}.{name}"
    values = _facts(base, node, facts)
    if node.result is not None:
        values[f"{base}.outputs.result"] = node.result
    for key, value in node.parameters.items():
        values[f"{base}.outputs.parameters.{key}"] = value
    return values


def publish_aggregate(prefix: str, name: str, group: Node, iterations: list[Node],
                      facts: frozenset[str] = frozenset(NODE_FACTS)) -> dict[str, str]:
    """A loop's outputs as Argo aggregates them: JSON lists of each iteration's result and parameters."""
    base = f"{prefix}.{name}"
    values = _facts(base, group, facts)
    ran = [n for n in iterations if n.type is not NodeType.SKIPPED]
    results = [_json_or_text(n.result) for n in ran if n.result is not None]
    values[f"{base}.outputs.result"] = json.dumps(results, separators=(",", ":"), ensure_ascii=False)
    names = sorted({k for n in ran for k in n.parameters})
    if names:
        values[f"{base}.outputs.parameters"] = json.dumps([n.parameters for n in ran if n.parameters],
                                                          separators=(",", ":"), ensure_ascii=False)
        for key in names:
            values[f"{base}.outputs.parameters.{key}"] = json.dumps(
                [n.parameters[key] for n in ran if key in n.parameters], separators=(",", ":"), ensure_ascii=False)
    return values


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
