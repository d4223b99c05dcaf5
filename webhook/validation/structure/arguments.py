"""Arguments and parameters: their names, their values, and whether a call supplies the inputs it must.

Codes AW217, AW218, AW221, AW222, AW223 and AW235: the workflow's arguments, a step's or task's
arguments against the inputs of the template it calls, and the names and enums of every
parameter and artifact list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, JsonPath, Severity, define
from webhook.manifest import CRON_WORKFLOW, WORKFLOW, Manifest
from webhook.spec.resolve import (
    Call,
    CallState,
    argument_artifact_located,
    artifact_has_source,
    input_artifacts,
    input_parameters,
    parameter_has_value,
)
from webhook.spec.walk import StepAt, as_dict, as_list, as_str
from webhook.suggest import did_you_mean, one_of
from webhook.validation.context import Mode, ValidationContext

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
ARTIFACT_NOT_SUPPLIED = define(
    "AW235", Severity.ERROR, "a required input artifact is not supplied",
    why="A required input artifact that no argument supplies stops the step.",
    mirrors="common.ProcessArgs (called by validate.go): 'inputs.artifacts.X was not supplied'",
)

# Parameter and artifact names (Argo's isValidParamOrArtifactName); templates.py checks inputs and outputs with it.
PARAM_NAME_FORM = re.compile(r"^[-a-zA-Z0-9_]+$")
# What an argument's valueFrom may say (Argo's validateArgumentsValues).
_ARGUMENT_VALUE_FROM = frozenset({"configMapKeyRef", "default", "supplied", "event"})


def workflow_arguments(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    args = as_dict(manifest.workflow_spec.get("arguments"))
    if not args:
        return  # most workflows take none
    args_path = (*manifest.spec_path, "arguments")
    yield from named_list(as_list(args.get("parameters")), (*args_path, "parameters"), "parameter", PARAM_NAME_FORM)
    yield from named_list(as_list(args.get("artifacts")), (*args_path, "artifacts"), "artifact", PARAM_NAME_FORM)
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
        yield from check_enum(p, ppath, name)
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


def check_enum(p: dict[str, Any], path: JsonPath, name: str) -> Iterator[Finding]:
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


def named_list(items: list[Any], path: JsonPath, what: str, pattern: re.Pattern[str]) -> Iterator[Finding]:
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
                          hint="use letters, digits, '-' and '_' only" if pattern is PARAM_NAME_FORM
                          else "use letters, digits and '-', starting with a letter or digit")
        elif name in seen:
            yield Finding(PARAM_NAME, (*path, i, "name"), f"{what} '{name}' is declared twice (also #{seen[name] + 1})")
        else:
            seen[name] = i


def inputs_supplied(call: Call, supplied: tuple[set[str], set[str]], by: str, at: JsonPath) -> Iterator[Finding]:
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


def has_arguments_to_check(step: StepAt, call: Call) -> bool:
    """Whether ``step_arguments`` can find anything: the step passes arguments, or the template it calls
    takes inputs (most steps do neither)."""
    return "arguments" in step.step or (call.template is not None and bool(call.template.get("inputs")))


def step_arguments(step: StepAt, call: Call) -> Iterator[Finding]:
    """A step's or task's arguments, then what the called template needs of them.

    A call without arguments (most of them) is only checked for the inputs it must supply, and a
    call of a template without inputs only for arguments it does not take.
    """
    args = as_dict(step.step.get("arguments"))
    params = as_list(args.get("parameters"))
    arts = as_list(args.get("artifacts"))
    if params or arts:
        yield from _step_argument_lists(step, params, arts)
    if call.state is not CallState.RESOLVED or call.template is None:
        return
    if as_dict(call.template.get("inputs")):  # only a template with inputs can miss one
        supplied_params = {n for p in params if (n := as_str(as_dict(p).get("name")))}
        supplied_arts = {n for a in arts if (n := as_str(as_dict(a).get("name")))}
        who = "this task" if step.is_task else "this step"
        at = call.at if call.at and call.at[-1] in ("template", "templateRef", "inline") else step.path
        yield from inputs_supplied(call, (supplied_params, supplied_arts), f"{who}'s arguments", at)
    if params:
        yield from _undeclared_parameters(step, call.template, call.target, params)
    if arts:
        yield from _undeclared_artifacts(step, call.template, call.target, arts)


def _step_argument_lists(step: StepAt, params: list[Any], arts: list[Any]) -> Iterator[Finding]:
    """Names and values of a step's argument parameters and artifacts."""
    args_path = (*step.path, "arguments")
    yield from named_list(params, (*args_path, "parameters"), "argument", PARAM_NAME_FORM)
    yield from named_list(arts, (*args_path, "artifacts"), "argument", PARAM_NAME_FORM)
    for i, p in enumerate(params):
        if not isinstance(p, dict):
            continue
        name = as_str(p.get("name")) or f"#{i + 1}"
        if p.get("value") is None and p.get("valueFrom") is None:
            yield Finding(ARGUMENT_NO_VALUE, (*args_path, "parameters", i), f"argument '{name}' has no value",
                          hint="set 'value' or 'valueFrom'")
        else:
            yield from _argument_value_from(p, (*args_path, "parameters", i), f"argument '{name}'")
            yield from check_enum(p, (*args_path, "parameters", i), name)
    yield from _argument_artifacts(arts, (*args_path, "artifacts"))


def _undeclared_parameters(step: StepAt, template: dict[str, Any], target: str | None,
                           params: list[Any]) -> Iterator[Finding]:
    """Argument parameters that the called template does not declare as inputs."""
    declared = {n for p in input_parameters(template) if (n := as_str(p.get("name")))}
    for i, p in enumerate(params):
        pname = as_str(as_dict(p).get("name"))
        if pname and pname not in declared and "{{" not in pname:
            yield Finding(
                ARGUMENT_UNUSED, (*step.path, "arguments", "parameters", i, "name"),
                f"argument '{pname}' is not an input parameter of template '{target}'",
                hint=did_you_mean(pname, declared) or "declare it in the template's inputs.parameters",
            )


def _undeclared_artifacts(step: StepAt, template: dict[str, Any], target: str | None,
                          arts: list[Any]) -> Iterator[Finding]:
    """Argument artifacts that the called template does not declare as inputs."""
    declared_arts = {n for a in input_artifacts(template) if (n := as_str(a.get("name")))}
    for i, a in enumerate(arts):
        aname = as_str(as_dict(a).get("name"))
        if aname and aname not in declared_arts and "{{" not in aname:
            yield Finding(
                ARGUMENT_UNUSED, (*step.path, "arguments", "artifacts", i, "name"),
                f"artifact '{aname}' is not an input artifact of template '{target}'",
                hint=did_you_mean(aname, declared_arts),
            )
