"""``{{...}}`` tags: they must parse, and references must resolve in the scope where they stand.

Codes AW400–AW499. Scopes follow Argo's controller: a template sees its own
inputs and the workflow's globals; a step sees the outputs of steps in earlier
groups; a DAG task sees the outputs of the tasks it depends on, directly or
transitively; ``item`` exists only inside a loop. Like Argo, only tags under the
prefixes it owns (inputs., outputs., steps., tasks., workflow., pod., item) are
checked; other ``{{...}}`` text is left alone (it may belong to a script).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, JsonPath, Severity, define
from webhook.manifest import CLUSTER_WORKFLOW_TEMPLATE, WORKFLOW_TEMPLATE, Manifest
from webhook.spec.resolve import Call, CallState, Resolver, validation_resolver
from webhook.spec.walk import (
    StepAt,
    TemplateAt,
    any_oversized,
    as_dict,
    as_list,
    as_str,
    own_tagged_strings,
    spec_templates,
    tagged_strings,
    template_steps,
)
from webhook.suggest import did_you_mean
from webhook.templating import Expression, Reference, TemplateSyntaxError, parse_template
from webhook.validation.context import ValidationContext
from webhook.validation.graph import DagInfo, dag_info
from webhook.validation.siblings import (
    SiblingRead,
    call_index,
    output_read,
    own_reads,
    parameter_names,
    referenced_reads,
    step_label,
)

TAG_SYNTAX = define(
    "AW400", Severity.ERROR, "a {{ tag is never closed",
    why="A tag that is never closed is left in the text as written.",
    mirrors="util/template: template parsing",
)
UNRESOLVED = define(
    "AW401", Severity.ERROR, "a reference does not resolve",
    why="A reference that resolves to nothing fails the step when Argo substitutes it.",
    mirrors="validate.go: resolveAllVariables: 'failed to resolve {{...}}'",
)
INPUT_UNDECLARED = define(
    "AW402", Severity.ERROR, "a reference names an input the template does not declare",
    why="A reference to an input the template does not declare is never substituted.",
    mirrors="validate.go: resolveAllVariables: 'failed to resolve {{inputs...}}'",
)
TASK_NOT_DEPENDED = define(
    "AW403", Severity.ERROR, "a task reads outputs of a task it does not depend on",
    why="A task may only read outputs of tasks it depends on (directly or not): others may not have run.",
    mirrors="validate.go: validateDAG (ancestry scope) and validateDAGTaskArgumentDependency: 'missing "
            "dependency'",
)
STEP_NOT_BEFORE = define(
    "AW404", Severity.ERROR, "a step reads outputs of a step that has not run yet",
    why="A step may only read outputs of steps of earlier groups.",
    mirrors="validate.go: validateSteps: resolveAllVariables",
)
ITEM_OUTSIDE_LOOP = define(
    "AW405", Severity.ERROR, "item is used outside a loop, or with a key the items lack",
    why="{{item}} exists only in a step or task with a loop, with the keys its items have.",
    mirrors="validate.go: addItemsToScope / resolveAllVariables",
)
PARAMETER_UNDECLARED = define(
    "AW406", Severity.ERROR, "a workflow parameter is not declared",
    why="A workflow parameter that is not declared in spec.arguments is never set.",
    mirrors="validate.go: resolveAllVariables: 'failed to resolve {{workflow.parameters...}}'",
)
OUTPUT_UNDECLARED = define(
    "AW407", Severity.ERROR, "a reference names an output the step or task does not produce",
    why="A step's output that its template does not produce is never set.",
    mirrors="validate.go: addOutputsToScope / resolveAllVariables",
)
SIBLING_DIALECT = define(
    "AW408", Severity.WARNING, "a template reads outputs of its caller's sibling: argo-warden's dialect",
    why="Argo resolves {{tasks.X...}} and {{steps.X...}} only in the task or step that calls a template: inside "
        "the template it fails ('failed to resolve'). argo-warden accepts it when every call can see X and "
        "rewrites it to an input parameter passed by every call.",
    mirrors=ARGO_WARDEN_ONLY,
    instead="declare an input parameter on the template and pass {{tasks.X.outputs.result}} as an argument where "
            "it is called (the mutating webhook writes this)",
)

CHECKED_PREFIXES = ("item.", "steps.", "inputs.", "outputs.", "pod.", "workflow.", "tasks.")
# Prefixes Argo resolves at run time whatever follows them.
FREE_PREFIXES = (
    "outputs.", "workflow.creationTimestamp", "workflow.scheduledTime", "workflow.duration",
    "tasks.name", "steps.name", "node.name",
)
_POD_TYPES = ("container", "containerSet", "script", "resource", "data")
_LEAF_TYPES = ("container", "containerSet", "script", "resource", "data", "http", "plugin")
_OUTPUT_TYPES = ("container", "containerSet", "script", "data", "http", "plugin")
# Keys walked on their own: a steps or DAG template's children, a step's or task's inline template.
_CHILDREN = frozenset({"steps", "dag"})
_INLINE = frozenset({"inline"})


@dataclass(slots=True)
class Scope:
    """Tags that resolve here: exact names, and prefixes under which any name resolves.

    A scope extends its parent without copying it: a step sees the steps before it and
    a few tags of its own, and copying the steps before it for every step was quadratic.
    """

    exact: set[str] = field(default_factory=set)
    # Prefixes ending in '.', found by probing the tag's own dotted beginnings (there may be one per step).
    dotted: set[str] = field(default_factory=set)
    # Other prefixes ('workflow.duration' …): a handful, tried at once by str.startswith.
    loose: tuple[str, ...] = ()
    parent: Scope | None = None
    # Fills this scope the first time a tag is asked of it. A template's inputs, and what its own fields see of
    # its steps or tasks (a resolution and a tag set per child), are wasted work where no field holds a tag.
    fill: Callable[[Scope], None] | None = None
    # The beginnings of every tag ``fill`` lists (None: any tag). A tag under none of them is not looked for here,
    # and does not fill the scope: a template's inputs say nothing of {{tasks.X…}}, nor the globals of {{inputs…}}.
    fills_under: tuple[str, ...] | None = None
    _dots: int = 0

    def child(self) -> Scope:
        return Scope(parent=self)

    def add_prefix(self, prefix: str) -> None:
        if prefix.endswith("."):
            self.dotted.add(prefix)
            self._dots = max(self._dots, prefix.count("."))
        elif prefix not in self.loose:
            self.loose += (prefix,)

    def filled(self) -> Scope:
        """This scope, its tags listed (``fill`` run) if they were not yet."""
        if self.fill is not None:
            fill, self.fill = self.fill, None
            fill(self)
        return self

    def allows(self, tag: str) -> bool:
        """Whether ``tag`` resolves in this scope or an ancestor.

        The scopes already listed are asked first, and the others are filled only when none of those has the
        tag, and only those that may list it: ``{{workflow.name}}`` is a builtin, and listing the template's
        inputs and the workflow's globals (a walk of the spec's arguments, metadata and template outputs) to
        find it was wasted.
        """
        unfilled: list[Scope] = []
        scope: Scope | None = self
        while scope is not None:
            if scope.fill is not None:
                if scope.fills_under is None or tag.startswith(scope.fills_under):
                    unfilled.append(scope)
            elif tag in scope.exact or scope._under_prefix(tag):
                return True
            scope = scope.parent
        return any(tag in s.filled().exact or s._under_prefix(tag) for s in unfilled)

    def _under_prefix(self, tag: str) -> bool:
        if self.loose and tag.startswith(self.loose):
            return True
        dot = -1
        for _ in range(self._dots):
            dot = tag.find(".", dot + 1)
            if dot < 0:
                return False
            if tag[: dot + 1] in self.dotted:
                return True
        return False


@dataclass(slots=True)
class _Node:
    """What one step/task offers to later references: its tag names."""

    name: str
    call: Call
    looped: bool


@dataclass(slots=True)
class _Where:
    """Context of a string being checked, for precise messages."""

    template: TemplateAt
    step: StepAt | None = None
    # steps: names of steps per group index; tasks: the DAG info.
    step_groups: dict[str, int] | None = None
    dag: DagInfo | None = None
    item_keys: set[str] | None = None  # None: no loop; empty: scalar items; "*": any
    item_any: bool = False
    # item_keys without the scalar marker "", for item.<key> references.
    item_named: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.item_named = {k for k in self.item_keys if k} if self.item_keys else set()


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    resolver = validation_resolver(manifest, context)
    # Listed when a tag is first looked for there: most tags resolve in a template's inputs or its steps' scope.
    globals_ = Scope(parent=_BUILTIN, fill=lambda scope: _add_global_tags(manifest, resolver, scope),
                     fills_under=("workflow.",))
    template_kind = manifest.kind in (WORKFLOW_TEMPLATE, CLUSTER_WORKFLOW_TEMPLATE)
    checker = _Checker(manifest, resolver, globals_, template_kind)
    for at in spec_templates(manifest):
        yield from checker.template(at)


def _builtin_scope() -> Scope:
    """Tags every workflow has, whatever its spec says."""
    scope = Scope(exact={
        "workflow.name", "workflow.namespace", "workflow.mainEntrypoint", "workflow.serviceAccountName",
        "workflow.uid", "workflow.status", "workflow.annotations", "workflow.annotations.json",
        "workflow.labels", "workflow.labels.json",
    })
    for prefix in FREE_PREFIXES:
        scope.add_prefix(prefix)
    return scope


# The parent of every document's global scope, built once: never changed after this line.
_BUILTIN = _builtin_scope()


# Where a workflow names its annotations and labels, and the tags each name gives.
_METADATA_TAGS = (
    ("annotations", "workflow.annotations."), ("labels", "workflow.labels."), ("labelsFrom", "workflow.labels."),
)
# Template outputs a globalName makes a workflow output of.
_GLOBAL_OUTPUTS = (("parameters", "workflow.outputs.parameters."), ("artifacts", "workflow.outputs.artifacts."))


def _add_global_tags(manifest: Manifest, resolver: Resolver[ValidationContext], scope: Scope) -> None:
    """Add the workflow's own tags (its parameters, labels, global outputs…) to ``scope``."""
    spec = manifest.workflow_spec
    specs = [spec] + ([resolver.referenced_spec] if resolver.referenced_spec is not None else [])
    params: list[str] = []
    for s in specs:
        for p in as_list(as_dict(s.get("arguments")).get("parameters")):
            name = as_str(as_dict(p).get("name"))
            if name:
                params.append(name)
    if params:
        scope.exact.update({"workflow.parameters", "workflow.parameters.json"})
        scope.exact.update(f"workflow.parameters.{p}" for p in params)
    if spec.get("priority") is not None:
        scope.exact.add("workflow.priority")
    if spec.get("onExit") or "exit" in as_dict(spec.get("hooks")):
        scope.exact.add("workflow.failures")
    md = manifest.metadata
    sources = [md, as_dict(spec.get("workflowMetadata"))]
    if resolver.referenced_spec is not None:
        sources.append(as_dict(resolver.referenced_spec.get("workflowMetadata")))
    for src in sources:
        for key, prefix in _METADATA_TAGS:
            names = src.get(key)
            if isinstance(names, dict) and names:
                scope.exact.update(f"{prefix}{k}" for k in names)
    for s in specs:
        for t in as_list(s.get("templates")):
            outs = t.get("outputs") if isinstance(t, dict) else None
            if not isinstance(outs, dict):
                continue  # most templates: no outputs, so no global ones
            for kind, prefix in _GLOBAL_OUTPUTS:
                for o in as_list(outs.get(kind)):
                    g = as_str(as_dict(o).get("globalName"))
                    if not g:
                        continue
                    if "{{" in g:
                        scope.add_prefix(prefix)
                    else:
                        scope.exact.add(prefix + g)


