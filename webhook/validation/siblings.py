"""A template that reads its caller's sibling outputs: argo-warden's dialect, and its portable form.

The seed document's ``http-post`` sends ``{{tasks.get-data.outputs.result}}`` from
its own body. Upstream Argo resolves ``tasks.X`` / ``steps.X`` only in the task or
step that calls a template, never inside the called template ("failed to
resolve"). argo-warden accepts such a read when every call of the template is a
task or step that can see X (X is a DAG ancestor of the calling task, or a step
of an earlier group), and writes the portable form Argo runs: an input parameter
on the template, and an argument carrying the tag at every call.

Only calls written in the same document count. A document's mutation can only
rewrite that document, so a template called through ``templateRef`` from other
documents cannot be given its callers' arguments: such a call must pass the input
parameter the template takes in portable form (``referenced_reads`` names it; the
reference rule reports a call that does not, and once the WorkflowTemplate is
stored in portable form the missing-input rule does); a template with no call in
its own document keeps the error.

Everything here is pure: ``plan`` reads a manifest, ``rewrite`` applies the plan
to it in place (the mutating webhook, the REST API and ``run`` all call it
through ``webhook.admission.mutation.portable_object``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from webhook.diagnostics import JsonPath, format_path
from webhook.manifest import Manifest
from webhook.spec.walk import (
    StepAt,
    TemplateAt,
    all_steps,
    as_dict,
    as_list,
    as_str,
    get_path,
    own_tagged_strings,
    remembered,
    spec_templates,
    template_steps,
)
from webhook.templating import Reference, TemplateSyntaxError, parse_template
from webhook.validation.graph import dag_info

PREFIXES = ("tasks", "steps")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where a read is written: the string's path, the whole tag and the tag's body (for carets)."""

    path: JsonPath
    start: int
    end: int
    body_span: tuple[int, int]


@dataclass(slots=True)
class SiblingRead:
    """One distinct ``{{tasks.X.outputs.…}}`` / ``{{steps.X.outputs.…}}`` read in a template's own fields."""

    tag: str
    prefix: str  # "tasks" or "steps"
    node: str  # X
    output: str  # "result" or "parameters.P"
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def noun(self) -> str:
        return "task" if self.prefix == "tasks" else "step"

    @property
    def base_name(self) -> str:
        """The input parameter's name before collisions are settled: ``get-data-result``, ``get-data-P``."""
        last = self.output.rpartition(".")[2]
        return f"{self.node}-{last}"


@dataclass(frozen=True, slots=True)
class Caller:
    """Something that runs a template: a task or step (``step``), or the workflow itself (entrypoint, hooks)."""

    label: str
    step: StepAt | None


@dataclass(frozen=True, slots=True)
class Blocked:
    """Why a call cannot see X: ``kind`` is "depends" (a task not depending on X), "order" (a step not after
    X) or "scope" (anything else)."""

    kind: str
    reason: str
    hint: str | None = None


def output_read(tag: str) -> tuple[str, str, str] | None:
    """``(prefix, X, output)`` when ``tag`` reads a result or an output parameter of a step or task."""
    parts = tag.split(".")
    if len(parts) < 4 or parts[0] not in PREFIXES or parts[2] != "outputs" or not parts[1]:
        return None
    if len(parts) == 4 and parts[3] == "result":
        return parts[0], parts[1], "result"
    if len(parts) == 5 and parts[3] == "parameters" and parts[4]:
        return parts[0], parts[1], f"parameters.{parts[4]}"
    return None


