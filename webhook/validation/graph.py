"""DAG dependencies: `dependencies` and `depends` (grammar/depends.lark), unknown tasks, results, cycles.

Codes AW300–AW399. ``dag_info`` and its ``ancestors`` are also what the reference
rule uses to decide which tasks' outputs a task may read; the depends grammar's
parser is ``webhook.spec.depends``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from webhook.diagnostics import Finding, JsonPath, Severity, define
from webhook.manifest import Manifest
from webhook.spec.depends import DependsSyntaxError, parse_depends, task_dependencies
from webhook.spec.walk import StepAt, TemplateAt, as_dict, as_list, remembered, spec_templates, template_steps
from webhook.suggest import did_you_mean, one_of
from webhook.validation.context import ValidationContext

UNKNOWN_TASK = define(
    "AW300", Severity.ERROR, "a dependency names a task that does not exist",
    why="A dependency on a task that does not exist is refused.",
    mirrors="validate.go: validateDAG: 'dependency ... not defined'",
)
DEPENDS_SYNTAX = define(
    "AW301", Severity.ERROR, "a depends expression does not parse",
    why="A depends expression that does not parse is refused.",
    mirrors="validate.go: sortDAGTasks / common.GetTaskDependencies",
)
UNKNOWN_RESULT = define(
    "AW302", Severity.ERROR, "a depends expression names an unknown task result",
    why="depends accepts only the task results Argo knows (Succeeded, Failed, ...).",
    mirrors="common.ValidateTaskResults: 'task result ... is invalid'",
)
CYCLE = define(
    "AW303", Severity.ERROR, "tasks depend on each other in a cycle",
    why="Tasks that depend on each other in a cycle never start.",
    mirrors="validate.go: verifyNoCycles / sortDAGTasks: 'dependency cycle detected'",
)
MIXED_DEPENDS = define(
    "AW304", Severity.ERROR, "a DAG mixes depends and dependencies",
    why="A DAG uses depends or dependencies, not both.",
    mirrors="validate.go: validateDAG: 'cannot use both 'depends' and 'dependencies''",
)
CONTINUE_ON_DEPENDS = define(
    "AW305", Severity.ERROR, "continueOn cannot be combined with depends",
    why="With depends, failures are handled in the expression; continueOn is refused.",
    mirrors="validate.go: validateDAG: 'cannot use 'continueOn' when using 'depends''",
)
DIGIT_TASK_NAME = define(
    "AW306", Severity.ERROR, "a task name starts with a digit in a DAG with dependencies",
    why="A task name that starts with a digit cannot be used in depends expressions.",
    mirrors="validate.go: validateDAG: 'name cannot begin with a digit'",
)
ITEMS_RESULT = define(
    "AW307", Severity.ERROR, "an items result is used on a task without a loop",
    why="AnySucceeded/AllFailed only mean something for a task that loops.",
    mirrors="validate.go: validateDAG: 'uses an items-based condition ... but does not contain any items'",
)
UNKNOWN_TARGET = define(
    "AW308", Severity.ERROR, "a DAG target names a task that does not exist",
    why="A DAG target must name tasks of the DAG.",
    mirrors="validate.go: validateDAGTargets: 'target ... is not defined'",
)

TASK_RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed")
ITEMS_RESULTS = ("AnySucceeded", "AllFailed")


@dataclass(slots=True)
class DagInfo:
    """Tasks of one DAG template by name, and each task's direct dependencies."""

    tasks: dict[str, StepAt] = field(default_factory=dict)
    deps: dict[str, set[str]] = field(default_factory=dict)
    # Each task's ancestors as a bit set over task numbers, built once on first need (see _closure).
    _bits: dict[str, int] | None = None
    _number: dict[str, int] | None = None

    def ancestors(self, name: str) -> set[str]:
        bits = self._closure().get(name, 0)
        return {n for n in self.tasks if bits >> self._numbers()[n] & 1}

    def depends_on(self, name: str, other: str) -> bool:
        """True when ``other`` is a task that ``name`` waits for, directly or transitively."""
        number = self._numbers().get(other)
        return number is not None and bool(self._closure().get(name, 0) >> number & 1)

    def _numbers(self) -> dict[str, int]:
        if self._number is None:
            self._number = {n: i for i, n in enumerate(self.tasks)}
        return self._number

    def _closure(self) -> dict[str, int]:
        """Ancestors of every task at once: one pass in dependency order, OR-ing bit sets.

        Asking each task for its ancestors by a walk was quadratic in a chain (a
        3,000-task chain took 16 s to lint); the bit sets cost n/64 machine words per
        edge. A task in a cycle ends with what it could see before the cycle closed
        (the cycle itself is reported as AW303).
        """
        if self._bits is not None:
            return self._bits
        numbers = self._numbers()
        bits: dict[str, int] = {}
        on_stack: set[str] = set()
        for root in self.tasks:
            if root in bits:
                continue
            stack: list[tuple[str, list[str]]] = [(root, [d for d in self.deps.get(root, ()) if d in numbers])]
            on_stack.add(root)
            while stack:
                node, pending = stack[-1]
                if pending:
                    dep = pending.pop()
                    if dep not in bits and dep not in on_stack:
                        on_stack.add(dep)
                        stack.append((dep, [d for d in self.deps.get(dep, ()) if d in numbers]))
                    continue
                stack.pop()
                on_stack.discard(node)
                acc = 0
                for dep in self.deps.get(node, ()):
                    number = numbers.get(dep)
                    if number is not None:
                        acc |= (1 << number) | bits.get(dep, 0)
                bits[node] = acc
        self._bits = bits
        return bits