def _template_type(t: dict[str, Any]) -> str | None:
    for kind in ("container", "containerSet", "script", "resource", "data", "http", "plugin", "steps", "dag",
                 "suspend"):
        if t.get(kind) is not None:
            return kind
    return None


def _own_scope(t: dict[str, Any], kind: str | None, globals_: Scope) -> Scope:
    """What the template's fields see besides the globals: its inputs (read only when one of them holds a tag)."""
    return Scope(parent=globals_, fill=lambda scope: _add_own_tags(t, kind, scope), fills_under=("inputs.", "pod."))


def _add_own_tags(t: dict[str, Any], kind: str | None, scope: Scope) -> None:
    inputs = as_dict(t.get("inputs"))
    params = [n for p in as_list(inputs.get("parameters")) if (n := as_str(as_dict(p).get("name")))]
    scope.exact.update(f"inputs.parameters.{p}" for p in params)
    if params:
        scope.exact.add("inputs.parameters")
    for a in as_list(inputs.get("artifacts")):
        name = as_str(as_dict(a).get("name"))
        if name:
            scope.exact.add(f"inputs.artifacts.{name}")
            if kind in _LEAF_TYPES:
                scope.exact.add(f"inputs.artifacts.{name}.path")
    if kind in _POD_TYPES:
        scope.exact.add("pod.name")


