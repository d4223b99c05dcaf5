"""``argo_outcome``: what Argo's agent makes of a successCondition, exactly (util/expr/argoexpr, agent.go).

The condition is compiled as ``expr.Compile(cond, expr.Env(env))`` compiles it and run
with ``expr.Run``; a result that is not a boolean is an error. Every error fails the
node (phase Failed) with expr's message; false fails it with "evaluated false".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webhook.conditions.compiling import compile_condition
from webhook.conditions.errors import ConditionError
from webhook.conditions.values import format_value

TRUE, FALSE, COMPILE, RUNTIME, NOT_BOOLEAN = "true", "false", "compile-error", "runtime-error", "not-boolean"


@dataclass(frozen=True, slots=True)
class ArgoOutcome:
    kind: str  # true | false | compile-error | runtime-error | not-boolean
    value: Any  # the condition's value (None after an error)
    message: str  # the node's message in Argo ("" when the condition holds)
    error: ConditionError | None = None

    @property
    def succeeded(self) -> bool:
        return self.kind == TRUE

    @property
    def phase(self) -> str:
        return "Succeeded" if self.kind == TRUE else "Failed"


def argo_outcome(text: str, env: Mapping[str, Any], *, dialect: bool = False) -> ArgoOutcome:
    """Argo's answer for ``text`` in ``env`` (the request/response values of http_environment).

    ``dialect``: read argo-warden's seed dialect (``status_code``) as its portable form, as argo-warden's
    admission webhook rewrites it before Argo sees it; without it, the text is what Argo runs.
    """
    try:
        compiled = compile_condition(text, dialect=dialect)
    except ConditionError as exc:
        return ArgoOutcome(COMPILE, None, expr_error(text, exc), exc)
    try:
        value = compiled.evaluate(env)
    except ConditionError as exc:
        return ArgoOutcome(RUNTIME, None, f"unable to evaluate expression '{text}': {expr_error(text, exc)}", exc)
    if value is True:
        return ArgoOutcome(TRUE, True, "")
    if value is False:
        return ArgoOutcome(FALSE, False, f"successCondition '{text}' evaluated false")
    return ArgoOutcome(NOT_BOOLEAN, value, f"unable to cast expression result '{go_string(value)}' to bool")


def expr_error(text: str, exc: ConditionError) -> str:
    """``message (line:column)`` and the line with a caret, as expr's file.Error prints itself."""
    if exc.start is None:
        return exc.message
    start = max(0, min(exc.start, len(text)))
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start:len(text) if line_end < 0 else line_end]
    column = start - line_start
    where = f"{exc.message} ({text.count(chr(10), 0, start) + 1}:{column + 1})"
    if not line:
        return where
    return f"{where}\n | {line.replace(chr(9), ' ')}\n | {'.' * column}^"


def go_string(value: Any) -> str:
    """Go's ``%s`` of a value that is not a string (what Argo's message shows)."""
    if value is None:
        return "%!s(<nil>)"
    return format_value(value)
