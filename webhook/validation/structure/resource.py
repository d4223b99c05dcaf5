"""A resource template: a known action, one manifest (or manifestFrom an input artifact), valid YAML (AW227)."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from webhook.diagnostics import Finding, Severity, define
from webhook.spec.resolve import input_artifacts
from webhook.spec.walk import TemplateAt, as_dict, as_str
from webhook.suggest import did_you_mean
from webhook.templating import replace_tags

RESOURCE_TEMPLATE = define(
    "AW227", Severity.ERROR, "a resource template is incomplete or malformed",
    why="A resource template must say what to do and with what manifest.",
    mirrors="validate.go: validateLeaf: resource.action, manifest or manifestFrom, 'must be a valid yaml'",
)

_RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")


def check_resource(at: TemplateAt, label: str) -> Iterator[Finding]:
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
