"""A template: its name, exactly one type, its inputs and outputs; then what its type asks of it.

Codes AW202–AW205, AW228 and AW233. ``check_template`` runs, for one template, the checks of
fields.py, containers.py, metrics.py and resource.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from webhook.diagnostics import Finding, JsonPath, Severity, define
from webhook.spec.walk import TEMPLATE_TYPES, TemplateAt, as_dict, as_list, as_str
from webhook.validation.structure.arguments import PARAM_NAME, PARAM_NAME_FORM, check_enum, named_list
from webhook.validation.structure.containers import CONTAINER_FIELDS, check_containers
from webhook.validation.structure.fields import KIND_FIELDS, kind_fields
from webhook.validation.structure.metrics import check_metrics
from webhook.validation.structure.resource import check_resource

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
OUTPUT_PARAMETER = define(
    "AW228", Severity.ERROR, "an output parameter does not say where its value comes from",
    why="An output parameter must say where its value comes from, in the way its template type allows.",
    mirrors="validate.go: validateOutputs / validateOutputParameter",
)
INPUT_ARTIFACT = define(
    "AW233", Severity.ERROR, "an input artifact field is not valid here",
    why="Input artifacts are fetched into leaf templates only, and 'from' belongs to the caller.",
    mirrors="validate.go: validateInputs: 'path only valid in container/script templates', 'from not valid "
            "in inputs'",
)

# Template, step and task names (Argo's isValidWorkflowFieldName); steps.py checks its names with it too.
FIELD_NAME_FORM = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
_TYPE_SET = frozenset(TEMPLATE_TYPES)
_LEAF_TYPES = ("container", "containerSet", "script", "resource", "data", "http", "plugin")


def template_types(template: dict[str, Any]) -> list[str]:
    """``TemplateAt.types``: the type fields a template sets, in ``TEMPLATE_TYPES`` order.

    Read from the template's own few keys rather than by asking for each of the ten types.
    """
    types = [k for k in template if k in _TYPE_SET and template[k] is not None]
    if len(types) > 1:
        types.sort(key=TEMPLATE_TYPES.index)
    return types


def template_names(templates: list[TemplateAt]) -> Iterator[Finding]:
    seen: dict[str, JsonPath] = {}
    for at in templates:
        if at.inline_in is not None:
            continue
        name = at.template.get("name")
        if not isinstance(name, str) or not name:
            if name is None or name == "":
                yield Finding(TEMPLATE_NAME, at.path, "template has no name", hint="add 'name: <template-name>'")
            continue
        if len(name) > 128 or not FIELD_NAME_FORM.match(name):
            yield Finding(TEMPLATE_NAME, (*at.path, "name"), f"template name {name!r} is malformed",
                          hint="use letters, digits and '-', starting with a letter or digit (at most 128)")
        if name in seen:
            yield Finding(TEMPLATE_DUPLICATE, (*at.path, "name"),
                          f"template '{name}' is defined twice", hint="rename one of them")
        else:
            seen[name] = at.path


def check_template(at: TemplateAt, template_defaults: dict[str, Any]) -> Iterator[Finding]:
    """One template's own checks; ``template_defaults`` is the spec's ``templateDefaults`` mapping.

    Most templates have no inputs, outputs, metrics, containers or type-specific fields: the checks
    of each section run only when the template has it (each would find nothing, after building its
    paths and generator).
    """
    t = at.template
    name = at.name
    label = f"template '{name}'" if name else "inline template" if at.inline_in else "template"
    types = template_types(t)
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
    in_params = as_list(inputs.get("parameters"))
    in_arts = as_list(inputs.get("artifacts"))
    if in_params:
        yield from named_list(in_params, (*at.path, "inputs", "parameters"), "input parameter", PARAM_NAME_FORM)
    if in_arts:
        yield from named_list(in_arts, (*at.path, "inputs", "artifacts"), "input artifact", PARAM_NAME_FORM)
    if outputs:
        yield from named_list(as_list(outputs.get("parameters")), (*at.path, "outputs", "parameters"),
                              "output parameter", PARAM_NAME_FORM)
        yield from named_list(as_list(outputs.get("artifacts")), (*at.path, "outputs", "artifacts"),
                              "output artifact", PARAM_NAME_FORM)
    for i, p in enumerate(in_params):
        if isinstance(p, dict) and "enum" in p:
            yield from check_enum(p, (*at.path, "inputs", "parameters", i), as_str(p.get("name")) or "")
    for i, a in enumerate(in_arts):
        if not isinstance(a, dict):
            continue
        apath = (*at.path, "inputs", "artifacts", i)
        if a.get("from") not in (None, ""):
            yield Finding(INPUT_ARTIFACT, (*apath, "from"), "'from' is not valid in inputs", on_key=True,
                          hint="set 'from' on the caller's arguments.artifacts instead")
        if kind is not None and not leaf and a.get("path"):
            yield Finding(INPUT_ARTIFACT, (*apath, "path"),
                          f"input artifact path is only valid in leaf templates, not {kind}", on_key=True)
    if kind == "dag" or (kind is not None and not KIND_FIELDS.isdisjoint(t)):
        yield from kind_fields(at, kind, leaf, label)
    if outputs:
        yield from _outputs(at, outputs, kind, label)
    if not CONTAINER_FIELDS.isdisjoint(t):
        yield from check_containers(at, kind, label, template_defaults)
    if t.get("metrics") is not None:
        yield from check_metrics(at, label)
    if kind == "resource":
        yield from check_resource(at, label)


def _outputs(at: TemplateAt, outputs: dict[str, Any], kind: str | None, label: str) -> Iterator[Finding]:
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
                and not PARAM_NAME_FORM.match(global_name):
            yield Finding(PARAM_NAME, (*ppath, "globalName"), f"globalName {global_name!r} is malformed",
                          hint="use letters, digits, '-' and '_' only")
    leaf = kind in _LEAF_TYPES
    for i, a in enumerate(as_list(outputs.get("artifacts"))):
        if isinstance(a, dict) and kind is not None and not leaf and a.get("path"):
            yield Finding(INPUT_ARTIFACT, (*at.path, "outputs", "artifacts", i, "path"),
                          f"{label}: output artifact path is only valid in leaf templates, not {kind}",
                          on_key=True, hint="use 'from' to pass on an artifact of a step or task")
