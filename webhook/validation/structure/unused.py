"""Templates nothing calls (AW236): dead code, and often the sign of a misspelt call elsewhere."""

from __future__ import annotations

from collections.abc import Iterator

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, Severity, define
from webhook.manifest import CRON_WORKFLOW, WORKFLOW, Manifest
from webhook.spec.walk import TemplateAt, any_oversized, as_dict
from webhook.validation.structure.calls import CALL_MALFORMED, CALL_UNDEFINED, REF_TEMPLATE_MISSING
from webhook.validation.structure.spec import ENTRYPOINT_MISSING, ENTRYPOINT_UNDEFINED, WORKFLOW_TEMPLATE_REF

TEMPLATE_UNUSED = define(
    "AW236", Severity.INFO, "a template is never used",
    why="A template nothing calls is dead code, often the sign of a typo elsewhere.",
    mirrors=ARGO_WARDEN_ONLY,
)

# Findings after which "template X is never used" would only repeat them.
BROKEN_CALLS = frozenset({
    ENTRYPOINT_MISSING, ENTRYPOINT_UNDEFINED, CALL_UNDEFINED, CALL_MALFORMED, REF_TEMPLATE_MISSING,
    WORKFLOW_TEMPLATE_REF,
})


def check_unused(manifest: Manifest, templates: list[TemplateAt], used: set[str]) -> Iterator[Finding]:
    """``used``: what the steps and tasks call, their hooks and onExit included (steps.check_steps fills it)."""
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
    if any("{{" in name for name in used):
        return  # a template called by a computed name may be any of them
    for at in templates:
        if at.inline_in is None and at.name and at.name not in used:
            yield Finding(TEMPLATE_UNUSED, (*at.path, "name"),
                          f"template '{at.name}' is never called from the entrypoint, onExit or any step")
