"""retryStrategy as Argo's controller applies it.

``limit`` retries after the first attempt (no limit: retry until it succeeds);
``retryPolicy`` picks which ends are retried: OnFailure (default) Failed,
OnError Error, Always both, OnTransientError those whose cause is transient
(no response, or 408/429/502/503/504). Backoff waits ``duration * factor^n``
before retry n+1 (capped by ``cap``); ``maxDuration`` stops retrying once that
long has passed since the first attempt started, or when the next wait would
end after it. ``expression`` (expr, with ``lastRetry.status``, ``.message``,
``.duration``, ``.exitCode``) must also hold for a retry to happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webhook.executor.durations import DurationError, parse_duration
from webhook.executor.nodes import Phase
from webhook.executor.scope import RenderError, Scope
from webhook.spec.walk import as_dict

POLICIES = ("Always", "OnFailure", "OnError", "OnTransientError")


class RetryError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RetryStrategy:
    limit: int | None = None
    policy: str = "OnFailure"
    duration: float | None = None
    factor: float | None = None
    cap: float | None = None
    max_duration: float | None = None
    expression: str | None = None

    @classmethod
    def parse(cls, raw: Any, scope: Scope) -> RetryStrategy | None:
        """None when the template has no retryStrategy; raises RetryError for one that cannot be used."""
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise RetryError("retryStrategy must be a mapping")
        try:
            limit = _whole(raw.get("limit"), "limit", scope)
            policy = raw.get("retryPolicy") or "OnFailure"
            if policy not in POLICIES:
                raise RetryError(f"retryPolicy {policy!r} is not one of {', '.join(POLICIES)}")
            backoff = as_dict(raw.get("backoff"))
            duration = _duration(backoff.get("duration"), "backoff.duration", scope)
            if backoff and duration is None:
                raise RetryError("retryStrategy.backoff needs a duration")
            factor = _whole(backoff.get("factor"), "backoff.factor", scope)
            expression = raw.get("expression")
            if expression is not None and not isinstance(expression, str):
                raise RetryError("retryStrategy.expression must be a string")
            return cls(
                limit=limit,
                policy=str(policy),
                duration=duration,
                factor=float(factor) if factor is not None else None,
                cap=_duration(backoff.get("cap"), "backoff.cap", scope),
                max_duration=_duration(backoff.get("maxDuration"), "backoff.maxDuration", scope),
                expression=expression or None,
            )
        except RenderError as exc:
            raise RetryError(str(exc)) from None

    def retries(self, phase: Phase, transient: bool) -> bool:
        """Whether an attempt that ended in ``phase`` is one this policy retries."""
        if phase is Phase.SUCCEEDED or not phase.failed_or_error:
            return False
        if self.policy == "Always":
            return True
        if self.policy == "OnFailure":
            return phase is Phase.FAILED
        if self.policy == "OnError":
            return phase is Phase.ERROR
        return transient

    def wait_before(self, attempts: int) -> float:
        """Seconds to wait before the next attempt, after ``attempts`` attempts."""
        if self.duration is None:
            return 0.0
        wait = self.duration
        if self.factor is not None and self.factor > 0:
            wait = self.duration * self.factor ** (attempts - 1)
        if self.cap is not None:
            wait = min(wait, self.cap)
        return wait


def _whole(value: Any, what: str, scope: Scope) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RetryError(f"retryStrategy.{what} {value!r} is not a whole number")
    if isinstance(value, int):
        if value < 0:
            raise RetryError(f"retryStrategy.{what} {value} is negative")
        return value
    if isinstance(value, str):
        text = scope.render(value).strip()
        if text.isdigit():
            return int(text)
    raise RetryError(f"retryStrategy.{what} {value!r} is not a whole number")


def _duration(value: Any, what: str, scope: Scope) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = scope.render(value)
    try:
        return parse_duration(value, f"retryStrategy.{what}")
    except DurationError as exc:
        raise RetryError(str(exc)) from None
