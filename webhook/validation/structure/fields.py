"""Fields that only some template types take: timeouts, deadlines, parallelism, pod resources.

Codes AW224, AW225, AW234 and AW237, as Argo's validateLeaf and validateNonLeaf tell leaf
templates (which run a pod or a request) from steps and DAGs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from webhook.diagnostics import Finding, Severity, define
from webhook.spec.walk import TemplateAt, as_dict, as_list

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
POD_RESOURCES = define(
    "AW234", Severity.ERROR, "podResources is not valid here",
    why="HTTP and plugin templates run in the shared agent pod, and steps/DAGs create no pod: pod "
            "fields do not apply.",
    mirrors="validate.go: validateTemplate: 'podResources is not supported for', 'resourceClaims is not "
            "supported for'",
)
ACTIVE_DEADLINE = define(
    "AW237", Severity.ERROR, "activeDeadlineSeconds is not a positive number",
    why="activeDeadlineSeconds must be a positive number (or a variable).",
    mirrors="validate.go: validateLeaf: 'activeDeadlineSeconds must be a positive integer > 0 or an argo "
            "variable'",
)

_DURATION = re.compile(r"^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")


# The template fields kind_fields reads besides a DAG's tasks: most templates set none of them.
KIND_FIELDS = frozenset({
    "activeDeadlineSeconds", "parallelism", "timeout", "pendingTimeout", "podResources", "resourceClaims",
})


def kind_fields(at: TemplateAt, kind: str, leaf: bool, label: str) -> Iterator[Finding]:
    """Fields of ``KIND_FIELDS`` the template's type does not take or that are malformed; a DAG without tasks."""
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
