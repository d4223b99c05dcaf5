"""The HTTP templates of a spec: Argo's ``http:`` and argo-warden's executor-plugin form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from webhook.diagnostics import JsonPath
from webhook.manifest import Manifest
from webhook.spec.walk import TemplateAt, as_dict, remembered, spec_templates

# The executor plugin's name: ``plugin: {argo-warden: {...}}`` carries an HTTP template's fields.
PLUGIN_NAME = "argo-warden"


def http_templates(manifest: Manifest) -> Iterator[tuple[TemplateAt, JsonPath, dict[str, Any]]]:
    """Every HTTP template body, with the path to it (``…http`` or ``…plugin.argo-warden``)."""
    for at in spec_templates(manifest):
        http = at.template.get("http")
        if isinstance(http, dict):
            yield at, (*at.path, "http"), http
        plugin = as_dict(at.template.get("plugin")).get(PLUGIN_NAME)
        if isinstance(plugin, dict):
            yield at, (*at.path, "plugin", PLUGIN_NAME), plugin


def shared_http_templates(manifest: Manifest) -> tuple[tuple[TemplateAt, JsonPath, dict[str, Any]], ...]:
    """``http_templates(manifest)``, walked once per validation (``remembered``) for every rule that reads them:
    the secret references and the http, json_strings and conditions rules each walked them again."""
    return remembered(manifest, _http_templates)


def _http_templates(manifest: Manifest) -> tuple[tuple[TemplateAt, JsonPath, dict[str, Any]], ...]:
    return tuple(http_templates(manifest))
