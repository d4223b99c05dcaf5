"""Steps and tasks: a name, unique in its template; one loop; then the call, its arguments and its hooks.

Codes AW206–AW208 and AW231; each step's call is checked as every call is (calls.py) and its
arguments against the called template's inputs (arguments.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from webhook.diagnostics import Finding, JsonPath, Severity, define
from webhook.spec.resolve import CallState, Resolver
from webhook.spec.walk import TemplateAt, template_steps
from webhook.templating import replace_tags
from webhook.validation.context import ValidationContext
from webhook.validation.structure.arguments import has_arguments_to_check, step_arguments
from webhook.validation.structure.calls import CALL_UNDEFINED, call_problems, check_hooks
from webhook.validation.structure.templates import FIELD_NAME_FORM

STEP_NAME_MISSING = define(
    "AW206", Severity.ERROR, "a step or task has no name",
    why="Steps and tasks are referred to by name (outputs, dependencies).",
    mirrors="validate.go: validateSteps/validateDAG: 'name is required'",
)
STEP_NAME_INVALID = define(
    "AW207", Severity.ERROR, "a step or task name is malformed",
    why="Step and task names become node names and must be DNS-like.",
    mirrors="validate.go: isValidStepName / isValidWorkflowFieldName",
)
STEP_NAME_DUPLICATE = define(
    "AW208", Severity.ERROR, "two steps or tasks share a name",
    why="Two steps or tasks of one name make their outputs and dependencies ambiguous.",
    mirrors="validate.go: validateSteps/validateWorkflowFieldNames: 'is not unique'",
)
LOOP_FIELDS = define(
    "AW231", Severity.ERROR, "a loop is declared more than one way",
    why="A step loops over withItems, withParam or withSequence: one of them.",
    mirrors="validate.go: addItemsToScope: 'only one of withItems, withParam, withSequence can be specified'",
)

_LOOP_KEYS = frozenset({"withItems", "withParam", "withSequence"})


def check_steps(at: TemplateAt, resolver: Resolver[ValidationContext], used: set[str]) -> Iterator[Finding]:
    """The steps or tasks of one template; adds the templates they call to ``used`` (for unused.py).

    Hooks and onExit count as calls even when they name nothing that resolves: a template
    named there is not reported as unused (unused.py decides what a computed name means).
    """
    seen: dict[str, JsonPath] = {}
    for step in template_steps(at):
        s = step.step
        what = "task" if step.is_task else "step"
        name = s.get("name")
        if not isinstance(name, str) or not name:
            if name is None or name == "":
                yield Finding(STEP_NAME_MISSING, step.path, f"{what} has no name")
        else:
            check_name = replace_tags(name, "x") if "{{" in name else name
            if len(check_name) > 128 or not FIELD_NAME_FORM.match(check_name):
                yield Finding(STEP_NAME_INVALID, (*step.path, "name"), f"{what} name {name!r} is malformed",
                              hint="use letters, digits and '-', starting with a letter or digit")
            if name in seen:
                yield Finding(STEP_NAME_DUPLICATE, (*step.path, "name"),
                              f"{what} name '{name}' is used twice in template '{at.name or '?'}'",
                              hint="every step of a template (across all groups) needs its own name"
                              if not step.is_task else "every task of a dag needs its own name")
            else:
                seen[name] = step.path
        call = resolver.call(s, step.path)
        if call.state is CallState.RESOLVED and call.target and call.target != "<inline>" and "/" not in call.target:
            used.add(call.target)
        label = f"{what} '{name}'" if isinstance(name, str) and name else what
        if call.state is not CallState.RESOLVED:  # a resolved call has no problem to report
            yield from call_problems(call, resolver, CALL_UNDEFINED, label)
        if has_arguments_to_check(step, call):
            yield from step_arguments(step, call)
        if not _LOOP_KEYS.isdisjoint(s):  # most steps do not loop
            loops = [k for k in ("withItems", "withParam", "withSequence") if s.get(k) not in (None, "", [])]
            if len(loops) > 1:
                yield Finding(LOOP_FIELDS, (*step.path, loops[1]),
                              f"{label} uses {' and '.join(loops)}; only one loop is allowed", on_key=True)
            seq = s.get("withSequence")
            if isinstance(seq, dict) and seq.get("count") is not None and seq.get("end") is not None:
                yield Finding(LOOP_FIELDS, (*step.path, "withSequence"),
                              f"{label}: withSequence takes 'count' or 'end', not both", on_key=True)
        hooks = s.get("hooks")
        if isinstance(hooks, dict):
            used.update(hook["template"] for hook in hooks.values()
                        if isinstance(hook, dict) and isinstance(hook.get("template"), str))
            yield from check_hooks(hooks, (*step.path, "hooks"), resolver)
        on_exit = s.get("onExit")
        if isinstance(on_exit, str):
            used.add(on_exit)
        if isinstance(on_exit, str) and on_exit:
            exit_call = resolver.by_name(on_exit, (*step.path, "onExit"))
            if exit_call.state is not CallState.RESOLVED:
                yield from call_problems(exit_call, resolver, CALL_UNDEFINED, f"{label} onExit")
