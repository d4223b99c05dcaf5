"""Prometheus metrics of one server, in a registry of its own (several servers can live in one test process)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from webhook.manifest import ARGO_KINDS
from webhook.validation.memo import ValidationMemo

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Admission is expected to take about a millisecond; the API server gives up after at most 30 s.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("webhook", "kind", "operation", "verdict")
        self.reviews = Counter("argo_warden_admission_reviews", "Admission reviews answered",
                               labels, registry=self.registry)
        self.latency = Histogram("argo_warden_admission_duration_seconds",
                                 "Time from reading an admission review to answering it",
                                 labels, buckets=LATENCY_BUCKETS, registry=self.registry)
        self.rejected = Counter("argo_warden_http_rejected_requests",
                                "Requests refused before a review could be answered (bad body, too large, busy)",
                                ("route", "status"), registry=self.registry)
        self.in_flight = Gauge("argo_warden_admission_in_flight", "Admission reviews being worked on",
                               registry=self.registry)
        self._review_children: dict[tuple[str, ...], tuple[Any, Any]] = {}
        # Findings of validated objects by code, namespace and the enforcement mode that judged them:
        # in audit mode the only trace of what would have been refused (codes and namespaces are bounded sets).
        self.findings = Counter("argo_warden_findings", "Findings (error and warning codes) of validated objects",
                                ("code", "namespace", "enforcement"), registry=self.registry)
        self._finding_children: dict[tuple[str, str, str], Any] = {}
        self.tls_reloads = Counter("argo_warden_tls_reloads", "Certificate reloads from the files",
                                   ("result",), registry=self.registry)

    def observe_review(self, webhook: str, kind: str, operation: str, verdict: str, seconds: float) -> None:
        labels = (webhook, kind if kind in ARGO_KINDS else "other", operation, verdict)
        children = self._review_children.get(labels)
        if children is None:
            # labels() validates and locks on every call; the label sets are few (2×5×4×3), keep their children.
            children = self._review_children[labels] = (self.reviews.labels(*labels), self.latency.labels(*labels))
        children[0].inc()
        children[1].observe(seconds)

    def count_findings(self, codes: Iterable[str], namespace: str, enforcement: str) -> None:
        """One more finding of each code in ``namespace``, judged under ``enforcement``."""
        children = self._finding_children
        for code in codes:
            labels = (code, namespace, enforcement)
            child = children.get(labels)
            if child is None:
                # As for reviews: labels() validates and locks on every call, and a denial has a few codes.
                # Kept exactly as long as the counter keeps its own child for these labels (for good).
                child = children[labels] = self.findings.labels(*labels)
            child.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MemoCollector:
    """Hits and misses of the validation memo, read when /metrics is scraped."""

    def __init__(self, memo: ValidationMemo) -> None:
        self.memo = memo

    def collect(self) -> Iterator[Any]:
        results = CounterMetricFamily("argo_warden_validation_memo", "Validations answered from the memo or computed",
                                      labels=["result"])
        results.add_metric(["hit"], self.memo.hits)
        results.add_metric(["miss"], self.memo.misses)
        yield results
        yield GaugeMetricFamily("argo_warden_validation_memo_entries", "Validation results kept in the memo",
                                value=len(self.memo))
        yield GaugeMetricFamily("argo_warden_validation_memo_bytes",
                                "Estimated bytes of the validation results kept in the memo", value=self.memo.bytes)


class PoolCounts(Protocol):
    """What the worker pool (webhook.server.workers) counts."""

    replaced: int
    rescued: int

    def waiting(self) -> int: ...


class PoolCollector:
    """The validation workers' counts, read when /metrics is scraped."""

    def __init__(self, pool: PoolCounts) -> None:
        self.pool = pool

    def collect(self) -> Iterator[Any]:
        yield CounterMetricFamily("argo_warden_validation_workers_replaced",
                                  "Validation worker processes killed and replaced (a review overran its deadline, "
                                  "or the worker died)", value=self.pool.replaced)
        yield CounterMetricFamily("argo_warden_validation_jobs_rescued",
                                  "Reviews queued behind a slow one on a worker and sent to another instead",
                                  value=self.pool.rescued)
        yield GaugeMetricFamily("argo_warden_validation_jobs_waiting",
                                "Reviews waiting for a validation worker to take them", value=self.pool.waiting())