def _node_tags(node: _Node, prefix: str) -> set[str]:
    """Tags a finished step/task offers (``steps.<name>.…`` or ``tasks.<name>.…``)."""
    base = f"{prefix}.{node.name}"
    tags = {f"{base}.{k}" for k in ("id", "startedAt", "finishedAt", "hostNodeName", "status")}
    t = node.call.template or {}
    kind = _template_type(t)
    if t.get("daemon") is True:
        tags.add(f"{base}.ip")
    if kind in _OUTPUT_TYPES:
        tags.update({f"{base}.outputs.result", f"{base}.exitCode"})
    outs = as_dict(t.get("outputs"))
    params = [n for p in as_list(outs.get("parameters")) if (n := as_str(as_dict(p).get("name")))]
    tags.update(f"{base}.outputs.parameters.{p}" for p in params)
    for a in as_list(outs.get("artifacts")):
        name = as_str(as_dict(a).get("name"))
        if name:
            tags.add(f"{base}.outputs.artifacts.{name}")
    if node.looped:
        tags.add(f"{base}.outputs.parameters")
        if kind in ("script", "containerSet", "container"):
            tags.update({f"{base}.outputs.result", f"{base}.exitCode"})
    return tags


def _loop_items(step: dict[str, Any]) -> tuple[set[str] | None, bool]:
    """(keys usable as item.<key>, any key allowed); keys None when the step has no loop."""
    items = step.get("withItems")
    if isinstance(items, list) and items:
        keys: set[str] = set()
        scalar = False
        for item in items:
            if isinstance(item, dict):
                keys.update(str(k) for k in item)
            elif isinstance(item, list):
                keys.update(f"[{i}]" for i in range(len(item)))
            else:
                scalar = True
        if scalar:
            keys.add("")
        return keys, False
    if step.get("withParam") not in (None, ""):
        return {""}, True
    if step.get("withSequence") is not None:
        return {""}, False
    return None, False


