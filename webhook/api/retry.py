"""What retrying a workflow keeps, runs again and forgets, as Argo's retry decides it; and parameter overrides.

A retry runs again every node that Failed or Errored and, with
``restartSuccessful``, every node the ``nodeFieldSelector`` picks; the workflow's
exit handler always runs again. What contains such a node (its ancestors: the
steps, DAG and group nodes above it) is reset to Running; everything else keeps
its phase and outputs, so a step that succeeded is not sent again.

A node's ancestors are found by name: Argo names a node after its caller
(``wf[0].fetch``, ``wf.task(1:x)``, ``wf.task.onExit``), so the nodes under
``N`` are those whose names continue ``N`` with ``.``, ``[`` or ``(``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from webhook.api.errors import ApiError, Code

RETRYABLE = ("Failed", "Error")
_SEPARATORS = ".[("
_FAILED = ("Failed", "Error")
# Attempts of a retryStrategy are named after their Retry node: fetch(0), fetch(1), …
_RETRY_ATTEMPT = re.compile(r"\(\d+\)$")
_KEEPABLE = ("Succeeded", "Skipped", "Omitted")


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    value: str
    equal: bool


@dataclass(frozen=True, slots=True)
class NodeSelector:
    """Argo's ``nodeFieldSelector``: ``field=value`` or ``field!=value`` terms joined by commas (all must hold)."""

    conditions: tuple[Condition, ...]

    FIELDS = ("displayName", "id", "name", "templateName", "phase", "templateRef.name", "templateRef.template")

    @classmethod
    def parse(cls, text: str) -> NodeSelector:
        conditions = []
        for term in _split_unescaped(text, ","):
            if not term.strip():
                continue
            operator = "!=" if "!=" in term else "==" if "==" in term else "=" if "=" in term else None
            if operator is None:
                raise ApiError(Code.INVALID_ARGUMENT, f"nodeFieldSelector: {term.strip()!r} is not field=value or "
                                                      "field!=value")
            field_name, _, value = term.partition(operator)
            field_name = field_name.strip()
            if field_name not in cls.FIELDS and not _is_parameter_field(field_name):
                raise ApiError(Code.INVALID_ARGUMENT, f"nodeFieldSelector: unknown field {field_name!r}; fields are "
                                                      f"{', '.join(cls.FIELDS)}, inputs.parameters.<NAME>.value")
            conditions.append(Condition(field_name, _unescape(value.strip()), operator != "!="))
        if not conditions:
            raise ApiError(Code.INVALID_ARGUMENT, "nodeFieldSelector is empty")
        return cls(tuple(conditions))

    def matches(self, node: Mapping[str, Any]) -> bool:
        return all((_field_value(node, c.field) == c.value) is c.equal for c in self.conditions)


@dataclass(frozen=True, slots=True)
class RetryPlan:
    # Node ID -> NodeStatus, kept as it was.
    kept: dict[str, dict[str, Any]]
    # Node ID -> NodeStatus reset to Running (ancestors of what runs again).
    reset: dict[str, dict[str, Any]]

    def kept_by_name(self) -> dict[str, dict[str, Any]]:
        """The kept nodes by name: what the embedded executor adopts instead of running."""
        return {node["name"]: node for node in self.kept.values() if isinstance(node.get("name"), str)}

    def nodes(self) -> dict[str, dict[str, Any]]:
        """The status.nodes a retried workflow starts from: kept and reset nodes, edges to forgotten ones cut."""
        present = {**self.kept, **self.reset}
        out = {}
        for node_id, node in present.items():
            node = copy.deepcopy(node)
            if isinstance(node.get("children"), list):
                node["children"] = [c for c in node["children"] if c in present]
            out[node_id] = node
        return out


def plan_retry(workflow: Mapping[str, Any], *, restart_successful: bool = False,
               node_field_selector: str = "") -> RetryPlan:
    """What retrying ``workflow`` (its stored object) keeps and resets; ApiError when it cannot be retried."""
    name = str((workflow.get("metadata") or {}).get("name") or "")
    status = workflow.get("status")
    phase = status.get("phase") if isinstance(status, dict) else None
    selector = NodeSelector.parse(node_field_selector) if node_field_selector.strip() else None
    if phase == "Succeeded":
        if not (restart_successful and selector is not None):
            raise ApiError(Code.FAILED_PRECONDITION, f"workflow '{name}' Succeeded; to run some of it again, set "
                                                     "restartSuccessful and a nodeFieldSelector")
    elif phase not in RETRYABLE:
        raise ApiError(Code.FAILED_PRECONDITION, f"workflow '{name}' is {phase or 'not finished'}; only Failed or "
                                                 "Error workflows can be retried")
    found = status.get("nodes") if isinstance(status, dict) else None
    nodes = {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}
    again = _to_run_again(name, nodes, selector if restart_successful else None)
    # What runs again is forgotten with everything under it; what is above it is reset.
    above = {prefix for node_name in again for prefix in _ancestors(node_name)}
    kept: dict[str, dict[str, Any]] = {}
    reset: dict[str, dict[str, Any]] = {}
    for node_id, node in nodes.items():
        node_name = node.get("name")
        if not isinstance(node_name, str) or node_name in again or _owners(node_name, again):
            continue
        if node_name in above:
            reset[node_id] = _reset(node)
        elif node.get("phase") in _KEEPABLE:
            kept[node_id] = copy.deepcopy(node)
    return RetryPlan(kept, reset)


