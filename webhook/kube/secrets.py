"""Secret values read from the cluster, for the executor-plugin sidecar (``argo-warden plugin --in-cluster``).

Each lookup GETs the one Secret through the Kubernetes API and keeps only the
requested key's value, decoded; nothing is cached, so a rotated secret is used
at once and no value outlives the request it was read for. Messages name the
secret, key and namespace, never a value.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from webhook.kube.client import ApiUnavailable, KubeClient, path
from webhook.kube.connection import ClusterConnection, from_kubeconfig, in_cluster
from webhook.secrets.values import SecretUnavailable

# Where Kubernetes mounts the pod's own namespace.
NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


class _KeyMissing:
    """The Secret exists but has no such key (a marker, so the value path never carries text)."""


_MISSING = _KeyMissing()


def _extract(key: str) -> Any:
    def one_key(body: Any) -> str | _KeyMissing | None:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or key not in data:
            string_data = body.get("stringData") if isinstance(body, dict) else None
            if isinstance(string_data, dict) and isinstance(string_data.get(key), str):
                return str(string_data[key])
            return _MISSING
        try:
            return base64.b64decode(str(data[key]), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None

    return one_key


class ClusterSecretValues:
    __slots__ = ("client", "default_namespace", "timeout")

    def __init__(self, connection: ClusterConnection, default_namespace: str | None = None,
                 timeout: float = 10.0) -> None:
        self.client = KubeClient(connection)
        self.default_namespace = default_namespace
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ClusterSecretValues({self.client.connection.description!r})"

    @property
    def description(self) -> str:
        return "the cluster"

    @classmethod
    def in_cluster(cls) -> ClusterSecretValues:
        namespace = None
        try:
            with open(NAMESPACE_FILE, encoding="utf-8") as fh:
                namespace = fh.read().strip() or None
        except OSError:
            pass
        return cls(in_cluster(), namespace)

    @classmethod
    def from_kubeconfig(cls, kubeconfig: str | None, context: str | None = None,
                        default_namespace: str | None = None) -> ClusterSecretValues:
        return cls(from_kubeconfig(kubeconfig, context), default_namespace)

    async def close(self) -> None:
        await self.client.close()

    async def secret_value(self, namespace: str | None, name: str, key: str) -> str:
        ns = namespace or self.default_namespace
        what = f"secret '{name}' (key '{key}')"
        if not ns:
            raise SecretUnavailable(f"{what} cannot be read: the workflow names no namespace")
        try:
            async with asyncio.timeout(self.timeout):
                response = await self.client.get(path("api", "v1", "namespaces", ns, "secrets", name), _extract(key))
        except TimeoutError:
            raise SecretUnavailable(f"{what} cannot be read: the API server did not answer within "
                                    f"{self.timeout:g} s") from None
        except ApiUnavailable as exc:
            raise SecretUnavailable(f"{what} cannot be read: {exc}") from None
        if response.status == 404:
            raise SecretUnavailable(f"secret '{name}' does not exist in namespace '{ns}'")
        if response.status in (401, 403):
            raise SecretUnavailable(f"{what} cannot be read: argo-warden's service account may not get secrets "
                                    f"in namespace '{ns}' ({response.status})")
        if not response.ok:
            raise SecretUnavailable(f"{what} cannot be read: the API server answered {response.status}")
        value = response.value
        if value is _MISSING:
            raise SecretUnavailable(f"secret '{name}' in namespace '{ns}' has no key '{key}'")
        if not isinstance(value, str):
            raise SecretUnavailable(f"{what} is not UTF-8 text")
        return value