class _Checker:
    def __init__(self, manifest: Manifest, resolver: Resolver[ValidationContext], globals_: Scope,
                 template_kind: bool) -> None:
        self.manifest = manifest
        self.resolver = resolver
        self.globals = globals_
        self.template_kind = template_kind
        self._param_names: list[str] | None = None
        # Asked once per reference, answered once per step or template (each answer reads a whole list).
        self._loops: dict[int, tuple[dict[str, Any], tuple[set[str] | None, bool]]] = {}
        # What each step or task runs (by its path): asked by its template, its own strings and its readers.
        self._step_calls: dict[JsonPath, Call] = {}
        # What each step or task offers (by its path and the prefix it is read under): asked once per reference
        # to its outputs, and each answer is a dozen strings and more (one per output).
        self._offers: dict[tuple[JsonPath, str], set[str]] = {}
        self._workflow_tags: list[str] | None = None
        # Per template (by path): its sibling reads by tag, and each read's portable input parameter name.
        self._sibling_reads: dict[JsonPath, tuple[dict[str, SiblingRead], dict[str, str]]] = {}
        # Templates reached through templateRef (by id, the object kept): their sibling reads and parameter names.
        self._referenced: dict[int, tuple[dict[str, Any], dict[str, tuple[SiblingRead, str]]]] = {}

    def param_names(self) -> list[str]:
        """The workflow's parameter names, for did-you-mean hints."""
        if self._param_names is None:
            self._param_names = sorted(t.split(".", 2)[2] for t in self.globals.filled().exact
                                       if t.startswith("workflow.parameters."))
        return self._param_names

    def _loop(self, step: dict[str, Any]) -> tuple[set[str] | None, bool]:
        kept = self._loops.get(id(step))
        if kept is None or kept[0] is not step:
            kept = self._loops[id(step)] = (step, _loop_items(step))
        return kept[1]

    def _call(self, step: StepAt) -> Call:
        call = self._step_calls.get(step.path)
        if call is None:
            call = self._step_calls[step.path] = self.resolver.call(step.step, step.path)
        return call

    def _node(self, step: StepAt, name: str) -> _Node:
        return _Node(name, self._call(step), self._loop(step.step)[0] is not None)

    def _offered(self, step: StepAt, name: str, prefix: str) -> set[str]:
        """``_node_tags`` of the step or task ``step`` called ``name``, made once per check (the set is shared:
        callers copy it into a scope or read it, never change it)."""
        key = (step.path, prefix)
        tags = self._offers.get(key)
        if tags is None:
            tags = self._offers[key] = _node_tags(self._node(step, name), prefix)
        return tags

    # -- templates

    def template(self, at: TemplateAt) -> Iterator[Finding]:
        t = at.template
        kind = _template_type(t)
        own = _own_scope(t, kind, self.globals)
        if kind == "steps":
            yield from self._steps(at, own)
        elif kind == "dag":
            yield from self._dag(at, own)
        scope = own
        if kind in ("steps", "dag"):
            # The template's own outputs may read any child's outputs (they are collected at the end).
            scope = Scope(parent=own, fill=lambda children: self._children_outputs(at, children),
                          fills_under=("steps.", "tasks."))
        if kind in ("steps", "dag") or _CHILDREN.isdisjoint(t):
            texts = own_tagged_strings(at)
        else:  # a leaf template's stray 'steps' or 'dag' key is one of its own fields: the schema rule reports it
            texts = tagged_strings(t, at.path)
        if kind == "dag":
            # Argo resolves the target in the template's own scope, before any task has run.
            target = tagged_strings(as_dict(t.get("dag")).get("target"), (*at.path, "dag", "target"))
        else:
            target = []
        if texts or target:
            where = _Where(at)
            yield from self._strings(texts, scope, where)
            yield from self._strings(target, own, where)

    def _children_outputs(self, at: TemplateAt, scope: Scope) -> None:
        """Fill ``scope`` with the tags every named step or task of ``at`` offers."""
        for step in template_steps(at):
            if step.name:
                self._offer(step, step.name, scope)

    def _offer(self, step: StepAt, name: str, scope: Scope) -> None:
        """List in ``scope`` the tags the finished step or task ``step`` offers; when what it runs is not known, any
        tag under ``steps.<name>.`` (or ``tasks.<name>.``)."""
        node = self._node(step, name)
        prefix = "tasks" if step.is_task else "steps"
        scope.exact.update(self._offered(step, name, prefix))
        if node.call.state is not CallState.RESOLVED:
            scope.add_prefix(f"{prefix}.{name}.")

    def _steps(self, at: TemplateAt, own: Scope) -> Iterator[Finding]:
        steps = list(template_steps(at))
        groups: dict[str, int] = {s.name: s.group for s in steps if s.name and s.group is not None}
        # What the steps of earlier groups offer, listed only when a later step looks up a {{steps.…}} tag: each
        # step's call and tag set were made for every step, read by none in most templates. A step is listed
        # once (``finished`` is emptied by the listing, which is armed again when a group ends), so this stays
        # linear in the steps.
        finished: list[StepAt] = []

        def list_finished(scope: Scope) -> None:
            for step in finished:
                self._offer(step, step.name or "", scope)
            finished.clear()

        done = Scope(parent=own, fills_under=("steps.",))
        current_group = -1
        pending: list[StepAt] = []
        for step in steps:
            if step.group != current_group:
                if pending:
                    finished.extend(pending)
                    done.fill = list_finished
                pending = []
                current_group = step.group if step.group is not None else current_group
            texts = tagged_strings(step.step, step.path, _INLINE)
            if texts:
                keys, any_key = self._loop(step.step)
                scope = done.child()
                self._inline_inputs(step, scope)
                if step.name:
                    scope.exact.add(f"steps.{step.name}.status")
                    if as_dict(step.step.get("hooks")) or step.step.get("onExit"):
                        scope.exact.update(self._offered(step, step.name, "steps"))
                where = _Where(at, step, step_groups=groups, item_keys=keys, item_any=any_key)
                yield from self._strings(texts, scope, where)
            yield from self._referenced_sibling_reads(step, step)
            if step.name:
                pending.append(step)

    def _dag(self, at: TemplateAt, own: Scope) -> Iterator[Finding]:
        info = dag_info(at)
        for step in template_steps(at):
            if not step.is_task:
                continue
            name = step.name
            # A task named twice is checked against the first of that name (the one the DAG keeps).
            task = info.tasks.get(name) if name else None
            texts = tagged_strings(step.step, step.path, _INLINE)
            if texts:
                # The outputs of the tasks this one depends on are not listed here: a reference to one is
                # checked on its own (_node_ref), against the DAG's ancestor sets, built once.
                scope = own.child()
                self._inline_inputs(step, scope)
                if name and task is not None and (as_dict(step.step.get("hooks")) or step.step.get("onExit")):
                    scope.exact.update(self._offered(task, name, "tasks"))
                keys, any_key = self._loop(step.step)
                where = _Where(at, step, dag=info, item_keys=keys, item_any=any_key)
                yield from self._strings(texts, scope, where)
            if name and task is not None:
                yield from self._referenced_sibling_reads(step, task)

    @staticmethod
    def _inline_inputs(step: StepAt, scope: Scope) -> None:
        inline = step.step.get("inline")
        if isinstance(inline, dict):
            for p in as_list(as_dict(inline.get("inputs")).get("parameters")):
                name = as_str(as_dict(p).get("name"))
                if name:
                    scope.exact.add(f"inputs.parameters.{name}")

    # -- strings

    def _strings(self, texts: list[tuple[JsonPath, str]], scope: Scope, where: _Where) -> Iterator[Finding]:
        """Check the tags of ``texts`` (strings holding one, from ``tagged_strings``) in ``scope``."""
        for spath, text in texts:
            try:
                pieces = parse_template(text)
            except TemplateSyntaxError as exc:
                yield Finding(TAG_SYNTAX, spath, exc.message, span=(exc.start, exc.end),
                              hint="close the tag with '}}' (Argo refuses the template otherwise)")
                continue
            for piece in pieces:
                if isinstance(piece, Reference):
                    yield from self._reference(piece, spath, scope, where)
                elif isinstance(piece, Expression):
                    yield from _expression(piece, spath)

    def _reference(self, ref: Reference, path: JsonPath, scope: Scope, where: _Where) -> Iterator[Finding]:
        tag = ref.path
        if tag == "item" or tag.startswith("item."):
            yield from self._item(tag, path, ref.body_span, where)
            return
        if not tag.startswith(CHECKED_PREFIXES) or scope.allows(tag):
            return
        span = ref.body_span
        parts = tag.split(".")
        head = parts[0]
        if head == "inputs":
            yield from self._input(tag, parts, path, span, where)
        elif head == "workflow":
            yield from self._workflow(tag, parts, path, span)
        elif head in ("steps", "tasks") and where.step is None and output_read(tag) is not None:
            yield from self._sibling(tag, path, span, where)
        elif head in ("steps", "tasks") and len(parts) >= 2:
            yield from self._node_ref(tag, parts, path, span, where)
        else:
            yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}} does not resolve here", span=span)

    def _item(self, tag: str, path: JsonPath, span: tuple[int, int], where: _Where) -> Iterator[Finding]:
        if where.item_keys is None:
            yield Finding(ITEM_OUTSIDE_LOOP, path, f"{{{{{tag}}}}} is used outside a loop", span=span,
                          hint="item exists only in a step or task with withItems, withParam or withSequence; "
                          "pass it to the template as an argument")
            return
        if where.item_any or tag == "item":
            return
        key = tag[len("item."):]
        first = key.split(".", 1)[0]
        keys = where.item_named
        if key in keys or first in keys:
            return
        if not keys:
            yield Finding(ITEM_OUTSIDE_LOOP, path, f"{{{{{tag}}}}}: the items of this loop are not maps",
                          span=span, hint="use {{item}}")
        else:
            yield Finding(ITEM_OUTSIDE_LOOP, path, f"{{{{{tag}}}}}: no item of withItems has the key '{key}'",
                          span=span, hint=did_you_mean(key, keys) or f"keys: {', '.join(sorted(keys))}")

    def _input(self, tag: str, parts: list[str], path: JsonPath, span: tuple[int, int],
               where: _Where) -> Iterator[Finding]:
        t = where.template.template
        label = f"template '{where.template.name}'" if where.template.name else "this template"
        if len(parts) >= 3 and parts[1] in ("parameters", "artifacts"):
            kind = parts[1]
            name = parts[2]
            declared = [n for p in as_list(as_dict(t.get("inputs")).get(kind)) if (n := as_str(as_dict(p).get("name")))]
            noun = "input parameter" if kind == "parameters" else "input artifact"
            if name in declared:
                yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}} does not resolve in {label}", span=span,
                              hint="artifact paths ('.path') exist only in leaf templates" if kind == "artifacts"
                              else None)
                return
            where_hint = did_you_mean(name, declared)
            if where.step is not None:
                where_hint = where_hint or (f"steps and tasks see the inputs of {label}; to read another value, "
                                            "pass it as an argument")
            yield Finding(INPUT_UNDECLARED, path, f"{label} has no {noun} '{name}'", span=span,
                          hint=where_hint or f"declare it under inputs.{kind}")
            return
        yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}} does not resolve in {label}", span=span,
                      hint="inputs are read as {{inputs.parameters.NAME}} or {{inputs.artifacts.NAME}}")

    def _workflow(self, tag: str, parts: list[str], path: JsonPath, span: tuple[int, int]) -> Iterator[Finding]:
        if len(parts) >= 3 and parts[1] == "parameters":
            name = ".".join(parts[2:])
            if self.template_kind:
                yield Finding(
                    PARAMETER_UNDECLARED, path,
                    f"workflow parameter '{name}' is not declared in spec.arguments; it must be supplied when "
                    "the workflow is submitted", span=span, severity=Severity.WARNING,
                    hint=did_you_mean(name, self.param_names()) or "declare it in spec.arguments.parameters",
                )
            else:
                yield Finding(PARAMETER_UNDECLARED, path, f"workflow parameter '{name}' is not declared",
                              span=span,
                              hint=did_you_mean(name, self.param_names()) or "declare it in spec.arguments.parameters")
            return
        if self._workflow_tags is None:
            self._workflow_tags = sorted(t for t in _BUILTIN.exact | self.globals.filled().exact
                                         if t.startswith("workflow."))
        known = self._workflow_tags
        if parts[1:2] == ["parameters"] and len(parts) == 2:
            yield Finding(PARAMETER_UNDECLARED, path, "{{workflow.parameters}} is used but the workflow declares "
                          "no parameters", span=span, severity=Severity.WARNING if self.template_kind else None)
            return
        if len(parts) >= 3 and parts[1] in ("annotations", "labels"):
            key = ".".join(parts[2:])
            keys = sorted(t.split(".", 2)[2] for t in known if t.startswith(f"workflow.{parts[1]}.")
                          and t != f"workflow.{parts[1]}.json")
            # The controller's workflowDefaults or the submission (argo submit --labels) may add it.
            yield Finding(UNRESOLVED, path, f"the workflow sets no {parts[1][:-1]} '{key}' itself: it must come "
                          "from the controller's workflowDefaults or the submission", span=span,
                          severity=Severity.INFO,
                          hint=did_you_mean(key, keys) or f"add it to metadata.{parts[1]} if nothing else sets it")
            return
        if parts[1:2] == ["failures"]:
            yield Finding(UNRESOLVED, path, "{{workflow.failures}} exists only when the workflow has an onExit "
                          "handler", span=span)
            return
        if parts[1:2] == ["priority"]:
            yield Finding(UNRESOLVED, path, "{{workflow.priority}} needs spec.priority to be set", span=span)
            return
        if parts[1:2] == ["outputs"]:
            yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}}: no template output has that globalName", span=span,
                          hint="set outputs.parameters[].globalName (or artifacts) on the producing template")
            return
        yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}} is not a workflow variable", span=span,
                      hint=did_you_mean(tag, known, quote="{{"))

    def _sibling(self, tag: str, path: JsonPath, span: tuple[int, int], where: _Where) -> Iterator[Finding]:
        """A template's own field reads ``tasks.X`` / ``steps.X`` outputs: fine (the dialect) when every call of the
        template sees X, else an error naming each call that does not (webhook.validation.siblings)."""
        at = where.template
        index = call_index(self.manifest)
        kept = self._sibling_reads.get(at.path)
        calls = index.calls(at)
        if kept is None:
            found = own_reads(at)
            kept = self._sibling_reads[at.path] = ({r.tag: r for r in found}, parameter_names(at, found, calls))
        reads, names = kept
        read = reads.get(tag)
        label = f"template '{at.name}'" if at.name else "this template"
        if read is None:  # not a read of its caller's siblings (one of its own steps or tasks): upstream's rules
            yield from self._node_ref(tag, tag.split("."), path, span, where)
            return
        if not calls:
            if any_oversized():
                return  # its calls may stand in a template left out for its size (AW112 is the finding)
            yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}}: {label} is called by no {read.noun} of this document, so "
                          f"there is no {read.noun} '{read.node}' it could read", span=span,
                          hint="declare an input parameter and pass the value as an argument where the template is "
                          "called (a templateRef call from another document cannot be rewritten)")
            return
        blocked = False
        for caller in calls:
            why = index.blocked(caller, read)
            if why is not None:
                blocked = True
                code = {"depends": TASK_NOT_DEPENDED, "order": STEP_NOT_BEFORE}.get(why.kind, UNRESOLVED)
                yield Finding(code, path, f"{{{{{tag}}}}}: {label} is called by {caller.label}, which cannot see "
                              f"{read.noun} '{read.node}': {why.reason}", span=span, hint=why.hint)
                continue
            there = index.sibling(caller, read)
            if there is not None:
                for finding in self._undeclared_output(tag, tag.split("."), there, read.node, read.prefix, path,
                                                       span):
                    blocked = True
                    yield dataclasses.replace(finding, message=f"{finding.message} (read by {label}, called by "
                                                               f"{caller.label})")
        if blocked:
            return
        callers = ", ".join(c.label for c in calls[:3]) + (f" and {len(calls) - 3} more" if len(calls) > 3 else "")
        yield Finding(SIBLING_DIALECT, path,
                      f"{label} reads {{{{{tag}}}}} of its caller's sibling {read.noun}: argo-warden's dialect",
                      span=span,
                      hint=f"upstream Argo resolves it only in the calling {read.noun}; portable form: input "
                      f"parameter '{names[tag]}' on {label}, passed as "
                      f"{{{{{tag}}}}} by {callers} (argo-warden's admission webhook rewrites it to this)")

    def _referenced_sibling_reads(self, step: StepAt, runs: StepAt) -> Iterator[Finding]:
        """A call through templateRef to a template that reads its caller's sibling outputs.

        ``step`` is where the call is written, ``runs`` the step or task whose call counts (for a task named twice,
        the first of that name). Only a templateRef call can have a ``source``: the others are not resolved here
        (a task's call is otherwise needed only when another task reads its outputs).

        This document's rewrite cannot reach that template (it lives in another
        document), and that document's rewrite cannot reach this call: the call must
        pass the input parameter the template takes in portable form itself, or it
        fails in Argo either way ("failed to resolve" before the WorkflowTemplate is
        admitted by argo-warden, a missing input after).
        """
        if not isinstance(runs.step.get("templateRef"), dict):
            return
        call = self._call(runs)
        if call.state is not CallState.RESOLVED or call.source is None or call.template is None:
            return
        ref = as_dict(step.step.get("templateRef"))
        kind = "ClusterWorkflowTemplate" if ref.get("clusterScope") is True else "WorkflowTemplate"
        key = id(call.template)
        kept = self._referenced.get(key)
        if kept is None or kept[0] is not call.template:
            kept = self._referenced[key] = (call.template, referenced_reads(call.source, kind, call.template))
        passed = {n for p in as_list(as_dict(step.step.get("arguments")).get("parameters"))
                  if (n := as_str(as_dict(p).get("name")))}
        label = step_label(step)
        for tag, (read, name) in sorted(kept[1].items()):
            if name in passed:
                continue
            yield Finding(UNRESOLVED, (*step.path, "templateRef"),
                          f"{label} calls template '{call.target}', which reads {{{{{tag}}}}} of its caller's "
                          f"{read.noun}s: through templateRef only an argument can carry it, and this call passes "
                          f"no '{name}'", on_key=True,
                          hint=f"add arguments.parameters: [{{name: {name}, value: '{{{{{tag}}}}}'}}] (the input "
                          f"parameter '{call.target}' takes once stored in portable form)")

    def _node_ref(self, tag: str, parts: list[str], path: JsonPath, span: tuple[int, int],
                  where: _Where) -> Iterator[Finding]:
        prefix, name = parts[0], parts[1]
        if prefix == "steps":
            groups = where.step_groups
            if groups is None or where.step is None:
                yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}}: step outputs can only be read in the steps of a "
                              "steps template", span=span, hint="pass the value in as an input parameter")
                return
            if name not in groups:
                yield Finding(UNRESOLVED, path, f"template '{where.template.name}' has no step '{name}'", span=span,
                              hint=did_you_mean(name, groups))
                return
            here = where.step.group if where.step.group is not None else 0
            there = groups[name]
            if there >= here and name != where.step.name:
                when = "runs in parallel with this step (same group)" if there == here else "runs after this step"
                yield Finding(STEP_NOT_BEFORE, path, f"{{{{{tag}}}}}: step '{name}' {when}", span=span,
                              hint="a step can read outputs of steps in earlier groups only; move it to a later "
                              "group")
                return
            step = call_index(self.manifest).named(where.template, name)
            assert step is not None  # ``groups`` was taken from these very steps
            yield from self._undeclared_output(tag, parts, step, name, prefix, path, span)
            return
        info = where.dag
        if info is None or where.step is None:
            yield Finding(UNRESOLVED, path, f"{{{{{tag}}}}}: task outputs can only be read in the tasks of a dag "
                          "template", span=span, hint="pass the value in as an input parameter")
            return
        if name not in info.tasks:
            yield Finding(UNRESOLVED, path, f"template '{where.template.name}' has no task '{name}'", span=span,
                          hint=did_you_mean(name, info.tasks))
            return
        me = where.step.name or ""
        if name != me and not info.depends_on(me, name):
            yield Finding(TASK_NOT_DEPENDED, path,
                          f"{{{{{tag}}}}}: task '{me}' does not depend on '{name}', so its outputs may not exist yet",
                          span=span, hint=f"add '{name}' to this task's dependencies (or depends)")
            return
        yield from self._undeclared_output(tag, parts, info.tasks[name], name, prefix, path, span)

    def _undeclared_output(self, tag: str, parts: list[str], step: StepAt, name: str, prefix: str, path: JsonPath,
                           span: tuple[int, int]) -> Iterator[Finding]:
        """``tag`` reads the step or task ``step`` (called ``name``): a finding when its template has no such
        output."""
        node = self._node(step, name)
        if node.call.state is not CallState.RESOLVED or node.call.template is None:
            return  # dynamic or unreadable target: its outputs cannot be known here
        tags = self._offered(step, name, prefix)
        if tag not in tags:
            yield from _output_missing(tag, parts, node, tags, prefix, path, span)


