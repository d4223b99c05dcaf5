"""Resolve what a step, task, hook or entrypoint calls: a local template, a templateRef, or an inline template.

Shared by the structure rule (does the target exist, are its inputs supplied),
the reference rule (which outputs may later steps use) and the executor (what to
run). The resolver keeps the context it was made with, typed as its user knows it:
all it reads of it is ``templates``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from webhook.diagnostics import JsonPath, Severity
from webhook.manifest import Manifest
from webhook.spec.lookups import LookupState, NoTemplates, TemplateSource
from webhook.spec.walk import TemplateAt, as_dict, as_list, as_str, find_template, named_templates, remembered


class CallState(enum.Enum):
    RESOLVED = "resolved"
    # Names nothing that exists (a local name, or a template inside a WorkflowTemplate we could read).
    MISSING = "missing"
    # The WorkflowTemplate behind a templateRef could not be read (offline, or the cluster did not answer).
    UNKNOWN = "unknown"
    # Computed at run time (`{{...}}` in the reference): nothing to check.
    DYNAMIC = "dynamic"
    # The holder names no template at all, or both `template` and `templateRef`.
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class Call:
    state: CallState
    template: dict[str, Any] | None = None
    # Path of the node naming the target (for carets), and the target's display name.
    at: JsonPath = ()
    target: str = ""
    reason: str | None = None
    # For templateRef: the WorkflowTemplate object the template came from.
    source: dict[str, Any] | None = None
    # For UNKNOWN: the lookup's own severity, when not the context's.
    severity: Severity | None = None
    # For a templateRef whose WorkflowTemplate does not exist: the names that do.
    candidates: tuple[str, ...] = ()


class TemplateContext(Protocol):
    """Where templates that a manifest references come from (a ``ValidationContext`` is one)."""

    @property
    def templates(self) -> TemplateSource: ...


@dataclass(frozen=True, slots=True)
class TemplatesOnly:
    """A context that knows nothing but the template source (the executor's)."""

    templates: TemplateSource = field(default_factory=NoTemplates)


C = TypeVar("C", bound=TemplateContext)


@dataclass(slots=True)
class Resolver(Generic[C]):
    """Per-document cache of local templates and referenced WorkflowTemplates."""

    manifest: Manifest
    context: C
    local: dict[str, TemplateAt]
    # Templates of the WorkflowTemplate named by spec.workflowTemplateRef, if any.
    referenced_spec: dict[str, Any] | None = None
    referenced_state: CallState | None = None
    referenced_reason: str | None = None
    referenced_severity: Severity | None = None
    # When it does not exist: the WorkflowTemplates that do (for a did-you-mean).
    referenced_candidates: tuple[str, ...] = ()

    @classmethod
    def for_manifest(cls, manifest: Manifest, context: C) -> Resolver[C]:
        resolver = cls(manifest, context, named_templates(manifest))
        ref = manifest.workflow_spec.get("workflowTemplateRef")
        if isinstance(ref, dict):
            name = as_str(ref.get("name"))
            if name and "{{" not in name:
                lookup = (
                    context.templates.cluster_workflow_template(name)
                    if ref.get("clusterScope") is True
                    else context.templates.workflow_template(manifest.namespace, name)
                )
                if lookup.found:
                    resolver.referenced_spec = as_dict(as_dict(lookup.value).get("spec"))
                    resolver.referenced_state = CallState.RESOLVED
                elif lookup.state is LookupState.MISSING:
                    resolver.referenced_state = CallState.MISSING
                    resolver.referenced_reason = lookup.reason
                    resolver.referenced_candidates = _names(lookup.value)
                else:
                    resolver.referenced_state = CallState.UNKNOWN
                    resolver.referenced_reason = lookup.reason
                    resolver.referenced_severity = lookup.severity
        return resolver

    def template_names(self) -> list[str]:
        names = list(self.local)
        if self.referenced_spec is not None:
            names.extend(_spec_template_names(self.referenced_spec))
        return names

    def by_name(self, name: str, at: JsonPath) -> Call:
        if "{{" in name:
            return Call(CallState.DYNAMIC, at=at, target=name)
        local = self.local.get(name)
        if local is not None:
            return Call(CallState.RESOLVED, local.template, at, name)
        if self.referenced_spec is not None:
            found = find_template(self.referenced_spec, name)
            if found is not None:
                return Call(CallState.RESOLVED, found, at, name)
        if self.referenced_state is CallState.UNKNOWN:
            return Call(CallState.UNKNOWN, at=at, target=name, reason=self.referenced_reason,
                        severity=self.referenced_severity)
        return Call(CallState.MISSING, at=at, target=name)

    def call(self, holder: dict[str, Any], path: JsonPath) -> Call:
        """What the step/task/hook at ``path`` runs."""
        name = holder.get("template")
        ref = holder.get("templateRef")
        inline = holder.get("inline")
        given = [k for k, v in (("template", name), ("templateRef", ref), ("inline", inline)) if v is not None]
        if len(given) > 1:
            return Call(CallState.MALFORMED, at=(*path, given[1]),
                        reason=f"names both '{given[0]}' and '{given[1]}'; choose one")
        if isinstance(inline, dict):
            return Call(CallState.RESOLVED, inline, (*path, "inline"), "<inline>")
        if isinstance(name, str):
            return self.by_name(name, (*path, "template"))
        if isinstance(ref, dict):
            return self.by_ref(ref, (*path, "templateRef"))
        if not given:
            return Call(CallState.MALFORMED, at=path,
                        reason="names no template: set 'template', 'templateRef' or 'inline'")
        # Wrong types are reported by the schema rule.
        return Call(CallState.DYNAMIC, at=path)

    def by_ref(self, ref: dict[str, Any], at: JsonPath) -> Call:
        name = as_str(ref.get("name"))
        template = as_str(ref.get("template"))
        if not name or not template:
            missing = "name" if not name else "template"
            return Call(CallState.MALFORMED, at=at, reason=f"templateRef needs '{missing}'")
        target = f"{name}/{template}"
        if "{{" in name or "{{" in template:
            return Call(CallState.DYNAMIC, at=at, target=target)
        cluster = ref.get("clusterScope") is True
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        lookup = (
            self.context.templates.cluster_workflow_template(name)
            if cluster
            else self.context.templates.workflow_template(self.manifest.namespace, name)
        )
        if lookup.state is LookupState.UNKNOWN:
            return Call(CallState.UNKNOWN, at=(*at, "name"), target=target,
                        reason=f"{kind} '{name}' {lookup.reason or 'could not be read'}", severity=lookup.severity)
        if lookup.state is LookupState.MISSING:
            return Call(CallState.MISSING, at=(*at, "name"), target=target,
                        reason=f"{kind} '{name}' {lookup.reason or 'does not exist'}",
                        candidates=_names(lookup.value))
        source = as_dict(lookup.value)
        spec = as_dict(source.get("spec"))
        found = find_template(spec, template)
        if found is None:
            names = _spec_template_names(spec)
            return Call(CallState.MISSING, at=(*at, "template"), target=target,
                        reason=f"{kind} '{name}' has no template '{template}'", source={"names": names})
        return Call(CallState.RESOLVED, found, at, target, source=source)


def validation_resolver(manifest: Manifest, context: C) -> Resolver[C]:
    """``Resolver.for_manifest(manifest, context)``, made once per validation (inside ``remembered_walks``).

    The structure, pod, reference and JSON-string rules each made their own, every
    one naming each top-level template and looking the workflowTemplateRef up again.
    A resolver only reads the manifest, so the rules of one validation can share it.
    """
    by_context = remembered(manifest, _resolvers_by_context)
    kept = by_context.get(id(context))
    if kept is None or kept.context is not context:
        kept = by_context[id(context)] = Resolver.for_manifest(manifest, context)
    return kept


def _resolvers_by_context(manifest: Manifest) -> dict[int, Resolver[Any]]:
    """The resolvers made for ``manifest`` in this validation, by id of their context (it is kept by each)."""
    return {}


def _names(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, tuple | list) else ()


def _spec_template_names(spec: dict[str, Any]) -> list[str]:
    return [n for t in as_list(spec.get("templates")) if (n := as_str(as_dict(t).get("name")))]


def input_parameters(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in as_list(as_dict(template.get("inputs")).get("parameters")) if isinstance(p, dict)]


def input_artifacts(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in as_list(as_dict(template.get("inputs")).get("artifacts")) if isinstance(a, dict)]


def parameter_has_value(param: dict[str, Any]) -> bool:
    return any(param.get(k) is not None for k in ("value", "default", "valueFrom"))


_ARTIFACT_SOURCES = (
    "from", "fromExpression", "raw", "s3", "gcs", "git", "http", "artifactory", "hdfs", "oss", "azure",
    "plugin", "configMap", "key",
)


def artifact_has_source(art: dict[str, Any]) -> bool:
    return art.get("optional") is True or any(art.get(k) is not None for k in _ARTIFACT_SOURCES)


# Where an artifact can be kept (Argo's ArtifactLocation); an argument names one of them, or 'from'.
_ARTIFACT_LOCATIONS = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")


def argument_artifact_located(art: dict[str, Any]) -> bool:
    """An artifact location (or a key in one) is given; what each location requires is the schema's business."""
    return any(isinstance(art.get(k), dict) and art.get(k) for k in _ARTIFACT_LOCATIONS)
