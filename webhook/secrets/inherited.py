"""Secrets a referenced WorkflowTemplate sends to a destination the referencing workflow chooses.

A workflow that calls into a WorkflowTemplate or ClusterWorkflowTemplate
(``templateRef``, or its whole spec through ``workflowTemplateRef``) runs that
template's HTTP steps with its own arguments. When such a step sends a secret
and its url or ``Host`` header is written with a ``{{...}}`` tag, the caller
decides where the secret goes, and must be allowed to read it as for its own
templates. A shared template whose destination is fixed may send secrets its
callers cannot read: running it on their behalf is what it is for.

Calls are followed inside each referenced document (steps, DAG tasks, hooks,
inline templates) and into the further documents it references, as far as the
template source can answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from webhook.diagnostics import JsonPath
from webhook.manifest import Manifest
from webhook.secrets.references import SecretReference, http_sends, lookup_calls
from webhook.spec.http import PLUGIN_NAME
from webhook.spec.lookups import TemplateSource
from webhook.spec.walk import as_dict, as_list, as_str, find_template

MAX_DESTINATION_CHARS = 80


@dataclass(frozen=True, slots=True)
class InheritedSend:
    ref: SecretReference
    # "WorkflowTemplate 'lib'" or "ClusterWorkflowTemplate 'lib'", and the template in it that sends.
    source: str
    template: str
    # The url (or Host header) as written in the template, shortened.
    destination: str
    # Where the manifest calls into the source: its templateRef or workflowTemplateRef.
    call_at: JsonPath


@dataclass(frozen=True, slots=True)
class _Document:
    label: str
    spec: dict[str, Any]


def find_inherited_sends(manifest: Manifest, templates: TemplateSource) -> list[InheritedSend]:
    """Secrets sent by templates the manifest calls in other documents, to a destination the caller sets."""
    namespace = manifest.namespace
    spec = manifest.workflow_spec
    # (document, template name or inline template, where the manifest's call is)
    queue: list[tuple[_Document, str | dict[str, Any], JsonPath]] = []
    whole = spec.get("workflowTemplateRef")
    if isinstance(whole, dict):
        document = _document(templates, namespace, whole)
        if document is not None:
            entry = as_str(spec.get("entrypoint")) or as_str(document.spec.get("entrypoint"))
            at: JsonPath = (*manifest.spec_path, "workflowTemplateRef")
            if entry:
                queue.append((document, entry, at))
            exit_handler = as_str(spec.get("onExit")) or as_str(document.spec.get("onExit"))
            if exit_handler:
                queue.append((document, exit_handler, at))
    for path, ref in _template_refs(spec, manifest.spec_path):
        document = _document(templates, namespace, ref)
        name = as_str(ref.get("template"))
        if document is not None and name and "{{" not in name:
            queue.append((document, name, path))
    out: list[InheritedSend] = []
    seen: set[tuple[str, int | str]] = set()
    while queue:
        document, wanted, call_at = queue.pop()
        key = (document.label, wanted if isinstance(wanted, str) else id(wanted))
        if key in seen:
            continue
        seen.add(key)
        template = wanted if isinstance(wanted, dict) else find_template(document.spec, wanted)
        if template is None:
            continue
        name = as_str(template.get("name")) or "<inline>"
        out.extend(_sends(document, template, name, call_at))
        for holder in _callers(template):
            inline = holder.get("inline")
            local = as_str(holder.get("template"))
            called = holder.get("templateRef")
            if isinstance(inline, dict):
                queue.append((document, inline, call_at))
            elif local and "{{" not in local:
                queue.append((document, local, call_at))
            elif isinstance(called, dict):
                further = _document(templates, namespace, called)
                target = as_str(called.get("template"))
                if further is not None and target and "{{" not in target:
                    queue.append((further, target, call_at))
    return out


def chosen_destination(http: dict[str, Any]) -> str | None:
    """The url (or Host header) when a ``{{...}}`` tag other than a secret lookup writes it, else None."""
    candidates = [http.get("url")]
    for header in as_list(http.get("headers")):
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "host":
            candidates.append(header.get("value"))
    for text in candidates:
        if not isinstance(text, str) or "{{" not in text:
            continue
        rest = text
        for call in sorted(lookup_calls(text), key=lambda c: c.tag[0], reverse=True):
            rest = rest[:call.tag[0]] + rest[call.tag[1]:]
        if "{{" in rest:
            return text if len(text) <= MAX_DESTINATION_CHARS else text[:MAX_DESTINATION_CHARS - 1] + "…"
    return None


def _sends(document: _Document, template: dict[str, Any], name: str,
           call_at: JsonPath) -> Iterator[InheritedSend]:
    for http in (template.get("http"), as_dict(template.get("plugin")).get(PLUGIN_NAME)):
        if not isinstance(http, dict):
            continue
        destination = chosen_destination(http)
        if destination is None:
            continue
        for ref in http_sends(http, (), name):
            if ref.valid:
                yield InheritedSend(ref, document.label, name, destination, call_at)


def _callers(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Steps, DAG tasks and their hooks in a template: whatever names another template."""
    holders: list[Any] = []
    for group in as_list(template.get("steps")):
        items = group.get("steps") if isinstance(group, dict) else group
        holders.extend(as_list(items))
    holders.extend(as_list(as_dict(template.get("dag")).get("tasks")))
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        yield holder
        yield from (h for h in as_dict(holder.get("hooks")).values() if isinstance(h, dict))
        if isinstance(holder.get("onExit"), str):
            yield {"template": holder["onExit"]}


def _template_refs(spec: dict[str, Any], base: JsonPath) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Every ``templateRef`` in the spec's templates and hooks, with its path."""
    stack: list[tuple[JsonPath, Any]] = [((*base, "templates"), spec.get("templates")),
                                         ((*base, "hooks"), spec.get("hooks"))]
    while stack:
        path, node = stack.pop()
        if isinstance(node, list):
            stack.extend(((*path, i), item) for i, item in enumerate(node))
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "templateRef" and isinstance(value, dict):
                    yield (*path, key), value
                elif isinstance(value, dict | list):
                    stack.append(((*path, key), value))


def _document(templates: TemplateSource, namespace: str | None, ref: dict[str, Any]) -> _Document | None:
    name = as_str(ref.get("name"))
    if not name or "{{" in name:
        return None
    cluster = ref.get("clusterScope") is True
    lookup = templates.cluster_workflow_template(name) if cluster else templates.workflow_template(namespace, name)
    if not lookup.found:
        return None
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    return _Document(f"{kind} '{name}'", as_dict(as_dict(lookup.value).get("spec")))