def _output_missing(tag: str, parts: list[str], node: _Node, tags: set[str], prefix: str, path: JsonPath,
                    span: tuple[int, int]) -> Iterator[Finding]:
    """The finding for a read of an output ``node`` does not offer (``tags``: what it does)."""
    what = "step" if prefix == "steps" else "task"
    target = node.call.target or "?"
    offered = sorted(t.split(".", 2)[2] for t in tags)
    rest = ".".join(parts[2:])
    if len(parts) >= 5 and parts[2] == "outputs" and parts[3] in ("parameters", "artifacts"):
        kind = parts[3][:-1]
        names = [o.split(".", 2)[2] for o in offered if o.startswith(f"outputs.{parts[3]}.")]
        yield Finding(OUTPUT_UNDECLARED, path,
                      f"{what} '{node.name}' (template '{target}') has no output {kind} '{parts[4]}'", span=span,
                      hint=did_you_mean(parts[4], names) or f"declare it under outputs.{parts[3]} of '{target}'")
    elif rest == "outputs.result":
        yield Finding(OUTPUT_UNDECLARED, path,
                      f"{what} '{node.name}' (template '{target}') produces no outputs.result", span=span,
                      hint="only container, script, containerSet, data, http and plugin templates have a result")
    else:
        yield Finding(OUTPUT_UNDECLARED, path, f"{{{{{tag}}}}}: {what} '{node.name}' has no '{rest}'", span=span,
                      hint=did_you_mean(rest, offered))


def _expression(expr: Expression, path: JsonPath) -> Iterator[Finding]:
    from webhook.conditions import check_expression

    for issue in check_expression(expr.source):
        yield Finding(issue.code, path, issue.message, hint=issue.hint,
                      span=(expr.body_start + issue.start, expr.body_start + max(issue.end, issue.start + 1)),
                      severity=issue.severity)
