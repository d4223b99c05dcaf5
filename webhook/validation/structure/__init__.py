"""Structure of a workflow spec: names, entrypoint, template types, calls and their arguments.

Codes AW200–AW299. The rules follow what Argo's controller enforces when a
workflow starts (workflow/validate/validate.go) and add the mistakes it only
finds later (a step that never supplies a required input, an argument nobody reads).

Each module of the package owns its codes (its ``define()`` calls sit beside the
checks that use them): metadata, spec (entrypoint, onExit, workflowTemplateRef),
calls (what every call is checked for), arguments, templates (with fields,
containers, metrics and resource), steps and unused. ``check`` is the one walk over
the document: each template is visited once, and each module checks its part of it.
"""

from __future__ import annotations

from collections.abc import Iterator

from webhook.diagnostics import Finding
from webhook.manifest import Manifest
from webhook.spec.resolve import validation_resolver
from webhook.spec.walk import as_dict, spec_templates
from webhook.validation.context import ValidationContext
from webhook.validation.structure.arguments import (
    ARGUMENT_NO_VALUE,
    ARGUMENT_UNUSED,
    ARTIFACT_NOT_SUPPLIED,
    ENUM_VALUE,
    INPUT_NOT_SUPPLIED,
    PARAM_NAME,
    workflow_arguments,
)
from webhook.validation.structure.calls import (
    CALL_MALFORMED,
    CALL_UNDEFINED,
    HOOK_EXPRESSION,
    REF_TEMPLATE_MISSING,
    REF_UNRESOLVED,
)
from webhook.validation.structure.containers import IMAGE_MISSING, MOUNT_PATH_DUPLICATE, RESERVED_CONTAINER
from webhook.validation.structure.fields import ACTIVE_DEADLINE, FIELD_WRONG_TEMPLATE, POD_RESOURCES, TIMEOUT_FORMAT
from webhook.validation.structure.metadata import (
    GENERATE_NAME_TOO_LONG,
    GENERATE_SUFFIX,
    MAX_CRON_NAME,
    MAX_NAME,
    NAME_TOO_LONG,
    check_metadata,
)
from webhook.validation.structure.metrics import METRIC
from webhook.validation.structure.resource import RESOURCE_TEMPLATE
from webhook.validation.structure.spec import (
    ENTRYPOINT_MISSING,
    ENTRYPOINT_UNDEFINED,
    WORKFLOW_TEMPLATE_REF,
    entrypoint_and_exit,
    workflow_template_ref,
)
from webhook.validation.structure.steps import (
    LOOP_FIELDS,
    STEP_NAME_DUPLICATE,
    STEP_NAME_INVALID,
    STEP_NAME_MISSING,
    check_steps,
)
from webhook.validation.structure.templates import (
    INPUT_ARTIFACT,
    OUTPUT_PARAMETER,
    TEMPLATE_DUPLICATE,
    TEMPLATE_MANY_TYPES,
    TEMPLATE_NAME,
    TEMPLATE_NO_TYPE,
    check_template,
    template_names,
)
from webhook.validation.structure.unused import BROKEN_CALLS, TEMPLATE_UNUSED, check_unused

__all__ = [
    "ACTIVE_DEADLINE",
    "ARGUMENT_NO_VALUE",
    "ARGUMENT_UNUSED",
    "ARTIFACT_NOT_SUPPLIED",
    "CALL_MALFORMED",
    "CALL_UNDEFINED",
    "ENTRYPOINT_MISSING",
    "ENTRYPOINT_UNDEFINED",
    "ENUM_VALUE",
    "FIELD_WRONG_TEMPLATE",
    "GENERATE_NAME_TOO_LONG",
    "GENERATE_SUFFIX",
    "HOOK_EXPRESSION",
    "IMAGE_MISSING",
    "INPUT_ARTIFACT",
    "INPUT_NOT_SUPPLIED",
    "LOOP_FIELDS",
    "MAX_CRON_NAME",
    "MAX_NAME",
    "METRIC",
    "MOUNT_PATH_DUPLICATE",
    "NAME_TOO_LONG",
    "OUTPUT_PARAMETER",
    "PARAM_NAME",
    "POD_RESOURCES",
    "REF_TEMPLATE_MISSING",
    "REF_UNRESOLVED",
    "RESERVED_CONTAINER",
    "RESOURCE_TEMPLATE",
    "STEP_NAME_DUPLICATE",
    "STEP_NAME_INVALID",
    "STEP_NAME_MISSING",
    "TEMPLATE_DUPLICATE",
    "TEMPLATE_MANY_TYPES",
    "TEMPLATE_NAME",
    "TEMPLATE_NO_TYPE",
    "TEMPLATE_UNUSED",
    "TIMEOUT_FORMAT",
    "WORKFLOW_TEMPLATE_REF",
    "check",
]


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    resolver = validation_resolver(manifest, context)
    findings: list[Finding] = [
        *check_metadata(manifest),
        *workflow_template_ref(manifest, resolver),
        *entrypoint_and_exit(manifest, resolver),
        *workflow_arguments(manifest, context),
    ]
    templates = list(spec_templates(manifest))
    findings.extend(template_names(templates))
    template_defaults = as_dict(manifest.workflow_spec.get("templateDefaults"))
    used: set[str] = set()
    for at in templates:
        findings.extend(check_template(at, template_defaults))
        # Only a steps or DAG template has steps or tasks to check (a leaf has none to walk).
        if at.template.get("steps") is not None or at.template.get("dag") is not None:
            findings.extend(check_steps(at, resolver, used))
    yield from findings
    # A call that names nothing (a typo, a missing entrypoint) was probably meant for a template
    # that now looks unused, and templates beside a workflowTemplateRef are ignored anyway:
    # saying so too would report one mistake twice.
    if not any(f.code in BROKEN_CALLS for f in findings):
        yield from check_unused(manifest, templates, used)