def own_reads(at: TemplateAt) -> list[SiblingRead]:
    """Distinct sibling reads in the template's own fields (its steps or tasks are callers, not readers)."""
    t = at.template
    own_children = {s.name for s in template_steps(at) if s.name}
    child_prefix = "tasks" if isinstance(t.get("dag"), dict) else "steps" if isinstance(t.get("steps"), list) else ""
    reads: dict[str, SiblingRead] = {}
    for path, text in own_tagged_strings(at):
        try:
            pieces = parse_template(text)
        except TemplateSyntaxError:
            continue  # the reference rule reports it
        for piece in pieces:
            if not isinstance(piece, Reference):
                continue
            found = output_read(piece.path)
            if found is None or (found[0] == child_prefix and found[1] in own_children):
                continue
            read = reads.get(piece.path)
            if read is None:
                read = reads[piece.path] = SiblingRead(piece.path, *found)
            read.occurrences.append(Occurrence(path, piece.start, piece.end, piece.body_span))
    return list(reads.values())


class CallIndex:
    """Every call of every template of one document, built once."""

    def __init__(self, manifest: Manifest) -> None:
        self.by_name: dict[str, list[Caller]] = {}
        self.by_inline: dict[JsonPath, Caller] = {}
        # Per DAG template and task X: the tasks that run after X (X's descendants), each set built once, so
        # deciding for every call costs O(tasks + dependencies) per X, not per call.
        self._after: dict[tuple[JsonPath, str], set[str]] = {}
        # Per DAG template: each task's direct dependents (the reverse of its DagInfo.deps), built once for all X.
        self._dependents: dict[JsonPath, dict[str, list[str]]] = {}
        self._named: dict[JsonPath, dict[str, StepAt]] = {}
        spec = manifest.workflow_spec
        entry = as_str(spec.get("entrypoint"))
        if entry:
            self._add(entry, Caller("the workflow's entrypoint", None))
        on_exit = as_str(spec.get("onExit"))
        if on_exit:
            self._add(on_exit, Caller("the workflow's exit handler (spec.onExit)", None))
        for key, hook in as_dict(spec.get("hooks")).items():
            target = as_str(as_dict(hook).get("template"))
            if target:
                self._add(target, Caller(f"the workflow's hook '{key}'", None))
        for step in all_steps(manifest):
            label = step_label(step)
            target = as_str(step.step.get("template"))
            if target and step.step.get("templateRef") is None:
                self._add(target, Caller(label, step))
            if isinstance(step.step.get("inline"), dict):
                self.by_inline[(*step.path, "inline")] = Caller(label, step)
            step_exit = as_str(step.step.get("onExit"))
            if step_exit:
                self._add(step_exit, Caller(f"the exit handler of {label}", None))
            for key, hook in as_dict(step.step.get("hooks")).items():
                target = as_str(as_dict(hook).get("template"))
                if target:
                    self._add(target, Caller(f"hook '{key}' of {label}", None))

    def _add(self, name: str, caller: Caller) -> None:
        self.by_name.setdefault(name, []).append(caller)

    def calls(self, at: TemplateAt) -> list[Caller]:
        if at.inline_in is not None:
            caller = self.by_inline.get(at.path)
            return [caller] if caller is not None else []
        return self.by_name.get(at.name or "", []) if at.name else []

    def named(self, owner: TemplateAt, name: str) -> StepAt | None:
        """The step or task called ``name`` in ``owner`` (the first, as Argo's name checks keep them unique)."""
        steps = self._named.get(owner.path)
        if steps is None:
            steps = self._named[owner.path] = {}
            for s in template_steps(owner):
                if s.name and s.name not in steps:
                    steps[s.name] = s
        return steps.get(name)

    def sibling(self, caller: Caller, read: SiblingRead) -> StepAt | None:
        """X as written next to the calling step or task, when there is one."""
        step = caller.step
        if step is None or step.is_task != (read.prefix == "tasks"):
            return None
        return self.named(step.owner, read.node)

    def runs_after(self, owner: TemplateAt, x: str) -> set[str]:
        """Tasks of the DAG ``owner`` that depend on task ``x``, directly or not."""
        key = (owner.path, x)
        found = self._after.get(key)
        if found is None:
            dependents = self._dependents.get(owner.path)
            if dependents is None:
                dependents = self._dependents[owner.path] = {}
                for name, deps in dag_info(owner).deps.items():
                    for dep in deps:
                        dependents.setdefault(dep, []).append(name)
            found = set()
            stack = list(dependents.get(x, ()))
            while stack:
                name = stack.pop()
                if name not in found:
                    found.add(name)
                    stack.extend(dependents.get(name, ()))
            self._after[key] = found
        return found

    def blocked(self, caller: Caller, read: SiblingRead) -> Blocked | None:
        """Why ``caller`` cannot see ``read.node``; None when it can (the reference would resolve there)."""
        step = caller.step
        x = read.node
        if step is None:
            kind = "a dag" if read.prefix == "tasks" else "a steps"
            return Blocked("scope", f"{read.noun} outputs can only be read in the {read.noun}s of {kind} template",
                           "pass the value in as an input parameter")
        owner = step.owner.name or "?"
        if read.prefix == "tasks" and not step.is_task:
            return Blocked("scope", f"{caller.label} is a step, and steps see no task outputs",
                           f"read {{{{steps.{x}.outputs.{read.output}}}}} when a step calls the template")
        if read.prefix == "steps" and step.is_task:
            return Blocked("scope", f"{caller.label} is a DAG task, and tasks see no step outputs",
                           f"read {{{{tasks.{x}.outputs.{read.output}}}}} when a task calls the template")
        there = self.sibling(caller, read)
        if there is None:
            return Blocked("scope", f"template '{owner}' has no {read.noun} '{x}' next to {caller.label}")
        if step.is_task:
            if x == step.name or (step.name or "") not in self.runs_after(step.owner, x):
                return Blocked("depends", f"task '{step.name}' does not depend on '{x}', so its outputs may not "
                               "exist yet", f"add '{x}' to the dependencies (or depends) of task '{step.name}'")
            return None
        here = step.group if step.group is not None else 0
        group = there.group if there.group is not None else 0
        if group >= here:
            when = "in parallel with it (same group)" if group == here else "after it"
            return Blocked("order", f"step '{x}' runs {when}",
                           f"move step '{step.name}' to a group after the one of '{x}'")
        return None


