"""``ClusterSettings``: how argo-warden talks to the Kubernetes API server and how long it keeps the answers.

The ``cluster`` section of ``serve``'s settings (``webhook.server.config``); the
client, the lookup cache and the cluster provider take their defaults from here.
Standard library only: every floor above may import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIB = 1024 * 1024


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
