"""Structure of a workflow spec: names, entrypoint, template types, calls and their arguments.

Codes AW200–AW299. The rules follow what Argo's controller enforces when a
workflow starts (workflow/validate/validate.go) and add the mistakes it only
finds later (a step that never supplies a required input, an argument nobody reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, JsonPath, Severity, define
from webhook.manifest import (
    CLUSTER_WORKFLOW_TEMPLATE,
    CRON_WORKFLOW,
    WORKFLOW,
    WORKFLOW_TEMPLATE,
    Manifest,
)
from webhook.spec.walk import (
    TEMPLATE_TYPES,
    StepAt,
    TemplateAt,
    any_oversized,
    as_dict,
    as_list,
    as_str,
    get_path,
    spec_templates,
    template_steps,
)
from webhook.suggest import did_you_mean, one_of
from webhook.templating import replace_tags
from webhook.validation.context import Mode, ValidationContext
from webhook.validation.resolve import (
    Call,
    CallState,
    Resolver,
    argument_artifact_located,
    artifact_has_source,
    input_artifacts,
    input_parameters,
    parameter_has_value,
)
from webhook.validation.schema import misspelling

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
TEMPLATE_NAME = define(
    "AW202", Severity.ERROR, "a template name is missing or malformed",
    why="Templates are called by name; a missing or malformed name cannot be called.",
    mirrors="validate.go: validateWorkflowFieldNames on spec.templates",
)
TEMPLATE_DUPLICATE = define(
    "AW203", Severity.ERROR, "two templates share a name",
    why="With two templates of one name, which one runs is undefined.",
    mirrors="validate.go: validateWorkflowFieldNames: 'is not unique'",
)
TEMPLATE_NO_TYPE = define(
    "AW204", Severity.ERROR, "a template has no type",
    why="A template must say what it runs.",
    mirrors="validate.go: validateTemplateType: 'template type unspecified'",
)
TEMPLATE_MANY_TYPES = define(
    "AW205", Severity.ERROR, "a template has more than one type",
    why="A template that is both a container and a DAG is refused.",
    mirrors="validate.go: validateTemplateType: 'multiple template types specified'",
)
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
WORKFLOW_TEMPLATE_REF = define(
    "AW214", Severity.ERROR, "workflowTemplateRef is used wrongly",
    why="workflowTemplateRef replaces the spec's templates; Argo refuses both together.",
    mirrors="validate.go: WorkflowTemplateRefFields: 'Templates is invalid field in spec if workflow "
            "referred WorkflowTemplate reference'",
)
HOOK_EXPRESSION = define(
    "AW216", Severity.ERROR, "a lifecycle hook other than exit needs an expression",
    why="A hook other than 'exit' runs when its expression holds; without one it never runs.",
    mirrors="validate.go: validateHooks: 'Expression required'",
)
INPUT_NOT_SUPPLIED = define(
    "AW217", Severity.ERROR, "a required input parameter is not supplied",
    why="A template input without a value or default stops the step: the argument is required.",
    mirrors="common.ProcessArgs (called by validate.go): 'inputs.parameters.X was not supplied'",
)
ARGUMENT_UNUSED = define(
    "AW218", Severity.WARNING, "an argument is not an input of the called template",
    why="An argument the called template does not declare is ignored: usually a typo.",
    mirrors=ARGO_WARDEN_ONLY,
)
NAME_TOO_LONG = define(
    "AW219", Severity.ERROR, "metadata.name is too long",
    why="Argo labels every pod with the workflow name; labels are at most 63 characters.",
    mirrors="validate.go: 'must not be more than 63 characters long' (52 for CronWorkflows)",
)
GENERATE_NAME_TOO_LONG = define(
    "AW220", Severity.WARNING, "metadata.generateName leaves no room for the suffix",
    why="generateName is cut so the random suffix fits; the created name no longer says what it is.",
    mirrors=ARGO_WARDEN_ONLY,
)
PARAM_NAME = define(
    "AW221", Severity.ERROR, "a parameter or artifact name is missing, malformed or repeated",
    why="Parameters and artifacts are looked up by name; a repeated or malformed one is ambiguous.",
    mirrors="validate.go: validateWorkflowFieldNames / isValidParamOrArtifactName",
)
ARGUMENT_NO_VALUE = define(
    "AW222", Severity.ERROR, "an argument has no value, or no valid source",
    why="An argument with no value, or a valueFrom only outputs may use, leaves the input empty.",
    mirrors="validate.go: validateArgumentsValues: 'value or valueFrom is required', 'valueFrom only "
            "allows: default, configMapKeyRef and supplied', 'from, artifact location, or key is required'",
)
ENUM_VALUE = define(
    "AW223", Severity.ERROR, "a parameter value is not in its enum",
    why="A parameter whose value is not in its enum is refused when the workflow is submitted.",
    mirrors="validate.go: validateArgumentsValues: 'value should be present in enum list'",
)
FIELD_WRONG_TEMPLATE = define(
    "AW224", Severity.ERROR, "a field is not valid for this template type",
    why="Some fields only mean something for one template type (timeout on a leaf, parallelism on steps).",
    mirrors="validate.go: validateLeaf/validateNonLeaf: 'is only valid for ...', 'template doesn't support "
            "timeout field'",
)
TIMEOUT_FORMAT = define(
    "AW225", Severity.ERROR, "a timeout is not a duration",
    why="A timeout without a unit is refused: Argo reads it as a Go duration.",
    mirrors="validate.go: validateTemplate: 'has invalid duration format in timeout'",
)
IMAGE_MISSING = define(
    "AW226", Severity.ERROR, "a container or script has no image",
    why="A container without an image cannot start.",
    mirrors="validate.go: validateLeaf: 'container.image may not be empty'",
)
RESOURCE_TEMPLATE = define(
    "AW227", Severity.ERROR, "a resource template is incomplete or malformed",
    why="A resource template must say what to do and with what manifest.",
    mirrors="validate.go: validateLeaf: resource.action, manifest or manifestFrom, 'must be a valid yaml'",
)
OUTPUT_PARAMETER = define(
    "AW228", Severity.ERROR, "an output parameter does not say where its value comes from",
    why="An output parameter must say where its value comes from, in the way its template type allows.",
    mirrors="validate.go: validateOutputs / validateOutputParameter",
)
MOUNT_PATH_DUPLICATE = define(
    "AW229", Severity.ERROR, "two mounts share a path",
    why="Two mounts at one path make the pod fail or hide one of them.",
    mirrors="validate.go: validateLeaf: 'already mounted in'",
)
RESERVED_CONTAINER = define(
    "AW230", Severity.ERROR, "a container uses a name Argo reserves",
    why="Argo adds containers named init, wait and supervisor (and artifact-plugin-*) to the pod; a "
            "clash breaks it.",
    mirrors="validate.go: validateLeaf: common.IsArgoSidecar, 'is a reserved Argo container name'",
)
LOOP_FIELDS = define(
    "AW231", Severity.ERROR, "a loop is declared more than one way",
    why="A step loops over withItems, withParam or withSequence: one of them.",
    mirrors="validate.go: addItemsToScope: 'only one of withItems, withParam, withSequence can be specified'",
)
METRIC = define(
    "AW232", Severity.ERROR, "a metric is malformed",
    why="Metrics with bad names, labels, values or realtime sources are refused.",
    mirrors="validate.go: validateTemplate metrics checks; metrics.ValidateMetricValues ('cannot be used in "
            "real-time')",
)
INPUT_ARTIFACT = define(
    "AW233", Severity.ERROR, "an input artifact field is not valid here",
    why="Input artifacts are fetched into leaf templates only, and 'from' belongs to the caller.",
    mirrors="validate.go: validateInputs: 'path only valid in container/script templates', 'from not valid "
            "in inputs'",
)
POD_RESOURCES = define(
    "AW234", Severity.ERROR, "podResources is not valid here",
    why="HTTP and plugin templates run in the shared agent pod, and steps/DAGs create no pod: pod "
            "fields do not apply.",
    mirrors="validate.go: validateTemplate: 'podResources is not supported for', 'resourceClaims is not "
            "supported for'",
)
ARTIFACT_NOT_SUPPLIED = define(
    "AW235", Severity.ERROR, "a required input artifact is not supplied",
    why="A required input artifact that no argument supplies stops the step.",
    mirrors="common.ProcessArgs (called by validate.go): 'inputs.artifacts.X was not supplied'",
)
TEMPLATE_UNUSED = define(
    "AW236", Severity.INFO, "a template is never used",
    why="A template nothing calls is dead code, often the sign of a typo elsewhere.",
    mirrors=ARGO_WARDEN_ONLY,
)
ACTIVE_DEADLINE = define(
    "AW237", Severity.ERROR, "activeDeadlineSeconds is not a positive number",
    why="activeDeadlineSeconds must be a positive number (or a variable).",
    mirrors="validate.go: validateLeaf: 'activeDeadlineSeconds must be a positive integer > 0 or an argo "
            "variable'",
)

# Kubernetes label-value length: Argo labels pods with the workflow name.
MAX_NAME = 63
# CronWorkflows get a 10-digit timestamp suffix (plus '-') on every workflow they create.
MAX_CRON_NAME = 52
# generateName gets 5 random characters.
GENERATE_SUFFIX = 5

_FIELD_NAME = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
_PARAM_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DURATION = re.compile(r"^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")
_LEAF_TYPES = ("container", "containerSet", "script", "resource", "data", "http", "plugin")
# Names of the containers Argo adds to a pod (init, wait, supervisor) and the prefix of its artifact-plugin
# sidecars: a user container so named collides with them.
_RESERVED_CONTAINERS = ("wait", "init", "supervisor")
_RESERVED_PREFIX = "artifact-plugin-"
# What an argument's valueFrom may say (Argo's validateArgumentsValues).
_ARGUMENT_VALUE_FROM = frozenset({"configMapKeyRef", "default", "supplied", "event"})
_RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
# Findings after which "template X is never used" would only repeat them.
_BROKEN_CALLS = frozenset({
    ENTRYPOINT_MISSING, ENTRYPOINT_UNDEFINED, CALL_UNDEFINED, CALL_MALFORMED, REF_TEMPLATE_MISSING,
    WORKFLOW_TEMPLATE_REF,
})


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    resolver = Resolver.for_manifest(manifest, context)
    findings: list[Finding] = [
        *_metadata(manifest),
        *_workflow_template_ref(manifest, resolver),
        *_entrypoint_and_exit(manifest, resolver),
        *_workflow_arguments(manifest, context),
    ]
    templates = list(spec_templates(manifest))
    findings.extend(_template_names(manifest, templates))
    used: set[str] = set()
    for at in templates:
        findings.extend(_template(at, manifest))
        findings.extend(_calls(at, resolver, used))
    yield from findings
    # A call that names nothing (a typo, a missing entrypoint) was probably meant for a template
    # that now looks unused, and templates beside a workflowTemplateRef are ignored anyway:
    # saying so too would report one mistake twice.
    if not any(f.code in _BROKEN_CALLS for f in findings):
        yield from _unused(manifest, templates, used)


# ---------------------------------------------------------------- metadata


def _metadata(manifest: Manifest) -> Iterator[Finding]:
    md = manifest.metadata
    limit = MAX_CRON_NAME if manifest.kind == CRON_WORKFLOW else MAX_NAME
    name = as_str(md.get("name"))
    if name is not None and len(name) > limit:
        yield Finding(
            NAME_TOO_LONG, ("metadata", "name"),
            f"{manifest.kind} name is {len(name)} characters; the limit is {limit}",
            hint="CronWorkflow names leave room for the timestamp Argo appends"
            if manifest.kind == CRON_WORKFLOW else "Argo labels every pod with this name",
        )
    gen = as_str(md.get("generateName"))
    if name is None and gen is not None and len(gen) + GENERATE_SUFFIX > limit:
        yield Finding(
            GENERATE_NAME_TOO_LONG, ("metadata", "generateName"),
            f"generateName is {len(gen)} characters; Kubernetes cuts it to {limit - GENERATE_SUFFIX} "
            f"to fit its {GENERATE_SUFFIX} random characters in {limit}",
            hint=f"keep generateName to {limit - GENERATE_SUFFIX} characters so names stay recognisable",
        )


# ---------------------------------------------------------------- spec-level references


def _workflow_template_ref(manifest: Manifest, resolver: Resolver) -> Iterator[Finding]:
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
            hint=_unresolved_hint(resolver, "it"),
        )


def _entrypoint_and_exit(manifest: Manifest, resolver: Resolver) -> Iterator[Finding]:
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
        yield from _call_problems(call, resolver, ENTRYPOINT_UNDEFINED, "entrypoint")
        if call.template is not None and manifest.kind in (WORKFLOW, CRON_WORKFLOW):
            supplied = _workflow_argument_names(manifest, resolver)
            yield from _inputs_supplied(call, supplied, "the workflow's arguments", (*spec_path, "entrypoint"))
    on_exit = spec.get("onExit")
    if isinstance(on_exit, str) and on_exit:
        call = resolver.by_name(on_exit, (*spec_path, "onExit"))
        yield from _call_problems(call, resolver, CALL_UNDEFINED, "onExit")
    hooks = spec.get("hooks")
    if isinstance(hooks, dict):
        yield from _hooks(hooks, (*spec_path, "hooks"), resolver)


def _template_choice(resolver: Resolver) -> str | None:
    names = resolver.template_names()
    return f"name one of the templates: {one_of(names)}" if names else None


def _workflow_argument_names(manifest: Manifest, resolver: Resolver) -> tuple[set[str], set[str]]:
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


def _hooks(hooks: dict[str, Any], path: JsonPath, resolver: Resolver) -> Iterator[Finding]:
    for name, hook in hooks.items():
        if not isinstance(hook, dict):
            continue
        hook_path = (*path, name)
        if name != "exit" and not as_str(hook.get("expression")):
            yield Finding(HOOK_EXPRESSION, hook_path, f"hook '{name}' needs an expression saying when it runs",
                          on_key=True, hint="only the 'exit' hook runs without an expression")
        call = resolver.call(hook, hook_path)
        yield from _call_problems(call, resolver, CALL_UNDEFINED, f"hook '{name}'")


def _call_problems(call: Call, resolver: Resolver, undefined_code: str, what: str) -> Iterator[Finding]:
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
            hint=_unresolved_hint(resolver, "the WorkflowTemplate"),
        )
    elif call.state is CallState.MALFORMED:
        # Point at the second of two names (`templateRef:`), not at the value under it.
        on_key = bool(call.at) and call.at[-1] in ("template", "templateRef", "inline")
        yield Finding(CALL_MALFORMED, call.at, f"{what} {call.reason}", on_key=on_key)


# ---------------------------------------------------------------- arguments and parameters


def _workflow_arguments(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    spec = manifest.workflow_spec
    args_path = (*manifest.spec_path, "arguments")
    args = as_dict(spec.get("arguments"))
    yield from _named_list(as_list(args.get("parameters")), (*args_path, "parameters"), "parameter", _PARAM_NAME)
    yield from _named_list(as_list(args.get("artifacts")), (*args_path, "artifacts"), "artifact", _PARAM_NAME)
    # Argo lets a Workflow being linted (and any WorkflowTemplate) leave values to the submission;
    # a Workflow being created, or a CronWorkflow (nothing submits it with -p), must have them.
    linting = context.mode is Mode.LINT and manifest.kind == WORKFLOW
    require_values = manifest.kind == CRON_WORKFLOW or (manifest.kind == WORKFLOW and not linting)
    for i, p in enumerate(as_list(args.get("parameters"))):
        if not isinstance(p, dict):
            continue
        ppath = (*args_path, "parameters", i)
        name = as_str(p.get("name")) or f"#{i}"
        if p.get("value") is None and p.get("valueFrom") is None:
            if require_values:
                yield Finding(ARGUMENT_NO_VALUE, ppath, f"workflow argument '{name}' has no value",
                              hint="set 'value' (or valueFrom.configMapKeyRef / supplied)")
            elif linting:
                yield Finding(ARGUMENT_NO_VALUE, ppath,
                              f"workflow argument '{name}' has no value: it must be given at submission",
                              severity=Severity.INFO, hint=f"argo submit -p {name}=...")
        yield from _argument_value_from(p, ppath, f"argument '{name}'")
        yield from _enum(p, ppath, name)
    yield from _argument_artifacts(as_list(args.get("artifacts")), (*args_path, "artifacts"))


def _argument_value_from(p: dict[str, Any], ppath: JsonPath, label: str) -> Iterator[Finding]:
    """An argument's valueFrom can only name where a value is kept, not how an output is read."""
    value_from = p.get("valueFrom")
    if not isinstance(value_from, dict):
        return
    bad = [k for k in value_from if k not in _ARGUMENT_VALUE_FROM and value_from[k] not in (None, "")]
    if bad:
        yield Finding(ARGUMENT_NO_VALUE, (*ppath, "valueFrom", bad[0]),
                      f"{label}: valueFrom.{bad[0]} is not valid for arguments", on_key=True,
                      hint="arguments allow valueFrom.default, configMapKeyRef and supplied; "
                      "to pass an output on, use value: '{{...outputs.parameters.<name>}}'")
    elif not any(value_from.get(k) not in (None, "") for k in ("configMapKeyRef", "event", "supplied")):
        yield Finding(ARGUMENT_NO_VALUE, (*ppath, "valueFrom"),
                      f"{label}: valueFrom names no source", on_key=True,
                      hint="valueFrom.default needs configMapKeyRef beside it; or set 'value'")


