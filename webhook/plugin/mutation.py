"""``serve --plugin-mutation``: rewrite ``http:`` templates into argo-warden executor-plugin templates.

``http: {...}`` becomes ``plugin: {argo-warden: {...}}`` with the same fields, so
Argo's agent hands the step to our sidecar (our condition dialect, secret
lookups and SSRF guard) instead of running it itself. Only that key changes;
everything else of the template stays where it was. Idempotent: a plugin
template is left as it is.
"""

from __future__ import annotations

import copy
from typing import Any

from webhook.manifest import Manifest
from webhook.spec.http import PLUGIN_NAME
from webhook.spec.walk import spec_templates


def to_plugin_template(template: dict[str, Any]) -> dict[str, Any]:
    """A new template: ``http`` replaced by ``plugin: {argo-warden: <http>}`` in the same position.

    Templates without an ``http`` mapping, or with a ``plugin`` already (two types: validation reports
    it), come back as an unchanged copy.
    """
    http = template.get("http")
    if not isinstance(http, dict) or "plugin" in template:
        return copy.deepcopy(template)
    out: dict[str, Any] = {}
    for key, value in template.items():
        if key == "http":
            out["plugin"] = {PLUGIN_NAME: copy.deepcopy(http)}
        else:
            out[key] = copy.deepcopy(value)
    return out


def to_plugin_templates(manifest: Manifest) -> None:
    """The admission mutator: every ``http`` template of the manifest (inline ones too), rewritten in place."""
    for at in list(spec_templates(manifest)):
        template = at.template
        if isinstance(template.get("http"), dict) and "plugin" not in template:
            rewritten = to_plugin_template(template)
            template.clear()
            template.update(rewritten)
