"""What the spec itself refers to: its entrypoint, onExit and hooks, and a workflowTemplateRef.

Codes AW200, AW201 and AW214; the calls themselves are checked as every call is (calls.py), and
the entrypoint's inputs against the workflow's arguments (arguments.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from webhook.diagnostics import Finding, Severity, define
from webhook.manifest import CLUSTER_WORKFLOW_TEMPLATE, CRON_WORKFLOW, WORKFLOW, WORKFLOW_TEMPLATE, Manifest
from webhook.spec.resolve import CallState, Resolver
from webhook.spec.walk import as_dict, as_list, as_str, get_path
from webhook.suggest import did_you_mean, one_of
from webhook.validation.context import ValidationContext
from webhook.validation.schema import misspelling
from webhook.validation.structure.arguments import inputs_supplied
from webhook.validation.structure.calls import (
    CALL_UNDEFINED,
    REF_UNRESOLVED,
    call_problems,
    check_hooks,
    unresolved_hint,
)

ENTRYPOINT_MISSING = define(
    "AW200", Severity.ERROR, "spec.entrypoint is required",
    why="Without an entrypoint the controller does not know which template to run.",
    mirrors="validate.go: Workflow: 'spec.entrypoint is required'",
)
ENTRYPOINT_UNDEFINED = define(
    "AW201", Severity.ERROR, "the entrypoint names no template",
    why="The workflow fails at once when its entrypoint names no template.",
    mirrors="validate.go: validateTemplateHolder: 'template name ... undefined'",
)
WORKFLOW_TEMPLATE_REF = define(
    "AW214", Severity.ERROR, "workflowTemplateRef is used wrongly",
    why="workflowTemplateRef replaces the spec's templates; Argo refuses both together.",
    mirrors="validate.go: WorkflowTemplateRefFields: 'Templates is invalid field in spec if workflow "
            "referred WorkflowTemplate reference'",
)


def workflow_template_ref(manifest: Manifest, resolver: Resolver[ValidationContext]) -> Iterator[Finding]:
    spec = manifest.workflow_spec
    ref = spec.get("workflowTemplateRef")
    if not isinstance(ref, dict):
        return
    base = (*manifest.spec_path, "workflowTemplateRef")
    if manifest.kind in (WORKFLOW_TEMPLATE, CLUSTER_WORKFLOW_TEMPLATE):
        yield Finding(WORKFLOW_TEMPLATE_REF, base, f"a {manifest.kind} cannot use workflowTemplateRef",
                      on_key=True)
        return
    if as_list(spec.get("templates")):
        yield Finding(
            WORKFLOW_TEMPLATE_REF, (*manifest.spec_path, "templates"),
            "spec.templates must be empty when spec.workflowTemplateRef is set", on_key=True,
            hint="the referenced template's templates are used; remove these or drop workflowTemplateRef",
        )
    name = as_str(ref.get("name"))
    if not name:
        yield Finding(WORKFLOW_TEMPLATE_REF, base, "workflowTemplateRef needs a name", on_key=True)
        return
    kind = "ClusterWorkflowTemplate" if ref.get("clusterScope") is True else "WorkflowTemplate"
    if resolver.referenced_state is CallState.MISSING:
        yield Finding(WORKFLOW_TEMPLATE_REF, (*base, "name"),
                      f"{kind} '{name}' {resolver.referenced_reason or 'does not exist'}",
                      hint=did_you_mean(name, resolver.referenced_candidates))
    elif resolver.referenced_state is CallState.UNKNOWN:
        yield Finding(
            REF_UNRESOLVED, (*base, "name"),
            f"{kind} '{name}' could not be checked: {resolver.referenced_reason or 'not available'}",
            severity=resolver.referenced_severity or resolver.context.unresolved_severity,
            hint=unresolved_hint(resolver, "it"),
        )


def entrypoint_and_exit(manifest: Manifest, resolver: Resolver[ValidationContext]) -> Iterator[Finding]:
    spec = manifest.workflow_spec
    spec_path = manifest.spec_path
    entry = spec.get("entrypoint")
    has_ref = isinstance(spec.get("workflowTemplateRef"), dict)
    # A missing spec, or `entrypiont:`, is reported once by the schema rule.
    spec_missing = not isinstance(get_path(manifest.data, spec_path), dict)
    if spec_missing or misspelling(spec, "entrypoint", "WorkflowSpec"):
        pass
    elif entry is None or entry == "":
        if manifest.kind in (WORKFLOW, CRON_WORKFLOW) and not has_ref:
            yield Finding(ENTRYPOINT_MISSING, spec_path, "spec.entrypoint is required", on_key=bool(spec_path),
                          hint=_template_choice(resolver))
        elif has_ref and resolver.referenced_spec is not None and not resolver.referenced_spec.get("entrypoint"):
            yield Finding(ENTRYPOINT_MISSING, spec_path,
                          "neither this workflow nor its workflowTemplateRef sets an entrypoint", on_key=True)
    elif isinstance(entry, str):
        call = resolver.by_name(entry, (*spec_path, "entrypoint"))
        if call.state is not CallState.RESOLVED:  # a resolved call has no problem to report
            yield from call_problems(call, resolver, ENTRYPOINT_UNDEFINED, "entrypoint")
        # Only a template with inputs can miss one (then the arguments are worth collecting).
        if call.template is not None and manifest.kind in (WORKFLOW, CRON_WORKFLOW) \
                and as_dict(call.template.get("inputs")):
            supplied = _workflow_argument_names(manifest, resolver)
            yield from inputs_supplied(call, supplied, "the workflow's arguments", (*spec_path, "entrypoint"))
    on_exit = spec.get("onExit")
    if isinstance(on_exit, str) and on_exit:
        call = resolver.by_name(on_exit, (*spec_path, "onExit"))
        if call.state is not CallState.RESOLVED:
            yield from call_problems(call, resolver, CALL_UNDEFINED, "onExit")
    hooks = spec.get("hooks")
    if isinstance(hooks, dict):
        yield from check_hooks(hooks, (*spec_path, "hooks"), resolver)


def _template_choice(resolver: Resolver[ValidationContext]) -> str | None:
    names = resolver.template_names()
    return f"name one of the templates: {one_of(names)}" if names else None


def _workflow_argument_names(manifest: Manifest, resolver: Resolver[ValidationContext]) -> tuple[set[str], set[str]]:
    params: set[str] = set()
    arts: set[str] = set()
    specs = [manifest.workflow_spec]
    if resolver.referenced_spec is not None:
        specs.append(resolver.referenced_spec)
    for spec in specs:
        args = as_dict(spec.get("arguments"))
        params.update(n for p in as_list(args.get("parameters")) if (n := as_str(as_dict(p).get("name"))))
        arts.update(n for a in as_list(args.get("artifacts")) if (n := as_str(as_dict(a).get("name"))))
    return params, arts
