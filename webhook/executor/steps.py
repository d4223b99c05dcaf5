"""A steps template: groups run in order, the steps of a group in parallel.

Each group is a StepGroup node ``<steps>[i]``; its steps are ``<steps>[i].<name>``
(loops add ``(index:item)``). A group fails when one of its steps failed or
errored without ``continueOn`` for it (message ``child '<id>' failed``, as
upstream), and then the steps template stops with the group's message. Outputs
of a group (``steps.X.outputs.result``…) are in scope for the groups after it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from webhook.executor.calls import Boundary, Invocation, Runner, publish, publish_aggregate
from webhook.executor.depends import continues_on
from webhook.executor.loops import LoopError, has_loop, iterations
from webhook.executor.nodes import Node, NodeType, Phase
from webhook.executor.scope import RenderError, Scope
from webhook.executor.templates import TemplateScope
from webhook.spec.walk import as_list, as_str


def step_groups(template: dict[str, Any]) -> list[list[dict[str, Any]]]:
    groups = []
    for group in as_list(template.get("steps")):
        # The older form {steps: [...]} for a group is still accepted by Argo.
        items = group.get("steps") if isinstance(group, dict) else group
        groups.append([s for s in as_list(items) if isinstance(s, dict)])
    return groups


async def run_steps(run: Runner, node: Node, template: dict[str, Any], scope: Scope, boundary: Boundary,
                    template_scope: TemplateScope) -> tuple[Phase, str, Scope]:
    previous: list[Node] = [node]
    for index, group in enumerate(step_groups(template)):
        group_node = run.new_node(f"{node.name}[{index}]", f"[{index}]", NodeType.STEP_GROUP, None,
                                  parent=node, boundary=boundary, predecessors=previous)
        calls: list[tuple[dict[str, Any], list[Node]]] = []
        runs: list[tuple[Invocation, list[Node]]] = []
        looped: set[int] = set()
        for step in group:
            name = as_str(step.get("name")) or "step"
            children: list[Node] = []
            calls.append((step, children))
            base = Invocation(step, f"{group_node.name}.{name}", name, scope, group_node, boundary, template_scope,
                              [group_node], ("steps", name))
            runs.append((base, children))
        try:
            if len(runs) == 1 and not has_loop(runs[0][0].holder):
                # A group of one step needs no task and no wrapper of its own: one loop turn and frame less.
                runs[0][1].append(await run.invoke(runs[0][0]))
            elif runs:
                await asyncio.gather(*(_run_step(run, base, children, looped) for base, children in runs))
        except asyncio.CancelledError:
            if not group_node.phase.fulfilled:
                from webhook.executor.deadlines import cancel_reason

                run.finish(group_node, Phase.FAILED, cancel_reason())
            raise
        failed = next(((step, child) for step, children in calls for child in children
                       if child.phase.failed_or_error and not continues_on(step, child.phase)), None)
        if failed is not None:
            message = f"child '{failed[1].id}' failed"
            run.finish(group_node, Phase.FAILED, message)
            return Phase.FAILED, message, scope
        run.finish(group_node, Phase.SUCCEEDED)
        values: dict[str, str] = {}
        for step, children in calls:
            name = as_str(step.get("name")) or "step"
            if id(children) in looped:
                values.update(publish_aggregate("steps", name, group_node, children, run.facts))
            elif children:
                values.update(publish("steps", name, children[0], run.facts))
        # The scope is this invocation's own and no step of an earlier group uses it any more: extend it in place
        # rather than copying a dict that grows with every group.
        scope.values.update(values)
        previous = [child for _, children in calls for child in children]
    return Phase.SUCCEEDED, "", scope


async def _run_step(run: Runner, base: Any, out: list[Node], looped: set[int]) -> None:
    """Run one step (every iteration of its loop), appending the nodes it made to ``out``.

    ``id(out)`` goes into ``looped`` when iterations ran (their outputs are then aggregated).
    """
    from dataclasses import replace

    step = base.holder
    if not has_loop(step):
        out.append(await run.invoke(base))
        return
    try:
        items = iterations(step, base.scope)
    except (LoopError, RenderError) as exc:
        out.append(run.skipped(base, Phase.ERROR, str(exc)))
        return
    if not items:
        out.append(run.skipped(base, Phase.SKIPPED, "Skipped, empty params"))
        return
    looped.add(id(out))
    calls = [replace(base, name=base.name + it.node_suffix(), display=base.display + it.node_suffix(),
                     scope=base.scope.with_item(it.item)) for it in items]
    out.extend(await asyncio.gather(*(run.invoke(call) for call in calls)))