def _argument_artifacts(arts: list[Any], path: JsonPath) -> Iterator[Finding]:
    for i, a in enumerate(arts):
        if not isinstance(a, dict):
            continue
        name = as_str(a.get("name")) or f"#{i + 1}"
        if a.get("from") not in (None, "") and a.get("fromExpression") not in (None, ""):
            yield Finding(ARGUMENT_NO_VALUE, (*path, i, "fromExpression"),
                          f"argument artifact '{name}' has both 'from' and 'fromExpression'", on_key=True)
        elif a.get("from") in (None, "") and not argument_artifact_located(a):
            yield Finding(ARGUMENT_NO_VALUE, (*path, i),
                          f"argument artifact '{name}' has no 'from', artifact location or key",
                          hint="set 'from: \"{{steps.<step>.outputs.artifacts.<name>}}\"' or a location (s3, raw, ...)")


def _enum(p: dict[str, Any], path: JsonPath, name: str) -> Iterator[Finding]:
    enum = p.get("enum")
    if not isinstance(enum, list):
        return
    if not enum:
        yield Finding(ENUM_VALUE, (*path, "enum"), f"parameter '{name}': enum is empty", on_key=True)
        return
    value = p.get("value")
    if value is None:
        return
    allowed = [str(v) for v in enum]
    if str(value) not in allowed and "{{" not in str(value):
        yield Finding(ENUM_VALUE, (*path, "value"),
                      f"parameter '{name}': value {str(value)!r} is not one of its enum values",
                      hint=did_you_mean(str(value), allowed) or f"choose one of: {one_of(allowed)}")


