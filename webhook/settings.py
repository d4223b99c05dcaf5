"""Every setting of ``serve`` by concern, one frozen section each, with a docstring under every field.

As kopf's ``OperatorSettings``: ``listen``, ``tls``, ``admission``, ``validation``,
``api``, ``executor``, ``secrets`` and ``cluster`` are defined here and composed,
with the ``policy`` section (``webhook.policy.settings``), into ``ServerConfig``
(``webhook.server.config``). Each field's docstring says what it bounds and why
its default is what it is, and names the flag that sets it, if any; the others
keep their defaults. ``docs/configuration.md`` is generated from these docstrings.

The standard library only: on the lowest floor, so the client, the cache, the
executor and the server each read their own section without importing each other.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

MIB = 1024 * 1024


class FailurePolicy(enum.StrEnum):
    """What admission answers when the outside world cannot be asked in time."""

    OPEN = "open"
    """Admit the object, with a warning saying what could not be checked."""
    CLOSED = "closed"
    """Deny the object, saying what could not be checked."""


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """The serving certificate's files."""

    cert: str
    """The serving certificate (PEM, with its chain), re-read when it changes."""
    key: str
    """Its private key (PEM)."""


@dataclass(frozen=True, slots=True)
class ListenSettings:
    """Where the server listens and how many connections it holds, for how long."""

    host: str = "0.0.0.0"
    """Address to listen on (``--host``)."""
    port: int = 8443
    """Port to listen on (``--port``)."""
    idle_seconds: float = 75.0
    """A connection must send a complete request head within this long of connecting or of its last answer, or
    it is closed: idle keep-alive connections and clients that send their headers slowly alike. The API server
    reconnects at will (aiohttp's own default keeps idle connections for an hour) (``--idle-timeout``)."""
    max_connections: int = 1000
    """Open connections in all. At the cap a newcomer from an address holding fewer connections displaces the
    largest holder's least recently active one; one from the largest holder is reset at accept time, before any
    TLS work (webhook.server.connections). The memory limit in the chart is sized for this many
    (``--max-connections``)."""
    max_connections_per_client: int = 250
    """Open connections from one client address; one more is reset at accept time
    (``--max-connections-per-client``)."""
    grace_period: float = 20.0
    """On SIGTERM, seconds the requests in flight (those whose bodies are still arriving included) get to finish
    after the server stops accepting (``--grace-period``)."""


@dataclass(frozen=True, slots=True)
class TLSSettings:
    """The serving certificate and the handshake."""

    files: TLSFiles | None = None
    """Certificate and key (``--tls-cert``/``--tls-key``, or made by ``--self-signed``); None: plain HTTP
    (``--no-tls``, local testing only)."""
    poll_seconds: float = 1.0
    """How often the certificate files are checked for a change (cert-manager renews them in place)."""
    handshake_seconds: float = 10.0
    """A TLS handshake must be complete within this long of connecting."""


@dataclass(frozen=True, slots=True)
class AdmissionSettings:
    """The AdmissionReview endpoints: what a review may bring, how long it may take, what a failure answers."""

    max_body_bytes: int = 4 * MIB
    """Largest request body: an AdmissionReview carries object and oldObject, each up to 1.5 MiB in etcd. It is
    also aiohttp's cap for every other route group's bodies."""
    body_seconds: float = 5.0
    """A body must have arrived within this long (or the review's own deadline, if sooner): the API server sends
    it at once, so only a client that dribbles it is cut off."""
    body_budget_bytes: int = 32 * MIB
    """Bytes of large bodies (at least ``small_body_bytes`` each) that may be arriving at once; see bodies.py."""
    small_body_bytes: int = 64 * 1024
    """Bodies smaller than this are never held back by ``body_budget_bytes``."""
    max_concurrency: int = 64
    """Reviews being read or worked on at once; more wait for a slot until their deadline."""
    default_timeout: float = 10.0
    """The review's deadline when the API server sends no ``?timeout=`` (its own default is 10 s)."""
    max_timeout: float = 30.0
    """A longer ``?timeout=`` is cut to this (the API server never sends more than 30 s)."""
    failure_policy: FailurePolicy = FailurePolicy.CLOSED
    """What a review answers when the cluster could not be asked in time: deny (closed) or admit with a warning
    (open) (``--failure-policy``)."""
    plugin_mutation: bool = False
    """Rewrite ``http:`` templates into argo-warden executor-plugin templates (``--plugin-mutation``)."""

    def answer_margin(self, timeout: float) -> float:
        """Time kept back before a deadline to send the answer: a tenth of it, between 50 ms and 500 ms."""
        return min(0.5, max(0.05, timeout / 10))


