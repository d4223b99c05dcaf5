"""Before validation: collect what a manifest needs from the cluster, fetch it all at once, hand it over as a snapshot.

Needs are the secrets it names (key names, and access reviews for the
requesting user and — for what HTTP templates send — the workflow's service
account) and the WorkflowTemplates and ClusterWorkflowTemplates it references.
Answers already cached are taken without creating a task; the rest are fetched
concurrently, each bounded by the deadline (coalesced with other reviews' calls).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from webhook import wirejson
from webhook.admission.provider import Deadline
from webhook.admission.review import UserInfo
from webhook.diagnostics import Severity
from webhook.kube.cache import LookupCache
from webhook.kube.lookups import ClusterLookups, Request, Subject
from webhook.kube.snapshot import SnapshotAccess, SnapshotSecrets, SnapshotTemplates
from webhook.manifest import Manifest
from webhook.secrets.inherited import InheritedSend, find_inherited_sends
from webhook.secrets.references import SecretReference, find_secret_references
from webhook.settings import DEFAULT_CLUSTER, ClusterSettings
from webhook.spec.lookups import Lookup, unknown
from webhook.validation.context import ValidationContext
from webhook.validation.secrets import service_account

# A ClusterWorkflowTemplate's secrets and namespaced templateRefs are read where a workflow uses it.
WHERE_USED = "it is resolved in the namespace of each workflow that uses this ClusterWorkflowTemplate"
NO_IDENTITY = "the admission request names no user or group to review"


@dataclass(frozen=True, slots=True)
class Needs:
    namespace: str | None
    references: tuple[SecretReference, ...] = ()
    secrets: frozenset[str] = frozenset()
    # Secrets an HTTP template sends: the service account's access is reviewed too.
    sent: frozenset[str] = frozenset()
    service_account: str | None = None
    workflow_templates: frozenset[str] = frozenset()
    cluster_templates: frozenset[str] = frozenset()


def needs_of(manifest: Manifest) -> Needs:
    found = tuple(find_secret_references(manifest))
    refs = [r for r in found if r.valid]
    spec = manifest.workflow_spec
    namespaced, cluster = _referenced_names(spec)
    return Needs(
        namespace=manifest.namespace,
        references=found,
        secrets=frozenset(r.name for r in refs),
        sent=frozenset(r.name for r in refs if r.sent),
        service_account=service_account(manifest),
        workflow_templates=frozenset(namespaced),
        cluster_templates=frozenset(cluster),
    )


def _referenced_names(spec: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Names of the WorkflowTemplates and the ClusterWorkflowTemplates a spec references."""
    namespaced: set[str] = set()
    cluster: set[str] = set()
    for ref in _template_refs(spec):
        name = ref.get("name")
        if isinstance(name, str) and name and "{{" not in name:
            (cluster if ref.get("clusterScope") is True else namespaced).add(name)
    return namespaced, cluster