def _named_list(items: list[Any], path: JsonPath, what: str, pattern: re.Pattern[str]) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            if not isinstance(name, int | float | bool):
                yield Finding(PARAM_NAME, (*path, i), f"{what} #{i + 1} has no name")
            continue
        if not pattern.match(name) and "{{" not in name:
            yield Finding(PARAM_NAME, (*path, i, "name"), f"{what} name {name!r} is malformed",
                          hint="use letters, digits, '-' and '_' only" if pattern is _PARAM_NAME
                          else "use letters, digits and '-', starting with a letter or digit")
        elif name in seen:
            yield Finding(PARAM_NAME, (*path, i, "name"), f"{what} '{name}' is declared twice (also #{seen[name] + 1})")
        else:
            seen[name] = i


def _inputs_supplied(call: Call, supplied: tuple[set[str], set[str]], by: str, at: JsonPath) -> Iterator[Finding]:
    assert call.template is not None
    params, arts = supplied
    for p in input_parameters(call.template):
        name = as_str(p.get("name"))
        if name and not parameter_has_value(p) and name not in params:
            yield Finding(
                INPUT_NOT_SUPPLIED, at,
                f"template '{call.target}' needs input parameter '{name}', which {by} do not supply",
                hint=did_you_mean(name, params) or f"add arguments.parameters: [{{name: {name}, value: ...}}]"
                " or give the input a default value",
            )
    for a in input_artifacts(call.template):
        name = as_str(a.get("name"))
        if name and not artifact_has_source(a) and name not in arts:
            yield Finding(
                ARTIFACT_NOT_SUPPLIED, at,
                f"template '{call.target}' needs input artifact '{name}', which {by} do not supply",
                hint=did_you_mean(name, arts) or "add it to arguments.artifacts, or mark the input optional",
            )


