"""How the world outside the manifest answers, behind small read-only interfaces.

Everything that needs I/O (the cluster, files of Secret manifests, other
documents of a lint run) is looked up before validation by an adapter and handed
over as a snapshot implementing these protocols; each answer is a ``Lookup``:
found, missing, or unknown (the answer could not be had).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from webhook.diagnostics import Severity


class LookupState(enum.Enum):
    FOUND = "found"
    MISSING = "missing"
    # The answer could not be had (no store configured, API server down, forbidden to us).
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Lookup:
    state: LookupState
    value: Any = None
    reason: str | None = None
    # How bad an UNKNOWN answer is when it is not the context's ``unresolved_severity``
    # (e.g. info for what can only be checked where the object is used).
    severity: Severity | None = None

    @property
    def found(self) -> bool:
        return self.state is LookupState.FOUND


MISSING = Lookup(LookupState.MISSING)


def found(value: Any) -> Lookup:
    return Lookup(LookupState.FOUND, value)


def missing(reason: str, candidates: Sequence[str] = ()) -> Lookup:
    """Known not to exist; ``candidates`` are the names that do (for a did-you-mean)."""
    return Lookup(LookupState.MISSING, value=tuple(candidates), reason=reason)


def unknown(reason: str, severity: Severity | None = None) -> Lookup:
    return Lookup(LookupState.UNKNOWN, reason=reason, severity=severity)


class TemplateSource(Protocol):
    """WorkflowTemplates and ClusterWorkflowTemplates that references may point at."""

    def workflow_template(self, namespace: str | None, name: str) -> Lookup:
        """Lookup whose value is the WorkflowTemplate object (a dict)."""
        ...

    def cluster_workflow_template(self, name: str) -> Lookup: ...


class SecretSource(Protocol):
    """Key names of Secrets (never values)."""

    @property
    def description(self) -> str:
        """Where secrets come from, for messages ("cluster", "secrets.yaml")."""
        ...

    def secret_keys(self, namespace: str | None, name: str) -> Lookup:
        """Lookup whose value is a frozenset of the secret's key names."""
        ...


class AccessReviewer(Protocol):
    """Answers 'may this identity get this secret?' (SubjectAccessReview results, prefetched)."""

    def may_get_secret(self, namespace: str | None, name: str, service_account: str | None) -> Lookup:
        """Lookup whose value is a bool; ``service_account`` None means the requesting user."""
        ...


class NoTemplates:
    def workflow_template(self, namespace: str | None, name: str) -> Lookup:
        return unknown("no cluster and no such document among the files given")

    def cluster_workflow_template(self, name: str) -> Lookup:
        return unknown("no cluster and no such document among the files given")


@dataclass(slots=True)
class DocumentTemplates:
    """Templates found among the documents of one lint run (and, lazily, the rest of the repository)."""

    workflow_templates: dict[tuple[str | None, str], dict[str, Any]] = field(default_factory=dict)
    cluster_templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    fallback: TemplateSource | None = None
    # These are every WorkflowTemplate of this namespace (the REST API's store), not just the files
    # given: a name not among them does not exist there.
    complete_in: str | None = None

    def add(self, kind: str, obj: Mapping[str, Any], namespace: str | None) -> None:
        md = obj.get("metadata")
        name = md.get("name") if isinstance(md, dict) else None
        if not isinstance(name, str):
            return
        if kind == "ClusterWorkflowTemplate":
            self.cluster_templates.setdefault(name, dict(obj))
        elif kind == "WorkflowTemplate":
            self.workflow_templates.setdefault((namespace, name), dict(obj))
            # Offline, a manifest often has no namespace: also index it namespace-free.
            self.workflow_templates.setdefault((None, name), dict(obj))

    def workflow_template(self, namespace: str | None, name: str) -> Lookup:
        obj = self.workflow_templates.get((namespace, name)) or self.workflow_templates.get((None, name))
        if obj is not None:
            return found(obj)
        if self.complete_in is not None and namespace in (None, self.complete_in):
            names = sorted(n for ns, n in self.workflow_templates if ns == self.complete_in)
            return missing(f"not found in namespace '{self.complete_in}'", names)
        if self.fallback is not None:
            return self.fallback.workflow_template(namespace, name)
        return unknown("not among the files given")

    def cluster_workflow_template(self, name: str) -> Lookup:
        obj = self.cluster_templates.get(name)
        if obj is not None:
            return found(obj)
        if self.fallback is not None:
            return self.fallback.cluster_workflow_template(name)
        return unknown("not among the files given")
