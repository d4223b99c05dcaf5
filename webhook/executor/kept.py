"""Nodes an earlier run of the workflow finished, taken over by this run instead of being run again (retry).

They come as Argo NodeStatus objects by node name; a call whose node name is
among them gets that node (and every node under it) as it was: its outputs
are published as if it had just run, and nothing is sent.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from webhook.executor.nodes import Node, NodeType, Phase

KEEPABLE = (Phase.SUCCEEDED, Phase.SKIPPED, Phase.OMITTED)
# A node's name continues its caller's with one of these (wf[0].step, wf.task(1:x), wf[0]).
_SEPARATORS = ".[("


class KeptNodes:
    def __init__(self, by_name: Mapping[str, Mapping[str, Any]]) -> None:
        self._nodes: dict[str, Node] = {}
        for name, status in by_name.items():
            node = node_from_status(status)
            if node is not None and node.name == name and node.phase in KEEPABLE:
                self._nodes[name] = node
        self._names = sorted(self._nodes)

    def __bool__(self) -> bool:
        return bool(self._nodes)

    def take(self, name: str) -> list[Node] | None:
        """The node called ``name`` and the nodes under it (the node first), or None when it was not kept."""
        node = self._nodes.get(name)
        if node is None:
            return None
        taken = [node]
        for separator in _SEPARATORS:
            prefix = name + separator
            i = bisect.bisect_left(self._names, prefix)
            while i < len(self._names) and self._names[i].startswith(prefix):
                taken.append(self._nodes[self._names[i]])
                i += 1
        return taken


def node_from_status(status: Mapping[str, Any]) -> Node | None:
    """A Node from its NodeStatus JSON (what ``Node.to_status`` wrote), or None when it is not one."""
    try:
        node = Node(str(status["id"]), str(status["name"]), str(status.get("displayName") or status["name"]),
                    NodeType(status["type"]), _str(status.get("templateName")), phase=Phase(status["phase"]),
                    message=_str(status.get("message")) or "")
    except (KeyError, ValueError, TypeError):
        return None
    node.started_at = _time(status.get("startedAt"))
    node.finished_at = _time(status.get("finishedAt"))
    node.boundary_id = _str(status.get("boundaryID"))
    inputs = status.get("inputs")
    node.inputs = _parameters(inputs.get("parameters") if isinstance(inputs, dict) else None)
    outputs = status.get("outputs")
    if isinstance(outputs, dict):
        node.result = _str(outputs.get("result"))
        node.parameters = _parameters(outputs.get("parameters"))
    children = status.get("children")
    node.children = [c for c in children if isinstance(c, str)] if isinstance(children, list) else []
    return node


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _parameters(value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    return {p["name"]: str(p.get("value", "")) for p in value if isinstance(p, dict) and isinstance(p.get("name"), str)}
