"""List the four Argo kinds through the Kubernetes API and judge each object as admission would now.

The cluster provider admission uses gives each object its context (its
namespace's secrets and WorkflowTemplates, through the same cached lookups),
the same validator judges it, the same policy stage (the object's
``argo-warden.io/ignore`` annotation included) and the same verdict function
decide. Who will apply an object next is not known, so the requesting user's
access reviews are not asked: the audit takes that user as allowed to read the
secrets (so that their existence and keys are checked, with the auditor's
credentials) and admission reviews the real user's access. The workflow's
service account is reviewed as at admission.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from webhook.admission.decide import diagnostics_under, validation_verdict
from webhook.admission.provider import Deadline, FailurePolicy
from webhook.admission.response import Verdict
from webhook.admission.review import AdmissionRequest, UserInfo
from webhook.diagnostics import Diagnostic, Severity
from webhook.kube.client import path
from webhook.kube.connection import ClusterConnection
from webhook.kube.listing import list_objects
from webhook.kube.lookups import ARGO
from webhook.kube.provider import ClusterProvider
from webhook.manifest import Manifest
from webhook.policy.settings import PolicySettings
from webhook.spec.lookups import found

# (resource, kind, namespaced)
KINDS: tuple[tuple[str, str, bool], ...] = (
    ("workflows", "Workflow", True),
    ("workflowtemplates", "WorkflowTemplate", True),
    ("cronworkflows", "CronWorkflow", True),
    ("clusterworkflowtemplates", "ClusterWorkflowTemplate", False),
)
NOT_REVIEWED = found(True)
# Objects judged at once: each may wait on a few cluster lookups.
CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class Scope:
    """One namespace, or every namespace (and the cluster-scoped ClusterWorkflowTemplates) when None."""

    namespace: str | None = None


@dataclass(slots=True)
class AuditedObject:
    api_version: str
    kind: str
    namespace: str | None
    name: str
    uid: str | None
    diagnostics: list[Diagnostic]
    verdict: Verdict

    @property
    def display(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


@dataclass(slots=True)
class AuditResult:
    scope: Scope
    objects: list[AuditedObject] = field(default_factory=list)

    @property
    def denied(self) -> list[AuditedObject]:
        return [o for o in self.objects if not o.verdict.allowed]

    def summary(self) -> dict[str, int]:
        denied = len(self.denied)
        warned = sum(1 for o in self.objects if o.verdict.allowed and o.warnings)
        return {"objects": len(self.objects), "namespaces": len({o.namespace for o in self.objects if o.namespace}),
                "denied": denied, "warned": warned, "clean": len(self.objects) - denied - warned}


class Progress:
    """What the scan reports as it goes (a progress bar on a terminal; nothing otherwise)."""

    def listed(self, what: str, count: int) -> None:
        return None

    def judged(self, obj: AuditedObject) -> None:
        return None


def _collection(resource: str, scope: Scope) -> str:
    if scope.namespace is None:
        return path(*ARGO, resource)
    return path(*ARGO, "namespaces", scope.namespace, resource)


def _trimmed(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as admission sees it on CREATE: without the status (a workflow's can be megabytes)."""
    out = {k: v for k, v in obj.items() if k != "status"}
    md = out.get("metadata")
    if isinstance(md, dict) and "managedFields" in md:
        out["metadata"] = {k: v for k, v in md.items() if k != "managedFields"}
    return out


async def audit(connection: ClusterConnection, scope: Scope, policy: PolicySettings, *, timeout: float = 30.0,
                progress: Progress | None = None, page_size: int | None = None,
                kinds: Sequence[tuple[str, str, bool]] = KINDS) -> AuditResult:
    """Judge every Argo object in ``scope``; ApiUnavailable when a list cannot be read."""
    report = progress or Progress()
    provider = ClusterProvider(connection, FailurePolicy.CLOSED, no_identity=NOT_REVIEWED)
    provider.warm_labels = ()  # admission's enforcement mode does not apply to an audit
    await provider.start()
    try:
        listed: list[tuple[str, dict[str, Any]]] = []
        for resource, kind, namespaced in kinds:
            if not namespaced and scope.namespace is not None:
                continue  # cluster-scoped: audited with -A
            before = len(listed)
            options = {"page_size": page_size} if page_size else {}
            async for item in list_objects(provider.client, _collection(resource, scope), resource, timeout=timeout,
                                           **options):
                listed.append((kind, _trimmed(item)))
            report.listed(resource, len(listed) - before)
        result = AuditResult(scope)
        slots = asyncio.Semaphore(CONCURRENCY)

        async def judge_one(kind: str, obj: dict[str, Any]) -> None:
            async with slots:
                judged = await _judge(provider, kind, obj, policy, timeout)
            result.objects.append(judged)
            report.judged(judged)

        await asyncio.gather(*(judge_one(kind, obj) for kind, obj in listed))
    finally:
        await provider.close()
    result.objects.sort(key=lambda o: (o.namespace or "", o.kind, o.name))
    return result


async def _judge(provider: ClusterProvider, kind: str, obj: dict[str, Any], policy: PolicySettings,
                 timeout: float) -> AuditedObject:
    md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(md, dict)
    namespace = md.get("namespace") if isinstance(md.get("namespace"), str) else None
    name = str(md.get("name") or "")
    uid = md.get("uid") if isinstance(md.get("uid"), str) else None
    manifest = Manifest(kind, obj, default_namespace=namespace)
    request = AdmissionRequest(uid=uid or name, operation="CREATE", group="argoproj.io", version="v1alpha1",
                               kind=kind, namespace=namespace, name=name, user=UserInfo(), object=obj,
                               old_object=None)
    # Lookups that do not answer in time are UNKNOWN: under the closed failure policy, errors (as at admission).
    context = await provider.context_for(request, manifest, Deadline.after(timeout))
    diagnostics = diagnostics_under(manifest, context, policy)
    verdict = validation_verdict(manifest, diagnostics)
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else "argoproj.io/v1alpha1"
    return AuditedObject(str(api_version), kind, namespace, name, uid, diagnostics, verdict)
