"""Where workflows and WorkflowTemplates live: the embedded store and executor, or the Kubernetes API.

Routes validate and authorize first, then call a backend; a backend raises
``webhook.api.errors.ApiError`` (NOT_FOUND, ALREADY_EXISTS, ...) for what the
client must hear. Objects are plain Argo JSON (apiVersion, kind, metadata, spec, status).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from webhook.api.identity import Identity

Object = dict[str, Any]
EventType = Literal["ADDED", "MODIFIED", "DELETED"]
# Both kinds a backend stores; ClusterWorkflowTemplates are only linted.
Kind = Literal["Workflow", "WorkflowTemplate"]


@dataclass(frozen=True, slots=True)
class ListQuery:
    # Parsed "a=b,c!=d,e in (f,g),h,!i" label selector; None: no filter.
    label_selector: str | None = None
    # Field filters Argo's list supports cheaply: metadata.name, status.phase (several phases: any of them).
    name: str | None = None
    name_prefix: str | None = None
    phases: tuple[str, ...] = ()
    limit: int = 0  # 0: the backend's page cap
    continue_token: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Object]
    # Opaque; None when this is the last page.
    continue_token: str | None = None
    resource_version: str = ""
    remaining: int | None = None


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: EventType
    object: Object


@dataclass(frozen=True, slots=True)
class WatchQuery:
    name: str | None = None
    label_selector: str | None = None
    # Events of objects whose resourceVersion is newer than this; None: the current state first (ADDED), then changes.
    resource_version: str | None = None


class Backend(Protocol):
    async def start(self) -> None:
        """Open connections; the local backend also resumes or fails runs a crash interrupted."""
        ...

    async def close(self) -> None:
        """Stop cleanly: running workflows are persisted so a restart finds them."""
        ...

    async def create(self, kind: Kind, namespace: str, obj: Object, identity: Identity) -> Object:
        """Store (and for a Workflow, start) ``obj``; name from metadata.name or generateName. Returns it as stored."""
        ...

    async def get(self, kind: Kind, namespace: str, name: str) -> Object: ...

    async def list(self, kind: Kind, namespace: str, query: ListQuery) -> Page:
        """``namespace`` "" lists every namespace."""
        ...

    async def update(self, kind: Kind, namespace: str, name: str, obj: Object) -> Object:
        """Replace a WorkflowTemplate (optimistic: a stale metadata.resourceVersion → ABORTED)."""
        ...

    async def delete(self, kind: Kind, namespace: str, name: str) -> None: ...

    async def stop(self, namespace: str, name: str, *, terminate: bool, message: str = "") -> Object:
        """stop: exit handlers still run; terminate: nothing more runs. FAILED_PRECONDITION if already finished."""
        ...

    async def suspend(self, namespace: str, name: str) -> Object:
        """spec.suspend: nodes running go on, no new ones start. FAILED_PRECONDITION if already finished."""
        ...

    async def resume(self, namespace: str, name: str, node_field_selector: str = "") -> Object:
        """Clear spec.suspend and end the waiting suspend nodes (those the selector picks, else all) Succeeded."""
        ...

    async def retry(self, namespace: str, name: str, *, restart_successful: bool = False,
                    node_field_selector: str = "", parameters: Sequence[str] = ()) -> Object:
        """Run a Failed/Error workflow again, keeping the nodes that Succeeded (Argo's retry: webhook.api.retry)."""
        ...

    async def resubmit(self, namespace: str, name: str, identity: Identity, parameters: Sequence[str] = ()) -> Object:
        """A new workflow from the old one's spec (generateName "<name>-"), ``name=value`` parameters overriding."""
        ...

    def watch(self, namespace: str, query: WatchQuery) -> AsyncIterator[WatchEvent]:
        """Workflow events until the caller stops iterating; ``namespace`` "" watches every namespace."""
        ...