def _step_arguments(step: StepAt, call: Call) -> Iterator[Finding]:
    args = as_dict(step.step.get("arguments"))
    params = as_list(args.get("parameters"))
    arts = as_list(args.get("artifacts"))
    args_path = (*step.path, "arguments")
    yield from _named_list(params, (*args_path, "parameters"), "argument", _PARAM_NAME)
    yield from _named_list(arts, (*args_path, "artifacts"), "argument", _PARAM_NAME)
    for i, p in enumerate(params):
        if not isinstance(p, dict):
            continue
        name = as_str(p.get("name")) or f"#{i + 1}"
        if p.get("value") is None and p.get("valueFrom") is None:
            yield Finding(ARGUMENT_NO_VALUE, (*args_path, "parameters", i), f"argument '{name}' has no value",
                          hint="set 'value' or 'valueFrom'")
        else:
            yield from _argument_value_from(p, (*args_path, "parameters", i), f"argument '{name}'")
            yield from _enum(p, (*args_path, "parameters", i), name)
    yield from _argument_artifacts(arts, (*args_path, "artifacts"))
    if call.state is not CallState.RESOLVED or call.template is None:
        return
    supplied_params = {n for p in params if (n := as_str(as_dict(p).get("name")))}
    supplied_arts = {n for a in arts if (n := as_str(as_dict(a).get("name")))}
    who = "this task" if step.is_task else "this step"
    at = call.at if call.at and call.at[-1] in ("template", "templateRef", "inline") else step.path
    yield from _inputs_supplied(call, (supplied_params, supplied_arts), f"{who}'s arguments", at)
    declared = {n for p in input_parameters(call.template) if (n := as_str(p.get("name")))}
    for i, p in enumerate(params):
        pname = as_str(as_dict(p).get("name"))
        if pname and pname not in declared and "{{" not in pname:
            yield Finding(
                ARGUMENT_UNUSED, (*args_path, "parameters", i, "name"),
                f"argument '{pname}' is not an input parameter of template '{call.target}'",
                hint=did_you_mean(pname, declared) or "declare it in the template's inputs.parameters",
            )
    declared_arts = {n for a in input_artifacts(call.template) if (n := as_str(a.get("name")))}
    for i, a in enumerate(arts):
        aname = as_str(as_dict(a).get("name"))
        if aname and aname not in declared_arts and "{{" not in aname:
            yield Finding(
                ARGUMENT_UNUSED, (*args_path, "artifacts", i, "name"),
                f"artifact '{aname}' is not an input artifact of template '{call.target}'",
                hint=did_you_mean(aname, declared_arts),
            )