def dag_info(at: TemplateAt) -> DagInfo:
    """The DAG's tasks and dependencies, made once per validation: the graph, reference and sibling-read
    checks all ask for it, and ``depends`` is parsed when it is made."""
    return remembered(at, _dag_info)


def _dag_info(at: TemplateAt) -> DagInfo:
    info = DagInfo()
    for step in template_steps(at):
        if step.is_task and step.name:
            info.tasks.setdefault(step.name, step)
    for name, step in info.tasks.items():
        info.deps[name] = task_dependencies(step.step)
    return info


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    for at in spec_templates(manifest):
        dag = at.template.get("dag")
        if isinstance(dag, dict):
            yield from _check_dag(at, as_dict(dag))


def _check_dag(at: TemplateAt, dag: dict[str, Any]) -> Iterator[Finding]:
    info = dag_info(at)
    names = list(info.tasks)
    label = f"template '{at.name}'" if at.name else "dag"
    using_depends = any(isinstance(s.step.get("depends"), str) and s.step["depends"].strip()
                        for s in info.tasks.values())
    mixed_reported = False
    for name, step in info.tasks.items():
        task = step.step
        has_deps = bool(as_list(task.get("dependencies")))
        depends = task.get("depends")
        if (using_depends or has_deps) and name[0].isdigit():
            yield Finding(DIGIT_TASK_NAME, (*step.path, "name"),
                          f"task name '{name}' starts with a digit, which depends/dependencies cannot name",
                          hint="start task names with a letter")
        if using_depends and has_deps and not mixed_reported:
            mixed_reported = True
            yield Finding(MIXED_DEPENDS, (*step.path, "dependencies"),
                          f"{label} uses both 'depends' and 'dependencies'", on_key=True,
                          hint="use 'depends' everywhere: 'dependencies: [a, b]' is 'depends: a && b'")
        if using_depends and task.get("continueOn") is not None:
            yield Finding(CONTINUE_ON_DEPENDS, (*step.path, "continueOn"),
                          f"task '{name}': continueOn cannot be used in a DAG that uses 'depends'", on_key=True,
                          hint="write the accepted results in depends instead, e.g. 'a.Failed || a.Succeeded'")
        for i, dep in enumerate(as_list(task.get("dependencies"))):
            if isinstance(dep, str) and dep not in info.tasks:
                yield Finding(UNKNOWN_TASK, (*step.path, "dependencies", i),
                              f"task '{name}' depends on '{dep}', which is not a task of {label}",
                              hint=did_you_mean(dep, names) or f"tasks: {one_of(names)}")
        if isinstance(depends, str) and depends.strip():
            yield from _check_depends(step, name, depends, info, names, label)
    yield from _cycles(info)
    target = dag.get("target")
    if isinstance(target, str) and target.strip():
        offset = 0
        for word in target.split(" "):
            if word and "{{" not in word and word not in info.tasks:
                yield Finding(UNKNOWN_TARGET, (*at.path, "dag", "target"),
                              f"target '{word}' is not a task of {label}", span=(offset, offset + len(word)),
                              hint=did_you_mean(word, names))
            offset += len(word) + 1


