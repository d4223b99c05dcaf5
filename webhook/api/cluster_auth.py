"""Who calls the REST API in a cluster: the Kubernetes API says, with a TokenReview and SubjectAccessReviews.

A bearer token is reviewed once and its answer kept for a short while, keyed by
the token's SHA-256 (the token itself is kept nowhere); each request's verb and
resource are then reviewed for that user, as Argo's RBAC would need them
(group argoproj.io), and kept briefly too. ``server_mode``: no token; the
server's service account acts, and its RBAC is the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from webhook.api.errors import ApiError, Code
from webhook.api.identity import Identity
from webhook.api.local_auth import bearer_token, digest
from webhook.kube.client import ApiUnavailable, KubeClient, keep_all
from webhook.settings import DEFAULT_API

TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"
SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
GROUP = "argoproj.io"


class _TtlCache:
    def __init__(self, seconds: float, max_entries: int, clock: Callable[[], float]) -> None:
        self.seconds, self.max_entries, self.clock = seconds, max_entries, clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self.clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        self._entries[key] = (self.clock() + self.seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class ClusterAuthenticator:
    def __init__(self, client: KubeClient, *, server_mode: bool = False,
                 token_seconds: float = DEFAULT_API.token_cache_seconds,
                 access_seconds: float = DEFAULT_API.access_cache_seconds,
                 call_seconds: float = DEFAULT_API.review_seconds, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.server_mode = server_mode
        self.call_seconds = call_seconds
        self._identities = _TtlCache(token_seconds, 10_000, clock)
        self._access = _TtlCache(access_seconds, 50_000, clock)
        # Calls actually sent (for tests and metrics).
        self.token_reviews = 0
        self.access_reviews = 0

    async def authenticate(self, authorization: str | None) -> Identity:
        if self.server_mode:
            return Identity("argo-warden-server", client_key="server")
        token = bearer_token(authorization)
        if token is None:
            raise ApiError(Code.UNAUTHENTICATED, "token not valid: send 'Authorization: Bearer <token>' with a "
                                                 "Kubernetes token (kubectl create token …)")
        key = digest(token)
        known = self._identities.get(key)
        if known is None:
            known = await self._review_token(token, key)
            self._identities.put(key, known)
        if isinstance(known, Identity):
            return known
        raise ApiError(Code.UNAUTHENTICATED, "token not valid")

    async def authorize(self, identity: Identity, verb: str, resource: str, namespace: str | None,
                        name: str | None = None, *, cluster_scoped: bool = False) -> None:
        if self.server_mode:
            return
        if cluster_scoped:
            namespace = None
        key = (identity.client_key, verb, resource, namespace, name)
        allowed = self._access.get(key)
        if allowed is None:
            allowed = await self._review_access(identity, verb, resource, namespace, name)
            self._access.put(key, allowed)
        if not allowed:
            where = (f"in namespace '{namespace}'" if namespace else "(cluster-scoped)" if cluster_scoped
                     else "in all namespaces")
            raise ApiError(Code.PERMISSION_DENIED,
                           f"user '{identity.user}' may not {verb} {resource}.{GROUP} {where}")

    async def _review_token(self, token: str, key: str) -> Identity | bool:
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}
        self.token_reviews += 1
        status = await self._post(TOKEN_REVIEW_PATH, body, "review the token")
        if status.get("authenticated") is not True:
            return False
        found_user = status.get("user")
        user: dict[str, Any] = found_user if isinstance(found_user, dict) else {}
        found_extra = user.get("extra")
        extra: dict[str, Any] = found_extra if isinstance(found_extra, dict) else {}
        return Identity(
            str(user.get("username") or "unknown"), tuple(str(g) for g in user.get("groups") or ()),
            str(user.get("uid") or ""),
            {str(k): tuple(str(v) for v in values) for k, values in extra.items() if isinstance(values, list)},
            client_key=key[:32])

    async def _review_access(self, identity: Identity, verb: str, resource: str, namespace: str | None,
                             name: str | None) -> bool:
        attributes: dict[str, Any] = {"verb": verb, "group": GROUP, "resource": resource}
        if namespace:
            attributes["namespace"] = namespace
        if name:
            attributes["name"] = name
        spec: dict[str, Any] = {"resourceAttributes": attributes, "user": identity.user,
                                "groups": list(identity.groups)}
        if identity.uid:
            spec["uid"] = identity.uid
        if identity.extra:
            spec["extra"] = {k: list(v) for k, v in identity.extra.items()}
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}
        self.access_reviews += 1
        status = await self._post(SAR_PATH, body, "review access")
        return status.get("allowed") is True and status.get("denied") is not True

    async def _post(self, api_path: str, body: dict[str, Any], action: str) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.call_seconds):
                response = await self.client.post(api_path, body, keep_all)
        except TimeoutError:
            raise ApiError(Code.UNAVAILABLE, f"the Kubernetes API did not answer in time to {action}") from None
        except ApiUnavailable as exc:
            raise ApiError(Code.UNAVAILABLE, f"cannot {action}: {exc}") from None
        if not response.ok:
            if response.status in (401, 403):
                raise ApiError(Code.UNAVAILABLE, f"argo-warden's service account may not {action} (create "
                                                 f"{api_path.rsplit('/', 1)[-1]}); check its RBAC")
            raise ApiError(Code.UNAVAILABLE, f"the Kubernetes API answered {response.status} when asked to {action}")
        status = response.value.get("status") if isinstance(response.value, dict) else None
        return status if isinstance(status, dict) else {}
