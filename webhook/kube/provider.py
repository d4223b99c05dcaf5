"""The cluster context provider for ``argo-warden serve --kubeconfig/--in-cluster``.

A drop-in for the offline provider (``webhook.admission.provider``): each review's
context is a snapshot of cluster answers fetched before validation. Lookups stop
a little before the review's deadline so validation and the answer still fit;
an answer that could not be had is UNKNOWN, and its findings are errors under
the closed failure policy and warnings under the open one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from webhook.admission.enforcement import LABEL as ENFORCEMENT_LABEL
from webhook.admission.provider import Deadline, FailurePolicy
from webhook.admission.review import AdmissionRequest
from webhook.diagnostics import Severity
from webhook.kube.cache import LookupCache
from webhook.kube.client import KubeClient
from webhook.kube.connection import ClusterConnection
from webhook.kube.lookups import ClusterLookups, SecretAccess, Subject
from webhook.kube.prefetch import Snapshot, snapshot_context
from webhook.manifest import Manifest
from webhook.settings import DEFAULT_CLUSTER, ClusterSettings
from webhook.spec.lookups import Lookup
from webhook.validation.context import ValidationContext
from webhook.validation.memo import manifest_digest

# Kept back from the deadline for validation and the answer: a tenth of what is left, 5 ms to 250 ms.
MIN_RESERVE, MAX_RESERVE = 0.005, 0.25


def lookup_deadline(deadline: Deadline) -> Deadline:
    reserve = min(MAX_RESERVE, max(MIN_RESERVE, deadline.remaining() / 10))
    return Deadline(deadline.expires - reserve)


class ClusterProvider:
    answers_at_once = False

    def __init__(self, connection: ClusterConnection, failure_policy: FailurePolicy = FailurePolicy.CLOSED,
                 strict: bool = True, secret_access: SecretAccess = SecretAccess.KEYS,
                 cache: LookupCache | None = None, no_identity: Lookup | None = None,
                 settings: ClusterSettings = DEFAULT_CLUSTER) -> None:
        self.settings = settings
        self.client = KubeClient(connection, settings)
        if cache is None:
            cache = LookupCache(settings.ttls, settings.cache_entries)
        self.lookups = ClusterLookups(self.client, cache, secret_access)
        self.failure_policy = failure_policy
        self.strict = strict
        # The last snapshot per (object digest, user): finding what an object needs walks all of it and
        # the same objects come back again and again (see webhook.validation.memo); a snapshot is reused
        # while the lookup cache still holds every answer in it.
        self._snapshots: OrderedDict[tuple[bytes, Subject, Severity], Snapshot] = OrderedDict()
        # The answer to the requesting user's access reviews when a request names no user (audit).
        self.no_identity = no_identity
        # Namespace labels read after validation (the enforcement mode): fetched while the object is judged.
        self.warm_labels: tuple[str, ...] = (ENFORCEMENT_LABEL,)
        self._warming: set[asyncio.Task[Lookup]] = set()

    async def start(self) -> None:
        await self.client.start()

    async def close(self) -> None:
        await self.client.close()

    async def context_for(self, request: AdmissionRequest, manifest: Manifest, deadline: Deadline) -> ValidationContext:
        if request.namespace and self.warm_labels:
            self._warm(request.namespace, deadline)
        unresolved = Severity.ERROR if self.failure_policy is FailurePolicy.CLOSED else Severity.WARNING
        key = (manifest_digest(manifest), Subject.of(request.user), unresolved)
        kept = self._snapshots.get(key)
        if kept is not None and kept.current(self.lookups.cache):
            self._snapshots.move_to_end(key)
            return kept.context
        snapshot = await snapshot_context(self.lookups, manifest, request.user, lookup_deadline(deadline),
                                          strict=self.strict, unresolved=unresolved, no_identity=self.no_identity,
                                          settings=self.settings)
        self._snapshots[key] = snapshot
        self._snapshots.move_to_end(key)
        if len(self._snapshots) > self.settings.snapshot_entries:
            self._snapshots.popitem(last=False)
        return snapshot.context

    def _warm(self, namespace: str, deadline: Deadline) -> None:
        """Start fetching the namespace's labels unless they are cached or on their way (no task otherwise)."""
        for label in self.warm_labels:
            request = self.lookups.request_namespace_label(namespace, label)
            if not self.lookups.cache.known(request.key):
                task = asyncio.ensure_future(self.lookups.ask(request, lookup_deadline(deadline)))
                self._warming.add(task)
                task.add_done_callback(self._warming.discard)

    async def namespace_label(self, namespace: str, label: str, deadline: Deadline) -> str | None:
        """A label of ``namespace`` (cached like every cluster read); None when absent or not known in time."""
        lookup = await self.lookups.ask(self.lookups.request_namespace_label(namespace, label),
                                        lookup_deadline(deadline))
        return lookup.value if lookup.found and isinstance(lookup.value, str) else None

    def register_metrics(self, registry: CollectorRegistry) -> None:
        """Expose cache and API call counts on the server's /metrics."""
        registry.register(_LookupCollector(self))


class _LookupCollector:
    def __init__(self, provider: ClusterProvider) -> None:
        self.provider = provider

    def collect(self) -> Iterator[Any]:
        stats = self.provider.lookups.cache.stats
        lookups = CounterMetricFamily("argo_warden_cluster_lookups", "Cluster lookups by how they were answered",
                                      labels=["result"])
        for result, value in (("hit", stats.hits), ("miss", stats.misses), ("coalesced", stats.coalesced),
                              ("deadline", stats.timeouts)):
            lookups.add_metric([result], value)
        yield lookups
        yield CounterMetricFamily("argo_warden_kube_api_requests", "Requests sent to the Kubernetes API server",
                                  value=self.provider.client.requests)
        yield GaugeMetricFamily("argo_warden_cluster_cache_entries", "Answers kept in the lookup cache",
                                value=len(self.provider.lookups.cache))
