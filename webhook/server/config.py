"""Settings of one ``argo-warden serve`` process, shared by every route group."""

from __future__ import annotations

from dataclasses import dataclass

from webhook.admission.provider import FailurePolicy
from webhook.executor.http_step import DEFAULT_MAX_BODY
from webhook.policy.settings import DEFAULT_POLICY, PolicySettings

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class TLSFiles:
    cert: str
    key: str


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "0.0.0.0"
    port: int = 8443
    # None: plain HTTP (``--no-tls``, local testing only).
    tls: TLSFiles | None = None
    # How often the certificate files are checked for a change.
    tls_poll_seconds: float = 1.0
    # An AdmissionReview carries object and oldObject, each up to 1.5 MiB in etcd.
    max_body_bytes: int = 4 * MIB
    max_depth: int = 100
    # A body must have arrived within this long (or the review's own deadline, if sooner): the API server
    # sends it at once, so only a client that dribbles it is cut off.
    body_seconds: float = 5.0
    # Bytes of large bodies (at least ``small_body_bytes`` each) that may be arriving at once; see bodies.py.
    body_budget_bytes: int = 32 * MIB
    small_body_bytes: int = 64 * 1024
    # Reviews being read or worked on at once; more wait for a slot until their deadline.
    max_concurrency: int = 64
    # Bodies at least this large are parsed and validated off the event loop.
    offload_bytes: int = 64 * 1024
    # Threads for that work (CPU-bound: more threads than cores buys nothing under the GIL).
    worker_threads: int = 2
    # Processes validating and mutating objects (webhook.server.workers): killed and replaced when one
    # overruns a review's deadline. 0: validate in the server process (no such guarantee).
    worker_processes: int = 0
    # Bodies at least this large may take all workers but one (small reviews never wait behind them).
    large_body_bytes: int = 16 * 1024
    # Validation results kept for objects seen again (webhook.validation.memo), bounded by their estimated
    # bytes (and by a count); either at 0 turns it off.
    memo_bytes: int = 16 * MIB
    memo_entries: int = 4096
    # When the API server sends no ?timeout= (its default is 10s; it never sends more than 30s).
    default_timeout: float = 10.0
    max_timeout: float = 30.0
    failure_policy: FailurePolicy = FailurePolicy.CLOSED
    plugin_mutation: bool = False
    grace_period: float = 20.0
    # A connection must send a complete request head within this long of connecting or of its last answer,
    # or it is closed: idle keep-alive connections and clients that send their headers slowly alike.
    # The API server reconnects at will (aiohttp's own default keeps idle connections for an hour).
    idle_seconds: float = 75.0
    # Open connections, in all and from one client address; past either, a new one is reset at accept time
    # (webhook.server.connections). The memory limit in the chart is sized for max_connections.
    max_connections: int = 1000
    max_connections_per_client: int = 250
    # A TLS handshake must be complete within this long of connecting.
    handshake_seconds: float = 10.0
    # Read by the Argo-Server-compatible API route group.
    api: bool = True
    auth_mode: str = "client"
    tokens_file: str | None = None
    data_dir: str = "argo-warden-data"
    responses_file: str | None = None
    # Secret manifests (--secrets): key names for validation and, for the embedded executor, values.
    secrets_file: str | None = None
    # The embedded executor's SSRF guard (--allow-host/--deny-host) and outputs.result cap (--max-body).
    allow_hosts: tuple[str, ...] = ()
    deny_hosts: tuple[str, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    # REST API requests per second per client (bursts of four times that); 0: no limit.
    api_rate_limit: float = 50.0
    # What is reported and how (--config, --select, --ignore), and the enforcement mode (--enforcement);
    # the same settings lint reads (webhook.policy).
    policy: PolicySettings = DEFAULT_POLICY

    def answer_margin(self, timeout: float) -> float:
        """Time kept back before a deadline to send the answer: a tenth of it, between 50 ms and 500 ms."""
        return min(0.5, max(0.05, timeout / 10))