@dataclass(frozen=True, slots=True)
class ValidationSettings:
    """Where objects are validated (the event loop, threads, worker processes) and what is remembered."""

    max_depth: int = 100
    """JSON nested deeper than this is refused before anything walks it (Argo's objects nest a dozen levels);
    admission, the REST API and the web page alike."""
    offload_bytes: int = 64 * 1024
    """Bodies at least this large are parsed and validated off the event loop."""
    worker_threads: int = 2
    """Threads for that work (CPU-bound: more threads than cores buys nothing under the GIL)."""
    worker_processes: int = 0
    """Processes validating and mutating objects (webhook.server.workers): killed and replaced when one overruns
    a review's deadline. 0: validate in the server process, with no such guarantee (``--workers``, whose
    default is 2)."""
    large_body_bytes: int = 16 * 1024
    """Bodies at least this large go only to the large lane: every worker process but one, at a lower CPU
    priority (small reviews never wait behind them)."""
    memo_bytes: int = 16 * MIB
    """Validation results kept for objects seen again (webhook.validation.memo), bounded by their estimated
    bytes; 0 turns the memo off."""
    memo_entries: int = 4096
    """...and by their count; 0 turns the memo off."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """The Argo-Server-compatible REST API route group."""

    enabled: bool = True
    """Serve the REST API and the web page beside admission (``--no-api`` turns them off)."""
    auth_mode: str = "client"
    """``client``: every request needs a bearer token, checked with the cluster (TokenReview and
    SubjectAccessReview) or against ``tokens_file``; ``server``: no token is asked for, only where the network
    already restricts who can connect (``--auth-mode``)."""
    tokens_file: str | None = None
    """API tokens without a cluster: a YAML list of ``{token, user, namespaces}`` (``--tokens``)."""
    data_dir: str = "argo-warden-data"
    """Where workflows submitted without a cluster are kept (``--data-dir``)."""
    responses_file: str | None = None
    """Recorded responses the embedded executor answers from instead of the network (``--responses``)."""
    rate_limit: float = 50.0
    """Requests per second per client (bursts of four times that); 0: no limit (``--api-rate-limit``)."""
    streams_per_client: int = 8
    """Event streams (watches and server-sent events) open at once from one client; one more gets 429."""
    streams: int = 256
    """Event streams open at once in all."""
    page: int = 500
    """Items per list page, the embedded store's and the cluster's: a larger ``listOptions.limit`` is cut to it."""
    io_seconds: float = 30.0
    """A request body must arrive within this long, and each write to a stream be taken up within it (a client
    that stops reading is let go)."""
    connection_check_seconds: float = 1.0
    """How often a stream checks that its client is still there: one that leaves frees its slot this soon."""
    heartbeat_seconds: float = 15.0
    """A quiet server-sent-event stream gets a comment line this often, so proxies do not cut it as idle."""
    validation_seconds: float = 10.0
    """Validating a submitted object, its cluster lookups included, must be done within this long (no API
    server sets a deadline here as at admission)."""
    max_running: int = 1000
    """Without a cluster: workflows running at once on the embedded executor (each holds connections and
    memory); create, retry and resubmit beyond it get 429 with ``Retry-After``."""
    review_seconds: float = 5.0
    """With a cluster: a TokenReview or SubjectAccessReview must be answered within this long, else 503."""
    token_cache_seconds: float = 30.0
    """With a cluster: a token's TokenReview answer is reused this long (a revoked token still works this
    long)."""
    access_cache_seconds: float = 10.0
    """With a cluster: a SubjectAccessReview answer is reused this long (so is a revoked permission)."""
    cluster_call_seconds: float = 10.0
    """With a cluster: each call to the Kubernetes API for a workflow (create, get, list, delete...) must be
    answered within this long."""


DEFAULT_API = ApiSettings()


@dataclass(frozen=True, slots=True)
class SecretSettings:
    """Secrets without a cluster."""

    file: str | None = None
    """Secret manifests (``--secrets``): their key names for validation and, for the embedded executor, their
    values. Never logged, never in a message."""


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    """The embedded executor's SSRF guard and its cap on what a response may leave behind."""

    allow_hosts: tuple[str, ...] = ()
    """Hosts or CIDRs the SSRF guard lets through even if loopback, link-local or a metadata address
    (``--allow-host``)."""
    deny_hosts: tuple[str, ...] = ()
    """Hosts or CIDRs the SSRF guard refuses besides its defaults (``--deny-host``)."""
    max_body: int = 256 * 1024
    """Largest response body kept as ``outputs.result``, in bytes; a longer one is cut (``--max-body``)."""


DEFAULT_EXECUTOR = ExecutorSettings()


@dataclass(frozen=True, slots=True)
class TTLs:
    """How long a lookup's answer is kept, by what it says."""

    found: float = 30.0
    """Seconds an object or access review that was found is reused (a Secret's new key shows up this late)."""
    missing: float = 5.0
    """Seconds an object that does not exist is remembered as missing (negative caching)."""
    unknown: float = 1.0
    """Seconds before an API server that could not answer is asked again (a short pause, not a retry storm)."""


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """The Kubernetes API client and the cache of what admission looked up in the cluster."""

    max_connections: int = 32
    """Connections open at once to the API server (all lookups share them)."""
    max_body_bytes: int = 8 * MIB
    """Largest answer read from the API server; a larger one is refused as unavailable. A WorkflowTemplate may
    be as large as etcd allows (1.5 MiB), so nothing argo-warden reads comes near it."""
    request_seconds: float = 60.0
    """A safety net on any one call: callers bound each call by their own (shorter) deadline, this only stops
    a call that forgot to from lingering."""
    ttls: TTLs = field(default_factory=TTLs)
    """How long answers are kept: found, missing, unknown."""
    cache_entries: int = 4096
    """Answers kept in the lookup cache; the least recently used go first."""
    snapshot_entries: int = 1024
    """Per-object snapshots of cluster answers kept for objects seen again (reused while every answer in one is
    still cached)."""
    nested_levels: int = 3
    """Templates that referenced templates call in turn are fetched too (for AW708), this many levels down..."""
    nested_documents: int = 24
    """...and at most this many templates in all: a chain of shared libraries is a few levels deep, not a
    graph to crawl."""


DEFAULT_CLUSTER = ClusterSettings()