# ---------------------------------------------------------------- templates


def _template_names(manifest: Manifest, templates: list[TemplateAt]) -> Iterator[Finding]:
    seen: dict[str, JsonPath] = {}
    for at in templates:
        if at.inline_in is not None:
            continue
        name = at.template.get("name")
        if not isinstance(name, str) or not name:
            if name is None or name == "":
                yield Finding(TEMPLATE_NAME, at.path, "template has no name", hint="add 'name: <template-name>'")
            continue
        if len(name) > 128 or not _FIELD_NAME.match(name):
            yield Finding(TEMPLATE_NAME, (*at.path, "name"), f"template name {name!r} is malformed",
                          hint="use letters, digits and '-', starting with a letter or digit (at most 128)")
        if name in seen:
            yield Finding(TEMPLATE_DUPLICATE, (*at.path, "name"),
                          f"template '{name}' is defined twice", hint="rename one of them")
        else:
            seen[name] = at.path


def _template(at: TemplateAt, manifest: Manifest) -> Iterator[Finding]:
    t = at.template
    label = f"template '{at.name}'" if at.name else "inline template" if at.inline_in else "template"
    types = at.types
    if not types:
        yield Finding(TEMPLATE_NO_TYPE, at.path, f"{label} has no type",
                      hint=f"give it exactly one of: {', '.join(TEMPLATE_TYPES)}", on_key=at.inline_in is not None)
    elif len(types) > 1:
        yield Finding(TEMPLATE_MANY_TYPES, (*at.path, types[1]),
                      f"{label} has several types: {', '.join(types)}", on_key=True,
                      hint="split it into one template per type")
    kind = types[0] if len(types) == 1 else None
    leaf = kind in _LEAF_TYPES
    inputs = as_dict(t.get("inputs"))
    outputs = as_dict(t.get("outputs"))
    yield from _named_list(as_list(inputs.get("parameters")), (*at.path, "inputs", "parameters"), "input parameter",
                           _PARAM_NAME)
    yield from _named_list(as_list(inputs.get("artifacts")), (*at.path, "inputs", "artifacts"), "input artifact",
                           _PARAM_NAME)
    yield from _named_list(as_list(outputs.get("parameters")), (*at.path, "outputs", "parameters"),
                           "output parameter", _PARAM_NAME)
    yield from _named_list(as_list(outputs.get("artifacts")), (*at.path, "outputs", "artifacts"),
                           "output artifact", _PARAM_NAME)
    for i, p in enumerate(as_list(inputs.get("parameters"))):
        if isinstance(p, dict):
            yield from _enum(p, (*at.path, "inputs", "parameters", i), as_str(p.get("name")) or "")
    for i, a in enumerate(as_list(inputs.get("artifacts"))):
        if not isinstance(a, dict):
            continue
        apath = (*at.path, "inputs", "artifacts", i)
        if a.get("from") not in (None, ""):
            yield Finding(INPUT_ARTIFACT, (*apath, "from"), "'from' is not valid in inputs", on_key=True,
                          hint="set 'from' on the caller's arguments.artifacts instead")
        if kind is not None and not leaf and a.get("path"):
            yield Finding(INPUT_ARTIFACT, (*apath, "path"),
                          f"input artifact path is only valid in leaf templates, not {kind}", on_key=True)
    if kind is not None:
        yield from _kind_fields(at, kind, leaf, label)
    yield from _outputs(at, kind, label)
    yield from _containers(at, kind, label, manifest)
    yield from _metrics(at, label)
    if kind == "resource":
        yield from _resource(at, label)


