"""Where a review's ValidationContext comes from: the provider interface and the offline provider.

A provider looks up what validation needs from the outside world (secret keys,
access reviews, WorkflowTemplates) *before* the pure validator runs. It gets the
request (with the requesting user) and the deadline the API server set, and must
answer before it; when the outside world cannot answer it either returns a
context whose lookups say UNKNOWN, or raises ContextUnavailable, which the
server turns into an answer under the failure policy (open: allow with a
warning; closed: deny).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from webhook.admission.review import AdmissionRequest
from webhook.diagnostics import Severity
from webhook.manifest import Manifest
from webhook.settings import FailurePolicy as FailurePolicy
from webhook.spec.lookups import SecretSource
from webhook.validation.context import ValidationContext


@dataclass(frozen=True, slots=True)
class Deadline:
    """A point on the monotonic clock by which the answer must be on its way."""

    expires: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.expires - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.expires


class ContextUnavailable(Exception):
    """The outside world could not be asked in time (API server down, forbidden, too slow).

    The message is shown to the person whose request was judged: name the thing
    that failed, never a secret value.
    """


class ContextProvider(Protocol):
    # True when context_for never waits on the outside world: the server then arms no timer around it.
    answers_at_once: bool

    async def start(self) -> None:
        """Open clients; called once before the server accepts requests."""
        ...

    async def close(self) -> None: ...

    async def context_for(self, request: AdmissionRequest, manifest: Manifest, deadline: Deadline) -> ValidationContext:
        """The context to validate ``manifest`` (the object of ``request``) with, found before ``deadline``."""
        ...


class OfflineProvider:
    """No cluster: WorkflowTemplates are unknown (references to them are warnings), secrets from a file or none."""

    answers_at_once = True
    # Contexts kept (one per requesting user): a context is immutable and the same users come back.
    KEPT_CONTEXTS = 1024

    def __init__(self, secrets: SecretSource | None = None, failure_policy: FailurePolicy = FailurePolicy.CLOSED,
                 strict: bool = True) -> None:
        self.secrets = secrets
        self.failure_policy = failure_policy
        self.strict = strict
        self._contexts: dict[tuple[str | None, str | None, tuple[str, ...]], ValidationContext] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def context_for(self, request: AdmissionRequest, manifest: Manifest, deadline: Deadline) -> ValidationContext:
        user = request.user.username
        # Policies may read the user's groups, so contexts (and memo keys) differ by them too.
        who = (user, request.user.uid, request.user.groups)
        context = self._contexts.get(who)
        if context is None:
            if len(self._contexts) >= self.KEPT_CONTEXTS:
                self._contexts.clear()
            context = self._contexts[who] = ValidationContext(
                strict=self.strict,
                secrets=self.secrets,
                # Without a cluster a missing template may well exist there: say so, do not deny.
                unresolved_severity=Severity.WARNING,
                user=user,
                user_info={"username": user, "uid": request.user.uid, "groups": list(request.user.groups)},
                # Everything above is fixed for this provider's lifetime but the user.
                cache_key=f"offline:{id(self)}:{self.strict}:{who!r}",
            )
        return context
