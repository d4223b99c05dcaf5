"""Nodes of a run, named and shaped like Argo's ``status.nodes``, and the events a run emits.

Node names follow the controller's: ``wf`` for the root, ``wf.task`` inside a
DAG, ``wf[0].step`` inside steps, ``name(0:item)`` for a loop iteration and
``name(1)`` for a retry attempt. IDs are ``<workflow>-<fnv32a(name)>`` as
upstream derives them, the root's ID is the workflow name.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class Phase(enum.StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"
    SKIPPED = "Skipped"
    OMITTED = "Omitted"

    # Identity tests: these are asked for every node, several times.
    @property
    def fulfilled(self) -> bool:
        return self is not Phase.PENDING and self is not Phase.RUNNING

    @property
    def completed(self) -> bool:
        """Ran to an end (Skipped and Omitted are fulfilled but never ran)."""
        return self is Phase.SUCCEEDED or self is Phase.FAILED or self is Phase.ERROR

    @property
    def failed_or_error(self) -> bool:
        return self is Phase.FAILED or self is Phase.ERROR


class NodeType(enum.StrEnum):
    STEPS = "Steps"
    STEP_GROUP = "StepGroup"
    DAG = "DAG"
    TASK_GROUP = "TaskGroup"
    RETRY = "Retry"
    HTTP = "HTTP"
    PLUGIN = "Plugin"
    SUSPEND = "Suspend"
    SKIPPED = "Skipped"


_FNV_OFFSET = 0x811C9DC5
# Hash states of recent node names: a node's name extends its parent's, so most of it was hashed already.
_FNV_STATES: dict[str, int] = {}
_FNV_KEPT = 8192
# Separators where a node name extends another: a step or task (.), a group ([i]), a loop item ((i:item)).
_FNV_PREFIX_TRIES = 3


def _fnv1a(name: str) -> int:
    known = _FNV_STATES.get(name)
    if known is not None:
        return known
    # Start from the longest prefix already hashed (a few tries: an item may hold many separators).
    h = _FNV_OFFSET
    start = 0
    end = len(name)
    for _ in range(_FNV_PREFIX_TRIES):
        cut = max(name.rfind(".", 0, end), name.rfind("(", 0, end), name.rfind("[", 0, end))
        if cut <= 0:
            break
        prefix_state = _FNV_STATES.get(name[:cut])
        if prefix_state is not None:
            h, start = prefix_state, cut
            break
        end = cut
    for byte in name[start:].encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    if len(_FNV_STATES) >= _FNV_KEPT:
        _FNV_STATES.clear()
    _FNV_STATES[name] = h
    return h


def node_id(workflow_name: str, node_name: str) -> str:
    """Upstream's ID: the workflow name and the 32-bit FNV-1a hash of the node name."""
    if node_name == workflow_name:
        # Its hash is the start of every other node's: keep it.
        _fnv1a(node_name)
        return workflow_name
    return f"{workflow_name}-{_fnv1a(node_name)}"


def rfc3339(moment: datetime | None) -> str | None:
    """Argo's timestamps: UTC, whole seconds (formatted by hand: strftime costs more than the rest of a node)."""
    if moment is None:
        return None
    m = moment
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


@dataclass(slots=True)
class Node:
    id: str
    name: str
    display_name: str
    type: NodeType
    template_name: str | None
    phase: Phase = Phase.PENDING
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: str | None = None
    # Output parameters of a steps or DAG template (HTTP templates only have a result).
    parameters: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)
    boundary_id: str | None = None
    # The node this one is drawn under in a tree (the template invocation that created it).
    parent_id: str | None = None
    # The attempt failed for a reason worth retrying under retryPolicy OnTransientError.
    transient: bool = False
    # Monotonic clock readings, for durations that do not jump with the wall clock.
    started: float | None = None
    finished: float | None = None

    def start(self) -> None:
        self.phase = Phase.RUNNING
        self.started_at = datetime.now(UTC)
        self.started = time.monotonic()

    def finish(self, phase: Phase, message: str = "") -> None:
        self.phase = phase
        self.message = message
        now = datetime.now(UTC)
        if self.started_at is None:
            self.started_at = now
            self.started = time.monotonic()
        self.finished_at = now
        self.finished = time.monotonic()

    @property
    def duration(self) -> float | None:
        if self.started is None:
            return None
        return (self.finished if self.finished is not None else time.monotonic()) - self.started

    def to_status(self) -> dict[str, Any]:
        """Argo's NodeStatus JSON."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "type": str(self.type),
            "phase": str(self.phase),
            **timestamps(self.started_at, self.finished_at),
        }
        if self.template_name:
            out["templateName"] = self.template_name
        if self.boundary_id:
            out["boundaryID"] = self.boundary_id
        if self.message:
            out["message"] = self.message
        if self.inputs:
            out["inputs"] = {"parameters": [{"name": k, "value": v} for k, v in self.inputs.items()]}
        outputs = self._outputs()
        if outputs:
            out["outputs"] = outputs
        if self.children:
            out["children"] = list(self.children)
        return out

    def _outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        if self.result is not None:
            outputs["result"] = self.result
        if self.parameters:
            outputs["parameters"] = [{"name": k, "value": v} for k, v in self.parameters.items()]
        return outputs

    def to_summary(self) -> dict[str, Any]:
        """The node in ``argo-warden run -o json``."""
        return {
            "name": self.name,
            "displayName": self.display_name,
            "type": str(self.type),
            "templateName": self.template_name,
            "phase": str(self.phase),
            "message": self.message,
            "outputs": {"result": self.result, **({"parameters": dict(self.parameters)} if self.parameters else {})},
            "startedAt": rfc3339(self.started_at),
            "finishedAt": rfc3339(self.finished_at),
        }


def timestamps(started: datetime | None, finished: datetime | None) -> dict[str, str]:
    """``startedAt``/``finishedAt`` of a status, each left out until it happened.

    Argo writes a time not yet reached as null; the official Python SDK's models
    refuse that null (so reading a running workflow failed) and every client reads
    a missing field as not set.
    """
    out: dict[str, str] = {}
    if started is not None:
        out["startedAt"] = rfc3339(started) or ""
    if finished is not None:
        out["finishedAt"] = rfc3339(finished) or ""
    return out


@dataclass(frozen=True, slots=True)
class RunEvent:
    """Something changed: a node (``node`` is its NodeStatus at that moment) or the workflow itself."""

    kind: str  # "node" | "workflow"
    workflow: dict[str, Any]
    node: dict[str, Any] | None = None
    node_id: str | None = None