def call_index(manifest: Manifest) -> CallIndex:
    """The manifest's CallIndex, built once per validation (inside ``remembered_walks``) for every rule that reads
    it: the reference rule and the JSON-string rule each built their own."""
    return remembered(manifest, CallIndex)


def step_label(step: StepAt) -> str:
    noun = "task" if step.is_task else "step"
    return f"{noun} '{step.name or '?'}' of template '{step.owner.name or '?'}'"


@dataclass(slots=True)
class TemplatePlan:
    """A template's sibling reads, its calls, and each read's input parameter name."""

    at: TemplateAt
    calls: list[Caller]
    reads: list[SiblingRead]
    names: dict[str, str]  # tag -> input parameter name
    index: CallIndex

    def portable(self, read: SiblingRead) -> bool:
        """The read can be rewritten: it has calls and all of them are tasks or steps that see X."""
        return bool(self.calls) and all(self.index.blocked(c, read) is None for c in self.calls)


def plan(manifest: Manifest, index: CallIndex | None = None) -> Iterator[TemplatePlan]:
    """Templates of the document that read sibling outputs, with what the portable form would add."""
    built: CallIndex | None = index
    for at in spec_templates(manifest):
        reads = own_reads(at)
        if not reads:
            continue
        if built is None:
            built = CallIndex(manifest)
        calls = built.calls(at)
        yield TemplatePlan(at, calls, reads, parameter_names(at, reads, calls), built)


def referenced_reads(source: dict[str, Any], kind: str, template: dict[str, Any]) -> dict[str, tuple[SiblingRead,
                                                                                                     str]]:
    """Sibling reads of ``template``, a template of the WorkflowTemplate ``source`` called through templateRef,
    with the input parameter name each takes once ``source`` is stored in portable form (tag -> (read, name))."""
    manifest = Manifest(kind, source)
    for p in plan(manifest):
        if p.at.template is template:
            return {r.tag: (r, p.names[r.tag]) for r in p.reads}
    return {}


