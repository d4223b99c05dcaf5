"""What admission asks the API server, as cached lookups: secret key names, access reviews, WorkflowTemplates.

Every answer is a ``Lookup``: FOUND with a value, MISSING (the API server said
404 for that object), or UNKNOWN with a reason a user can act on (API server
down, too slow, or argo-warden's own RBAC forbids the call). ``request_*``
methods return the cache key and the fetch, so the prefetch step can answer
everything that is cached without creating a single task.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from webhook.admission.provider import Deadline
from webhook.admission.review import UserInfo
from webhook.kube.cache import LookupCache
from webhook.kube.client import (
    METADATA_ONLY,
    ApiResponse,
    ApiUnavailable,
    KubeClient,
    keep_all,
    path,
    secret_key_names,
)
from webhook.spec.lookups import MISSING, Lookup, found, unknown

ARGO = ("apis", "argoproj.io", "v1alpha1")
SAR_PATH = path("apis", "authorization.k8s.io", "v1", "subjectaccessreviews")


class SecretAccess(enum.StrEnum):
    """How much of a Secret argo-warden reads: its key names (``keys``) or only that it exists (``metadata``)."""

    KEYS = "keys"
    METADATA = "metadata"


@dataclass(frozen=True, slots=True)
class Subject:
    """Who an access review is about: the requesting user (from the AdmissionReview) or a service account."""

    user: str | None
    uid: str | None = None
    groups: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, info: UserInfo) -> Subject:
        return cls(info.username, info.uid, tuple(info.groups), tuple(sorted(info.extra.items())))

    @classmethod
    def service_account(cls, namespace: str, name: str) -> Subject:
        # The identity the API server gives a pod running as this account.
        return cls(f"system:serviceaccount:{namespace}:{name}", None,
                   ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"))

    def review_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if self.user:
            spec["user"] = self.user
        if self.uid:
            spec["uid"] = self.uid
        if self.groups:
            spec["groups"] = list(self.groups)
        if self.extra:
            spec["extra"] = {k: list(v) for k, v in self.extra}
        return spec


@dataclass(frozen=True, slots=True)
class Request:
    key: Hashable
    fetch: Callable[[], Awaitable[Lookup]]


class ClusterLookups:
    def __init__(self, client: KubeClient, cache: LookupCache | None = None,
                 secret_access: SecretAccess = SecretAccess.KEYS) -> None:
        self.client = client
        self.cache = cache if cache is not None else LookupCache()
        self.secret_access = secret_access

    async def ask(self, request: Request, deadline: Deadline) -> Lookup:
        return await self.cache.get(request.key, request.fetch, deadline)

    # ------------------------------------------------------------ secrets

    def request_secret(self, namespace: str, name: str) -> Request:
        """Key names of a Secret (a frozenset), or None as the value in metadata mode."""
        api = path("api", "v1", "namespaces", namespace, "secrets", name)
        what = f"secret '{name}' in namespace '{namespace}'"

        async def fetch() -> Lookup:
            if self.secret_access is SecretAccess.METADATA:
                response: ApiResponse[Any] = await self.client.get(api, _exists, accept=METADATA_ONLY)
            else:
                response = await self.client.get(api, secret_key_names)
            return _answer(response, name, what, "secrets", namespace)

        return _guarded(("secret", namespace, name, self.secret_access), fetch)

    # ------------------------------------------------------------ access reviews

    def request_access(self, namespace: str, name: str, subject: Subject) -> Request:
        """May ``subject`` get Secret ``name`` in ``namespace``? (a bool)"""

        async def fetch() -> Lookup:
            # Built only when asked: most requests are answered from the cache.
            body = {
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"resourceAttributes": {"namespace": namespace, "verb": "get", "group": "", "version": "v1",
                                                "resource": "secrets", "name": name},
                         **subject.review_spec()},
            }
            response = await self.client.post(SAR_PATH, body, _review_status)
            if not response.ok:
                return _failed(response, "create subjectaccessreviews", "")
            allowed, denied, error = response.value or (False, False, "")
            if allowed:
                return found(True)
            if error and not denied:
                # An authorizer failed (a webhook authorizer down): no answer, rather than a wrong "no".
                return unknown(f"the access review failed: {error[:160]}")
            return found(False)

        return _guarded(("access", namespace, name, subject), fetch)

    # ------------------------------------------------------------ Argo templates

    def request_workflow_template(self, namespace: str, name: str) -> Request:
        api = path(*ARGO, "namespaces", namespace, "workflowtemplates", name)
        what = f"WorkflowTemplate '{name}'"

        async def fetch() -> Lookup:
            response = await self.client.get(api, keep_all)
            return _answer(response, name, what, "workflowtemplates", namespace)

        return _guarded(("workflowtemplate", namespace, name), fetch)

    def request_cluster_workflow_template(self, name: str) -> Request:
        api = path(*ARGO, "clusterworkflowtemplates", name)

        async def fetch() -> Lookup:
            response = await self.client.get(api, keep_all)
            return _answer(response, name, f"ClusterWorkflowTemplate '{name}'", "clusterworkflowtemplates", None)

        return _guarded(("clusterworkflowtemplate", name), fetch)


    # ------------------------------------------------------------ namespaces

    def request_namespace_label(self, namespace: str, label: str) -> Request:
        """The value of one label of a Namespace (a str, or None when it has no such label)."""
        api = path("api", "v1", "namespaces", namespace)

        def extract(body: Any) -> str | None:
            md = body.get("metadata") if isinstance(body, dict) else None
            labels = md.get("labels") if isinstance(md, dict) else None
            value = labels.get(label) if isinstance(labels, dict) else None
            return value if isinstance(value, str) else None

        async def fetch() -> Lookup:
            response = await self.client.get(api, extract)
            return _answer(response, namespace, f"namespace '{namespace}'", "namespaces", None)

        return _guarded(("namespace-label", namespace, label), fetch)


def _guarded(key: Hashable, fetch: Callable[[], Awaitable[Lookup]]) -> Request:
    async def guarded() -> Lookup:
        try:
            return await fetch()
        except ApiUnavailable as exc:
            return unknown(str(exc))

    return Request(key, guarded)


def _answer(response: ApiResponse[Any], name: str, what: str, resource: str, namespace: str | None) -> Lookup:
    if response.ok:
        return found(response.value)
    error = response.error
    if response.status == 404 and error is not None and error.name == name:
        return MISSING
    if response.status == 404:
        # No details.name: the resource type itself is not served.
        return unknown(f"the API server does not serve {resource} (are the CRDs installed?)")
    return _failed(response, f"get {resource}", f" in namespace '{namespace}'" if namespace else "")


def _failed(response: ApiResponse[Any], action: str, where: str) -> Lookup:
    status = response.status
    if status == 401:
        return unknown("the API server does not accept argo-warden's credentials")
    if status == 403:
        return unknown(f"argo-warden may not {action}{where} (see the chart's RBAC)")
    detail = response.error.reason if response.error and response.error.reason else ""
    return unknown(f"the API server answered {status}{' ' + detail if detail else ''}")


def _exists(body: Any) -> None:
    # Metadata only: annotations may still hold a last-applied copy of the data; nothing is kept.
    return None


def _review_status(body: Any) -> tuple[bool, bool, str]:
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, dict):
        return False, False, "the review came back without a status"
    error = status.get("evaluationError")
    return status.get("allowed") is True, status.get("denied") is True, error if isinstance(error, str) else ""