def _check_depends(step: StepAt, name: str, depends: str, info: DagInfo, names: list[str],
                   label: str) -> Iterator[Finding]:
    path: JsonPath = (*step.path, "depends")
    try:
        refs = parse_depends(depends)
    except DependsSyntaxError as exc:
        yield Finding(DEPENDS_SYNTAX, path, f"task '{name}': {exc.message}", span=(exc.start, exc.end),
                      hint="combine task names (or task.Result) with &&, || and !, grouped with ( )")
        return
    for ref in refs:
        if ref.task not in info.tasks:
            yield Finding(UNKNOWN_TASK, path, f"task '{name}' depends on '{ref.task}', which is not a task of {label}",
                          span=(ref.start, ref.start + len(ref.task)),
                          hint=did_you_mean(ref.task, names) or f"tasks: {one_of(names)}")
            continue
        if ref.result is None:
            continue
        span = (ref.result_start, ref.result_start + len(ref.result))
        if ref.result not in TASK_RESULTS:
            yield Finding(UNKNOWN_RESULT, path, f"'{ref.result}' is not a task result",
                          span=span, hint=did_you_mean(ref.result, TASK_RESULTS) or
                          f"results: {', '.join(TASK_RESULTS)}")
        elif ref.result in ITEMS_RESULTS:
            dep = info.tasks[ref.task].step
            if not any(dep.get(k) not in (None, "", []) for k in ("withItems", "withParam", "withSequence")):
                yield Finding(ITEMS_RESULT, path,
                              f"'{ref.task}.{ref.result}' needs a looped task, but '{ref.task}' has no "
                              "withItems, withParam or withSequence", span=span,
                              hint="use .Succeeded or .Failed for a single task")


def _cycles(info: DagInfo) -> Iterator[Finding]:
    # Iterative DFS with colours; each cycle is reported once, at the task that closes it.
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(info.tasks, WHITE)
    reported: set[frozenset[str]] = set()
    for root in info.tasks:
        if colour[root] != WHITE:
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(info.deps.get(root, ())))]
        path = [root]
        colour[root] = GREY
        while stack:
            node, pending = stack[-1]
            if not pending:
                colour[node] = BLACK
                stack.pop()
                path.pop()
                continue
            dep = pending.pop()
            if dep not in info.tasks:
                continue
            if colour[dep] == GREY:
                cycle = [*path[path.index(dep):], dep]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    step = info.tasks[node]
                    field_name = "depends" if isinstance(step.step.get("depends"), str) else "dependencies"
                    msg = (f"task '{dep}' depends on itself" if len(cycle) == 2
                           else f"dependency cycle: {' -> '.join(cycle)}")
                    yield Finding(CYCLE, (*step.path, field_name), msg, on_key=True,
                                  hint="a DAG task cannot wait for a task that waits for it")
            elif colour[dep] == WHITE:
                colour[dep] = GREY
                path.append(dep)
                stack.append((dep, sorted(info.deps.get(dep, ()))))
