"""``ServerConfig``: everything one ``argo-warden serve`` process is told, by section, shared by every route group.

The sections are defined a floor down, in ``webhook.settings`` (the standard
library only, so ``kube/``, ``executor/`` and the server read their own without
importing each other), and re-exported here; ``policy`` is the ``PolicySettings``
lint reads too, so select/ignore mean the same in CI and at admission. Build one
with the sections you change::

    ServerConfig(admission=AdmissionSettings(failure_policy=FailurePolicy.OPEN))
"""

from __future__ import annotations

from dataclasses import dataclass, field

from webhook.policy.settings import DEFAULT_POLICY, PolicySettings
from webhook.settings import (
    DEFAULT_API,
    DEFAULT_CLUSTER,
    DEFAULT_EXECUTOR,
    AdmissionSettings,
    ApiSettings,
    ClusterSettings,
    ExecutorSettings,
    FailurePolicy,
    ListenSettings,
    SecretSettings,
    TLSFiles,
    TLSSettings,
    TTLs,
    ValidationSettings,
)

__all__ = [
    "DEFAULT_API", "DEFAULT_CLUSTER", "DEFAULT_EXECUTOR", "AdmissionSettings", "ApiSettings", "ClusterSettings",
    "ExecutorSettings", "FailurePolicy", "ListenSettings", "PolicySettings", "SecretSettings", "ServerConfig",
    "TLSFiles", "TLSSettings", "TTLs", "ValidationSettings",
]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything one ``serve`` process is told, by section."""

    listen: ListenSettings = field(default_factory=ListenSettings)
    """Address, port and connection limits."""
    tls: TLSSettings = field(default_factory=TLSSettings)
    """Serving certificate, its reloading and the handshake deadline."""
    admission: AdmissionSettings = field(default_factory=AdmissionSettings)
    """AdmissionReview bodies, deadlines and the failure policy."""
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    """Nesting limit, threads, worker processes and the validation memo."""
    api: ApiSettings = field(default_factory=ApiSettings)
    """The REST API route group."""
    executor: ExecutorSettings = DEFAULT_EXECUTOR
    """The embedded executor's SSRF guard and body cap."""
    secrets: SecretSettings = field(default_factory=SecretSettings)
    """Secret manifests read instead of a cluster."""
    cluster: ClusterSettings = DEFAULT_CLUSTER
    """The Kubernetes API client and lookup cache (with ``--kubeconfig``, ``--context`` or ``--in-cluster``)."""
    policy: PolicySettings = DEFAULT_POLICY
    """What is reported and how (``--config``, ``--select``, ``--ignore``, ``--policy``), and the enforcement
    mode (``--enforcement``): the same settings lint reads (webhook.policy)."""