def _kind_fields(at: TemplateAt, kind: str, leaf: bool, label: str) -> Iterator[Finding]:
    t = at.template
    if kind in ("steps", "dag") and t.get("activeDeadlineSeconds") is not None:
        yield Finding(FIELD_WRONG_TEMPLATE, (*at.path, "activeDeadlineSeconds"),
                      f"{label}: activeDeadlineSeconds is only valid for leaf templates", on_key=True,
                      hint="use 'timeout' on the steps/dag template's callers, or on its leaves")
    ads = t.get("activeDeadlineSeconds")
    if (isinstance(ads, int | float) and not isinstance(ads, bool) and ads < 0) or (
        isinstance(ads, str) and "{{" not in ads and not ads.lstrip("-").isdigit()
    ):
        yield Finding(ACTIVE_DEADLINE, (*at.path, "activeDeadlineSeconds"),
                      f"{label}: activeDeadlineSeconds must be a positive whole number or an Argo variable")
    elif isinstance(ads, str) and ads.startswith("-") and ads[1:].isdigit():
        yield Finding(ACTIVE_DEADLINE, (*at.path, "activeDeadlineSeconds"),
                      f"{label}: activeDeadlineSeconds must be a positive whole number")
    if t.get("parallelism") is not None and kind not in ("steps", "dag"):
        yield Finding(FIELD_WRONG_TEMPLATE, (*at.path, "parallelism"),
                      f"{label}: parallelism is only valid for steps and dag templates", on_key=True)
    timeout = t.get("timeout")
    if timeout not in (None, ""):
        if not leaf:
            yield Finding(FIELD_WRONG_TEMPLATE, (*at.path, "timeout"),
                          f"{label}: {kind} templates do not support 'timeout'", on_key=True,
                          hint="set activeDeadlineSeconds on the leaf templates instead")
        elif isinstance(timeout, str) and "{{" not in timeout and not _DURATION.match(timeout):
            yield Finding(TIMEOUT_FORMAT, (*at.path, "timeout"),
                          f"{label}: timeout {timeout!r} is not a duration",
                          hint="write a Go duration such as '30s', '5m' or '1h30m' (a bare number is refused)")
    if t.get("pendingTimeout") not in (None, "") and not leaf:
        yield Finding(FIELD_WRONG_TEMPLATE, (*at.path, "pendingTimeout"),
                      f"{label}: {kind} templates do not support 'pendingTimeout'", on_key=True)
    if t.get("podResources") is not None and kind in ("http", "plugin"):
        yield Finding(POD_RESOURCES, (*at.path, "podResources"),
                      f"{label}: podResources is not supported for {kind} templates (they run in the agent pod)",
                      on_key=True)
    if t.get("resourceClaims") and kind not in ("container", "containerSet", "script", "resource", "data"):
        yield Finding(POD_RESOURCES, (*at.path, "resourceClaims"),
                      f"{label}: resourceClaims is not supported for {kind} templates, which create no pod",
                      on_key=True)
    if kind == "dag" and not as_list(as_dict(t.get("dag")).get("tasks")):
        yield Finding(FIELD_WRONG_TEMPLATE, (*at.path, "dag"), f"{label}: a dag needs at least one task",
                      on_key=True)


def _outputs(at: TemplateAt, kind: str | None, label: str) -> Iterator[Finding]:
    outputs = as_dict(at.template.get("outputs"))
    for i, p in enumerate(as_list(outputs.get("parameters"))):
        if not isinstance(p, dict):
            continue
        ppath = (*at.path, "outputs", "parameters", i)
        name = as_str(p.get("name")) or f"#{i + 1}"
        value_from = p.get("valueFrom")
        if p.get("value") is not None and value_from is not None:
            yield Finding(OUTPUT_PARAMETER, ppath, f"{label}: output parameter '{name}' has both value and valueFrom")
            continue
        if p.get("value") is not None:
            continue
        if not isinstance(value_from, dict):
            yield Finding(OUTPUT_PARAMETER, ppath,
                          f"{label}: output parameter '{name}' needs 'value' or 'valueFrom'")
            continue
        sources = [k for k in ("path", "jqFilter", "jsonPath", "parameter", "expression", "supplied")
                   if value_from.get(k) not in (None, "")]
        vpath = (*ppath, "valueFrom")
        if not sources:
            yield Finding(OUTPUT_PARAMETER, vpath,
                          f"{label}: output parameter '{name}' valueFrom names no source",
                          hint="choose one of: path, jqFilter, jsonPath, parameter, expression, supplied")
        elif len(sources) > 1:
            yield Finding(OUTPUT_PARAMETER, (*vpath, sources[1]),
                          f"{label}: output parameter '{name}' valueFrom has several sources: "
                          f"{', '.join(sources)}", on_key=True)
        elif kind in ("container", "containerSet", "script") and sources[0] != "path" and sources[0] != "supplied":
            yield Finding(OUTPUT_PARAMETER, (*vpath, sources[0]),
                          f"{label}: output parameter '{name}' of a {kind} template must use valueFrom.path",
                          on_key=True)
        elif kind == "resource" and sources[0] not in ("jqFilter", "jsonPath", "supplied"):
            yield Finding(OUTPUT_PARAMETER, (*vpath, sources[0]),
                          f"{label}: output parameter '{name}' of a resource template needs jqFilter or jsonPath",
                          on_key=True)
        elif kind in ("steps", "dag") and sources[0] not in ("parameter", "expression", "supplied"):
            yield Finding(OUTPUT_PARAMETER, (*vpath, sources[0]),
                          f"{label}: output parameter '{name}' of a {kind} template needs "
                          "valueFrom.parameter or valueFrom.expression", on_key=True)
        global_name = p.get("globalName")
        if isinstance(global_name, str) and global_name and "{{" not in global_name \
                and not _PARAM_NAME.match(global_name):
            yield Finding(PARAM_NAME, (*ppath, "globalName"), f"globalName {global_name!r} is malformed",
                          hint="use letters, digits, '-' and '_' only")
    leaf = kind in _LEAF_TYPES
    for i, a in enumerate(as_list(outputs.get("artifacts"))):
        if isinstance(a, dict) and kind is not None and not leaf and a.get("path"):
            yield Finding(INPUT_ARTIFACT, (*at.path, "outputs", "artifacts", i, "path"),
                          f"{label}: output artifact path is only valid in leaf templates, not {kind}",
                          on_key=True, hint="use 'from' to pass on an artifact of a step or task")