def _template_refs(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``spec.workflowTemplateRef`` and every ``templateRef`` in steps, tasks, hooks and inline templates."""
    top = spec.get("workflowTemplateRef")
    if isinstance(top, dict):
        yield top
    stack: list[Any] = [spec.get("templates"), spec.get("hooks")]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "templateRef" and isinstance(value, dict):
                    yield value
                elif isinstance(value, dict | list):
                    stack.append(value)


@dataclass(slots=True)
class _Plan:
    """Questions to ask, each with where its answer goes in the snapshot."""

    secrets: SnapshotSecrets = field(default_factory=SnapshotSecrets)
    access: SnapshotAccess = field(default_factory=SnapshotAccess)
    templates: SnapshotTemplates = field(default_factory=SnapshotTemplates)
    asks: list[tuple[Request, dict[Any, Lookup], Any]] = field(default_factory=list)

    def ask(self, request: Request, into: dict[Any, Lookup], key: Any) -> None:
        self.asks.append((request, into, key))


async def snapshot_context(lookups: ClusterLookups, manifest: Manifest, user: UserInfo, deadline: Deadline, *,
                           strict: bool = True, unresolved: Severity = Severity.ERROR,
                           no_identity: Lookup | None = None, settings: ClusterSettings = DEFAULT_CLUSTER
                           ) -> Snapshot:
    """The validation context for ``manifest``, with every cluster answer fetched before ``deadline``.

    ``no_identity`` answers the requesting user's access reviews when there is no user to review
    (``argo-warden audit``: who will apply an object is not known); by default an UNKNOWN. Templates the
    referenced templates call are fetched ``settings.nested_levels`` deep, ``settings.nested_documents`` in all.
    """
    needs = needs_of(manifest)
    subject = Subject.of(user)
    anonymous = no_identity if no_identity is not None else unknown(NO_IDENTITY)
    plan = _plan(lookups, needs, subject, anonymous)
    await _answer(lookups, plan.asks, deadline)
    inherited: tuple[InheritedSend, ...] = ()
    if needs.workflow_templates or needs.cluster_templates:
        # Further rounds, only for objects that reference templates: the templates those call, then what they
        # all send where the object decides.
        for _ in range(settings.nested_levels):
            asked = len(plan.asks)
            _plan_nested(lookups, plan, needs.namespace, settings.nested_documents)
            if len(plan.asks) == asked:
                break
            await _answer(lookups, plan.asks[asked:], deadline)
        inherited = tuple(find_inherited_sends(manifest, plan.templates))
        asked = len(plan.asks)
        _plan_inherited(lookups, plan, needs.namespace, inherited, subject, anonymous)
        await _answer(lookups, plan.asks[asked:], deadline)
    context = ValidationContext(strict=strict, templates=plan.templates, secrets=plan.secrets, access=plan.access,
                                unresolved_severity=unresolved, user=user.username,
                                user_info={"username": user.username, "uid": user.uid, "groups": list(user.groups)},
                                secret_references=needs.references, inherited_sends=inherited,
                                cache_key=_context_key(plan, user, strict, unresolved))
    return Snapshot(context, tuple((request.key, into[key]) for request, into, key in plan.asks))


async def _answer(lookups: ClusterLookups, asks: list[tuple[Request, dict[Any, Lookup], Any]],
                  deadline: Deadline) -> None:
    """Put each question's answer where it goes: from the cache at once, the rest fetched concurrently."""
    pending: list[tuple[Request, dict[Any, Lookup], Any]] = []
    for request, into, key in asks:
        hit = lookups.cache.cached(request.key)
        if hit is not None:
            into[key] = hit
        else:
            pending.append((request, into, key))
    if pending:
        answers = await asyncio.gather(*(lookups.ask(request, deadline) for request, _, _ in pending))
        for (_, into, key), answer in zip(pending, answers, strict=True):
            into[key] = answer


@dataclass(frozen=True, slots=True)
class Snapshot:
    context: ValidationContext
    # Every question asked, with the cache key and the answer the context holds.
    answers: tuple[tuple[Hashable, Lookup], ...]

    def current(self, cache: LookupCache) -> bool:
        """Whether the cache still gives every one of these answers (then the context is still the right one)."""
        return all(cache.cached(key) is answer for key, answer in self.answers)


def _context_key(plan: _Plan, user: UserInfo, strict: bool, unresolved: Severity) -> str:
    """A digest of every answer in the snapshot: equal keys, equal diagnostics for the same object."""
    parts: list[Any] = [strict, str(unresolved), user.username, user.uid, list(user.groups)]
    for answers in (plan.secrets.answers, plan.access.answers, plan.templates.workflow_templates,
                    plan.templates.cluster_templates):
        parts.append(sorted((repr(k), _lookup_key(v)) for k, v in answers.items()))
    return "cluster:" + hashlib.blake2b(wirejson.canonical(parts), digest_size=20).hexdigest()


def _lookup_key(lookup: Lookup) -> list[Any]:
    value = lookup.value
    if isinstance(value, frozenset | set):
        value = sorted(value)
    elif isinstance(value, dict):
        # A WorkflowTemplate: its identity and version, or (objects without them) its whole content.
        md = value.get("metadata")
        uid, version = (md.get("uid"), md.get("resourceVersion")) if isinstance(md, dict) else (None, None)
        value = [uid, version] if uid and version else wirejson.canonical(value).decode("utf-8", "surrogatepass")
    return [lookup.state.value, value, lookup.reason, str(lookup.severity) if lookup.severity else None]


def _plan(lookups: ClusterLookups, needs: Needs, user: Subject, anonymous: Lookup) -> _Plan:
    plan = _Plan()
    namespace = needs.namespace
    for name in needs.cluster_templates:
        plan.ask(lookups.request_cluster_workflow_template(name), plan.templates.cluster_templates, name)
    for name in needs.workflow_templates:
        if namespace is None:
            plan.templates.workflow_templates[(None, name)] = unknown(WHERE_USED, Severity.INFO)
        else:
            plan.ask(lookups.request_workflow_template(namespace, name), plan.templates.workflow_templates,
                     (namespace, name))
    reviewable = bool(user.user or user.groups)
    for name in needs.secrets:
        if namespace is None:
            plan.secrets.answers[(None, name)] = unknown(WHERE_USED, Severity.INFO)
            plan.access.answers[(None, name, None)] = unknown(WHERE_USED, Severity.INFO)
            continue
        plan.ask(lookups.request_secret(namespace, name), plan.secrets.answers, (namespace, name))
        if reviewable:
            plan.ask(lookups.request_access(namespace, name, user), plan.access.answers, (namespace, name, None))
        else:
            plan.access.answers[(namespace, name, None)] = anonymous
        account = needs.service_account
        if account is not None and name in needs.sent:
            plan.ask(lookups.request_access(namespace, name, Subject.service_account(namespace, account)),
                     plan.access.answers, (namespace, name, account))
    return plan


def _plan_nested(lookups: ClusterLookups, plan: _Plan, namespace: str | None, documents: int) -> None:
    """Ask for the templates that fetched templates reference and nobody asked for yet (``documents`` in all)."""
    templates = plan.templates
    budget = documents - len(templates.workflow_templates) - len(templates.cluster_templates)
    fetched = [lookup.value for lookup in (*templates.workflow_templates.values(),
                                           *templates.cluster_templates.values())]
    taken: set[Any] = set()
    for document in fetched:
        spec = document.get("spec") if isinstance(document, dict) else None
        if not isinstance(spec, dict):
            continue
        namespaced, cluster = _referenced_names(spec)
        for name in sorted(cluster - templates.cluster_templates.keys() - taken):
            if budget <= 0:
                return
            plan.ask(lookups.request_cluster_workflow_template(name), templates.cluster_templates, name)
            taken.add(name)
            budget -= 1
        if namespace is None:
            continue  # a ClusterWorkflowTemplate's namespaced calls are resolved where it is used
        for name in sorted(namespaced):
            key = (namespace, name)
            if key in templates.workflow_templates or key in taken or budget <= 0:
                continue
            plan.ask(lookups.request_workflow_template(namespace, name), templates.workflow_templates, key)
            taken.add(key)
            budget -= 1


def _plan_inherited(lookups: ClusterLookups, plan: _Plan, namespace: str | None,
                    sends: tuple[InheritedSend, ...], user: Subject, anonymous: Lookup) -> None:
    """Access reviews for the requesting user on secrets referenced templates send (those not asked yet)."""
    reviewable = bool(user.user or user.groups)
    for name in sorted({send.ref.name for send in sends}):
        key = (namespace, name, None)
        if key in plan.access.answers:  # the object sends it itself: reviewed in the first round
            continue
        if namespace is None:
            plan.access.answers[key] = unknown(WHERE_USED, Severity.INFO)
        elif reviewable:
            plan.ask(lookups.request_access(namespace, name, user), plan.access.answers, key)
        else:
            plan.access.answers[key] = anonymous
