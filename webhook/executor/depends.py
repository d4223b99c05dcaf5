"""Whether a DAG task runs, given its ``depends`` (or ``dependencies``) and the results of the tasks it names.

The expression is parsed once by the validator's parser (grammar/depends.lark);
each ``task`` or ``task.Result`` is replaced by true or false and the rest
(``&& || ! ( )``) evaluated. A bare name means ``Succeeded || Skipped ||
Daemoned``, plus ``Failed``/``Errored`` when that task has ``continueOn`` for
it; ``dependencies: [a, b]`` means ``a && b``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webhook.executor.nodes import Phase
from webhook.executor.when import WhenError, evaluate_when
from webhook.spec.depends import DependsSyntaxError, parse_depends
from webhook.spec.walk import as_dict, as_list


class DependsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TaskResult:
    phase: Phase
    # For looped tasks: whether any iteration succeeded / every iteration failed.
    any_succeeded: bool = False
    all_failed: bool = False

    def has(self, result: str) -> bool:
        if result == "Succeeded":
            return self.phase is Phase.SUCCEEDED
        if result == "Failed":
            return self.phase is Phase.FAILED
        if result == "Errored":
            return self.phase is Phase.ERROR
        if result == "Skipped":
            return self.phase is Phase.SKIPPED
        if result == "Omitted":
            return self.phase is Phase.OMITTED
        if result == "AnySucceeded":
            return self.any_succeeded
        if result == "AllFailed":
            return self.all_failed
        return False  # Daemoned: nothing here runs as a daemon


def depends_expression(task: dict[str, Any]) -> str | None:
    depends = task.get("depends")
    if isinstance(depends, str) and depends.strip():
        return depends
    names = [d for d in as_list(task.get("dependencies")) if isinstance(d, str)]
    return " && ".join(names) if names else None


def continues_on(task: dict[str, Any], phase: Phase) -> bool:
    continue_on = as_dict(task.get("continueOn"))
    return (phase is Phase.FAILED and continue_on.get("failed") is True) or \
        (phase is Phase.ERROR and continue_on.get("error") is True)


def should_run(expression: str, tasks: dict[str, dict[str, Any]], results: dict[str, TaskResult]) -> bool:
    """Raises DependsError for an expression that does not parse or names a task without a result."""
    try:
        refs = parse_depends(expression)
    except DependsSyntaxError as exc:
        raise DependsError(f"unable to evaluate depends '{expression}': {exc.message}") from None
    out: list[str] = []
    pos = 0
    for ref in refs:
        result = results.get(ref.task)
        if result is None:
            raise DependsError(f"unable to evaluate depends '{expression}': task '{ref.task}' has no result")
        if ref.result is None:
            task = tasks.get(ref.task, {})
            value = result.phase in (Phase.SUCCEEDED, Phase.SKIPPED) or continues_on(task, result.phase)
        else:
            value = result.has(ref.result)
        out.append(expression[pos:ref.start])
        out.append("true" if value else "false")
        pos = ref.end
    out.append(expression[pos:])
    try:
        return evaluate_when("".join(out))
    except WhenError as exc:
        raise DependsError(f"unable to evaluate depends '{expression}': {exc}") from None
