"""A workflow as a graph of nodes and labelled edges, before layout.

Two sources, one shape:
- ``from_spec``: what a workflow will do, read from its templates (the playground):
  DAG tasks with their ``dependencies``/``depends``, step groups, called DAG and
  steps templates drawn inside their caller, HTTP nodes with method and url, and
  ``when``/``depends`` on the edges;
- ``from_status``: what it did, from ``status.nodes`` (a run), linked by each
  node's ``children`` as Argo's controller records them.

Both walk each template or node a bounded number of times (``MAX_NODES``), so the
cost follows the input's size even for templates that call themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

MAX_NODES = 1500
MAX_LABEL = 40
# A task name inside a `depends` expression, with the result it asks for (`a.Succeeded`, `a.AnySucceeded`, `a`).
_DEPENDS_TERM = re2.compile(r"([A-Za-z0-9][-A-Za-z0-9_]*)(\.[A-Za-z]+)?")
_LOOP_KEYS = ("withItems", "withParam", "withSequence")


@dataclass(slots=True)
class Node:
    id: str
    label: str
    kind: str  # dag, steps, group, http, suspend, container, script, resource, ref, recursive, missing, …
    detail: str = ""
    template: str = ""
    phase: str = ""
    # An HTTP template's successCondition, which the playground's condition box can take over.
    condition: str = ""
    # What decides whether it runs when no single edge can say it: a `depends` beyond a plain conjunction,
    # a `when` of a task with several incoming edges.
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "kind": self.kind}
        for key in ("detail", "template", "phase", "condition", "note"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


@dataclass(slots=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass(slots=True)
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # Nodes left out because the graph reached MAX_NODES.
    omitted: int = 0
    _by_id: dict[str, Node] = field(default_factory=dict)

    def add(self, node: Node) -> bool:
        if len(self.nodes) >= MAX_NODES:
            self.omitted += 1
            return False
        self.nodes.append(node)
        self._by_id[node.id] = node
        return True

    def has(self, node_id: str) -> bool:
        return node_id in self._by_id

    def get(self, node_id: str) -> Node | None:
        return self._by_id.get(node_id)

    def link(self, source: str, target: str, label: str = "") -> None:
        if source in self._by_id and target in self._by_id:
            self.edges.append(Edge(source, target, _short(label)))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------------------- spec


_LEAF_KINDS = ("http", "suspend", "container", "script", "resource", "containerSet", "data", "plugin")


def template_kind(template: Mapping[str, Any]) -> str:
    for kind in ("dag", "steps", *_LEAF_KINDS):
        if kind in template:
            return kind
    return "template"


def leaf_detail(template: Mapping[str, Any]) -> str:
    """What a leaf template does, in a few words: an HTTP request's method and url, a suspend's duration."""
    http = template.get("http")
    if isinstance(http, dict):
        return f"{_str(http.get('method')) or 'GET'} {_str(http.get('url'))}".strip()
    suspend = template.get("suspend")
    if isinstance(suspend, dict):
        duration = suspend.get("duration")
        return f"wait {duration}" if duration not in (None, "") else "wait for resume"
    container = template.get("container") or template.get("script")
    if isinstance(container, dict):
        return _str(container.get("image"))
    return ""


def success_condition(template: Mapping[str, Any]) -> str:
    http = template.get("http")
    return _str(http.get("successCondition")) if isinstance(http, dict) else ""


class _SpecWalk:
    def __init__(self, templates: Mapping[str, dict[str, Any]]) -> None:
        self.templates = templates
        self.graph = Graph()

    def invoke(self, node_id: str, label: str, call: Mapping[str, Any], stack: tuple[str, ...]) -> list[str] | None:
        """Add the node for a task, step or entrypoint calling a template; its outbound nodes (None if not drawn)."""
        ref = call.get("templateRef")
        name = _str(call.get("template"))
        loop = " (loop)" if any(k in call for k in _LOOP_KEYS) else ""
        if isinstance(ref, dict):
            target = f"{_str(ref.get('name'))}/{_str(ref.get('template'))}"
            added = self.graph.add(Node(node_id, label + loop, "ref", f"templateRef {target}", target))
            return [node_id] if added else None
        template = self.templates.get(name)
        if template is None:
            added = self.graph.add(Node(node_id, label + loop, "missing", f"no template {name!r}" if name else
                                        "calls no template", name))
            return [node_id] if added else None
        kind = template_kind(template)
        if name in stack:
            added = self.graph.add(Node(node_id, label + loop, "recursive", f"calls {name} again", name))
            return [node_id] if added else None
        if not self.graph.add(Node(node_id, label + loop, kind, leaf_detail(template), name,
                                   condition=success_condition(template))):
            return None
        inner = (*stack, name)
        if kind == "dag":
            return self.dag(node_id, _dict(template.get("dag")), inner) or [node_id]
        if kind == "steps":
            return self.steps(node_id, _list(template.get("steps")), inner) or [node_id]
        return [node_id]

    def dag(self, parent: str, dag: Mapping[str, Any], stack: tuple[str, ...]) -> list[str]:
        tasks = [t for t in _list(dag.get("tasks")) if isinstance(t, dict) and _str(t.get("name"))]
        names = {_str(t["name"]) for t in tasks}
        outbound: dict[str, list[str]] = {}
        for task in tasks:
            task_name = _str(task["name"])
            result = self.invoke(f"{parent}.{task_name}", task_name, task, stack)
            if result is not None:
                outbound[task_name] = result
        depended_on: set[str] = set()
        for task in tasks:
            task_name = _str(task["name"])
            target = f"{parent}.{task_name}"
            if not self.graph.has(target):
                continue
            when = f"when {_str(task.get('when'))}" if _str(task.get("when")) else ""
            incoming, whole = _dependencies(task, names)
            depended_on.update(incoming)
            sources = [(dependency, source) for dependency in incoming for source in outbound.get(dependency, ())]
            notes = [f"depends: {whole}"] if whole else []
            if when and len(sources) > 1:
                notes.append(when)  # said once on the node, not on each edge
                when = ""
            node = self.graph.get(target)
            if node is not None and notes:
                node.note = _short(" · ".join(notes))
            if not incoming:
                self.graph.link(parent, target, when)
            for dependency, source in sources:
                label = " · ".join(p for p in (incoming[dependency], when) if p)
                self.graph.link(source, target, label)
        if dag.get("target"):
            return []
        return [n for task_name, nodes in outbound.items() if task_name not in depended_on for n in nodes]

    def steps(self, parent: str, groups: Sequence[Any], stack: tuple[str, ...]) -> list[str]:
        previous = [parent]
        for index, group in enumerate(groups):
            group_id = f"{parent}[{index}]"
            if not self.graph.add(Node(group_id, f"[{index}]", "group")):
                break
            for source in previous:
                self.graph.link(source, group_id)
            previous = []
            for step in _list(group):
                if not isinstance(step, dict) or not _str(step.get("name")):
                    continue
                step_name = _str(step["name"])
                step_id = f"{group_id}.{step_name}"
                result = self.invoke(step_id, step_name, step, stack)
                if result is None:
                    continue
                when = _str(step.get("when"))
                self.graph.link(group_id, step_id, f"when {when}" if when else "")
                previous.extend(result)
            if not previous:
                previous = [group_id]
        return previous if previous != [parent] else []


def _dependencies(task: Mapping[str, Any], names: set[str]) -> tuple[dict[str, str], str]:
    """Tasks this task waits for, each with what its edge says, and the whole `depends` if edges cannot say it.

    A plain conjunction (`a.Succeeded && b`) reads edge by edge: "Succeeded" on a's, nothing on b's.
    With `||`, `!` or parentheses each edge shows its own term (`!Succeeded`) and the node the expression.
    """
    out: dict[str, str] = {}
    for name in _list(task.get("dependencies")):
        if isinstance(name, str) and name in names:
            out[name] = ""
    depends = _str(task.get("depends"))
    if not depends:
        return out, ""
    for match in _DEPENDS_TERM.finditer(depends):
        name = match.group(1)
        if name not in names:
            continue
        negated = depends[: match.start()].rstrip().endswith("!")
        shown = ("!" if negated else "") + (match.group(2) or "")[1:]
        out[name] = shown if not out.get(name) else out[name]
    simple = not any(c in depends for c in "|!()")
    return out, "" if simple else depends


def from_spec(workflow: Mapping[str, Any]) -> Graph:
    """The graph of what ``workflow`` (a Workflow, WorkflowTemplate or ClusterWorkflowTemplate) will run."""
    spec = _dict(workflow.get("spec"))
    if "workflowSpec" in spec:  # a CronWorkflow
        spec = _dict(spec.get("workflowSpec"))
    templates: dict[str, dict[str, Any]] = {}
    for template in _list(spec.get("templates")):
        if isinstance(template, dict) and _str(template.get("name")):
            templates.setdefault(_str(template["name"]), template)
    walk = _SpecWalk(templates)
    entry = _str(spec.get("entrypoint"))
    ref = spec.get("workflowTemplateRef")
    if isinstance(ref, dict):
        walk.graph.add(Node("entry", _str(ref.get("name")) or "workflowTemplateRef", "ref",
                            "runs a WorkflowTemplate", _str(ref.get("name"))))
    elif entry:
        walk.invoke("entry", entry, {"template": entry}, ())
    else:
        # A WorkflowTemplate with no entrypoint is a library: draw each template that no other one calls.
        for name in _roots(templates):
            walk.invoke(f"template:{name}", name, {"template": name}, ())
    exit_handler = _str(spec.get("onExit"))
    if exit_handler:
        walk.invoke("exit", f"onExit: {exit_handler}", {"template": exit_handler}, ())
    return walk.graph


def _roots(templates: Mapping[str, dict[str, Any]]) -> list[str]:
    called: set[str] = set()
    for template in templates.values():
        calls = [*_list(_dict(template.get("dag")).get("tasks")),
                 *(s for group in _list(template.get("steps")) for s in _list(group))]
        called.update(_str(c.get("template")) for c in calls if isinstance(c, dict))
    return [name for name in templates if name not in called]


# ---------------------------------------------------------------------------------------------- status


def from_status(workflow: Mapping[str, Any]) -> Graph:
    """The graph of a run: one node per ``status.nodes`` entry, linked by ``children``, and what is still to run.

    Nodes the templates call for that have not started yet are drawn too (phase
    ``Pending``, id ``planned:<node name>``), found by Argo's node names: the
    workflow's name, then ``.task`` for a DAG task and ``[i].step`` for a step.
    """
    spec = _dict(workflow.get("spec"))
    templates = {_str(t.get("name")): t for t in _list(spec.get("templates")) if isinstance(t, dict)}
    stored = _dict(_dict(workflow.get("status")).get("storedTemplates"))
    for template in stored.values():
        if isinstance(template, dict) and _str(template.get("name")):
            templates.setdefault(_str(template["name"]), template)
    nodes = _dict(_dict(workflow.get("status")).get("nodes"))
    graph = Graph()
    by_name: dict[str, str] = {}
    for node_id, node in nodes.items():
        if not isinstance(node, dict):
            continue
        kind = _str(node.get("type")).lower() or "node"
        template_name = _str(node.get("templateName"))
        template = templates.get(template_name)
        detail = leaf_detail(template) if template is not None else ""
        label = _str(node.get("displayName")) or _str(node.get("name")) or str(node_id)
        if graph.add(Node(str(node_id), label, "group" if kind == "stepgroup" else kind, detail, template_name,
                          _str(node.get("phase")) or "Pending")):
            by_name.setdefault(_str(node.get("name")), str(node_id))
    linked: set[tuple[str, str]] = set()
    for node_id, node in nodes.items():
        if isinstance(node, dict):
            for child in _list(node.get("children")):
                if isinstance(child, str) and (str(node_id), child) not in linked:
                    linked.add((str(node_id), child))
                    graph.link(str(node_id), child)
    _add_planned(graph, workflow, by_name, linked)
    return graph


def _add_planned(graph: Graph, workflow: Mapping[str, Any], by_name: dict[str, str],
                 linked: set[tuple[str, str]]) -> None:
    name = _str(_dict(workflow.get("metadata")).get("name"))
    if not name:
        return
    plan = from_spec(workflow)

    def run_name(spec_id: str) -> str:
        if spec_id == "entry" or spec_id.startswith(("entry.", "entry[")):
            return name + spec_id[len("entry"):]
        if spec_id == "exit" or spec_id.startswith(("exit.", "exit[")):
            return f"{name}.onExit" + spec_id[len("exit"):]
        return spec_id

    ids: dict[str, str] = {}
    for node in plan.nodes:
        named = run_name(node.id)
        existing = by_name.get(named)
        if existing is not None:
            ids[node.id] = existing
        elif graph.add(Node(f"planned:{named}", node.label, node.kind, node.detail, node.template, "Pending")):
            ids[node.id] = f"planned:{named}"
    for edge in plan.edges:
        source, target = ids.get(edge.source), ids.get(edge.target)
        # What ran is linked as it ran; the plan adds only the edges into and out of what has not started.
        if source is None or target is None or not (source.startswith("planned:") or target.startswith("planned:")):
            continue
        if (source, target) not in linked:
            linked.add((source, target))
            graph.link(source, target, edge.label)
