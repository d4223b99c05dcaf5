"""A DAG template: tasks start as soon as the tasks they depend on are done and their ``depends`` holds.

A task whose ``depends`` is false is Omitted. The DAG's phase follows Argo's
``assessDAGPhase``: each target task (``dag.target``, or every task nothing
depends on) has a branch phase, its own when it ran, otherwise inherited from
the tasks it depends on (failures first); a failed branch fails the DAG unless
the target has ``continueOn`` for it. With ``failFast`` (the default) no task
starts once a target's branch has failed; running tasks finish.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import replace
from typing import Any

from webhook.executor.calls import Boundary, Invocation, Runner, publish, publish_aggregate
from webhook.executor.deadlines import cancel_reason
from webhook.executor.depends import DependsError, TaskResult, continues_on, depends_expression, should_run
from webhook.executor.loops import LoopError, has_loop, iterations
from webhook.executor.nodes import Node, NodeType, Phase
from webhook.executor.scope import RenderError, Scope
from webhook.executor.templates import TemplateScope
from webhook.spec.depends import task_dependencies
from webhook.spec.walk import as_dict, as_list, as_str
from webhook.suggest import did_you_mean

# The task's node, its result for depends, the values it publishes, and its outbound nodes (None: the node).
TaskOutcome = tuple[Node, TaskResult, dict[str, str], list[Node] | None]


async def run_dag(run: Runner, node: Node, template: dict[str, Any], scope: Scope, boundary: Boundary,
                  template_scope: TemplateScope) -> tuple[Phase, str, Scope]:
    return await _Dag(run, node, template, scope, boundary, template_scope).run()


class _Dag:
    def __init__(self, run: Runner, node: Node, template: dict[str, Any], scope: Scope, boundary: Boundary,
                 template_scope: TemplateScope) -> None:
        self.run_ = run
        self.node = node
        self.scope = scope
        self.boundary = boundary
        self.template_scope = template_scope
        dag = as_dict(template.get("dag"))
        self.tasks: dict[str, dict[str, Any]] = {}
        for task in as_list(dag.get("tasks")):
            if isinstance(task, dict) and isinstance(task.get("name"), str):
                self.tasks.setdefault(task["name"], task)
        self.deps = {name: task_dependencies(task) & self.tasks.keys() for name, task in self.tasks.items()}
        self.fail_fast = dag.get("failFast") is not False
        self.target_text = dag.get("target")
        self.nodes: dict[str, Node] = {}
        # The nodes a dependent task hangs under in Argo's graph: the task's node, or a loop's iterations.
        self.outbound: dict[str, list[Node]] = {}
        self.results: dict[str, TaskResult] = {}
        self.values: dict[str, dict[str, str]] = {}
        self._ancestors: dict[str, set[str]] = {}

    async def run(self) -> tuple[Phase, str, Scope]:
        try:
            targets = self._targets()
        except (RenderError, ValueError) as exc:
            return Phase.ERROR, str(exc), self.scope
        needed = set(self.tasks)
        if isinstance(self.target_text, str) and self.target_text.strip():
            needed = set(targets).union(*(self.ancestors(t) for t in targets))
        remaining = {t: len(self.deps[t]) for t in needed}
        dependents: dict[str, list[str]] = {t: [] for t in needed}
        for t in self.tasks:
            if t in needed:
                for d in self.deps[t]:
                    dependents[d].append(t)
        ready = deque(t for t in self.tasks if t in needed and remaining[t] == 0)
        running: dict[asyncio.Task[TaskOutcome], str] = {}
        # Finished tasks arrive here (asyncio.wait would re-register a callback on every running task each
        # time one finishes: quadratic in a wide DAG).
        finished: asyncio.Queue[asyncio.Task[TaskOutcome]] = asyncio.Queue()
        stopped = False
        unassessed = False
        try:
            while ready or running:
                # As Argo's controller does in one pass: start whatever is ready, then judge the targets.
                while ready and not stopped:
                    name = ready.popleft()
                    decided = self._decide(name)
                    if decided is None:
                        task = asyncio.create_task(self._run_task(name))
                        task.add_done_callback(finished.put_nowait)
                        running[task] = name
                        continue
                    unassessed = True
                    self._record(name, decided)
                    for u in dependents[name]:
                        remaining[u] -= 1
                        if remaining[u] == 0:
                            ready.append(u)
                if unassessed and self.fail_fast and self._failing(targets) is not None:
                    stopped = True
                unassessed = False
                if not running:
                    break
                done = [await finished.get()]
                while not finished.empty():
                    done.append(finished.get_nowait())
                for task in done:
                    name = running.pop(task)
                    outcome = task.result()
                    self._record(name, outcome)
                    unassessed = unassessed or outcome[0].phase.failed_or_error
                    for u in dependents[name]:
                        remaining[u] -= 1
                        if remaining[u] == 0:
                            ready.append(u)
        except asyncio.CancelledError:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise
        failing = self._failing(targets)
        final_scope = self.scope.derive({k: v for values in self.values.values() for k, v in values.items()})
        if failing is None:
            return Phase.SUCCEEDED, "", final_scope
        phase, culprit = failing
        return phase, f"child '{culprit.id}' failed", final_scope

    def _targets(self) -> list[str]:
        text = self.target_text
        if isinstance(text, str) and text.strip():
            names = [t for t in self.scope.render(text).split(" ") if t]
            for t in names:
                if t not in self.tasks:
                    hint = did_you_mean(t, self.tasks)
                    raise ValueError(f"target '{t}' is not a task of this DAG" + (f" ({hint})" if hint else ""))
            return names
        depended = set().union(*self.deps.values()) if self.deps else set()
        return [t for t in self.tasks if t not in depended]

    def ancestors(self, name: str) -> set[str]:
        known = self._ancestors.get(name)
        if known is not None:
            return known
        out: set[str] = set()
        stack = list(self.deps.get(name, ()))
        while stack:
            d = stack.pop()
            if d not in out:
                out.add(d)
                stack.extend(self.deps.get(d, ()))
        self._ancestors[name] = out
        return out

    def _invocation(self, name: str) -> Invocation:
        task = self.tasks[name]
        values: dict[str, str] = {}
        for ancestor in self.ancestors(name):
            values.update(self.values.get(ancestor, {}))
        predecessors = [n for d in sorted(self.deps[name]) for n in self.outbound.get(d, ())] or [self.node]
        return Invocation(task, f"{self.node.name}.{name}", name, self.scope.derive(values) if values else self.scope,
                          self.node, self.boundary, self.template_scope, predecessors, ("tasks", name))

    def _decide(self, name: str) -> TaskOutcome | None:
        """The task's outcome when it does not run (Omitted, or Error for a broken depends); None to run it."""
        expression = depends_expression(self.tasks[name])
        if expression is None:
            return None
        try:
            if should_run(expression, self.tasks, self.results):
                return None
            phase, message = Phase.OMITTED, "omitted: depends condition not met"
        except DependsError as exc:
            phase, message = Phase.ERROR, str(exc)
        node = self.run_.skipped(self._invocation(name), phase, message)
        return node, TaskResult(node.phase), {}, None

    def _record(self, name: str, outcome: TaskOutcome) -> None:
        node, result, values, outbound = outcome
        self.outbound[name] = outbound if outbound is not None else [node]
        self.nodes[name] = node
        self.results[name] = result
        self.values[name] = values

    async def _run_task(self, name: str) -> TaskOutcome:
        inv = self._invocation(name)
        if not has_loop(inv.holder):
            node = await self.run_.invoke(inv)
            return node, TaskResult(node.phase), publish("tasks", name, node, self.run_.facts), None
        try:
            items = iterations(inv.holder, inv.scope)
        except (LoopError, RenderError) as exc:
            node = self.run_.skipped(inv, Phase.ERROR, str(exc))
            return node, TaskResult(node.phase), {}, None
        if not items:
            node = self.run_.skipped(inv, Phase.SKIPPED, "Skipped, empty params")
            return node, TaskResult(node.phase), publish("tasks", name, node, self.run_.facts), None
        group = self.run_.new_node(inv.name, name, NodeType.TASK_GROUP, as_str(inv.holder.get("template")),
                                   parent=self.node, boundary=self.boundary, predecessors=inv.predecessors)
        calls = [replace(inv, name=inv.name + it.node_suffix(), display=name + it.node_suffix(),
                         scope=inv.scope.with_item(it.item), parent=group, predecessors=[group]) for it in items]
        try:
            children = list(await asyncio.gather(*(self.run_.invoke(call) for call in calls)))
        except asyncio.CancelledError:
            if not group.phase.fulfilled:
                self.run_.finish(group, Phase.FAILED, cancel_reason())
            raise
        phase = Phase.SUCCEEDED
        for child in children:
            if child.phase.failed_or_error:
                phase = child.phase
        self.run_.finish(group, phase)
        result = TaskResult(phase, any(c.phase is Phase.SUCCEEDED for c in children),
                            all(c.phase is Phase.FAILED for c in children))
        return group, result, publish_aggregate("tasks", name, group, children, self.run_.facts), children

    def _failing(self, targets: list[str]) -> tuple[Phase, Node] | None:
        """The first target whose branch failed (without continueOn for it): its phase and the node that failed."""
        memo: dict[str, tuple[Phase, Node | None] | None] = {}
        for target in targets:
            branch = self._branch(target, memo)
            if branch is None:
                continue
            phase, culprit = branch
            if phase.failed_or_error and not continues_on(self.tasks[target], phase) and culprit is not None:
                return phase, culprit
        return None

    def _branch(self, name: str, memo: dict[str, tuple[Phase, Node | None] | None]) -> tuple[Phase, Node | None] | None:
        if name in memo:
            return memo[name]
        memo[name] = None  # cycles cannot run; validation refuses them, this only guards the walk
        node = self.nodes.get(name)
        if node is None or not node.phase.fulfilled:
            return None
        if node.phase.completed:
            memo[name] = (node.phase, node)
            return memo[name]
        inherited: tuple[Phase, Node | None] = (Phase.SUCCEEDED, None)
        for dep in sorted(self.deps[name]):
            parent = self._branch(dep, memo)
            if parent is not None and parent[0].failed_or_error:
                inherited = parent
                break
        memo[name] = inherited
        return inherited
