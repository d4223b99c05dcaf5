"""The checks every call gets, wherever it stands: the entrypoint, onExit, a hook, a step or a task.

A call names a template that is defined (AW209), names exactly one (AW210); a templateRef's
WorkflowTemplate could be read (AW212) and has the template (AW213). A lifecycle hook is a call
too, and one other than exit must say when it runs (AW216).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from webhook.diagnostics import Finding, JsonPath, Severity, define
from webhook.spec.resolve import Call, CallState, Resolver
from webhook.spec.walk import as_str
from webhook.suggest import did_you_mean, one_of
from webhook.validation.context import ValidationContext

CALL_UNDEFINED = define(
    "AW209", Severity.ERROR, "a call names a template that does not exist",
    why="A call to a template that does not exist fails the workflow when reached.",
    mirrors="validate.go: validateTemplateHolder: 'template name ... undefined'",
)
CALL_MALFORMED = define(
    "AW210", Severity.ERROR, "a call names no template, or two",
    why="A step must name exactly one of template, templateRef or inline.",
    mirrors="validate.go: validateTemplateHolder: 'template name cannot be specified with templateRef'",
)
REF_UNRESOLVED = define(
    "AW212", Severity.WARNING, "a referenced WorkflowTemplate could not be read",
    why="A templateRef whose WorkflowTemplate cannot be read could not be checked; at admission it is "
            "refused.",
    mirrors="validate.go: validateTemplateHolder: 'template reference ... not found' (when the cluster says "
            "so)",
)
REF_TEMPLATE_MISSING = define(
    "AW213", Severity.ERROR, "a templateRef names a template its WorkflowTemplate lacks",
    why="The workflow fails when it reaches a templateRef naming a template the WorkflowTemplate lacks.",
    mirrors="templateresolution: 'template ... not found in workflow template ...'",
)
HOOK_EXPRESSION = define(
    "AW216", Severity.ERROR, "a lifecycle hook other than exit needs an expression",
    why="A hook other than 'exit' runs when its expression holds; without one it never runs.",
    mirrors="validate.go: validateHooks: 'Expression required'",
)


def call_problems(call: Call, resolver: Resolver[ValidationContext], undefined_code: str,
                  what: str) -> Iterator[Finding]:
    if call.state is CallState.MISSING:
        if call.reason is not None:
            names = call.source.get("names", []) if call.source else []
            target = call.target.split("/", 1)[-1]
            code = REF_TEMPLATE_MISSING if names or "has no template" in call.reason else undefined_code
            hint = did_you_mean(target, names) if names else \
                did_you_mean(call.target.split("/", 1)[0], call.candidates) if call.candidates else None
            yield Finding(code, call.at, f"{what}: {call.reason}", hint=hint)
        else:
            names = resolver.template_names()
            yield Finding(
                undefined_code, call.at, f"{what} names template '{call.target}', which is not defined",
                hint=did_you_mean(call.target, names) or (f"defined templates: {one_of(names)}" if names else None),
            )
    elif call.state is CallState.UNKNOWN:
        yield Finding(
            REF_UNRESOLVED, call.at,
            f"{what} calls '{call.target}', which could not be checked: {call.reason or 'not available'}",
            severity=call.severity or resolver.context.unresolved_severity,
            hint=unresolved_hint(resolver, "the WorkflowTemplate"),
        )
    elif call.state is CallState.MALFORMED:
        # Point at the second of two names (`templateRef:`), not at the value under it.
        on_key = bool(call.at) and call.at[-1] in ("template", "templateRef", "inline")
        yield Finding(CALL_MALFORMED, call.at, f"{what} {call.reason}", on_key=on_key)


def check_hooks(hooks: dict[str, Any], path: JsonPath, resolver: Resolver[ValidationContext]) -> Iterator[Finding]:
    for name, hook in hooks.items():
        if not isinstance(hook, dict):
            continue
        hook_path = (*path, name)
        if name != "exit" and not as_str(hook.get("expression")):
            yield Finding(HOOK_EXPRESSION, hook_path, f"hook '{name}' needs an expression saying when it runs",
                          on_key=True, hint="only the 'exit' hook runs without an expression")
        call = resolver.call(hook, hook_path)
        yield from call_problems(call, resolver, CALL_UNDEFINED, f"hook '{name}'")


def unresolved_hint(resolver: Resolver[ValidationContext], what: str) -> str:
    if resolver.context.user is None:
        return f"lint it together with the file that defines {what}"
    # At admission the cluster was asked and gave no answer (slow, down, or our RBAC forbids it).
    return "retry when the API server answers; if this persists, check argo-warden's RBAC and the failure policy"