def _containers(at: TemplateAt, kind: str | None, label: str, manifest: Manifest) -> Iterator[Finding]:
    t = at.template
    defaults = as_dict(manifest.workflow_spec.get("templateDefaults"))
    for section in ("container", "script"):
        c = t.get(section)
        if not isinstance(c, dict) or kind != section:
            continue
        if not c.get("image") and not as_dict(defaults.get(section)).get("image"):
            yield Finding(IMAGE_MISSING, (*at.path, section), f"{label}: {section}.image is required",
                          on_key=True, hint=f"set {section}.image, or templateDefaults.{section}.image")
        mounts: dict[str, str] = {}
        for i, m in enumerate(as_list(c.get("volumeMounts"))):
            mp = as_str(as_dict(m).get("mountPath"))
            if not mp:
                continue
            if mp in mounts:
                yield Finding(MOUNT_PATH_DUPLICATE, (*at.path, section, "volumeMounts", i, "mountPath"),
                              f"{label}: mountPath '{mp}' is already used by {mounts[mp]}")
            else:
                mounts[mp] = f"volume '{as_str(as_dict(m).get('name')) or '?'}'"
        if section == "container":
            for i, a in enumerate(as_list(as_dict(t.get("inputs")).get("artifacts"))):
                ap = as_str(as_dict(a).get("path"))
                if ap and ap in mounts:
                    yield Finding(MOUNT_PATH_DUPLICATE, (*at.path, "inputs", "artifacts", i, "path"),
                                  f"{label}: input artifact path '{ap}' is already used by {mounts[ap]}")
    for i, s in enumerate(as_list(t.get("sidecars"))):
        name = as_str(as_dict(s).get("name"))
        if _reserved(name):
            yield Finding(RESERVED_CONTAINER, (*at.path, "sidecars", i, "name"),
                          f"{label}: sidecar name '{name}' is reserved by Argo")
    cs = t.get("containerSet")
    if isinstance(cs, dict):
        containers = [c for c in as_list(cs.get("containers")) if isinstance(c, dict)]
        names = [as_str(c.get("name")) for c in containers]
        for i, name in enumerate(names):
            if _reserved(name):
                yield Finding(RESERVED_CONTAINER, (*at.path, "containerSet", "containers", i, "name"),
                              f"{label}: container name '{name}' is reserved by Argo")
        ins = as_dict(t.get("inputs"))
        outs = as_dict(t.get("outputs"))
        if (as_list(ins.get("artifacts")) or as_list(outs.get("parameters")) or as_list(outs.get("artifacts"))) \
                and "main" not in names:
            yield Finding(FIELD_WRONG_TEMPLATE, (*at.path, "containerSet", "containers"),
                          f"{label}: a containerSet with inputs or outputs needs a container named 'main'",
                          on_key=True)


def _reserved(name: str | None) -> bool:
    return name is not None and (name in _RESERVED_CONTAINERS or name.startswith(_RESERVED_PREFIX))


def _metrics(at: TemplateAt, label: str) -> Iterator[Finding]:
    for i, m in enumerate(as_list(as_dict(at.template.get("metrics")).get("prometheus"))):
        if not isinstance(m, dict):
            continue
        mpath = (*at.path, "metrics", "prometheus", i)
        name = as_str(m.get("name"))
        if name is not None and not _METRIC_NAME.match(name):
            yield Finding(METRIC, (*mpath, "name"), f"{label}: metric name {name!r} is malformed",
                          hint="metric names use letters, digits and '_' and do not start with a digit")
        if not m.get("help"):
            yield Finding(METRIC, mpath, f"{label}: metric '{name or '?'}' needs a 'help' string")
        kinds = [k for k in ("gauge", "histogram", "counter") if m.get(k) is not None]
        if len(kinds) != 1:
            yield Finding(METRIC, mpath, f"{label}: metric '{name or '?'}' needs exactly one of gauge, histogram,"
                          " counter")
            continue
        # Label keys and an empty value are the schema's (AW113, AW102).
        body = as_dict(m.get(kinds[0]))
        value = body.get("value")
        if kinds[0] == "gauge" and body.get("realtime") is True and "resourcesDuration." in str(value):
            yield Finding(METRIC, (*mpath, "gauge", "value"),
                          f"{label}: metric '{name or '?'}' reads resourcesDuration, which a realtime gauge "
                          "cannot report", hint="resourcesDuration is known only when the step ends; "
                          "set realtime: false")


