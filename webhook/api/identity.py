"""Who is calling the REST API, and the two questions every request asks: who are you, may you do this."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Identity:
    user: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Namespaces a local token may use; None: decided per request elsewhere (cluster: SubjectAccessReview,
    # or every namespace for a "*" token and for --auth-mode server).
    namespaces: frozenset[str] | None = None
    # A digest of the credential, for per-client rate limits; never the token itself.
    client_key: str = ""

    def may_use(self, namespace: str | None) -> bool:
        return self.namespaces is None or namespace is None or namespace in self.namespaces


class Authenticator(Protocol):
    """One of: the server's own identity (--auth-mode server), a token file or start-up token, the cluster."""

    async def authenticate(self, authorization: str | None) -> Identity:
        """The identity behind an ``Authorization`` header value; ``ApiError(UNAUTHENTICATED)`` if none."""
        ...

    async def authorize(self, identity: Identity, verb: str, resource: str, namespace: str | None,
                        name: str | None = None, *, cluster_scoped: bool = False) -> None:
        """Raise ``ApiError(PERMISSION_DENIED)`` unless ``identity`` may ``verb`` the ``resource``.

        ``namespace`` None: in every namespace, or (``cluster_scoped``) a resource that has no namespace.

        ``verb`` and ``resource`` are Kubernetes RBAC terms for group argoproj.io, as Argo's
        own RBAC would need them: e.g. ("create", "workflows"), ("list", "workflowtemplates"),
        ("update", "workflows") for stop/terminate/retry, ("get", "workflows") for the event stream.
        """
        ...