def parameter_names(at: TemplateAt, reads: list[SiblingRead], calls: list[Caller]) -> dict[str, str]:
    """``get-data-result`` for ``tasks.get-data.outputs.result``; ``-2``, ``-3``… only on a collision with an
    input the template declares, an argument a call passes, or another read. Sorted by tag, so stable."""
    taken = {n for p in as_list(as_dict(at.template.get("inputs")).get("parameters"))
             if (n := as_str(as_dict(p).get("name")))}
    for caller in calls:
        if caller.step is not None:
            taken.update(n for p in as_list(as_dict(caller.step.step.get("arguments")).get("parameters"))
                         if (n := as_str(as_dict(p).get("name"))))
    names: dict[str, str] = {}
    for read in sorted(reads, key=lambda r: r.tag):
        name, suffix = read.base_name, 2
        while name in taken:
            name, suffix = f"{read.base_name}-{suffix}", suffix + 1
        taken.add(name)
        names[read.tag] = name
    return names


def rewrite(manifest: Manifest) -> dict[str, str]:
    """Give every portable read its input parameter and arguments, in place; returns path → original text.

    A read is rewritten only when every call can see X (otherwise validation
    reports it, and a broken object is never rewritten), and only where the
    template's ``inputs`` and the calls' ``arguments`` have the shapes Argo
    expects. A rewritten object has no sibling reads left, so a second pass
    changes nothing.
    """
    originals: dict[str, str] = {}
    for p in list(plan(manifest)):
        reads = [r for r in p.reads if p.portable(r)]
        if not reads or not _room_for(p):
            continue
        replacements: dict[JsonPath, list[tuple[int, int, str]]] = {}
        for read in reads:
            for occ in read.occurrences:
                replacements.setdefault(occ.path, []).append(
                    (occ.start, occ.end, f"{{{{inputs.parameters.{p.names[read.tag]}}}}}"))
        for path, edits in replacements.items():
            text = get_path(manifest.data, path)
            if not isinstance(text, str):
                continue
            new = text
            for start, end, tag in sorted(edits, reverse=True):
                new = new[:start] + tag + new[end:]
            _set(manifest.data, path, new)
            originals[format_path(path)] = text
        params = _parameters(p.at.template, "inputs")
        for read in sorted(reads, key=lambda r: r.tag):
            params.append({"name": p.names[read.tag]})
        for caller in p.calls:
            assert caller.step is not None  # portable reads have only step and task callers
            arguments = _parameters(caller.step.step, "arguments")
            for read in sorted(reads, key=lambda r: r.tag):
                arguments.append({"name": p.names[read.tag], "value": f"{{{{{read.tag}}}}}"})
    return originals


def _room_for(p: TemplatePlan) -> bool:
    """``inputs.parameters`` and every call's ``arguments.parameters`` are absent or of the right types."""
    if not _list_slot(p.at.template, "inputs"):
        return False
    return all(c.step is not None and _list_slot(c.step.step, "arguments") for c in p.calls)


def _list_slot(holder: dict[str, Any], key: str) -> bool:
    outer = holder.get(key)
    if outer is None:
        return True
    return isinstance(outer, dict) and (outer.get("parameters") is None or isinstance(outer["parameters"], list))


def _parameters(holder: dict[str, Any], key: str) -> list[Any]:
    """``holder[key]["parameters"]``, made where absent (``_room_for`` has checked the types)."""
    if holder.get(key) is None:
        holder[key] = {}
    outer = holder[key]
    if outer.get("parameters") is None:
        outer["parameters"] = []
    params: list[Any] = outer["parameters"]
    return params


def _set(data: object, path: JsonPath, value: str) -> None:
    parent = get_path(data, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent[last] = value
        return
    if isinstance(parent, list) and isinstance(last, int):
        parent[last] = value