def _resource(at: TemplateAt, label: str) -> Iterator[Finding]:
    r = as_dict(at.template.get("resource"))
    rpath = (*at.path, "resource")
    action = r.get("action")
    if isinstance(action, str) and "{{" not in action and action not in _RESOURCE_ACTIONS:
        yield Finding(RESOURCE_TEMPLATE, (*rpath, "action"), f"{label}: resource action {action!r} is unknown",
                      hint=did_you_mean(action, _RESOURCE_ACTIONS) or f"choose one of: {', '.join(_RESOURCE_ACTIONS)}")
    if action in ("delete", "get"):
        return
    manifest_text = r.get("manifest")
    manifest_from = r.get("manifestFrom")
    if manifest_text in (None, "") and manifest_from is None:
        yield Finding(RESOURCE_TEMPLATE, rpath, f"{label}: resource needs 'manifest' or 'manifestFrom'", on_key=True)
    elif manifest_text not in (None, "") and manifest_from is not None:
        yield Finding(RESOURCE_TEMPLATE, (*rpath, "manifestFrom"),
                      f"{label}: resource has both 'manifest' and 'manifestFrom'", on_key=True)
    if isinstance(manifest_from, dict):
        art = as_str(as_dict(manifest_from.get("artifact")).get("name"))
        names = {n for a in input_artifacts(at.template) if (n := as_str(a.get("name")))}
        if art and art not in names:
            yield Finding(RESOURCE_TEMPLATE, (*rpath, "manifestFrom", "artifact", "name"),
                          f"{label}: manifestFrom names input artifact '{art}', which is not declared",
                          hint=did_you_mean(art, names))
    if isinstance(manifest_text, str) and manifest_text.strip():
        # Expression tags may produce any text; replace them before parsing, as Argo does.
        probe = replace_tags(manifest_text, "placeholder")
        try:
            yaml.load(probe, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1} of the manifest)" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            # The caret goes on the broken line inside the manifest, unless tags were replaced
            # before parsing (then offsets in the probe are not offsets in the value).
            span = (mark.index, mark.index + 1) if mark is not None and probe == manifest_text else None
            yield Finding(RESOURCE_TEMPLATE, (*rpath, "manifest"),
                          f"{label}: resource manifest is not valid YAML: {problem}{where}", span=span)


# ---------------------------------------------------------------- steps and tasks


def _calls(at: TemplateAt, resolver: Resolver, used: set[str]) -> Iterator[Finding]:
    seen: dict[str, JsonPath] = {}
    for step in template_steps(at):
        s = step.step
        what = "task" if step.is_task else "step"
        name = s.get("name")
        if not isinstance(name, str) or not name:
            if name is None or name == "":
                yield Finding(STEP_NAME_MISSING, step.path, f"{what} has no name")
        else:
            check_name = replace_tags(name, "x")
            if len(check_name) > 128 or not _FIELD_NAME.match(check_name):
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
        yield from _call_problems(call, resolver, CALL_UNDEFINED, label)
        yield from _step_arguments(step, call)
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
            yield from _hooks(hooks, (*step.path, "hooks"), resolver)
        on_exit = s.get("onExit")
        if isinstance(on_exit, str) and on_exit:
            exit_call = resolver.by_name(on_exit, (*step.path, "onExit"))
            yield from _call_problems(exit_call, resolver, CALL_UNDEFINED, f"{label} onExit")


def _unused(manifest: Manifest, templates: list[TemplateAt], used: set[str]) -> Iterator[Finding]:
    if manifest.kind not in (WORKFLOW, CRON_WORKFLOW) or any_oversized():
        return
    spec = manifest.workflow_spec
    for key in ("entrypoint", "onExit"):
        v = spec.get(key)
        if isinstance(v, str):
            used.add(v)
    for hook in as_dict(spec.get("hooks")).values():
        if isinstance(hook, dict) and isinstance(hook.get("template"), str):
            used.add(hook["template"])
    for at in templates:
        for step in template_steps(at):
            for hook in as_dict(step.step.get("hooks")).values():
                if isinstance(hook, dict) and isinstance(hook.get("template"), str):
                    used.add(hook["template"])
            if isinstance(step.step.get("onExit"), str):
                used.add(step.step["onExit"])
    if any("{{" in name for name in used):
        return  # a template called by a computed name may be any of them
    for at in templates:
        if at.inline_in is None and at.name and at.name not in used:
            yield Finding(TEMPLATE_UNUSED, (*at.path, "name"),
                          f"template '{at.name}' is never called from the entrypoint, onExit or any step")


def _unresolved_hint(resolver: Resolver, what: str) -> str:
    if resolver.context.user is None:
        return f"lint it together with the file that defines {what}"
    # At admission the cluster was asked and gave no answer (slow, down, or our RBAC forbids it).
    return "retry when the API server answers; if this persists, check argo-warden's RBAC and the failure policy"