def _to_run_again(workflow_name: str, nodes: Mapping[str, Mapping[str, Any]],
                  selector: NodeSelector | None) -> set[str]:
    """Names of the nodes that run again, with everything under them.

    Of the nodes that did not succeed, the deepest ones (a failed steps node is
    failed because a step under it failed: it is reset, the step runs again); an
    attempt of a retryStrategy is run again through its Retry node (a fresh
    round of attempts); what the selector picks; the workflow's exit handler.
    """
    by_name = {n["name"]: n for n in nodes.values() if isinstance(n.get("name"), str)}
    unfinished = {name for name, n in by_name.items() if n.get("phase") in _FAILED or
                  n.get("phase") in ("Pending", "Running", None)}
    above_unfinished = {a for name in unfinished for a in _ancestors(name)[:-1]}
    again: set[str] = set()
    for name in unfinished - above_unfinished:
        owner = _RETRY_ATTEMPT.sub("", name)
        again.add(owner if owner != name and (by_name.get(owner) or {}).get("type") == "Retry" else name)
    if selector is not None:
        again.update(name for name, n in by_name.items() if selector.matches(n))
    again.update(name for name in by_name if _within(name, f"{workflow_name}.onExit"))
    return again


def override_parameters(spec: dict[str, Any], parameters: Sequence[str]) -> None:
    """Set values of ``spec.arguments.parameters`` from ``name=value`` items (retry, resubmit); each must exist."""
    if not parameters:
        return
    arguments = spec.get("arguments")
    declared = arguments.get("parameters") if isinstance(arguments, dict) else None
    by_name = {p.get("name"): p for p in declared if isinstance(p, dict)} if isinstance(declared, list) else {}
    for item in parameters:
        key, _, value = item.partition("=")
        target = by_name.get(key)
        if target is None:
            raise ApiError(Code.INVALID_ARGUMENT, f"parameter {key!r} is not one of the workflow's arguments "
                                                  f"({', '.join(str(n) for n in by_name) or 'it has none'})")
        target.pop("valueFrom", None)
        target["value"] = value


def _reset(node: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(node))
    if out.get("phase") != "Skipped":
        out["phase"] = "Running"
    out.pop("message", None)
    out.pop("finishedAt", None)
    out["startedAt"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def _within(name: str, owner: str) -> bool:
    """``name`` is ``owner`` or a node under it."""
    return name == owner or (name.startswith(owner) and name[len(owner)] in _SEPARATORS)


def _ancestors(name: str) -> list[str]:
    """The names above ``name`` and itself: every prefix that ends before a separator."""
    return [name[:i] for i, c in enumerate(name) if i and c in _SEPARATORS] + [name]


def _owners(name: str, again: set[str]) -> list[str]:
    """Nodes that run again and contain ``name`` strictly (its subtree is forgotten with them)."""
    return [prefix for prefix in _ancestors(name)[:-1] if prefix in again]


def _is_parameter_field(field_name: str) -> bool:
    return field_name.startswith("inputs.parameters.") and field_name.endswith(".value") and \
        len(field_name) > len("inputs.parameters..value")


def _field_value(node: Mapping[str, Any], field_name: str) -> str:
    if field_name.startswith("templateRef."):
        ref = node.get("templateRef")
        value = ref.get(field_name.split(".", 1)[1]) if isinstance(ref, dict) else None
    elif _is_parameter_field(field_name):
        wanted = field_name[len("inputs.parameters."):-len(".value")]
        inputs = node.get("inputs")
        params = inputs.get("parameters") if isinstance(inputs, dict) else None
        value = next((p.get("value") for p in params or () if isinstance(p, dict) and p.get("name") == wanted),
                     None)
    else:
        value = node.get(field_name)
    return value if isinstance(value, str) else "" if value is None else str(value)


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], [], False
    for c in text:
        if escaped:
            current.append("\\" + c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    out, escaped = [], False
    for c in value:
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        else:
            out.append(c)
    return "".join(out)
